"""Responsibilities and deadlines on short excerpts of real documents (the file each comes
from is named above it; see ../shared/eval/real).  One test per phrasing."""
from corpus.model import Document
from corpus.normalise import normalise
from corpus.sections import build_sections
from extractors.deadlines import extract_deadlines
from extractors.registry import DEFAULT_MIN_CONFIDENCE
from extractors.responsibilities import extract_responsibilities


def make_doc(raw: str, **meta) -> Document:
    doc = normalise(Document(doc_id="e" * 16, source_path="excerpt.txt", file_type="txt", raw_text=raw, meta=meta))
    doc.sections = build_sections(doc)
    return doc


def shown(records: list[dict]) -> list[dict]:
    return [r for r in records if r["confidence"] >= DEFAULT_MIN_CONFIDENCE]


# baotou-shi_shuzi-zhengfu-kaoping-banfa_2022_pkulaw.txt (a 考评办法 task annex), lines 33-43
BAOTOU_TITLE = "包头市2022年数字政府建设考评办法"
BAOTOU = (
    "　　（一）一体化政务服务平台建设（3分）\n"
    "　　1．除涉密、法律法规禁止和必须人员、车辆现场核验的事项外，各级政务服务事项全部开通全程网办。完成适老化改造，"
    "适应特殊群体需求。（5月底取得明显成效并持续推进，牵头考核单位：市审批服务局）\n"
    "　　4．成立各级政务服务便民热线工作机构，主要领导兼任负责人，强化热线整合、运维管理和督促检查等工作。"
    "（6月底完成，牵头考核单位：市政府办公室、市公安局）\n"
    "　　8．深化工程建设项目审批制度改革和营商环境评价要求，加快工程建设项目审批系统持续优化、平台整合、数据共享。"
    "（持续优化，牵头考核单位：市住建局、审批服务局）\n"
)


def test_label_after_a_time_limit_in_the_same_bracket_and_several_leads():
    recs = extract_responsibilities(make_doc(BAOTOU, title=BAOTOU_TITLE))
    assert [(r["lead"], r["support"], r["lead_role"]) for r in recs] == [
        (["市审批服务局"], [], "牵头考核单位"),
        (["市政府办公室", "市公安局"], [], "牵头考核单位"),
        (["市住建局", "审批服务局"], [], "牵头考核单位"),
    ]
    assert recs[1]["time_limit"] == "6月底完成" and recs[1]["quote"].startswith("（6月底完成")
    assert recs[0]["task"].startswith("除涉密") and all(r["confidence"] >= 0.9 for r in recs)


def test_month_only_deadlines_take_the_title_year_and_open_ended_ones_stay_below_the_threshold():
    doc = make_doc(BAOTOU, title=BAOTOU_TITLE)
    recs = extract_deadlines(doc)
    got = [(r["year"], r["month"], r["year_implied"], r["milestone"]) for r in shown(recs)]
    assert got == [(2022, 5, True, "取得明显成效并持续推进"), (2022, 6, True, "完成")]
    assert shown(recs)[1]["what"] == "成立各级政务服务便民热线工作机构"  # the note's task
    (open_ended,) = [r for r in recs if r["relative"]]
    assert open_ended["relative"] == "持续优化" and open_ended["year"] is None
    assert open_ended["confidence"] < DEFAULT_MIN_CONFIDENCE and "open-ended" in open_ended["reasons"][-1]


# same file, lines 99, 110, 114, 124: dates inside the task sentence, 年底前, 11月份, 10月 + verb
BAOTOU_IN_SENTENCE = (
    "　　53．建立电子化网络化的全市物价信息服务平台，7月底前完成项目前期手续，实现平台基础建设和重点功能。"
    "10月底完善平台各项功能，提升政府治理水平。（1分）（按进度推进，牵头考核单位：市发改委）\n"
    "　　60．加快实施部分核心设备利旧替代工程，年底前完成全部改造任务，推进IPV6互联网出口扩容至5G。（按进度推进，牵头考核单位：市工信局）\n"
    "　　63．初步建成全市三维地理空间信息平台。（11月份取得明显成效，牵头考核单位：市工信局）\n"
    "　　70．建立依职能按需共享机制，按照“谁主管、谁提供、谁负责\"原则，不断梳理完善政务信息资源共享目录。"
    "（10月取得明显成效，牵头考核单位：市工信局）\n"
)


