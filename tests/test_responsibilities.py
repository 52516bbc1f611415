"""Responsibility notes (牵头单位/负责单位/责任单位) on a seed plan and on unseen prose."""
from functools import lru_cache
from pathlib import Path

from corpus.model import Document
from corpus.normalise import normalise
from corpus.sections import build_sections
from extractors.departments import canonical, same_department
from extractors.responsibilities import extract_responsibilities, split_departments

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"


@lru_cache(maxsize=None)
def analysed(prefix: str) -> Document:
    from pipeline.process import analyse

    return analyse(str(next(SAMPLES.glob(f"{prefix}_*.txt"))))


def make_doc(raw: str, **meta) -> Document:
    doc = normalise(Document(doc_id="r" * 16, source_path="synthetic.txt", file_type="txt", raw_text=raw, meta=meta))
    doc.sections = build_sections(doc)
    return doc


def test_every_note_of_the_seed_is_one_record_with_its_heading_as_task():
    doc = analysed("001")
    recs = extract_responsibilities(doc)
    assert len(recs) == 27
    first = recs[0]
    assert first["task"] == "完善应急管理指挥体系"
    assert first["lead"] == ["市应急局"] and first["lead_role"] == "牵头单位"
    assert first["support"] == ["市委编办", "市委网信办", "市大数据局", "市财政局"]
    assert first["support_role"] == "负责单位"
    assert first["lead_canonical"] == ["市应急管理局"]
    assert "市委网络安全和信息化委员会办公室" in first["support_canonical"]
    for r in recs:  # provenance: the quote is the bracketed note, verbatim
        assert doc.raw_text[r["char_start"]:r["char_end"]] == r["quote"]
        assert r["quote"][0] in "(（" and r["quote"][-1] in ")）" and "牵头单位" in r["quote"]


def test_generic_tail_dropped_but_a_generic_whole_list_kept():
    recs = extract_responsibilities(analysed("001"))
    assert recs[1]["support"] == ["各有关部门"]
    transport = next(r for r in recs if r["lead"] == ["市交通运输局", "市公安局"])
    assert transport["support"] == ["市发改", "市大数据局", "火车站", "汽车站"]
    assert not any("负责" in n or n.endswith("等") for r in recs for n in r["lead"] + r["support"])


def test_list_splitting():
    assert split_departments("市财政局、市司法局等各有关部门按照职责分工负责") == ["市财政局", "市司法局"]
    assert split_departments("市消防救援有关部门按照职责分工负责") == ["市消防救援"]
    assert split_departments("各县（市、区）人民政府，市应急局") == ["各县（市、区）人民政府", "市应急局"]
    assert split_departments("市气象局市水局") == ["市气象局", "市水局"]  # a missing 、
    assert split_departments("团市委、市委宣传部") == ["团市委", "市委宣传部"]


def test_unseen_line_and_bracket_forms():
    doc = make_doc(
        "二、主要任务\n\n（一）强化风险防控\n\n开展隐患排查治理。（责任单位：县应急局、县住建局，配合单位：县消防救援大队）\n\n"
        "（二）完善预案体系\n\n修订总体预案。\n责任单位：县应急管理局；配合单位：各乡镇人民政府\n", region="某县")
    recs = extract_responsibilities(doc)
    assert [r["task"] for r in recs] == ["强化风险防控", "完善预案体系"]
    assert recs[0]["lead_role"] == "责任单位" and recs[0]["lead"] == ["县应急局", "县住建局"]
    assert recs[0]["lead_canonical"] == ["县应急管理局", "县住房和城乡建设局"]
    assert recs[0]["support"] == ["县消防救援大队"] and recs[0]["support_role"] == "配合单位"
    assert recs[1]["lead"] == ["县应急管理局"] and recs[1]["support"] == ["各乡镇人民政府"]


