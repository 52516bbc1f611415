"""Quantitative targets on the real seed documents, and on unseen prose written here."""
import re
from functools import lru_cache
from pathlib import Path

import pytest

from corpus.model import Document
from corpus.normalise import normalise
from extractors.targets import confident, confident_targets, extract_targets, plan_period

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"


@lru_cache(maxsize=None)
def analysed(prefix: str) -> Document:
    from pipeline.process import analyse

    return analyse(str(next(SAMPLES.glob(f"{prefix}_*.txt"))))


def targets(prefix: str) -> list[dict]:
    return confident_targets(analysed(prefix))


def find(recs, indicator_part, value):
    hits = [r for r in recs if indicator_part in r["indicator"] and r["value"] == value]
    assert hits, f"no target {indicator_part}={value} in {[(r['indicator'], r['value']) for r in recs]}"
    return hits[0]


def make_doc(raw: str, **meta) -> Document:
    """A normalised Document with its section tree (extractors read doc.sections)."""
    from corpus.sections import build_sections

    doc = normalise(Document(doc_id="t" * 16, source_path="synthetic.txt", file_type="txt", raw_text=raw, meta=meta))
    doc.sections = build_sections(doc)
    return doc


def test_box_items_in_one_line():
    recs = targets("000")
    r = find(recs, "亿元GDP生产安全事故死亡率", 0.01)
    assert (r["comparator"], r["unit"], r["year"], r["source_kind"]) == ("<=", "", 2025, "prose")
    assert find(recs, "年度10万人口火灾死亡率", 0.2)["comparator"] == "<"
    assert find(recs, "各类生产安全事故死亡人数", 10)["comparator"] == "decrease_by"
    assert find(recs, "森林火灾24小时扑灭率", 95)["comparator"] == ">="
    people = find(recs, "集中转移安置人口", 40000)
    assert (people["unit"], people["value_raw"], people["comparator"]) == ("人", "4万", ">=")
    assert find(recs, "移动指挥平台", 1)["unit"] == "处"


def test_one_value_for_two_rates_gives_two_targets():
    recs = [r for r in targets("000") if "重大危险源在线监测监控率" in r["quote"]]
    assert {r["indicator"] for r in recs} >= {"重大危险源在线监测监控率"} and len(recs) == 2


def test_cell_per_line_table_with_attributes():
    recs = [r for r in targets("003") if r["source_kind"] == "table"]
    assert len(recs) == 19
    r = find(recs, "单位全区生产总值生产安全事故死亡率", 33)
    assert (r["comparator"], r["unit"], r["attribute"], r["canonical_indicator"]) == \
        ("decrease_by", "%", "约束性", "亿元GDP生产安全事故死亡率")
    area = find(recs, "应急避难场所人均避难面积", 1.5)
    assert (area["comparator"], area["unit"]) == (">", "平方米")
    assert find(recs, "年均每十万人受灾人次", 15000)["unit"] == "人次"
    assert find(recs, "受灾群众基本生活得到有效救助", 8)["comparator"] == "<="


def test_year_from_heading_and_from_sentence():
    recs = targets("002")
    assert find(recs, "亿元GDP生产安全事故死亡率", 0.008)["year"] == 2030
    assert find(recs, "亿元GDP生产安全事故死亡率", 0.01)["year"] == 2025
    assert find(targets("003"), "乡镇（街道）避灾安置场所规范化建设率", 100)["year"] == 2024


def test_compound_sentence_splits_into_targets_sharing_a_quote():
    recs = [r for r in targets("002") if "保障2000人1个月" in r["quote"]]
    assert sorted((r["value"], r["unit"]) for r in recs) == [(1.0, "个月"), (2000.0, "人")]
    assert len({r["quote"] for r in recs}) == 1


def test_range():
    r = find(targets("003"), "", 15)
    assert (r["comparator"], r["value_max"], r["unit"]) == ("range", 25, "人")


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_no_targets_from_history_sections(prefix):
    """Nothing comes from sections about 十三五 results or the current situation."""
    doc = analysed(prefix)
    history = []
    for m in re.finditer(r"(?m)^.{0,12}(?:十三五|现状|基本情况).{0,20}$", doc.text):
        nxt = re.compile(r"(?m)^(?:[一二三四五六七八九十]+、|第.{1,3}章)").search(doc.text, m.end())
        history.append((doc.raw_span(m.start(), m.start() + 1)[0],
                        doc.raw_span(nxt.start(), nxt.start() + 1)[0] if nxt else len(doc.raw_text)))
    assert history, "the seed has a history section"
    for r in confident_targets(doc):
        assert not any(a <= r["char_start"] < b for a, b in history), r["quote"]
        assert "十三五" not in r["quote"]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_quotes_are_verbatim(prefix):
    doc = analysed(prefix)
    for r in confident_targets(doc):
        assert doc.raw_text[r["char_start"]:r["char_end"]] == r["quote"]
        assert r["comparator"] in {"<=", "<", ">=", ">", "=", "decrease_by", "increase_by", "range"}


