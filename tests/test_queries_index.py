"""The in-process target index (queries.target_index) answers pages exactly as SQL does, and
follows every committed change of the store; the name index scores as Concept.match."""
from __future__ import annotations

import pytest

import queries.targets as targets
from queries.targets import Concept, NameIndex, _score_pairs, targets_page

from tests.test_queries import TARGETS, con  # noqa: F401 — the hand-made database fixture
from tests.test_queries_scale import richer  # noqa: F401 — the same, with plan periods and more targets

INDICATORS = ["亿元GDP生产安全事故死亡率", "森林火灾受害率", "人均避难面积", "生产安全事故死亡人数", "避难面积"]
OPTIONS = [{}, {"include_all": True}, {"year": 2025}, {"attribute": "约束性"}, {"comparator": "<="},
           {"comparator": ">"}, {"comparator": "decrease_by"}, {"level": "county"}, {"region": "甲市"},
           {"limit": 1, "offset": 1}, {"offset": 5}, {"year": 2030, "comparator": "<"}, {"limit": None},
           {"limit": None, "offset": 2}]


@pytest.fixture(autouse=True)
def build_at_once(monkeypatch):
    """The index is built for the first query of a store version (not the second, as in use)."""
    import queries.target_index as target_index

    monkeypatch.setattr(target_index, "BUILD_AFTER", 1)
    monkeypatch.setattr(target_index, "BUILD_AFTER_CHURN", 1)


def in_sql(monkeypatch, con, indicator, **options):  # noqa: F811
    with monkeypatch.context() as m:
        m.setattr(targets, "_indexed_page", lambda *a, **k: None)
        return targets_page(con, indicator=indicator, **options)


def indexed(monkeypatch, con, indicator, **options):  # noqa: F811
    used = []
    real = targets._indexed_page
    with monkeypatch.context() as m:
        m.setattr(targets, "_indexed_page", lambda *a, **k: used.append(real(*a, **k)) or used[-1])
        page = targets_page(con, indicator=indicator, **options)
    assert used and used[0] is not None, "the page was not read from the index"
    return page


def same(a, b) -> bool:
    return a == b and all(list(x) == list(y) for x, y in zip(a.rows, b.rows))  # same keys, in the same order


@pytest.mark.parametrize("indicator", INDICATORS)
@pytest.mark.parametrize("options", OPTIONS)
def test_an_indexed_page_is_the_sql_page(con, monkeypatch, indicator, options):  # noqa: F811
    options = {"limit": 50, **options}
    assert same(indexed(monkeypatch, con, indicator, **options), in_sql(monkeypatch, con, indicator, **options))


def test_the_index_follows_updates_inserts_and_deletes(con, monkeypatch):  # noqa: F811
    from pipeline.store import _insert, delete_document

    def check():
        page = indexed(monkeypatch, con, "亿元GDP生产安全事故死亡率", limit=50)
        assert same(page, in_sql(monkeypatch, con, "亿元GDP生产安全事故死亡率", limit=50))
        return page

    assert check().total == 4
    con.execute("UPDATE targets SET confidence = 0.1 WHERE target_id = 'd1:t0'")  # below the default threshold
    assert check().total == 3
    _insert(con, "targets", [{"doc_id": "d2", "target_id": "d2:x", "indicator": "亿元GDP生产安全事故死亡率",
                              "value": 0.5, "comparator": "<=", "quote": "q", "char_start": 1, "char_end": 2}])
    assert check().total == 4
    con.execute("UPDATE documents SET source_file = 'a.txt' WHERE doc_id = 'd3'")  # the order follows too
    assert check().rows[0]["doc_id"] == "d3"
    delete_document(con, "d3")
    assert check().total == 2


def test_the_index_is_built_by_the_second_query_of_a_version(con, monkeypatch):  # noqa: F811
    import queries.target_index as target_index

    monkeypatch.setattr(target_index, "BUILD_AFTER", 2)
    monkeypatch.setattr(target_index, "BUILD_AFTER_CHURN", 3)
    monkeypatch.setattr(target_index, "_BUILT", {})
    con.execute("UPDATE targets SET page = 2")  # a new version
    assert target_index.index_of(con, True) is None
    assert target_index.index_of(con, True) is not None
    con.execute("UPDATE targets SET page = 3")  # a store that changes again soon waits longer
    assert target_index.index_of(con, True) is None and target_index.index_of(con, True) is None
    assert target_index.index_of(con, True) is not None