def test_department_abbreviations():
    assert canonical("市应急局") == "市应急管理局"
    assert same_department("市应急局", "市应急管理局")
    assert canonical("区住建局") == "区住房和城乡建设局"
    assert canonical("市发改委") == "市发展和改革委员会"
    assert canonical("市委网信办") == "市委网络安全和信息化委员会办公室"
    assert canonical("省市场监管局") == "省市场监督管理局"
    assert canonical("临清市应急局", region="临清市") == "临清市应急管理局"
    assert canonical("县卫健委") == "县卫生健康委员会"
    assert canonical("市公安局交警支队") == "市公安局交通警察支队"
    assert canonical("市供水局") == "市供水局"  # 水局 only after an admin prefix
    assert canonical("各有关部门") == "各有关部门"


TASK_TABLE = ("某县安全生产重点工作任务分工方案\n\n一、重点任务\n"
              "序号\t重点任务\t牵头单位\t配合单位\t完成时限\n"
              "1\t开展危险化学品安全风险集中治理\t县应急局\t县公安局、县交通运输局\t2022年底前\n"
              "2\t推进城镇燃气安全整治\t县住建局\t县市场监管局等有关部门\t2023年6月底前\n"
              "二、保障措施\n")


def test_task_table_rows():
    recs = extract_responsibilities(make_doc(TASK_TABLE))
    assert [(r["task"], r["lead"], r["support"]) for r in recs] == [
        ("开展危险化学品安全风险集中治理", ["县应急局"], ["县公安局", "县交通运输局"]),
        ("推进城镇燃气安全整治", ["县住建局"], ["县市场监管局"]),
    ]
    assert recs[1]["lead_canonical"] == ["县住房和城乡建设局"] and recs[1]["support_role"] == "配合单位"


def test_verb_notes_and_one_task_per_note_under_a_shared_heading():
    doc = make_doc(
        "三、主要任务\n\n（一）强化风险防控\n\n开展危险化学品安全风险集中治理（省应急厅牵头，省公安厅、省交通运输厅等按职责分工负责）。"
        "推进城镇燃气安全整治（省住房城乡建设厅牵头）。健全预案体系（由各地政府牵头组织实施本地区的预案修订工作）。\n\n"
        "（二）加强队伍建设\n\n加强消防救援队伍建设（省消防救援总队、省应急厅共同牵头，各市（州）人民政府配合）。\n")
    recs = extract_responsibilities(doc)
    assert [(r["task"], r["lead"], r["support"], r["support_role"]) for r in recs] == [
        ("开展危险化学品安全风险集中治理", ["省应急厅"], ["省公安厅", "省交通运输厅"], "负责"),
        ("推进城镇燃气安全整治", ["省住房城乡建设厅"], [], None),
        ("加强队伍建设", ["省消防救援总队", "省应急厅"], ["各市（州）人民政府"], "配合"),
    ]
    assert recs[0]["lead_canonical"] == ["省应急管理厅"] and all("_pos" not in r for r in recs)


def test_notes_that_only_say_who_is_responsible():
    doc = make_doc("（一）健全指挥体系\n\n1.强化值班值守。落实24小时值班制度（县应急局负责）。\n"
                   "2.完善物资储备。建立储备目录（省发展改革委、省应急管理厅等按职责分工负责）。\n"
                   "3.加强宣传。开展宣传活动（每年不少于两次，由各地负责）。\n", region="某县")
    recs = extract_responsibilities(doc)
    assert [(r["task"], r["lead"], r["lead_role"]) for r in recs] == [
        ("强化值班值守", ["县应急局"], "负责"),
        ("完善物资储备", ["省发展改革委", "省应急管理厅"], "负责"),
    ]
    assert recs[0]["lead_canonical"] == ["县应急管理局"] and recs[1]["support"] == []
    assert recs[1]["lead_canonical"][0] == "省发展和改革委员会"


def test_more_abbreviations_and_the_region_spelled_out():
    assert canonical("市人防办") == "市人民防空办公室"
    assert canonical("市自规局") == "市自然资源和规划局"
    assert canonical("盟应急局") == "盟应急管理局"
    assert canonical("省应急厅") == "省应急管理厅"
    assert same_department("临清市应急局", "市应急管理局", region="临清市")
    assert not same_department("临清市应急局", "市应急管理局")
    assert not same_department("市应急局", "市公安局")


