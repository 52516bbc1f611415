"""Key projects (重点工程 chapters, 专栏 items, project tables) on the seed plans and on unseen layouts."""
from functools import lru_cache
from pathlib import Path

import pytest

from corpus.model import Document
from corpus.normalise import normalise
from corpus.sections import build_sections
from extractors.projects import extract_projects, investment, summary

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"


@lru_cache(maxsize=None)
def analysed(prefix: str) -> Document:
    from pipeline.process import analyse

    return analyse(str(next(SAMPLES.glob(f"{prefix}_*.txt"))))


def names(recs) -> list[str]:
    return [r["name"] for r in recs]


def synthetic(raw: str) -> list[dict]:
    return extract_projects(make_doc(raw))


@lru_cache(maxsize=None)
def projects(prefix: str) -> list[dict]:
    doc = analysed(prefix)
    recs = extract_projects(doc)
    for r in recs:
        assert doc.raw_text[r["char_start"]:r["char_end"]] == r["quote"]
    return recs


def make_doc(raw: str) -> Document:
    doc = normalise(Document(doc_id="p" * 16, source_path="synthetic.txt", file_type="txt", raw_text=raw))
    doc.sections = build_sections(doc)
    return doc


def test_project_chapter_headings():
    recs = projects("000")
    assert [r["name"] for r in recs][:2] == ["自然灾害综合风险普查工程", "建设森林消防和应急救援抗洪抢险队伍"]
    assert len(recs) == 7 and {r["category"] for r in recs} == {"重点项目"}
    assert recs[0]["quote"] == "（一）自然灾害综合风险普查工程"
    assert recs[0]["summary"].startswith("以调查为基础")
    # 工程 named inside task prose are not projects
    assert not any("素质固安" in r["name"] or "房屋设施加固" in r["name"] for r in recs)


def test_chapter_titled_by_its_project_kind_and_lost_bracket():
    recs = projects("001")
    assert [r["name"] for r in recs] == ["应急指挥中心建设工程", "应急管理信息化建设工程", "应急物资储备建设工程",
                                         "应急科普基地场馆建设工程", "灾害风险普查工程"]


def test_investment_in_wan_yuan():
    recs = projects("002")
    assert len(recs) == 10
    forest = next(r for r in recs if r["name"] == "森林火灾高风险区综合治理工程")
    assert forest["investment"] == 350
    assert investment("总投资约1.2亿元") == 12000
    assert investment("建设避难场所") is None


def test_box_items_under_chapter_headings():
    recs = projects("003")
    names = [r["name"] for r in recs]
    assert len(recs) == 34
    assert names[:3] == ["重点行业领域整治提升工程", "危险化学品", "烟花爆竹"]
    assert "交通运输（邮政、水上）" in names and "应急物资储备库（点）建设" in names
    assert next(r for r in recs if r["name"] == "危险化学品")["category"] == "重点行业领域整治提升工程"
    assert "生命通道" not in " ".join(names)  # a 工程 inside an item's text


def test_no_projects_in_an_article():
    assert projects("004") == []


def test_unseen_boxes():
    doc = make_doc(
        "三、主要任务\n\n（一）加强监测预警\n\n完善监测网络。\n\n专栏1 防灾减灾重点工程\n"
        "1.避灾安置场所建设工程。新建避灾安置场所300个，总投资约2.5亿元。\n"
        "2.海塘加固提升工程：完成标准海塘加固80公里。\n\n"
        "专栏2 智慧消防建设工程\n建设县级智慧消防综合管理平台，接入高层建筑216栋。\n\n"
        "专栏3 主要指标\n1.亿元GDP死亡率下降20%。\n\n四、保障措施\n")
    recs = extract_projects(doc)
    assert [r["name"] for r in recs] == ["避灾安置场所建设工程", "海塘加固提升工程", "智慧消防建设工程"]
    assert recs[0]["investment"] == 25000 and recs[0]["category"] == "防灾减灾重点工程"
    assert recs[2]["summary"].startswith("建设县级智慧消防")


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
    assert projects("004") == []


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

PROJECT_TABLE = """某自治区某县“十四五”应急体系建设规划

五、保障措施
（一）加强资金保障
统筹安排财政资金。

表3 “十四五”应急体系重点建设项目表
序号\t项目名称\t建设内容\t总投资（万元）\t责任单位
1\t县应急指挥中心\t建设指挥大厅和视频会商系统。\t1200\t县应急局
2\t乡镇应急物资储备点\t新建储备点12个\t860.5\t各乡镇
合计\t\t\t2060.5\t

六、附则
本规划自印发之日起施行。
"""


def test_a_project_table_gives_one_project_per_row():
    recs = synthetic(PROJECT_TABLE)
    assert names(recs) == ["县应急指挥中心", "乡镇应急物资储备点"]
    assert [r["investment"] for r in recs] == [1200.0, 860.5]
    assert recs[0]["summary"] == "建设指挥大厅和视频会商系统"
    assert recs[0]["category"] == "“十四五”应急体系重点建设项目表"
    assert recs[1]["quote"] == "乡镇应急物资储备点"


def test_a_pipe_table_in_yi_yuan_and_a_one_cell_per_line_table():
    pipe = ("三、重点工程\n表1 重点工程\n| 工程名称 | 主要建设内容 | 投资(亿元) |\n|---|---|---|\n"
            "| 城区排涝泵站工程 | 新建泵站3座 | 1.2 |\n| 山洪沟治理工程 | 治理山洪沟20条 | 0.8 |\n")
    recs = synthetic(pipe)
    assert names(recs) == ["城区排涝泵站工程", "山洪沟治理工程"]
    assert [r["investment"] for r in recs] == [12000.0, 8000.0]
    cells = ("专栏4 重点建设项目\n\n项目名称\n建设规模\n\n应急广播系统\n覆盖全部行政村\n\n"
             "救灾物资储备库\n建筑面积5000平方米，投资3000万元\n\n四、保障措施\n加强领导。\n")
    recs = synthetic(cells)
    assert names(recs) == ["应急广播系统", "救灾物资储备库"]
    assert recs[1]["investment"] == 3000.0 and recs[1]["category"] == "重点建设项目"