def test_an_in_memory_store_is_answered_in_sql(monkeypatch):
    from pipeline.store import _insert, connect
    from queries.target_index import index_of

    c = connect(":memory:")
    _insert(c, "documents", [{"doc_id": "d1", "source_file": "d1.txt", "region": "甲市", "raw_text": "x"}])
    _insert(c, "targets", [{"doc_id": "d1", "target_id": "d1:t", "indicator": "森林火灾受害率", "value": 0.5,
                            "quote": "q", "char_start": 0, "char_end": 1}])
    assert index_of(c, True) is None
    assert targets_page(c, indicator="森林火灾受害率", limit=5).total == 1


def test_the_name_index_scores_as_concept_match():
    from extractors.indicators import all_indicators

    pairs = [(ind, targets.canonical_of(ind) if n % 2 else None) for n, (_, ind, *_) in enumerate(TARGETS)]
    pairs += [(None, None), ("", None), ("人均避难面积", None), ("城市公园绿地面积", None), ("死亡率", "死亡率")]
    names = {i for i, _ in pairs if i} | {a for ind in all_indicators()[:40] for a in (ind.canonical, *ind.aliases)}
    index = NameIndex(pairs)
    for name in sorted(names) + ["避难面积", "死亡率", "GDP", "森林", "x", ""]:
        concept = Concept.of(name)
        assert list(index.score(concept).items()) == list(_score_pairs(concept, pairs).items()), name


COMPARE_OPTIONS = [{}, {"limit": 2}, {"limit": 1, "offset": 1}, {"year": 2025}, {"year": 2030}, {"period": "十四五"},
                   {"period": "十三五"}, {"all_periods": True}, {"with_regions": True}, {"level": "county"},
                   {"region": "甲市", "with_regions": True}, {"include_all": True}]


@pytest.mark.parametrize("store", ["con", "richer"])  # without and with plan periods
@pytest.mark.parametrize("indicator", INDICATORS)
@pytest.mark.parametrize("options", COMPARE_OPTIONS)
def test_an_indexed_comparison_is_the_sql_one(request, monkeypatch, store, indicator, options):
    import queries.compare as compare

    richer = request.getfixturevalue(store)  # noqa: F811

    used = []
    real = compare._indexed_decide
    monkeypatch.setattr(compare, "_indexed_decide", lambda *a, **k: used.append(real(*a, **k)) or used[-1])
    fast = compare.comparison(richer, indicator, **options)
    assert used and used[0] is not None
    monkeypatch.setattr(compare, "_indexed_decide", lambda *a, **k: None)
    slow = compare.comparison(richer, indicator, **options)
    assert fast == slow and [list(r) for r in fast["rows"]] == [list(r) for r in slow["rows"]]


QUESTIONS = ["哪些县的人均避难面积目标是2.5平方米？", "人均避难面积目标是2平方米的地区", "亿元GDP生产安全事故死亡率目标",
             "森林火灾受害率不超过0.04%的地区", "各地亿元GDP生产安全事故死亡率目标是多少？", "甲市的森林火灾受害率目标",
             "2030年亿元GDP生产安全事故死亡率目标", "约束性的生产安全事故死亡人数目标"]


@pytest.mark.parametrize("store", ["con", "richer"])
@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("limit", [50, 1])
def test_an_indexed_answer_is_the_sql_one(request, monkeypatch, store, question, limit):
    import queries.ask as ask
    import queries.compare as compare

    c = request.getfixturevalue(store)
    fast = ask.ask(c, question, limit=limit)
    monkeypatch.setattr(ask, "indexed_rows", lambda *a, **k: None)
    monkeypatch.setattr(compare, "_indexed_decide", lambda *a, **k: None)
    slow = ask.ask(c, question, limit=limit)
    assert fast == slow and [list(r) for r in fast["rows"]] == [list(r) for r in slow["rows"]]
