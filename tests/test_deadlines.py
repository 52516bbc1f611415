"""Dated commitments on the seed plans and on unseen prose."""
from functools import lru_cache
from pathlib import Path

from corpus.model import Document
from corpus.normalise import normalise
from corpus.sections import build_sections
from extractors.deadlines import extract_deadlines as extract_all
from extractors.registry import DEFAULT_MIN_CONFIDENCE

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"


@lru_cache(maxsize=None)
def deadlines(prefix: str) -> list[dict]:
    from pipeline.process import analyse

    doc = analyse(str(next(SAMPLES.glob(f"{prefix}_*.txt"))))
    recs = extract_deadlines(doc)
    for r in recs:
        assert doc.raw_text[r["char_start"]:r["char_end"]] == r["quote"]
    return recs


def extract_deadlines(doc: Document) -> list[dict]:
    """The deadlines shown by default: everything is stored, low confidence is not shown."""
    return [r for r in extract_all(doc) if r["confidence"] >= DEFAULT_MIN_CONFIDENCE]


def make_doc(raw: str, **meta) -> Document:
    doc = normalise(Document(doc_id="d" * 16, source_path="synthetic.txt", file_type="txt", raw_text=raw, meta=meta))
    doc.sections = build_sections(doc)
    return doc


def test_evaluation_dates_and_history_left_out():
    recs = deadlines("000")
    assert [(r["year"], r["month"]) for r in recs] == [(2025, None), (2023, None), (2025, 12)]
    assert recs[1]["what"] == "开展规划中期评估"
    # 2017/2019 history, the cited 《…（2020—2030年）》 title and the issue date are not deadlines
    assert all(r["year"] >= 2021 for r in recs)


def test_bare_years_goals_and_relative_duration():
    recs = deadlines("001")
    years = [r["year"] for r in recs]
    assert 2035 in years and years.count(2025) >= 7
    end_of_year = next(r for r in recs if r["month"] == 12)
    assert end_of_year["what"].startswith("城市常住人口人均应急避难场所面积")
    rel = [r for r in recs if r["relative"]]
    assert len(rel) == 1 and rel[0]["relative"] == "三年" and rel[0]["year"] is None
    assert "镇街道全覆盖" in rel[0]["what"]


def test_period_headings_and_current_state_left_out():
    recs = deadlines("002")
    assert [r["year"] for r in recs] == [2030, 2025]  # not "（一）2030年总体目标", not 2019/2020 statistics


def test_campaign_completion_is_relative_but_its_name_alone_is_not():
    recs = deadlines("003")
    rel = [r for r in recs if r["relative"]]
    assert len(rel) == 1 and "三年行动按期完成" in rel[0]["quote"]
    assert (2022, None) in [(r["year"], r["month"]) for r in recs]
    assert (2025, 12) in [(r["year"], r["month"]) for r in recs]
    assert deadlines("004") == []


def test_unseen_forms():
    doc = make_doc(
        "某县应急管理“十四五”规划\n\n一、发展基础\n\n“十三五”期间，2019年全县发生事故12起。2020年8月13日发生暴雨。\n\n"
        "二、主要任务\n\n（一）强化风险防控\n\n依据《某省应急体系规划（2020—2030年）》，实施安全生产专项整治三年行动。"
        "2022年6月底前，完成危险化学品企业排查。力争用两年时间实现乡镇应急站全覆盖。2023年上半年建成县级指挥平台。"
        "2023年6月30日前完成预案修订（责任单位：县应急局）。\n\n（二）2025年主要目标\n\n到“十四五”末，基本建成应急管理体系。\n",
        period_start=2021, period_end=2025)
    got = [(r["year"], r["month"], r["relative"], r["what"]) for r in extract_deadlines(doc)]
    assert got == [
        (2022, 6, None, "完成危险化学品企业排查"),
        (None, None, "两年", "实现乡镇应急站全覆盖"),
        (2023, 6, None, "建成县级指挥平台"),
        (2023, 6, None, "完成预案修订"),
    ]