def test_bracketed_role_labels_and_a_time_limit_after_the_support_verb():
    doc = make_doc("三、重点任务\n\n（一）加强监测预警\n\n1.建设监测网络。【牵头单位】县应急管理局【配合单位】县气象局、县水利局\n"
                   "2.完善预警发布。责任主体：各乡镇人民政府\n"
                   "3.推进危化品整治。（县应急局牵头，县公安局、县交通局等有关部门按职责分工负责，2024年6月底前完成）\n")
    recs = extract_responsibilities(doc)
    assert [(r["task"], r["lead"], r["support"]) for r in recs] == [
        ("建设监测网络", ["县应急管理局"], ["县气象局", "县水利局"]),
        ("完善预警发布", ["各乡镇人民政府"], []),
        ("推进危化品整治", ["县应急局"], ["县公安局", "县交通局"]),
    ]
    assert recs[0]["quote"].startswith("【牵头单位】") and recs[2]["support_role"] == "负责"


def test_task_table_with_other_role_headers_and_a_month_only_time_column():
    from extractors.deadlines import extract_deadlines

    table = ("某县2023年安全生产重点工作任务清单\n\n一、重点任务\n"
             "序号\t工作任务\t牵头/责任单位\t配合部门\t完成时限\n"
             "1\t开展燃气安全专项整治\t县住建局\t县市场监管局、各乡镇\t6月底前\n"
             "2\t完善应急预案体系\t县应急局、县消防救援大队\t\t持续推进\n二、保障措施\n")
    doc = make_doc(table, title="某县2023年安全生产重点工作任务清单")
    recs = extract_responsibilities(doc)
    assert [(r["task"], r["lead"], r["support"], r["lead_role"]) for r in recs] == [
        ("开展燃气安全专项整治", ["县住建局"], ["县市场监管局", "各乡镇"], "牵头/责任单位"),
        ("完善应急预案体系", ["县应急局", "县消防救援大队"], [], "牵头/责任单位"),
    ]
    dated, open_ended = extract_deadlines(doc)
    assert (dated["year"], dated["month"], dated["year_implied"]) == (2023, 6, True)
    assert open_ended["relative"] == "持续推进" and open_ended["confidence"] < 0.5


def test_supporters_on_the_next_line_a_time_limit_label_and_a_lead_marked_in_the_list():
    doc = make_doc("（一）强化风险防控\n\n1.开展隐患排查治理。\n牵头单位：县应急局\n配合单位：县公安局、县住建局\n\n"
                   "2.完善应急预案。（牵头单位：县应急局；配合单位：县消防救援大队；完成时限：2024年底）\n\n"
                   "3.推进燃气整治。（责任单位：县住建局（牵头）、县市场监管局）\n")
    recs = extract_responsibilities(doc)
    assert [(r["lead"], r["support"]) for r in recs] == [
        (["县应急局"], ["县公安局", "县住建局"]),
        (["县应急局"], ["县消防救援大队"]),
        (["县住建局"], ["县市场监管局"]),
    ]
    assert recs[0]["quote"] == "牵头单位：县应急局\n配合单位：县公安局、县住建局"
    assert recs[0]["support_role"] == "配合单位"


def test_markdown_task_table():
    table = ("## 重点任务分工\n\n| 序号 | 重点任务 | 牵头部门 | 责任单位 | 完成时限 |\n|---|---|---|---|---|\n"
             "| 1 | 建设应急指挥平台 | 市应急局 | 市大数据局、市公安局 | 2024年底前 |\n"
             "| 2 | 修订总体应急预案 | 市应急局 |  | 持续推进 |\n\n三、保障措施\n")
    recs = extract_responsibilities(make_doc(table))
    assert [(r["task"], r["lead"], r["support"]) for r in recs] == [
        ("建设应急指挥平台", ["市应急局"], ["市大数据局", "市公安局"]),
        ("修订总体应急预案", ["市应急局"], []),
    ]
    assert recs[0]["lead_role"] == "牵头部门" and recs[0]["support_role"] == "责任单位"


