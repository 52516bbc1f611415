"""Key projects (重点工程 chapters, 专栏 items) on the seed plans and on unseen layouts."""
from functools import lru_cache
from pathlib import Path

from corpus.model import Document
from corpus.normalise import normalise
from corpus.sections import build_sections
from extractors.projects import extract_projects, investment

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"


@lru_cache(maxsize=None)
def projects(prefix: str) -> list[dict]:
    from pipeline.process import analyse

    doc = analyse(str(next(SAMPLES.glob(f"{prefix}_*.txt"))))
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