def test_time_column_of_a_task_table():
    table = ("某县安全生产重点工作任务分工方案\n\n一、重点任务\n序号\t重点任务\t牵头单位\t配合单位\t完成时限\n"
             "1\t开展危险化学品安全风险集中治理\t县应急局\t县公安局\t2022年底前\n"
             "2\t推进城镇燃气安全整治\t县住建局\t县市场监管局\t2023年6月底前\n"
             "3\t健全应急预案体系\t县应急局\t\t长期坚持\n二、保障措施\n")
    got = [(r["what"], r["year"], r["month"]) for r in extract_deadlines(make_doc(table))]
    assert got == [("开展危险化学品安全风险集中治理", 2022, 12), ("推进城镇燃气安全整治", 2023, 6)]


def test_status_baselines_and_standing_rules_are_not_deadlines():
    doc = make_doc(
        "某市应急管理规划\n\n二、主要任务\n\n（一）强化风险防控\n\n截至2022年底，全市共有危化企业120家。"
        "到2025年，亿元GDP死亡率比2021年下降15%。2022年起，每年开展一次综合演练。"
        "力争用3至5年时间建成应急救援基地。经过三年努力，基层应急站全覆盖。\n", period_start=2021)
    got = [(r["year"], r["relative"]) for r in extract_deadlines(doc)]
    assert got == [(2025, None), (None, "3至5年"), (None, "三年")]


def test_outlook_year_is_a_deadline_but_outlook_goal_names_are_not():
    doc = make_doc("二、发展目标\n\n到2025年，应急管理体系基本建成。展望2035年，全面建成现代化应急管理体系。\n"
                   "展望2035年远景目标，要坚持人民至上。\n", period_start=2021, period_end=2025, kind="plan")
    recs = extract_deadlines(doc)
    assert [(r["year"], r["what"]) for r in recs] == [(2025, "应急管理体系基本建成"), (2035, "全面建成现代化应急管理体系")]


def test_a_news_article_promises_only_with_forward_words():
    doc = make_doc("全市应急管理工作综述\n\n2023年开展隐患排查4000次，经过三年努力，全市事故大幅下降。"
                   "下一步，力争到2025年底，全市建成应急指挥平台。\n", kind="article")
    recs = extract_deadlines(doc)
    assert [(r["year"], r["month"], r["relative"]) for r in recs] == [(2025, 12, None)]


def test_a_date_inside_a_bracketed_note_ends_at_the_bracket():
    doc = make_doc("三、主要任务\n\n推进危化品整治（县应急局牵头，2024年6月底前完成）。\n", period_start=2021, period_end=2025, kind="plan")
    (rec,) = extract_deadlines(doc)
    assert (rec["year"], rec["month"], rec["what"], rec["quote"]) == (2024, 6, "推进危化品整治", "2024年6月底前完成")
    assert rec["milestone"] == "完成"


def test_a_time_limit_label_inside_a_note():
    doc = make_doc("三、主要任务\n\n2.完善应急预案。（牵头单位：县应急局；配合单位：县消防救援大队；完成时限：2024年底）\n",
                   period_start=2021, period_end=2025, kind="plan")
    (rec,) = extract_deadlines(doc)
    assert (rec["year"], rec["month"], rec["what"]) == (2024, 12, "完善应急预案")


def test_year_parts_and_this_years_months():
    doc = make_doc("三、主要任务\n\n今年6月底前完成隐患排查。上半年完成预案修订，三季度末建成指挥平台。"
                   "明年年底前实现全覆盖。上半年考评分值按日常监测计算。\n", title="某县2023年应急管理工作要点", kind="plan")
    got = [(r["year"], r["month"], r["year_implied"], r["what"]) for r in extract_deadlines(doc)]
    assert got == [(2023, 6, True, "完成隐患排查"), (2023, 6, True, "完成预案修订"), (2023, 9, True, "建成指挥平台"),
                   (2024, 12, True, "实现全覆盖")]


def test_a_time_limit_line_under_a_task():
    doc = make_doc("三、主要任务\n\n（一）强化风险防控\n\n1.开展隐患排查治理。\n牵头单位：县应急局\n完成时限：2024年底前\n",
                   period_start=2021, period_end=2025, kind="plan")
    (rec,) = extract_deadlines(doc)
    assert (rec["year"], rec["month"], rec["what"]) == (2024, 12, "开展隐患排查治理")


