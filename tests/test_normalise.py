"""Normalisation on the real seed documents: residue gone, lines joined, tables found,
and every character of ``text`` traceable to ``raw_text``."""
import re
from pathlib import Path

import pytest

from corpus.chinese import to_simplified
from corpus.loaders import load
from corpus.model import Document
from corpus.normalise import _FULLWIDTH, doubled_runs, normalise, normalise_text

SAMPLES = {p.name[:3]: p for p in sorted(Path("corpus/samples").glob("*.txt"))}


@pytest.fixture(scope="module")
def docs():
    return {k: normalise(load(p)) for k, p in SAMPLES.items()}


def test_offsets_map_back_on_every_seed(docs):
    for doc in docs.values():
        assert len(doc.offsets) == len(doc.text) + 1 and doc.offsets[-1] == len(doc.raw_text)
        assert all(a <= b for a, b in zip(doc.offsets, doc.offsets[1:]))  # monotone
        for i, ch in enumerate(doc.text):
            if ch == "\n":
                continue  # line breaks may stand for \r\n or a removed run
            src = doc.raw_text[doc.offsets[i]]
            assert ch == src or _FULLWIDTH.get(src) == ch or to_simplified(src) == ch, (doc.source_name, i)


def test_docx_bookmarks_and_html_residue_gone(docs):
    assert "[bookmark:" in docs["002"].raw_text and "[bookmark:" not in docs["002"].text
    assert "<ol style=" in docs["000"].raw_text
    assert not re.search(r"</?(?:ol|li|ul|p|span|div)\b", docs["000"].text)
    # the content behind the residue is still there
    assert "监测预警\t1.全市应急广播系统建成使用。" in docs["000"].text


def test_converter_spaces_between_cjk_and_digits_removed(docs):
    assert "到 2025 年" in docs["000"].raw_text
    assert "到 2025 年" not in docs["000"].text and "到2025年" in docs["000"].text
    assert normalise_text("不低于 2.5 平方米，达到 １００％").text == "不低于2.5平方米，达到100%"


def test_magazine_column_breaks_joined(docs):
    text = docs["004"].text
    lines = [ln for ln in text.split("\n") if ln.strip()]
    # every body line now ends a sentence; what does not is a short heading or caption
    open_lines = [ln for ln in lines if not re.search(r"[。！？；]$", ln)]
    assert all(len(ln) <= 45 for ln in open_lines), open_lines  # two captions may share a line
    assert "深厚的工业底蕴" in text  # the paragraph's (indented) first line was joined
    assert "定期为化工企业“诊断”检查" in text  # a line ending in a closing quote mid-sentence
    assert "今年以来，共组织考试525场次" in text  # broken across a blank line (page break)
    # headings between paragraphs keep their own lines
    assert "\n多维破题\n" in text and "\n筑牢安全生产防线\n" in text
    # and quotes still map back: a joined span covers the original line break
    at = text.index("深厚的工业底蕴")
    assert docs["004"].quote(at, at + 7) == "深厚的工业底\n蕴"


def test_other_seeds_keep_their_lines(docs):
    """Plans with one paragraph per line are not column text: nothing is joined."""
    for key in ("000", "001", "003"):
        doc = docs[key]
        assert doc.text.count("\n") >= doc.raw_text.count("\n") - 3


def test_fake_bold_captions_undoubled(docs):
    text = docs["004"].text
    assert "\n开展防汛抢险应急演练\n" in text
    assert "全省矿山事故（钻探）救援应急演练在济宁举办" in text
    assert doubled_runs("全市全市““防灾减灾宣传周防灾减灾宣传周””") is not None
    assert doubled_runs("谢谢大家的支持与帮助") is None  # one doubled pair is not a doubled line


