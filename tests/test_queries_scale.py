"""Structured queries that stay fast at 10k documents (issue 12) answer exactly as the plain
Python rules did: the cached catalogue follows every write, compare decides in SQL what the
rules in tests/compare_rules.py say, pages are slices of the whole answer, ask names its first rows."""
from __future__ import annotations

import pytest

from queries.compare import comparison, compare
from queries.filters import Filters, sql_literal
from queries.targets import direction_of, query_targets

from tests.compare_rules import _compared_year, _one_per_plan, ambition_key, default_period, in_period, plan_periods
from tests.test_queries import con  # noqa: F401 — the hand-made database fixture

MORE_TARGETS = [  # doc, indicator, value, unit, comparator, year, char_start
    ("d1", "亿元GDP生产安全事故死亡率", 0.03, "", "<=", 2030, 50),
    ("d2", "亿元GDP生产安全事故死亡率", 5, "%", "decrease_by", None, 60),
    ("d2", "亿元GDP生产安全事故死亡率", 0.012, "", "<=", 2025, 70),
    ("d1", "森林火灾受害率", 0.9, "‰", "<=", None, 80),
    ("d3", "人均避难面积", 30000, "平方公里", ">=", 2025, 90),
]


@pytest.fixture()
def richer(con):  # noqa: F811
    from pipeline.store import _insert

    con.execute("UPDATE documents SET period_start = 2021, period_end = 2025 WHERE doc_id IN ('d1', 'd2')")
    con.execute("UPDATE documents SET period_start = 2016, period_end = 2020 WHERE doc_id = 'd3'")
    _insert(con, "targets", [{"doc_id": d, "target_id": f"{d}:m{i}", "indicator": ind, "value": v, "unit": u,
                              "comparator": c, "year": y, "quote": ind, "page": 1, "char_start": s,
                              "char_end": s + len(ind)} for i, (d, ind, v, u, c, y, s) in enumerate(MORE_TARGETS)])
    return con


def reference(con, indicator, year=None, all_periods=False, **filters):
    """The comparison as the Python rules compute it over every matching row (the code before
    the SQL version): the regions in rank order and the compared period and year."""
    f = Filters.of(None, **filters)
    asked = f.period
    if asked:
        from dataclasses import replace
        f = replace(f, period=None)
    rows = query_targets(con, indicator=indicator, year=year, filters=f)
    period = None if all_periods else (asked or default_period(rows))
    if period:
        rows = [r for r in rows if in_period(r, period)]
    if not rows:
        return [], period, None
    y = _compared_year(rows, year)
    picked = _one_per_plan(rows, y)
    canonical = next((r["canonical_indicator"] for r in picked if r.get("canonical_indicator")), None)
    direction = direction_of(canonical or indicator)
    picked.sort(key=lambda r: r["region"] or "")
    picked.sort(key=ambition_key(direction))
    return [(r["doc_id"], r["value"], r["year"]) for r in picked], period, y


@pytest.mark.parametrize("indicator", ["亿元GDP生产安全事故死亡率", "森林火灾受害率", "人均避难面积",
                                       "生产安全事故死亡人数"])
@pytest.mark.parametrize("options", [{}, {"year": 2025}, {"year": 2030}, {"all_periods": True},
                                     {"period": "十三五"}, {"period": "十四五"}])
def test_sql_comparison_follows_the_python_rules(richer, indicator, options):
    expected, period, year = reference(richer, indicator, **options)
    result = comparison(richer, indicator, **options)
    assert [(r["doc_id"], r["value"], r["year"]) for r in result["rows"]] == expected
    assert result["total"] == len(expected)
    assert (tuple(result["period"]) if result["period"] else None) == period
    if expected:
        assert result["year"] == year
    assert plan_periods(query_targets(richer, indicator=indicator, year=options.get("year"))) == \
        {tuple(p["period"]): p["plans"] for p in result["periods"]}


def test_a_compare_page_is_a_slice_of_the_whole(richer):
    whole = compare(richer, "亿元GDP生产安全事故死亡率", all_periods=True)
    assert len(whole) == 3
    for offset in range(4):
        page = comparison(richer, "亿元GDP生产安全事故死亡率", all_periods=True, limit=2, offset=offset,
                          with_regions=True)
        assert page["rows"] == [dict(r, rank=r["rank"]) for r in whole[offset:offset + 2]]
        assert page["total"] == 3
        assert page["regions"] == [r["region"] for r in whole]


