"""Target queries, unit conversion, compare (with chart) and the query CLI, on a small
hand-made database shaped like the schema."""
from __future__ import annotations

import json

import pytest

from queries.compare import compare, plot
from queries.targets import Concept, query_targets
from queries.units import convert, normalise_unit, same_quantity

DOCS = [  # doc_id, region, admin_level, prefecture
    ("d1", "甲市", "prefecture", "甲市"),
    ("d2", "乙县", "county", "甲市"),
    ("d3", "丙区", "district", "丁市"),
]
TARGETS = [  # doc, indicator as written, value, unit, comparator, year, attribute
    ("d1", "亿元国内生产总值生产安全事故死亡率", 0.02, "", "<=", 2025, None),
    ("d2", "单位GDP生产安全事故死亡率", 0.015, "", "<=", 2025, "约束性"),
    ("d3", "亿元GDP生产安全事故死亡率", 0.01, "", "<=", 2025, None),
    ("d3", "亿元GDP生产安全事故死亡率", 0.008, "", "<=", 2030, None),
    ("d1", "城市人均应急避难场所面积", 2.0, "㎡", ">=", 2025, None),
    ("d2", "人均避难面积", 2.5, "平方米", ">=", 2025, "预期性"),
    ("d2", "森林火灾年均受害率", 0.4, "‰", "<=", 2025, None),
    ("d3", "森林火灾受害率", 0.05, "%", "<=", 2025, None),
    ("d3", "生产安全事故死亡人数", 10, "%", "decrease_by", 2025, "约束性"),
]


@pytest.fixture()
def con(tmp_path):
    from pipeline.store import _insert, connect

    c = connect(tmp_path / "t.duckdb")
    _insert(c, "documents", [{"doc_id": d, "source_file": f"{d}.txt", "region": r, "admin_level": lvl,
                              "prefecture": pref, "province": "某省", "kind": "plan", "raw_text": "x"}
                             for d, r, lvl, pref in DOCS])
    _insert(c, "targets", [{"doc_id": d, "target_id": f"{d}:t{i}", "indicator": ind, "value": v, "unit": u,
                            "comparator": cmp, "year": y, "attribute": a, "quote": ind, "page": 1,
                            "char_start": 0, "char_end": len(ind)}
                           for i, (d, ind, v, u, cmp, y, a) in enumerate(TARGETS)])
    yield c
    c.close()


def test_units():
    assert normalise_unit("㎡") == normalise_unit("m²") == "平方米"
    assert same_quantity(0.4, "‰", 0.04, "%")
    assert same_quantity(1, "亿元", 10000, "万元")
    assert not same_quantity(1, "平方米", 1, "人")
    assert convert(2, "平方公里", "平方米") == 2e6
    assert same_quantity(0.01, "", 0.01, None)


def test_concept_matches_aliases_not_neighbours():
    c = Concept.of("亿元GDP生产安全事故死亡率")
    assert c.match("单位国内生产总值生产安全事故死亡率", None) == 1.0
    assert c.match("工矿商贸就业人员十万人生产安全事故死亡率", None) == 0.0
    assert Concept.of("避难面积").match("人均避难面积", None) > 0  # uncatalogued fragment: containment


def test_query_by_concept_region_and_level(con):
    rows = query_targets(con, indicator="GDP生产安全事故死亡率")
    assert sorted(r["region"] for r in rows) == ["丙区", "丙区", "乙县", "甲市"]
    assert [r["region"] for r in query_targets(con, indicator="GDP生产安全事故死亡率", county_level=True,
                                               year=2025)] == ["乙县", "丙区"]
    assert {r["region"] for r in query_targets(con, region="甲市")} == {"甲市", "乙县"}  # prefecture holds 乙县
    assert [r["region"] for r in query_targets(con, attribute="约束性", region="丙区")] == ["丙区"]
    row = query_targets(con, indicator="人均应急避难场所面积", limit=1)[0]
    for key in ("source_file", "quote", "page", "section_path", "char_start", "char_end", "canonical_indicator"):
        assert key in row