def test_month_and_year_end_dates_in_the_sentence_and_in_notes():
    recs = shown(extract_deadlines(make_doc(BAOTOU_IN_SENTENCE, title=BAOTOU_TITLE)))
    assert [(r["month"], r["what"]) for r in recs] == [
        (7, "完成项目前期手续"),
        (10, "完善平台各项功能"),
        (12, "完成全部改造任务"),
        (11, "初步建成全市三维地理空间信息平台"),
        (10, "建立依职能按需共享机制"),
    ]
    assert all(r["year"] == 2022 and r["year_implied"] for r in recs)


def test_without_a_document_year_the_month_is_kept_and_the_year_left_open():
    (rec,) = shown(extract_deadlines(make_doc(BAOTOU_IN_SENTENCE.splitlines()[2] + "\n")))
    assert (rec["year"], rec["month"], rec["year_implied"]) == (None, 11, False)


# same file, lines 75, 82, 112, 115: supporters and partners named in the task sentence
BAOTOU_SENTENCE_ROLES = (
    "　　35．配合市发改委做好涉企信用数据整合和平台对接工作。（0.25分）（6月底完成，牵头考核单位：市市场监管局）\n"
    "　　40．开展智慧城市二期建设，会同城管执法、市场监管、生态环境、审批服务等部门开展相关领域“一网统管\"应用开发。"
    "（2分）（11月取得明显成效，牵头考核单位：市市场监管局）\n"
    "　　62．制定边境地区网络覆盖方案，按分工交由达茂旗牵头落实。（10月底完成，牵头考核单位：市工信局）\n"
    "　　64．公安、市场监管、城管执法等部门积极配合监控视频接入。按需接入各方面监控感知数据，建立感知数据深度融合体系。"
    "（持续推进，牵头考核单位：市工信局）\n"
)


def test_hui_tong_and_pei_he_phrasing_in_the_task_sentence():
    recs = extract_responsibilities(make_doc(BAOTOU_SENTENCE_ROLES, title=BAOTOU_TITLE))
    assert [(r["lead"], r["support"]) for r in recs] == [
        (["市市场监管局"], []),  # the lead cooperates with 市发改委: not a supporter of this task
        (["市市场监管局"], ["城管执法", "市场监管", "生态环境", "审批服务"]),
        (["市工信局"], []),
        (["市工信局"], ["公安", "市场监管", "城管执法"]),
    ]
    assert recs[0]["cooperates_with"] == ["市发改委"] and recs[2]["implementer"] == ["达茂旗"]
    assert recs[1]["support_role"] == "会同" and recs[3]["support_role"] == "配合"


# shanghai_gaoduan-yiliao-qixie-xingdong-fangan_2025.md, lines 51-53: 责任单位 alone leads
SHANGHAI = (
    "  （一）提升创新策源能级\n\n"
    "  1.加强基础研究和前沿技术攻关。加强肿瘤精准诊断与介入治疗、神经功能调控等研究。（责任单位：市科委）\n\n"
    "  2.加快关键材料器件研发和核心生产工艺开发。加快高性能影像设备用晶体材料、泛血管植入用镍钛材料等关键材料研制。"
    "（责任单位：市科委、市经济信息化委）\n"
)


def test_duty_label_alone_names_the_leads():
    recs = extract_responsibilities(make_doc(SHANGHAI))
    assert [(r["task"], r["lead"], r["lead_role"]) for r in recs] == [
        ("加强基础研究和前沿技术攻关", ["市科委"], "责任单位"),
        ("加快关键材料器件研发和核心生产工艺开发", ["市科委", "市经济信息化委"], "责任单位"),
    ]


# yichun-shi_tongji-gongbao_2022.html, page footer (lines 423-427, tags removed), and the
# same footer in the 主办单位 form other portals use
FOOTERS = (
    "主办：宜春市人民政府　承办：宜春市人民政府办公室\n"
    "技术支持：宜春市大数据发展管理局　版权所有：宜春市人民政府\n"
    "赣ICP备06000141号　政府网站标识码：3609000002\n\n"
    "主办单位：宜春市人民政府办公室\n承办单位：宜春市大数据发展管理局\n地址：宜春市宜阳大道\n联系电话：0795-0000000\n"
)


def test_page_footers_name_no_responsibility():
    recs = extract_responsibilities(make_doc(FOOTERS))
    assert shown(recs) == [] and all("footer" in " ".join(r["reasons"]) for r in recs)