def test_a_time_limit_that_opens_its_clause():
    """shanghai_qiye-anquan-shengchan-shishi-yijian_2010_crawljson.json (annotated blind in
    tests/blind/R_qiye-anquan-2010): 2年内要达到…, 并于2年内全部完成 (what is done is the clause
    before), 于5年内实现…; a condition (一年内发生2次以上事故) and a sanction's term (一年内严格限制)
    are no deadline."""
    doc = make_doc("（一）加强企业安全管理\n"
                   "涉及危险工艺的化工企业，2年内要达到安全生产标准化二级以上水平。"
                   "旅游包车要安装使用卫星定位装置，并于2年内全部完成；"
                   "推广次氯酸钠替代液氯水处理应用技术，于5年内实现外环线以内水厂全部替代。\n"
                   "（二）严格责任追究\n对于发生重大生产安全责任事故或一年内发生2次以上较大生产安全责任事故的企业，"
                   "通报有关主管部门，一年内严格限制其新增的项目核准。\n")
    recs = extract_deadlines(doc)
    assert [(r["relative"], r["what"]) for r in recs] == [
        ("2年", "要达到安全生产标准化二级以上水平"),
        ("2年", "旅游包车要安装使用卫星定位装置"),
        ("5年", "实现外环线以内水厂全部替代"),
    ]
    assert recs[1]["quote"] == "旅游包车要安装使用卫星定位装置，并于2年内全部完成"


def test_a_time_limit_written_以内_or_after_a_list_number():
    """The same reading for 2年以内 and for a time limit that opens an item (1、3年内完成…)."""
    doc = make_doc("（一）任务\n1、3年内完成隐患排查。\n2、涉及危险工艺的企业，2年以内要达到安全生产标准化三级以上水平。\n")
    assert [(r["relative"], r["what"]) for r in extract_deadlines(doc)] == [
        ("3年", "完成隐患排查"), ("2年", "要达到安全生产标准化三级以上水平")]


def test_a_bare_year_after_the_document_s_own_looks_forward_in_a_report():
    """guojia_zhengfu-gongzuo-baogao-jiuwu-jihua_1996.txt (annotated blind in
    tests/blind/R_jiuwu-1996): a work report issued in 1996 says 2000年全国要…; a year still to
    come when the document was written looks forward without 到, its own year does not."""
    doc = make_doc("政府工作报告\n　　１９９６年是“九五”计划第一年。２０００年全国要基本普及九年义务教育，基本扫除青壮年文盲。\n",
                   kind="report", kind_confidence=0.8, issue_date="1996-03-05")
    assert [(r["year"], r["what"]) for r in extract_deadlines(doc)] == [(2000, "全国要基本普及九年义务教育")]


def test_the_scans_near_their_anchors_find_what_finditer_finds():
    """YEAR, MONTH_ONLY and RELATIVE are tried only near their anchors (context.finditer_near);
    generated texts of every marker, number and word after 年 must give finditer's matches."""
    import random

    import extractors.deadlines as D
    from extractors.context import finditer_near

    scans = [(D.YEAR, D.YEAR_ANCHOR, D.YEAR_BACK), (D.MONTH_ONLY, D.MONTH_ANCHOR, D.MONTH_BACK),
             (D.RELATIVE, D.RELATIVE_ANCHOR, D.RELATIVE_BACK)]
    pieces = ["到", "在", "于", "力争", "争取", "确保在", "展望到", "利用", "经过", "花", "用", "约", "2025", "二〇二五",
              "三", "五", "两", "十二", "6", "12", "至", "到", "—", "个", "年", "月", "季度", "第一", "上半", "下半",
              "底", "末", "内", "以", "左右", "的", "时间", "努力", "攻坚", "专项", "行动", "计划", "按期", "完成",
              "本年度", "明年", "前", "，", "。", " ", "\n"]
    longest = ["，利用约125至130个年时间完成", "，力争在本年度十二月底前", "，确保在本年度第一季度末", "，展望到 2035 年底"]
    rng = random.Random(7)
    texts = longest + ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 16))) for _ in range(4000)]
    for text in texts:
        for pattern, anchors, back in scans:
            assert [m.span() for m in finditer_near(pattern, anchors, text, back)] == \
                [m.span() for m in pattern.finditer(text)], text