def test_cell_per_line_tables_become_rows(docs):
    doc = docs["003"]
    first = doc.tables[0]
    assert first.rows[0] == ["序号", "指标名称", "预期值", "指标属性"]
    assert first.rows[1:] == [
        ["1", "生产安全事故死亡人数", "下降10%", "约束性"],
        ["2", "单位全区生产总值生产安全事故死亡率", "下降33%", "约束性"],
        ["3", "工贸商贸就业人员十万人生产安全事故死亡率", "下降10%", "约束性"],
        ["4", "重点行业领域企业安全标准化建设率", "100%", "预期性"],
    ]
    assert doc.raw_text[first.start:first.end].startswith("\t序号\n\t指标名称")
    team = docs["002"].tables[0]
    assert team.rows[0] == ["队伍名称", "队伍数量(支)", "人员数量(人)"] and team.rows[1] == ["消防救援队伍", "1", "30"]


def test_box_rows_with_a_tab_become_two_column_tables(docs):
    doc = docs["000"]
    assert len(doc.tables) == 2
    risk, ability = doc.tables
    assert risk.rows[0][0].startswith("专栏1") and [r[0] for r in risk.rows[1:]] == ["总体目标", "具体目标"]
    assert [r[0] for r in ability.rows[1:]][:3] == ["应急指挥", "监测预警", "物资保障"]
    assert all(len(r) == 2 for t in doc.tables for r in t.rows)
    assert not any("<ol" in c for t in doc.tables for r in t.rows for c in r)  # cells are clean
    assert doc.raw_text[risk.start:risk.end].startswith("专栏 1 风险防控目标\t")


def test_traditional_document_is_simplified_in_text_only():
    raw = "應急管理體系建設規劃（２０２１—２０２５年）"
    doc = normalise(Document(doc_id="x", source_path="t.txt", file_type="txt", raw_text=raw, traditional=True))
    assert doc.text == "应急管理体系建设规划（2021—2025年）"
    assert doc.raw_text == raw and doc.quote(0, 4) == "應急管理"


# Lines copied from ../shared/eval/real/docs/yunnan-sheng_guomin-jingji-15-jihua-gangyao_2001_cnki.txt
CNKI_EXCERPT = (
    "云南日报 / 2 0 0 1年 / 0 2月 / 2 0日 / 第 A0 1版 /\n"
    "(2 0 0 1年2月1 6日云南省第九届人民代表大会第四次会议通过)\n"
    "产总值年均增长8 %左右 , 人均国内生产总值年均增长6 .5 %左右 , 到2 0 0 5年 , "
    "三次产业增加值比例调整为1 9 ∶4 3 ∶3 8 。全社会固定资产投资年均增长1 2 %左右\n"
)


def test_cnki_spaced_digits_are_joined_and_traceable():
    doc = normalise(Document(doc_id="x", source_path="cnki.txt", file_type="txt", raw_text=CNKI_EXCERPT))
    for joined in ["2001年", "02月", "20日", "A01版", "2001年2月16日", "增长8%左右", "增长6.5%左右",
                   "到2005年", "19∶43∶38", "增长12%左右"]:
        assert joined in doc.text, joined
    at = doc.text.index("2001年2月16日")
    assert doc.quote(at, at + len("2001年2月16日")) == "2 0 0 1年2月1 6日"  # offsets keep every digit
    at = doc.text.index("6.5%")
    assert doc.quote(at, at + 4) == "6 .5 %"


def test_numbers_apart_are_not_joined_outside_the_spaced_style():
    assert normalise_text("2020 2025 12.5").text == "2020 2025 12.5"  # multi-digit tokens stay apart
    assert normalise_text("列 1 2，增长 2 6 %").text == "列1 2，增长2 6%"  # one spaced run is no style
    assert normalise_text("增长 26 %").text == "增长26%"


def test_column_aligned_digits_are_not_joined():
    text = "序号   一季度   二季度\n1   2   3\n4   5   6\n7   8   9\n"
    assert "1 2 3" in normalise_text(text).text