def test_verb_note_opened_by_you():
    doc = make_doc("三、主要任务\n\n1.建设平台。（由市应急局牵头，市公安局等部门配合）\n")
    (rec,) = extract_responsibilities(doc)
    assert (rec["lead"], rec["support"], rec["support_role"]) == (["市应急局"], ["市公安局"], "配合")


def test_a_time_limit_after_the_list_in_the_same_bracket():
    from extractors.deadlines import extract_deadlines

    doc = make_doc("（一）平台建设\n\n1.升级政务热线平台。（牵头考核单位：市审批服务局、市公安局，6月底完成）\n"
                   "2.完善评价机制。（牵头单位：市审批服务局；持续推进）\n", title="某市2022年数字政府建设考评办法")
    recs = extract_responsibilities(doc)
    assert [r["lead"] for r in recs] == [["市审批服务局", "市公安局"], ["市审批服务局"]]
    due, open_ended = extract_deadlines(doc)
    assert (due["year"], due["month"], due["what"], due["milestone"]) == (2022, 6, "升级政务热线平台", "完成")
    assert open_ended["relative"] == "持续推进" and open_ended["confidence"] < 0.5


def test_role_labels_are_the_role_pattern_s_matches():
    """role_labels tries the role pattern only before colons and 】: generated texts full of
    labels, qualifiers, colons and blanks must give finditer's matches."""
    import random

    from extractors.responsibilities import regexes, role_labels

    pieces = ["牵头", "责任", "考核", "单位", "部门", "处室", "责任主体", "配合", "实施", "：", ":", "】", "【",
              " ", "\n", "，", "市", "局", "（", "）"]
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        assert [m.span() for m in role_labels(text)] == [m.span() for m in regexes()["role"].finditer(text)], text


def test_list_notes_found_as_a_full_scan_finds_them():
    """list_note_matches tries LIST_NOTE only at the sentence end before each opening bracket:
    generated texts of ends, blanks, brackets and names must give finditer's matches."""
    import random

    from extractors.responsibilities import LIST_NOTE, list_note_matches

    def choose(*options):
        return rng.choice(options)

    def note():  # a sentence end, blanks, a bracketed list, blanks (each part sometimes wrong)
        return (choose("", "加强", "。") + choose("。", "；", "!", "，", "") + choose("", " ", "　", "\t ")
                + choose("（", "(", "（（", "") + choose("市科委", "市科委、区局", "区局", "西部", "市科委。区局", "局（市）")
                + choose("）", ")", "") + choose("", " ", "　") + choose("\n", "", "。", "）\n"))

    rng = random.Random(5)
    for _ in range(3000):
        text = "".join(note() for _ in range(rng.randint(1, 4)))
        assert [m.span() for m in list_note_matches(text)] == [m.span() for m in LIST_NOTE.finditer(text)], text


def test_brackets_found_as_a_scan_of_the_line_finds_them():
    """enclosing_open and matching_close read the document's bracket positions: generated
    texts of brackets, line ends and long runs must give a scan of the line's answers."""
    import random
    import re

    from extractors.responsibilities import enclosing_open, matching_close

    bracket = re.compile(r"[（()）\n]")

    def open_reference(text, pos):
        line_start = text.rfind("\n", 0, pos) + 1
        depth = 0
        for m in reversed(list(bracket.finditer(text, max(line_start, pos - 300), pos))):
            if m.group() in "）)":
                depth += 1
            elif depth == 0:
                return m.start()
            else:
                depth -= 1
        return None

    def close_reference(text, open_at):
        depth = 0
        for m in bracket.finditer(text, open_at, min(len(text), open_at + 600)):
            if m.group() == "\n":
                return None
            depth += 1 if m.group() in "（(" else -1
            if depth == 0:
                return m.start()
        return None

    pieces = ["（", "(", "）", ")", "\n", "市", "局", "牵头", "甲" * 150, "乙" * 290]
    rng = random.Random(11)
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        for pos in range(len(text) + 1):
            assert enclosing_open(text, pos) == open_reference(text, pos), (text, pos)
            assert matching_close(text, pos) == close_reference(text, pos), (text, pos)