def test_article_states_results_not_targets():
    assert targets("004") == []


def test_unseen_prose():
    doc = make_doc(
        "某省应急体系建设规划（2026-2030年）\n"
        "一、“十四五”时期主要成就\n全省累计建成应急避难场所1200个，综合减灾示范社区达到300个。\n"
        "二、规划目标\n到2030年，城乡社区灾害信息员覆盖率达到百分之九十五以上，"
        "较大及以上生产安全事故起数下降20%，每个乡镇至少配备2名专职应急管理人员。"
        "全省7个化工园区全部建成封闭化管理系统。应急物资储备满足保障10万人转移安置7天基本生活的需要。\n")
    assert plan_period(doc) == (2026, 2030)
    recs = confident_targets(doc)
    got = {(r["value"], r["unit"], r["comparator"], r["year"]) for r in recs}
    assert (95.0, "%", ">=", 2030) in got
    assert (20.0, "%", "decrease_by", 2030) in got
    assert (2.0, "名", ">=", 2030) in got
    assert (100000.0, "人", ">=", 2030) in got and (7.0, "天", ">=", 2030) in got
    assert not any(r["value"] in (1200, 300, 7) and r["unit"] == "个" for r in recs)  # history, scope
    assert len(recs) == 5


def test_loader_table_rows():
    from corpus.model import Table

    raw = "表1 主要指标\n指标名称 2030年目标值 属性\n森林火灾受害率 ≤0.9‰ 约束性\n"
    doc = make_doc("某市应急管理规划（2021-2030年）\n" + raw)
    start = doc.raw_text.index("指标名称")
    doc.tables = [Table(rows=[["指标名称", "2030年目标值", "属性"], ["森林火灾受害率", "≤0.9‰", "约束性"]],
                        start=start, end=len(doc.raw_text))]
    recs = confident_targets(doc)
    assert len(recs) == 1
    r = recs[0]
    assert (r["indicator"], r["value"], r["unit"], r["comparator"], r["year"], r["attribute"], r["source_kind"]) == \
        ("森林火灾受害率", 0.9, "‰", "<=", 2030, "约束性", "table")


def test_spacy_component_fills_records():
    from extractors.base import make_nlp

    nlp = make_nlp(("cn_sentencizer", "targets"))
    src = analysed("001")
    doc = nlp.make_doc(src.text)
    doc._.source, doc._.records = src, {"targets": []}
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    assert len(doc._.records["targets"]) >= 11


def test_quotes_start_at_the_goal_not_at_its_list_number():
    """Numbered goals inside a 专栏 row ("1.亿元GDP…") are quoted from the goal itself."""
    import re

    from extractors.base import extract
    from pipeline.process import analyse

    for path in sorted(Path("corpus/samples").glob("*.txt")):
        doc = analyse(str(path))
        for r in extract(doc)["targets"]:
            assert not re.match(r"\s*\d{1,2}[.．、](?!\d)", r["quote"]), (path.name, r["quote"])
            assert doc.raw_text[r["char_start"]:r["char_end"]] == r["quote"]


def test_targets_from_a_pdf_table_that_crosses_a_page_break():
    """The PDF fixture's indicator table runs from page 2 onto page 3: every row becomes a
    target with its own page, value, comparator and 约束性/预期性 attribute."""
    from extractors.base import extract
    from pipeline.process import analyse

    doc = analyse("tests/fixtures/plan.pdf")
    targets = confident(extract(doc)["targets"])
    by_name = {t["indicator"]: t for t in targets}
    first = by_name["生产安全事故死亡人数"]
    assert (first["value"], first["comparator"], first["attribute"], first["page"]) == (10.0, "decrease_by", "约束性", 2)
    shelter = next(t for name, t in by_name.items() if "避难面积" in name)
    assert (shelter["value"], shelter["comparator"], shelter["unit"], shelter["page"]) == (1.5, ">", "平方米", 3)
    assert {t["page"] for t in targets} == {2, 3} and len(targets) >= 15
    for t in targets:
        assert doc.raw_text[t["char_start"]:t["char_end"]] == t["quote"]