def test_query_by_value_across_units(con):
    rows = query_targets(con, indicator="森林火灾受害率", value=0.04, unit="%")
    assert [r["region"] for r in rows] == ["乙县"]
    rows = query_targets(con, indicator="森林火灾受害率", value=0.5, unit="‰")
    assert [r["region"] for r in rows] == ["丙区"]
    rows = query_targets(con, indicator="人均避难面积", value=2, unit="m²", comparator=">=")
    assert [r["region"] for r in rows] == ["甲市"]
    assert query_targets(con, indicator="人均避难面积", value=2, comparator="<=") == []


def test_compare_orders_by_ambition(con):
    rows = compare(con, "亿元GDP生产安全事故死亡率")
    assert [(r["region"], r["value"]) for r in rows] == [("丙区", 0.01), ("乙县", 0.015), ("甲市", 0.02)]
    assert rows[0]["direction"] == "lower_is_better" and rows[0]["quote"]
    assert [r["value"] for r in compare(con, "亿元GDP生产安全事故死亡率", year=2030)] == [0.008]
    higher = compare(con, "人均应急避难场所面积")
    assert [r["region"] for r in higher] == ["乙县", "甲市"]  # larger floor first


def test_plot_writes_png_with_cjk_font(con, tmp_path):
    """The install brings a CJK font (noto-cjk-sans-otc): Chinese labels, no glyph warnings."""
    import warnings as python_warnings

    from queries.charts import font_path

    assert font_path() and "NotoSansCJK" in font_path()  # the packaged font, not a system one
    out = tmp_path / "c.png"
    with python_warnings.catch_warnings(record=True) as caught:
        python_warnings.simplefilter("always")
        warnings = plot(compare(con, "亿元GDP生产安全事故死亡率"), "亿元GDP生产安全事故死亡率", str(out),
                        subtitle="2021-2025 (十四五)")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert warnings == [] and not [w for w in caught if "Glyph" in str(w.message)]