def test_duty_notes_and_task_rows_found_as_a_full_scan_finds_them():
    """_duty_matches tries DUTY_NOTE only at the bracket before each 负责）, and task_tables
    reads only the lines holding a tab or pipe: generated texts give the full scans' answers."""
    import random

    import extractors.responsibilities as R

    def task_rows_reference(text):  # every line read, as before
        header, pos, out = None, 0, []
        for line in text.split("\n"):
            start, pos = pos, pos + len(line) + 1
            cells = R.row_cells(line)
            if cells is None:
                header = None
                continue
            if R.PIPE_RULE.match(line.strip()):
                continue
            if any(R.regexes()["header"].match(R._header_cell(c)) for c in cells):
                header = [R._header_cell(c) for c in cells]
            elif header is not None:
                lead = len(line) - len(line.lstrip())
                out.append((header, cells, start + lead, start + len(line.rstrip())))
        return out

    pieces = ["（", "(", "）", ")", "由", "市应急局", "、", "等有关部门", "按职责分工", "负责", "负责）", "\n", "。",
              "\t", "|", "牵头单位", "任务", " ", "|---|", "市局", "完成时限"]
    rng = random.Random(4)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        assert [m.span() for m in R._duty_matches(text)] == [m.span() for m in R.DUTY_NOTE.finditer(text)], text
        if "\t" in text or "|" in text:
            assert R.task_tables(text) == task_rows_reference(text), text


def test_canonical_by_last_character_finds_the_longest_abbreviation():
    """departments.canonical looks only at abbreviations ending in the name's last
    character: every abbreviation behind several prefixes gives the full-list answer."""
    import re

    from extractors import departments as D

    def reference(name):  # the whole list, longest first
        name = re.sub(r"\s+", "", name or "").strip(D._STRIP)
        if not name:
            return name
        for abbr, full in D._by_length():
            if name.endswith(abbr) and (len(abbr) > 2 or D._ADMIN_PREFIX.match(name[: -len(abbr)])):
                prefix = name[: -len(abbr)]
                return prefix + full[D._overlap(prefix, full):]
        return name

    for abbr in D.abbreviations():
        for prefix in ("", "市", "区", "市委", "义乌市", "某某", "供"):
            name = prefix + abbr
            assert D.canonical.__wrapped__(name) == reference(name), name


def test_a_bare_list_of_departments_closing_a_task_names_who_is_responsible(tmp_path):
    """shanghai_shipin-keji-chuangxin-xingdong-fangan_2025.md (unlabelled, annotated blind in
    tests/blind/R_shipin-keji): each task ends on a bracket that only lists units, with no
    label; the markdown's ordered-list numbers name the tasks.  Brackets that close a task but
    hold no department, or stand inside a sentence, are no note."""
    from extractors.base import extract
    from pipeline.process import analyse

    md = ("**二、加快食品原料研发**\n\n"
          "  1. 加快新食品原料挖掘。以功能性蛋白、糖类、脂质开发为重点，提高活性保留率与生物利用度。（市科委）\n\n"
          "  2. 支持普通食品生产转型升级。提升普通食品的生产效率和营养功能。（市经济信息化委、市农业农村委、市科委）\n\n"
          "  3. 提高公众接受度。加强科普宣传。（市委网信办、市科委、市科协、市市场监管局、市卫生健康委）\n\n"
          "  4. 打造产业集聚区。建设功能食品制造示范区。（市经济信息化委、市科委、相关区）\n\n"
          "研制并获批3—5种新食品原料（以下简称“三新食品”）。\n\n"
          "推动产业向西部转移，建设示范区（西部）。\n\n"
          "由市科委（市知识产权局）统筹推进。\n")
    path = tmp_path / "excerpt.md"
    path.write_text(md, encoding="utf-8")
    recs = extract(analyse(str(path)))["responsibilities"]
    assert [(r["task"], r["lead"], r["support"], r["lead_role"]) for r in recs] == [
        ("加快新食品原料挖掘", ["市科委"], [], None),
        ("支持普通食品生产转型升级", ["市经济信息化委", "市农业农村委", "市科委"], [], None),
        ("提高公众接受度", ["市委网信办", "市科委", "市科协", "市市场监管局", "市卫生健康委"], [], None),
        ("打造产业集聚区", ["市经济信息化委", "市科委", "相关区"], [], None),
    ]
    assert all(r["confidence"] >= 0.5 and r["quote"].startswith("（") for r in recs)


