"""extractors.context: section roles from doc.sections, sentence tense, plan period, evidence."""
import pytest

from corpus.model import Document
from corpus.normalise import normalise
from corpus.sections import build_sections
from extractors import context
from extractors.context import (DEFAULT_THRESHOLD, Evidence, document_prior, document_year, looks_back, looks_forward,
                                plan_period, section_role, section_titles, sentence_tense, vocabulary, words)


def make_doc(raw: str, **meta) -> Document:
    doc = normalise(Document(doc_id="c" * 16, source_path="x.txt", file_type="txt", raw_text=raw, meta=meta))
    doc.sections = build_sections(doc)
    return doc


PLAN = ("某县应急管理“十四五”规划\n"
        "第一章 现状与形势\n"
        "一、“十三五”时期主要成效\n全县建成避难场所12个。\n"
        "第二章 总体要求\n"
        "一、规划目标\n到2025年，避难场所达到20个。\n"
        "第三章 主要任务\n"
        "一、加强队伍建设\n组建专业队伍5支。\n")


def test_section_roles_follow_titles_and_nesting():
    doc = make_doc(PLAN)
    at = doc.text.find
    assert section_role(doc, at("全县建成"))[0] == "history"
    assert section_role(doc, at("到2025年"))[0] == "goal"
    assert section_role(doc, at("组建专业队伍"))[0] == "task"
    role, sure = section_role(doc, at("到2025年"))
    assert 0.5 < sure <= 1.0
    assert section_titles(doc, at("到2025年"))[0] == "规划目标"


def test_a_document_without_sections_is_other():
    doc = normalise(Document(doc_id="d" * 16, source_path="x.txt", file_type="txt", raw_text="全年完成5项。"))
    assert section_role(doc, 0) == ("other", 0.5)


def test_history_title_under_a_later_period():
    # a 十三五 heading in a 十四五 plan is history even without a history word
    doc = make_doc("某市应急体系建设“十四五”规划\n一、“十三五”回望\n（一）队伍\n建成队伍3支。\n")
    assert section_role(doc, doc.text.find("建成队伍"))[0] == "history"


def test_tense():
    assert looks_forward("到2025年，避难场所达到20个")
    assert looks_forward("力争实现50兆进牧户")
    assert looks_back("已建成避难场所12个")
    assert looks_back("截至2020年底，全市共建成12个")
    assert looks_back("“十三五”期间，全县发生事故12起", plan_start=2021)
    assert not looks_back("新增5G基站1000座，累计建设5G基站4600个")  # a cumulative goal is no result
    assert sentence_tense("到2025年，较2020年累计下降10%", 2021) == "forward"
    assert sentence_tense("全县建成避难场所12个") == "neutral"


def test_plan_period_and_document_year():
    doc = make_doc(PLAN)
    assert plan_period(doc) == (2021, 2025)
    doc = make_doc("关于做好2022年安全生产工作的通知\n6月底前完成。\n", title="关于做好2022年安全生产工作的通知")
    assert document_year(doc) == (2022, "title")
    assert document_year(make_doc("无题\n", issue_date="2021-12-28")) == (2021, "issue_date")


def test_evidence_combines_in_log_odds():
    ev = Evidence().add(1.5, "section goal").add(-3.0, "sentence back")
    assert ev.confidence == pytest.approx(1 / (1 + 2.718281828 ** 1.5), abs=1e-3)
    assert ev.reasons == ["section goal (+1.5)", "sentence back (-3.0)"]
    assert Evidence().confidence == DEFAULT_THRESHOLD
    assert set(ev.fields()) == {"confidence", "reasons"}


def test_document_prior_uses_kind_and_its_confidence():
    plan = document_prior(make_doc("x\n", kind="plan", kind_confidence=1.0))
    stats = document_prior(make_doc("x\n", kind="statistics", kind_confidence=1.0))
    unsure = document_prior(make_doc("x\n", kind="statistics", kind_confidence=0.2))
    assert plan.confidence > 0.5 > unsure.confidence > stats.confidence


def test_vocabulary_files_load_and_compile():
    for name in ("history_headings", "goal_headings", "task_headings", "baseline_headings", "table_headings",
                 "past_cues", "forward_cues", "result_cues", "scoring_cues", "condition_cues", "scope_after",
                 "count_verbs", "long_range_cues", "definition_cues", "rule_cues"):
        assert words(name), name
        assert vocabulary(name).pattern
    with pytest.raises(FileNotFoundError, match="no_such_words.txt"):
        words("no_such_words")


def test_sections_are_indexed_once_per_document():
    doc = make_doc(PLAN)
    assert context.section_index(doc) is context.section_index(doc)