def test_cli_targets_compare_ask(con, tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    db = con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchone()[0]
    con.close()
    runner = CliRunner()
    res = runner.invoke(app, ["targets", "--db", db, "--indicator", "森林火灾受害率", "--json"])
    assert res.exit_code == 0, res.output
    assert {r["region"] for r in json.loads(res.output)} == {"乙县", "丙区"}
    res = runner.invoke(app, ["targets", "--db", db, "--limit", "3"])
    assert res.exit_code == 0 and "3 of 9 targets" in res.output
    png = tmp_path / "cmp.png"
    res = runner.invoke(app, ["compare", "亿元GDP生产安全事故死亡率", "--db", db, "--plot", str(png)])
    assert res.exit_code == 0 and png.exists() and "丙区" in res.output
    res = runner.invoke(app, ["ask", "哪些县级地区的人均避难面积目标是2.5平方米？", "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["regions"] == ["乙县"]
    res = runner.invoke(app, ["targets", "--db", str(tmp_path / "missing.duckdb")])
    assert res.exit_code == 2


# --- one threshold, the registry's tables, the kinds vocabulary, paging in SQL ----------------------
def test_default_threshold_is_the_registrys():
    from extractors.registry import DEFAULT_MIN_CONFIDENCE
    from queries.filters import Filters

    assert Filters().min_confidence == Filters.parse().min_confidence == DEFAULT_MIN_CONFIDENCE
    assert Filters.parse(include_all=True).min_confidence == 0


def test_document_counts_follow_the_registry(con):
    """A plugin's table is counted like the built-ins (at the confidence threshold); a declared
    table the database does not hold counts as unknown (None), not as an error."""
    from extractors import registry
    from queries.documents import document, documents

    with registry.scoped():
        registry.fact_table("hazards_q", id_prefix="hzq", columns={"hazard": "VARCHAR"})
        registry.fact_table("absent_q", id_prefix="abq", columns={"thing": "VARCHAR"})
        con.execute(f"CREATE TABLE hazards_q ({registry.get('hazards_q').ddl()})")
        con.execute("INSERT INTO hazards_q (doc_id, hazards_q_id, hazard, confidence) VALUES "
                    "('d1', 'h1', '地震', 0.9), ('d1', 'h2', '洪水', 0.2), ('d2', 'h3', '火灾', NULL)")
        rows = {r["doc_id"]: r for r in documents(con, sort="hazards_q", descending=True)}
        assert rows["d1"]["n_hazards_q"] == 1 and rows["d2"]["n_hazards_q"] == 1 and rows["d3"]["n_hazards_q"] == 0
        assert rows["d1"]["n_absent_q"] is None and rows["d1"]["n_targets"] == 2
        assert documents(con, include_all=True, doc="d1")[0]["n_hazards_q"] == 2
        assert document(con, "d1")["counts"]["hazards_q"] == 2
    assert "n_hazards_q" not in documents(con)[0]


def test_kinds_vocabulary_labels_and_national_level(con):
    from queries.compare import compare
    from queries.filters import Filters, kinds

    assert {"plan", "action_plan", "opinion", "measures", "statistics"} <= set(kinds())
    assert Filters.parse(kind="行动方案,plan").kind == ("action_plan", "plan")
    assert Filters.parse(level="全国").level == "national"
    Filters.parse(kind="statistics").check_kinds(con)  # a kind the metadata writes, though none is stored
    con.execute("UPDATE documents SET kind = 'action_plan' WHERE doc_id = 'd2'")
    con.execute("UPDATE documents SET admin_level = 'national', region = '全国' WHERE doc_id = 'd1'")
    regions = [r["region"] for r in compare(con, "亿元GDP生产安全事故死亡率")]
    assert "乙县" in regions and "全国" in regions  # an action plan's and a national plan's targets are compared
    assert [r["region"] for r in query_targets(con, kind="action_plan", indicator="森林火灾受害率")] == ["乙县"]
    assert [r["region"] for r in query_targets(con, level="national", limit=1)] == ["全国"]


def test_cli_documents_labels_kinds_and_national(con):
    from typer.testing import CliRunner

    from pipeline.cli import app

    con.execute("UPDATE documents SET kind = 'action_plan' WHERE doc_id = 'd2'")
    con.execute("UPDATE documents SET admin_level = 'national', region = '全国', kind = 'opinion' WHERE doc_id = 'd1'")
    db = con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchone()[0]
    con.close()
    res = CliRunner().invoke(app, ["documents", "--db", db], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    assert "行动方案" in res.output and "意见" in res.output and "全国" in res.output
    assert "action_plan" not in res.output and "national" not in res.output
    res = CliRunner().invoke(app, ["documents", "--db", db, "--kind", "行动方案", "--json"])
    assert [r["doc_id"] for r in json.loads(res.output)] == ["d2"]


@pytest.mark.parametrize("ask", [{}, {"indicator": "GDP生产安全事故死亡率"}, {"comparator": "<="},
                                 {"indicator": "森林火灾受害率", "value": 0.04, "unit": "%"}, {"unit": "%"},
                                 {"value_min": 0.01, "value_max": 2.0}, {"value_min": 1, "unit": "‰"},
                                 {"region": "甲市", "attribute": "约束性"}])
def test_a_page_is_the_list_cut_in_sql(con, ask):
    """targets_page(limit, offset) gives exactly that slice of query_targets and the full count,
    whether the filters are all SQL (LIMIT/OFFSET) or some are read in Python."""
    from queries.targets import targets_page

    every = query_targets(con, **ask)
    for limit, offset in ((2, 0), (2, 2), (3, 7), (5, 40), (None, 1)):
        rows, total = targets_page(con, limit=limit, offset=offset, **ask)
        assert total == len(every)
        assert rows == (every[offset:offset + limit] if limit else every[offset:])


def test_pages_of_documents_projects_tasks_deadlines(con):
    from pipeline.store import _insert
    from queries.documents import documents, documents_page
    from queries.targets import (deadlines_page, list_deadlines, list_projects, projects_page)

    _insert(con, "projects", [{"doc_id": d, "project_id": f"{d}:p{i}", "name": f"应急工程{i}" if i % 2 else f"道路{i}",
                               "char_start": i} for i, d in enumerate(["d1", "d2", "d3"] * 3)])
    _insert(con, "deadlines", [{"doc_id": "d1", "deadline_id": f"d1:d{i}", "what": "完成" if i % 3 else "建成",
                                "year": 2025, "char_start": i} for i in range(7)])
    assert projects_page(con, name="应急", limit=2, offset=1) == (list_projects(con, name="应急")[1:3], 4)
    assert deadlines_page(con, what="完成", limit=3, offset=3) == (list_deadlines(con, what="完成")[3:6], 4)
    assert documents_page(con, sort="targets", descending=True, limit=2, offset=1) == (
        documents(con, sort="targets", descending=True)[1:3], 3)
    assert documents_page(con, limit=2, offset=5) == ([], 3)


def test_pages_are_stable_when_documents_share_a_file_name(con):
    """Copies of one file in two folders share source_file and their facts share local ids and
    offsets; the order breaks those ties by document, so pages neither repeat nor skip rows."""
    from pipeline.store import _insert
    from queries.targets import targets_page

    _insert(con, "documents", [{"doc_id": f"c{i}", "source_file": "same.txt", "region": f"县{i}",
                                "admin_level": "county", "kind": "plan", "raw_text": "x"} for i in range(6)])
    _insert(con, "targets", [{"doc_id": f"c{i}", "target_id": "t0001", "indicator": "森林覆盖率", "value": 50.0,
                              "char_start": 0, "char_end": 5} for i in range(6)])
    every = query_targets(con, indicator="森林覆盖率")
    pages = [r["doc_id"] for off in range(0, 6, 2) for r in targets_page(con, indicator="森林覆盖率", limit=2,
                                                                           offset=off).rows]
    assert pages == [r["doc_id"] for r in every] == [f"c{i}" for i in range(6)]


# --- structured queries that do not grow with the corpus (issue 12) ----------------------------
def test_indicator_names_follow_every_write_and_replace(con):
    """The writer keeps the distinct (indicator, canonical) pairs beside the targets, so a
    query reads a few hundred names instead of scanning every target row."""
    from pipeline.store import _insert, replace_facts

    def names():
        return set(con.execute("SELECT indicator, canonical_indicator FROM indicator_names").fetchall())

    def distinct():
        return set(con.execute("SELECT DISTINCT indicator, canonical_indicator FROM targets").fetchall())

    assert names() == distinct() and len(names()) == len({t[1] for t in TARGETS})
    _insert(con, "targets", [{"doc_id": "d1", "target_id": "d1:new", "indicator": "新的指标名称", "value": 1.0}])
    assert "新的指标名称" in {n for n, _ in names()} and names() == distinct()
    replace_facts(con, "d2", {"targets": [{"doc_id": "d2", "target_id": "d2:r", "indicator": "重新抽取的指标"}]})
    assert distinct() <= names()  # a name whose rows went stays, and matches no row
    assert [r["target_id"] for r in query_targets(con, indicator="重新抽取的指标")] == ["d2:r"]


def test_a_database_from_before_the_names_table_answers_the_same(con, tmp_path):
    """Read-only, an older database (no indicator_names) is answered by scanning targets; the
    writer's next connection fills the table from the stored targets."""
    import duckdb

    from pipeline.store import connect

    before = query_targets(con, indicator="亿元GDP生产安全事故死亡率")
    con.execute("DROP TABLE indicator_names")
    con.close()
    db = tmp_path / "t.duckdb"
    old = duckdb.connect(str(db), read_only=True)
    assert query_targets(old, indicator="亿元GDP生产安全事故死亡率") == before
    old.close()
    writer = connect(db)
    assert writer.execute("SELECT count(*) FROM indicator_names").fetchone()[0] == len({t[1] for t in TARGETS})
    assert query_targets(writer, indicator="亿元GDP生产安全事故死亡率") == before
    writer.close()


def test_has_column_reads_an_older_table_without_the_column(con):
    from queries.filters import has_column

    assert has_column(con, "targets", "confidence")
    assert not has_column(con, "targets", "no_such_column") and not has_column(con, "no_such_table", "x")