def test_a_bracket_closing_a_task_that_names_no_unit_is_no_note():
    doc = make_doc("（一）任务\n1.推进数字化。建设平台。（万物互联）\n2.加强科普。开展宣传。（市科协、市妇联）\n")
    assert [(r["task"], r["lead"]) for r in extract_responsibilities(doc)] == [("加强科普", ["市科协", "市妇联"])]


def test_a_lead_named_in_the_text_of_a_list_item():
    """shanghai-changning-qu_shengchan-anquan-shigu-zhuanxiang-yuan_2024_crawljson.json
    (unlabelled, annotated blind in tests/blind/R_changning-yuan): an emergency plan assigns
    each accident type and each working group by a clause of its item, not a bracket —
    "工贸事故：区应急局牵头" / "救援行动组。由区消防救援局牵头，…".  A bracket after a whole
    department name says which part it leads for; supporters are the next clause before
    配合; a generic "相关单位" supports nobody; prose about leading names no department; a
    line whose bracketed note assigns it gets no second record from its text."""
    doc = make_doc(
        "二、组织指挥\n"
        "(1)生产经营性火灾事故：区消防救援局牵头。\n"
        "(2)危险化学品事故：区应急局、区公安分局、区建管委(交通委)按照各自职责权限分别牵头。\n"
        "(3)建筑安全事故：区建管委(市政非交通工程、水务工程)、区房管局(房屋安全)分别牵头。\n"
        "(4)救援行动组。由区消防救援局牵头，主要负责组织指挥人员搜救、险情控制等任务。\n"
        "(5)环境监测评估组。由区生态环境局牵头，相关单位协同配合，主要负责开展环境监测。\n"
        "(6)联合执法组。由区市场监管局牵头，区公安分局、区城管执法局配合，负责查处违法行为。\n"
        "其它未列事故类别，按照“谁主管谁牵头”的原则，履行相关职责。\n"
        "(7)加强统筹推进，由区科委牵头，优化部门协同。（责任单位：区科委、各相关单位）\n")
    got = [(r["task"], r["lead"], r["support"], r["lead_role"], r["quote"]) for r in extract_responsibilities(doc)]
    assert got[:-1] == [
        ("生产经营性火灾事故", ["区消防救援局"], [], "牵头", "区消防救援局牵头"),
        ("危险化学品事故", ["区应急局", "区公安分局", "区建管委"], [], "牵头",
         "区应急局、区公安分局、区建管委(交通委)按照各自职责权限分别牵头"),
        ("建筑安全事故", ["区建管委", "区房管局"], [], "牵头",
         "区建管委(市政非交通工程、水务工程)、区房管局(房屋安全)分别牵头"),
        ("救援行动组", ["区消防救援局"], [], "牵头", "由区消防救援局牵头"),
        ("环境监测评估组", ["区生态环境局"], [], "牵头", "由区生态环境局牵头"),
        ("联合执法组", ["区市场监管局"], ["区公安分局", "区城管执法局"], "牵头",
         "由区市场监管局牵头，区公安分局、区城管执法局配合"),
    ]
    assert got[-1][4] == "（责任单位：区科委、各相关单位）"  # the bracket, not 由区科委牵头 as well