def test_the_catalogue_follows_a_new_name_and_a_new_unit(con):  # noqa: F811
    """The matched names and the unit list are cached per store version: a write that adds a
    name, or a unit no cached list holds, is seen by the next query."""
    from pipeline.store import _insert
    from queries.ask import ask

    assert query_targets(con, indicator="全新的监测指标覆盖率") == []
    _insert(con, "targets", [{"doc_id": "d1", "target_id": "d1:n", "indicator": "全新的监测指标覆盖率", "value": 3.0,
                              "unit": "万亩", "comparator": ">=", "quote": "q", "char_start": 1, "char_end": 2}])
    assert [r["target_id"] for r in query_targets(con, indicator="全新的监测指标覆盖率")] == ["d1:n"]
    assert ask(con, "哪些地区的全新的监测指标覆盖率目标是3平方公里？")["rows"] == []  # caches the unit list
    # a unit that arrives without a new name: the value test must still see its rows
    _insert(con, "targets", [{"doc_id": "d2", "target_id": "d2:n", "indicator": "全新的监测指标覆盖率", "value": 7.0,
                              "unit": "平方公里", "comparator": ">=", "quote": "q", "char_start": 1, "char_end": 2}])
    a = ask(con, "哪些地区的全新的监测指标覆盖率目标是7平方公里？")
    assert [r["target_id"] for r in a["rows"]] == ["d2:n"]
    assert [r["target_id"] for r in ask(con, "哪些地区的全新的监测指标覆盖率目标是7000000平方米？")["rows"]] == ["d2:n"]


def test_ask_names_its_first_rows_and_counts_them_all(richer):
    from queries.ask import ask

    q = "各地区的亿元GDP生产安全事故死亡率目标"
    whole = ask(richer, q, limit=None)
    first = ask(richer, q, limit=1)
    assert len(whole["rows"]) > 1 and "count" not in whole
    assert first["rows"] == whole["rows"][:1] and first["count"] == len(whole["rows"])
    assert first["regions"] == whole["regions"]
    assert f"共{len(whole['rows'])}条" in first["text"]


def test_the_parser_finds_the_longest_known_name_as_before():
    from queries.question import _key_index, _longest_known
    from queries.targets import normalise_indicator

    known = {"死亡率": None, "生产安全事故死亡率": "a", "安全事故死亡率": "b", "事故死亡率": "c", "亿元GDP生产安全事故死亡率": "d",
             "GDP生产安全事故死亡率": "e"}
    for question in ("亿元GDP生产安全事故死亡率控制在0.01以内", "生产安全事故死亡率", "事故死亡率和死亡率", "森林覆盖率"):
        qkey = normalise_indicator(question)
        brute = None
        for name, canonical in known.items():
            key = normalise_indicator(name)
            if len(key) >= 3 and key in qkey and (brute is None or len(key) > len(brute[0])):
                brute = (key, name, canonical)
        assert _longest_known(qkey, _key_index(known)) == brute


def test_sql_literal_quotes_and_refuses():
    assert sql_literal("a'b") == "'a''b'::VARCHAR" and sql_literal(None) == "NULL" and sql_literal(3) == "3"
    assert sql_literal(True) == "TRUE" and sql_literal(0.1) == "0.1::DOUBLE"
    with pytest.raises(ValueError):
        sql_literal("a\0b")


def test_names_are_scored_once_per_concept_and_store_version(con, monkeypatch):  # noqa: F811
    """Tens of thousands of distinct names cost the scoring loop once per concept, not per query;
    a new name (a new store version) scores again."""
    import queries.targets as targets
    from pipeline.store import _insert

    calls = []
    real, plain = targets.NameIndex.score, targets._score_pairs
    monkeypatch.setattr(targets.NameIndex, "score", lambda self, concept: calls.append(concept) or real(self, concept))
    monkeypatch.setattr(targets, "_score_pairs", lambda concept, pairs: calls.append(concept) or plain(concept, pairs))
    first = query_targets(con, indicator="森林火灾受害率")
    assert query_targets(con, indicator="森林火灾受害率") == first and len(calls) == 1
    _insert(con, "targets", [{"doc_id": "d1", "target_id": "d1:f", "indicator": "森林火灾受害率（年均）", "value": 0.3,
                              "unit": "‰", "comparator": "<=", "quote": "q", "char_start": 5, "char_end": 6}])
    assert len(query_targets(con, indicator="森林火灾受害率")) == len(first) + 1 and len(calls) == 2
