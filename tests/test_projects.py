"""Key projects (重点工程, 专栏 items, project tables) on the real seeds and on unseen plans."""
from functools import lru_cache
from pathlib import Path

import pytest

from corpus.model import Document
from corpus.normalise import normalise
from extractors.projects import extract_projects, investment, summary

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"


@lru_cache(maxsize=None)
def analysed(prefix: str) -> Document:
    from pipeline.process import analyse

    return analyse(str(next(SAMPLES.glob(f"{prefix}_*.txt"))))


@lru_cache(maxsize=None)
def projects(prefix: str) -> tuple[dict, ...]:
    return tuple(extract_projects(analysed(prefix)))


def names(recs) -> list[str]:
    return [r["name"] for r in recs]


def synthetic(raw: str) -> list[dict]:
    doc = normalise(Document(doc_id="s" * 16, source_path="plan.txt", file_type="txt", raw_text=raw))
    return extract_projects(doc)


# --- the seeds -------------------------------------------------------------------------
@pytest.mark.parametrize("prefix,count", [("000", 7), ("001", 5), ("002", 10), ("003", 34), ("004", 0)])
def test_counts_per_seed(prefix, count):
    assert len(projects(prefix)) == count


def test_numbered_headings_of_a_key_project_chapter():
    recs = projects("000")
    assert names(recs)[0] == "自然灾害综合风险普查工程"
    assert "建设应急科普及危化品教育培训基地" in names(recs)
    assert {r["category"] for r in recs} == {"重点项目"}


def test_quote_is_the_heading_verbatim():
    doc = analysed("002")
    for r in projects("002"):
        assert doc.raw_text[r["char_start"]:r["char_end"]] == r["quote"]
        assert r["quote"].startswith("（") and r["quote"].endswith(r["name"])
    # a malformed number "一)" is still a heading; the name carries no number
    assert names(projects("001"))[0] == "应急指挥中心建设工程"
    assert projects("001")[0]["category"] == "实施应急能力提升工程"


def test_investment_stated_in_the_body():
    by_name = {r["name"]: r for r in projects("002")}
    assert by_name["森林火灾高风险区综合治理工程"]["investment"] == 350.0
    assert by_name["应急指挥中心建设工程"]["investment"] is None


def test_box_items_are_projects_with_the_box_as_category():
    recs = projects("003")
    box1 = [r for r in recs if r["category"] == "重点行业领域整治提升工程"]
    assert names(box1)[:3] == ["危险化学品", "烟花爆竹", "加油站"]
    assert len(box1) == 15
    assert "交通运输（邮政、水上）" in names(box1)  # brackets inside a name are kept
    r = next(r for r in recs if r["name"] == "智慧应急救援指挥系统建设工程")
    assert r["quote"].startswith("1") and r["category"] == "应急管理信息化建设工程"


def test_sub_projects_mentioned_in_an_item_are_not_projects():
    got = set(names(projects("003")))
    # 消防 item's text says 打通消防“生命通道”工程, 道路运输 says 公路安全生命防护工程
    assert not any("生命通道" in n or "生命防护" in n for n in got)
    assert not any("生命防护" in n for n in names(projects("002")))


def test_summary_is_the_first_clause_and_short():
    for prefix in ("000", "002", "003"):
        for r in projects(prefix):
            assert r["summary"] and len(r["summary"]) <= 61
    r = next(r for r in projects("003") if r["name"] == "烟花爆竹")
    assert r["summary"].startswith("持续深化烟花爆竹专项整治")


def test_a_news_article_has_no_projects():
    assert projects("004") == ()


# --- field parsers ---------------------------------------------------------------------
@pytest.mark.parametrize("text,value", [
    ("项目总投资500万元，建设储备库", 500.0),
    ("计划投资1.2亿元", 12000.0),
    ("投资350余万元", 350.0),
    ("估算投资约3千万元", 3000.0),
    ("建设储备库1座，面积3000平方米", None),
])
def test_investment_parsing(text, value):
    assert investment(text) == value


def test_summary_cuts_at_the_first_sentence():
    assert summary("。建设市级平台；接入各县。") == "建设市级平台"
    assert len(summary("建" * 100)) == 61


# --- unseen plans ------------------------------------------------------------------------
OTHER_PROVINCE = """某省某市“十四五”防灾减灾规划

一、发展基础
（一）灾害防治工程取得成效
建成一批重点工程。

二、主要任务
（一）加强监测预警
建设监测站点200个。

三、重大工程
（一）城乡避难场所提升工程
新建改建应急避难场所50处，总投资2.5亿元。同步实施排涝泵站改造工程。
（二）基层灾害信息员队伍建设工程
每个村配备1名灾害信息员。

四、保障措施
加强组织领导。
"""


def test_a_major_projects_chapter_in_another_province():
    recs = synthetic(OTHER_PROVINCE)
    assert names(recs) == ["城乡避难场所提升工程", "基层灾害信息员队伍建设工程"]
    assert recs[0]["investment"] == 25000.0
    assert recs[0]["category"] == "重大工程"
    assert recs[0]["quote"] == "（一）城乡避难场所提升工程"