def test_a_rule_s_sentence_that_gives_a_unit_its_duty():
    """xinjiang-kezhou_donghuo-zuoye-anquan-guanli-guiding_2025_crawljson.json (unlabelled,
    annotated blind in tests/blind/R_xinjiang-donghuo): a 规定 assigns duties by sentences
    that open on the unit and 负责 — no bracketed note; the task is what follows.  A principle
    ("谁主管，谁负责"), a generic unit and a duty in mid-sentence name no one."""
    doc = make_doc(
        "第三条动火作业实行“谁主管，谁负责”的原则。\n"
        "乡镇（街道）负责依法监督和检查本地区动火作业安全状况，落实动火作业安全措施。\n"
        "消防救援机构负责动火作业引发的火灾事故救援、宣传教育及火灾事故调查处理等相关工作。\n"
        "公安机关负责查处职责范围内涉及动火作业的违法犯罪行为；城管部门负责对户外广告的动火作业的监督管理工作。\n"
        "其他行业主管部门依照“三管三必须”的要求，在各自职责范围内，负责本行业的动火作业安全管理。\n"
        "4.3.4由新镇安委办、派出所和城运中心负责，承接生产安全事故的报告。\n")
    got = [(r["lead"], r["task"], r["lead_role"]) for r in extract_responsibilities(doc)]
    assert got == [
        (["乡镇（街道）"], "监督和检查本地区动火作业安全状况，落实动火作业安全措施", "负责"),
        (["消防救援机构"], "动火作业引发的火灾事故救援、宣传教育及火灾事故调查处理等相关工作", "负责"),
        (["公安机关"], "查处职责范围内涉及动火作业的违法犯罪行为", "负责"),
        (["城管部门"], "对户外广告的动火作业的监督管理工作", "负责"),
        (["新镇安委办", "派出所", "城运中心"], "承接生产安全事故的报告", "负责"),
    ]


def test_what_a_lead_or_duty_sentence_is_not():
    """负责人 is a person; 政府/部门/单位 alone name no one; a comma after 负责 starts someone
    else's clause unless the list was opened by 由; 由 inside the list is a phrase (本办法由…负责
    解释), 会同 joins a supporter; a line assigned by a 牵头单位： line below it gets no second
    record; two units each 负责 in one sentence are two records; 政府和社会资本合作中心 is one name."""
    def got(text):
        return [(r["lead"], r["support"]) for r in extract_responsibilities(make_doc(text))]

    assert got("事故发生单位负责人接到报告后，应当立即报告。\n市政府负责人牵头。\n") == []
    assert got("政府负责统筹协调。部门负责具体落实。单位负责组织培训。\n") == []
    assert got("市应急管理局负责，各区配合。\n") == []
    assert got("建立由市政府牵头的联席会议制度。本办法由市应急管理局负责解释。\n") == []
    assert got("（三）区发改委会同区财政局牵头。\n") == [(["区发改委"], ["区财政局"])]
    assert got("1.加强统筹，由区科委牵头。\n牵头单位：区科委\n") == [(["区科委"], [])]
    assert got("公安机关负责查处违法行为，交通部门负责道路管理。\n") == [(["公安机关"], []), (["交通部门"], [])]
    assert split_departments("政府和社会资本合作中心、派出所和城运中心") == ["政府和社会资本合作中心", "派出所", "城运中心"]


def test_a_document_whose_only_notes_are_duty_sentences_is_read(tmp_path):
    """The component reads a document for notes when any form can be there: a 规定 with no
    role label, no 牵头 and no bracketed list still has its 负责 sentences (xinjiang-kezhou_
    donghuo-zuoye-anquan-guanli-guiding_2025_crawljson.json, tests/blind/R_xinjiang-donghuo)."""
    from extractors.base import extract
    from pipeline.process import analyse

    path = tmp_path / "rule.txt"
    path.write_text("动火作业安全管理规定\n第十二条 应急管理部门负责监督检查动火作业现场的安全管理。\n"
                    "公安机关负责查处涉及动火作业的违法犯罪行为。\n", encoding="utf-8")
    assert [r["lead"] for r in extract(analyse(str(path)))["responsibilities"]] == [["应急管理部门"], ["公安机关"]]