# 06_longling-xian_fangzai-14-5.txt line 6; 08_fengdu-xian_yingji-14-5_jiedu.txt line 3
# (traditional characters, a 解读 of the drafting process)
PERIOD_AND_PAST = (
    "前言\n本规划实施期限为2021年至2025年。\n"
    "一、起草過程\n按照縣委、縣政府工作安排,2020年12月縣應急管理局正式啟動規劃編制工作,"
    "委托重慶科技學院為規劃編制工作的技術支撐單位,2021年5月形成《規劃》初稿,此后我局廣泛征求意見。\n"
)


def test_the_plans_period_statement_and_past_events_are_not_deadlines():
    recs = extract_deadlines(make_doc(PERIOD_AND_PAST, issue_date="2021-12-30"))
    assert recs and shown(recs) == []  # stored, with the reasons, but not shown
    assert any("period" in " ".join(r["reasons"]) for r in recs)


# panjin-shi_zhengfu-gongzuo-baogao-renwu-fengong-fangan_2021_pages-excerpt-fanti.txt line 5
PANJIN = ("各牽頭單位的具體推進實施方案務于2021年2月3日前報送各位分管市領導,"
          "經分管市領導審核把關后于2月7日前報送市政府。\n")


def test_a_day_before_which_something_is_due_and_the_year_carried_from_the_document():
    recs = shown(extract_deadlines(make_doc(PANJIN, issue_date="2021-01-25")))
    assert [(r["year"], r["month"], r["year_implied"]) for r in recs] == [(2021, 2, False), (2021, 2, True)]


def test_chinese_numeral_years():
    # No Chinese-numeral deadline occurs in the real sets; the form is that of 政府 notices.
    doc = make_doc("三、重点任务\n\n（一）完善预案\n\n二〇二三年六月底前，完成全市应急预案修订。\n", kind="plan")
    (rec,) = shown(extract_deadlines(doc))
    assert (rec["year"], rec["month"], rec["what"]) == (2023, 6, "完成全市应急预案修订")


# liaoning_yingjiting_yuan-tixi-jianyi-dafu_2025.pdf (a web page printed to PDF), its first lines
LIAONING = ("发布时间：2025年06月23日信息来源：救援协调和预案管理处\n"
            "首页->信息公开->建议提案办理结果公开->省人大代表建议->省十四届人大三次会议（2025年）"
            "省十四届人大三次会议《关于加快应急预案体系建设的建议》\n")


def test_page_dates_and_a_year_naming_a_session_are_not_deadlines():
    assert extract_deadlines(make_doc(LIAONING, kind="notice")) == []


# --- floors on the real gold and on the blind gold (skipped where the shared folder is absent)
import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "real"
BLIND = Path(__file__).resolve().parent / "blind" / "resp_deadlines"


def _f1(gold_dir: Path, docs_dir: Path, kind: str) -> float:
    from extractors.responsibilities import extract_responsibilities as resp
    from pipeline.evaluate import locate, match_records
    from pipeline.process import analyse

    extract = {"responsibilities": resp, "deadlines": extract_deadlines}[kind]
    gold = [json.loads(line) for line in (gold_dir / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines() if line]
    listed = (gold_dir / "documents.txt").read_text().split() if (gold_dir / "documents.txt").exists() else []
    tp = n_gold = n_pred = 0
    for name in sorted({g["doc"] for g in gold} | set(listed)):
        doc = analyse(str(docs_dir / name))
        g = [dict(r) for r in gold if r["doc"] == name]
        for r in g:
            r["_span"] = locate(doc.raw_text, r["quote"], r.get("line"))
        s = match_records(kind, g, shown(extract(doc)))
        tp, n_gold, n_pred = tp + s.tp, n_gold + s.gold, n_pred + s.pred
    p, r = tp / n_pred if n_pred else 0.0, tp / n_gold if n_gold else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


@pytest.mark.skipif(not REAL.exists(), reason="../shared/eval/real not present")
def test_floors_on_the_real_task_annex_and_the_blind_documents():
    assert _f1(REAL / "gold", REAL / "docs", "responsibilities") >= 0.95
    assert _f1(REAL / "gold", REAL / "docs", "deadlines") >= 0.90
    assert _f1(BLIND, REAL / "unlabelled", "responsibilities") >= 0.95
    assert _f1(BLIND, REAL / "unlabelled", "deadlines") >= 0.80