def test_indicator_tables_are_not_projects():
    table = ("专栏1 主要指标\n序号\t指标名称\t2025年目标\t属性\n1\t亿元GDP生产安全事故死亡率\t0.02\t约束性\n"
             "2\t防灾减灾科普教育覆盖率\t100%\t预期性\n")
    assert synthetic(table) == []


def test_a_table_built_by_a_loader():
    from corpus.model import Table

    rows = [["序号", "项目名称", "建设内容", "投资估算(亿元)"], ["1", "市级应急救援基地", "新建训练场和营房", "2.5"]]
    raw = "七、重点建设项目\n" + "\n".join("\t".join(r) for r in rows) + "\n八、保障措施\n"
    start = raw.index("序号")
    doc = Document(doc_id="p" * 16, source_path="plan.docx", file_type="docx", raw_text=raw,
                   tables=[Table(rows=rows, start=start, end=raw.index("\n八"))])
    doc = normalise(doc)
    doc.sections = build_sections(doc)
    recs = extract_projects(doc)
    assert names(recs) == ["市级应急救援基地"]
    assert recs[0]["investment"] == 25000.0 and recs[0]["quote"] == "市级应急救援基地"


def test_box_items_on_one_line_or_in_a_table_cell():
    one_line = ("专栏3 防汛抗旱重点工程\n1.城区防洪工程：加固堤防12公里，投资2.5亿元。 2.山塘水库除险加固工程：完成30座。"
                "3.智慧水务工程：建设监测站点。\n\n四、保障措施\n")
    recs = synthetic(one_line)
    assert names(recs) == ["城区防洪工程", "山塘水库除险加固工程", "智慧水务工程"]
    assert recs[0]["investment"] == 25000.0 and recs[1]["investment"] is None
    cell = "专栏2 基层能力建设工程\n基层基础\t1.乡镇应急所建设。配齐人员。 2.村级应急服务站建设。每村1个。\n\n五、附则\n"
    assert names(synthetic(cell)) == ["乡镇应急所建设", "村级应急服务站建设"]


def test_projects_in_a_results_chapter_are_stored_with_low_confidence():
    doc = make_doc("某市“十四五”应急体系规划\n\n一、“十三五”重点工程建设成效\n（一）应急指挥平台建设工程\n建成市级指挥平台。\n\n"
                   "二、重点工程\n（一）应急物资储备库建设工程\n新建市级储备库1座。\n\n三、保障措施\n加强组织领导。\n")
    recs = extract_projects(doc)
    assert [(r["name"], r["confidence"] >= 0.5) for r in recs] == [
        ("应急指挥平台建设工程", False), ("应急物资储备库建设工程", True)]
    assert recs[0]["section_role"] == "history" and any("history" in x for x in recs[0]["reasons"])


def test_item_numbers_come_from_the_corpus_numbering_grammar():
    from extractors.projects import item_number

    assert item_number("1.城区防洪工程：加固堤防").end == 2 and item_number("1.城区防洪工程").arabic == 1
    assert item_number("• （二）智慧水务工程").end == 5 and item_number("（二）智慧水务工程").arabic is None
    assert item_number("一)应急指挥中心建设工程") is not None  # a lost "(" is still （一）
    assert item_number("①监测预警工程") is not None
    # A quantity opening a wrapped line is no item number (the grammar knows counter words).
    assert item_number("2万平方公里 , 基本遏制生态环境恶化趋势。") is None
    assert item_number("6万栋，逐一登记问题隐患") is None


def test_header_hint_one_alternative_at_a_time():
    """has_header_hint scans each alternative of HEADER_HINT on its own: the same answer."""
    import random

    from extractors.projects import HEADER_HINT, has_header_hint

    pieces = ["项目", "工程", "名称", "名 称", "名", "称", "项", "\t", "|", " ", "  ", "\u3000", "\n", "内容", "投资"]
    rng = random.Random(2)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert has_header_hint(text) == bool(HEADER_HINT.search(text)), text


def test_name_cell_line_is_any_stripped_line_a_name_cell():
    """has_name_cell_line looks only where a line ends in 目/程/称: the answer of reading
    every line."""
    import random

    from extractors.projects import _is_name_cell, has_name_cell_line

    pieces = ["项目", "工程", "名称", "名 称", "重点", "建设", "名", "称", "目", "程", "项", " ", "\u3000", "\t",
              "\xa0", "\n", "\n\n", "内容", "目标"]
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        want = any(_is_name_cell(line.strip()) for line in text.split("\n") if line.strip())
        assert has_name_cell_line(text) == want, repr(text)


def test_investment_parts_find_investment_s_match():
    """investment() searches 总投资… and 投资… apart: the earlier match is INVESTMENT's."""
    import random

    from extractors.projects import INVESTMENT, INVESTMENT_PARTS

    pieces = ["总", "投资", "总额", "约", "达", "12", "3.5", " ", "亿元", "万元", "千万元", "余", "，", "建设"]
    rng = random.Random(8)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        found = [m for p in INVESTMENT_PARTS if (m := p.search(text))]
        want = INVESTMENT.search(text)
        got = min(found, key=lambda m: m.start()) if found else None
        assert (got and (got.span(), got.group("v", "u"))) == (want and (want.span(), want.group("v", "u"))), text