def test_a_task_title_that_names_a_weakness_is_no_history():
    # shanghai_nongye-jixiehua-14-5-shishi-yijian_2022.md (scored blind by another helper first)
    doc = make_doc("某市农业机械化实施意见\n三、主要任务\n（二）补齐短板弱项，实现经济作物机械化关键环节突破\n"
                   "推进设施菜田绿叶菜生产机械化水平达到60%。\n（三）现状与短板\n机械化水平为50%。\n")
    assert section_role(doc, doc.text.find("推进设施菜田"))[0] == "task"
    assert section_role(doc, doc.text.find("机械化水平为"))[0] == "history"


def test_finditer_near_finds_what_finditer_finds():
    """The deadline and role-label scans try their patterns only near anchors; generated
    texts full of markers, years, months and labels must give finditer's matches."""
    import random

    import extractors.deadlines as D
    import extractors.responsibilities as R
    from extractors.context import finditer_near

    scans = [(D.YEAR, D.YEAR_ANCHOR, D.YEAR_BACK), (D.MONTH_ONLY, D.MONTH_ANCHOR, D.MONTH_BACK),
             (D.RELATIVE, D.RELATIVE_ANCHOR, D.RELATIVE_BACK), (R.regexes()["role"], *R.label_anchors())]
    pieces = ["到", "在", "力争", "确保在", "展望到", "2025", "二〇二五", "年", "年底", "前", "上半年", "6", "十二",
              "月", "月份", "底", "中旬", "10日", "今年", "本年度", "第一季度", "用", "约", "三", "至", "个", "左右",
              "时间", "内", "三年攻坚行动", "按期", "完成", "牵头", "责任", "配合", "考核", "单位", "部门", "责任主体",
              "：", "】", "，", "。", " ", "\n", "-"]
    rng = random.Random(11)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        for pattern, anchors, back in scans:
            assert [m.span() for m in finditer_near(pattern, anchors, text, back)] == \
                [m.span() for m in pattern.finditer(text)], text


def test_a_paragraph_opening_on_the_last_years_looks_back_but_the_next_two_years_do_not():
    from extractors.context import opens_in_past

    assert opens_in_past("过去的一年，我国改革开放取得新的成就。", 2021)
    assert opens_in_past("去年，全市完成投资100亿元。", 2021)
    assert not opens_in_past("近两年内，要完成全部老旧小区改造。", 2021)
    assert not opens_in_past("上一年度考核优秀的单位，今年要继续保持。", 2021)


def test_every_vocabulary_file_loads_compiles_and_is_documented():
    """Every extractors/data/*.txt (the ones this stop added too: past_openings, unit_levels)
    loads, compiles as one alternation and is listed in extractors/data/README.md."""
    readme = (context.DATA / "README.md").read_text(encoding="utf-8")
    for path in sorted(context.DATA.glob("*.txt")):
        assert words(path.stem), path.name
        assert vocabulary(path.stem).pattern, path.name
        assert f"`{path.name}`" in readme, f"{path.name} is not in extractors/data/README.md"


def test_a_broken_vocabulary_file_is_named(tmp_path, monkeypatch):
    (tmp_path / "broken_cues.txt").write_text("# a cue with an unclosed group\n(?:到\n", encoding="utf-8")
    monkeypatch.setattr(context, "DATA", tmp_path)
    with pytest.raises(ValueError, match=r"broken_cues\.txt: bad pattern"):
        vocabulary("broken_cues")


def test_title_role_quick_reject_changes_no_role(monkeypatch):
    # The one search for any heading word only passes over titles no test can give a role:
    # with it replaced by a search that always hits, every title of the samples and the real
    # documents, and random titles of heading words, get the same role.
    import random
    import re
    from pathlib import Path

    from extractors import context
    from pipeline.process import analyse

    root = Path(__file__).resolve().parents[1]
    titles = [(s.title, s.kind) for p in sorted((root / "corpus" / "samples").glob("*.txt")) for s in analyse(p).sections]
    rng = random.Random(3)
    vocab = [w for name in context.HEADING_VOCABULARIES for w in context.words(name) if w.isalnum()]
    pieces = vocab + ["“十三五”", "十四五", "加强", "建设", "体系", "（一）", "专栏", "表"]
    titles += [("".join(rng.choice(pieces) for _ in range(rng.randint(1, 4))), rng.choice(["section", "table", "item"]))
               for _ in range(3000)]
    quick = [context.title_role(t, k, 2021) for t, k in titles]
    monkeypatch.setattr(context, "_any_heading_word", lambda: re.compile(""))
    assert [context.title_role(t, k, 2021) for t, k in titles] == quick
    assert {"goal", "history", "task", "table", None} <= set(quick)
