"""Section tree on the five seed documents and on small synthetic texts."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from corpus.model import Document
from corpus.normalise import normalise
from corpus.sections import build_sections, cn_to_int

SAMPLES = sorted((Path(__file__).parent.parent / "corpus" / "samples").glob("*.txt"))


@lru_cache(maxsize=None)
def analysed(prefix: str) -> Document:
    path = next(p for p in SAMPLES if p.name.startswith(prefix))
    doc = Document(doc_id=prefix, source_path=str(path), file_type="txt",
                   raw_text=path.read_text(encoding="utf-8"))
    normalise(doc)
    doc.sections = build_sections(doc)
    return doc


def from_text(text: str) -> Document:
    doc = normalise(Document(doc_id="t", source_path="t.txt", file_type="txt", raw_text=text))
    doc.sections = build_sections(doc)
    return doc


def top(doc: Document, kinds=None) -> list[str]:
    return [s.heading for s in doc.sections if s.level == 1 and (kinds is None or s.kind in kinds)]


def by_heading(doc: Document, heading: str):
    found = [s for s in doc.sections if s.heading.replace(" ", "") == heading]
    assert found, f"no section {heading!r}"
    return found[0]


def full_path(doc: Document, heading: str) -> str:
    s = by_heading(doc, heading)
    return f"{s.path}/{s.heading}" if s.path else s.heading


# --- structure that holds for every seed ------------------------------------------------
@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_spans_nest_and_cover_the_text(prefix):
    doc = analysed(prefix)
    secs = doc.sections
    ids = {s.id: s for s in secs}
    assert [s.id for s in secs] == [f"s{i:04d}" for i in range(1, len(secs) + 1)]
    for s in secs:
        assert 0 <= s.start < s.end <= len(doc.text)
        if s.parent:
            p = ids[s.parent]
            assert p.start <= s.start and s.end <= p.end and s.level == p.level + 1
        else:
            assert s.level == 1
        assert s.page_start is None  # txt has no pages
    # level-1 sections tile the text (up to leading whitespace)
    tops = [s for s in secs if s.level == 1]
    assert not doc.text[: tops[0].start].strip()
    assert all(a.end == b.start for a, b in zip(tops, tops[1:]))
    assert tops[-1].end == len(doc.text)
    # siblings do not overlap
    for a, b in zip(secs, secs[1:]):
        if a.parent == b.parent:
            assert a.end <= b.start


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_paths_are_the_ancestors_headings(prefix):
    doc = analysed(prefix)
    ids = {s.id: s for s in doc.sections}
    for s in doc.sections:
        chain = []
        p = s.parent
        while p:
            chain.append(ids[p].heading)
            p = ids[p].parent
        assert s.path == "/".join(reversed(chain))


# --- the seeds, one by one ---------------------------------------------------------------
def test_000_notice_then_plan_with_boxes():
    doc = analysed("000")
    numbered = top(doc, {"section"})
    assert [h[:2] for h in numbered] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert doc.sections[0].kind == "preface"
    assert full_path(doc, "专栏1风险防控目标") == "三、总体思路/（三）规划目标/专栏1风险防控目标"
    assert full_path(doc, "专栏3救援装备") == "四、重点任务/（六）提升综合保障能力/5.应急救援装备保障/专栏3救援装备"
    assert by_heading(doc, "专栏3救援装备").kind == "box"
    # "6." after the box closes it and continues the numbering under （六）
    assert full_path(doc, "6.应急物资保障") == "四、重点任务/（六）提升综合保障能力/6.应急物资保障"
    # the title is the text up to the first 。
    assert full_path(doc, "4.加强教育培训") == "四、重点任务/（三）健全应急文化体系/4.加强教育培训"
    assert by_heading(doc, "（二）建设森林消防和应急救援抗洪抢险队伍").path == "五、重点项目"
    # rows of 专栏1 (具体目标 1.… 2.…) are not sections
    assert not any(s.title.startswith("亿元GDP") for s in doc.sections)


def test_001_table_of_contents_is_one_section():
    doc = analysed("001")
    tocs = [s for s in doc.sections if s.kind == "toc"]
    assert len(tocs) == 1
    toc = tocs[0]
    assert "一、现状与形势" in doc.text[toc.start:toc.end]
    numbered = top(doc, {"section"})
    assert len(numbered) == 10 and numbered[0] == "一、现状与形势" and numbered[-1] == "十、组织实施"
    # no duplicates: every numbered heading once, and none inside the TOC span
    headings = [s.heading for s in doc.sections if s.kind != "toc"]
    assert headings.count("一、现状与形势") == 1
    assert all(not (toc.start <= s.start < toc.end) for s in doc.sections if s is not toc)
    assert full_path(doc, "(三)规划目标") == "二、总体要求/(三)规划目标"
    assert full_path(doc, "(四)织密压实应急管理责任体系") == "三、健全完善应急体制机制/(四)织密压实应急管理责任体系"
    # "一)应急指挥中心建设工程" lost its "(": repaired
    assert full_path(doc, "(一)应急指挥中心建设工程") == "九、实施应急能力提升工程/(一)应急指挥中心建设工程"
    # bare "2分类目标" is a heading; the indicator list rows "1.年均…以内。" are not
    assert by_heading(doc, "2分类目标").path == "二、总体要求/(三)规划目标"
    assert not any(s.title.startswith("年均因灾") for s in doc.sections)


def test_002_deep_numbering_and_misnumbered_top_heading():
    doc = analysed("002")
    numbered = top(doc, {"section"})
    assert len(numbered) == 7 and numbered[1] == "2、基础与现状"  # typo for 二、 stays top-level
    assert full_path(doc, "（1）理顺体制机制") == "2、基础与现状/（二）应急保障现状/1.初步建立应急指挥体系/（1）理顺体制机制"
    assert by_heading(doc, "（1）理顺体制机制").level == 4
    table = by_heading(doc, "表1各类应急救援队伍具体情况")
    assert table.kind == "table" and table.path.endswith("（1）救援队伍方面")
    # the table's rows (消防救援队伍 / 1 / 30 …) are not headings; （2） closes it
    assert full_path(doc, "（2）专家队伍方面") == "2、基础与现状/（二）应急保障现状/4.应急救援力量进一步加强/（2）专家队伍方面"
    assert len([s for s in doc.sections if s.path == "六、重点工程"]) == 10
    # the notice and the plan title before 一、 are unnumbered level-1 headings
    assert doc.sections[0].title.startswith("关于印发")


def test_003_chapters_boxes_and_preface():
    doc = analysed("003")
    assert doc.sections[0].kind == "preface" and doc.sections[0].title == "前言"
    chapters = top(doc, {"chapter"})
    assert [c[:3] for c in chapters] == ["第一章", "第二章", "第三章", "第四章", "第五章"]
    box = by_heading(doc, "专栏1重点行业领域整治提升工程")
    assert box.path == "第四章重点工程/（一）重点行业领域整治提升工程"
    # the box keeps its numbered rows: 1．危险化学品 … 15．燃气 are not sections
    assert not any(s.title == "危险化学品" for s in doc.sections)
    assert full_path(doc, "（二）应急管理信息化建设工程") == "第四章重点工程/（二）应急管理信息化建设工程"
    tables = [s for s in doc.sections if s.kind == "table"]
    assert [t.number for t in tables] == ["表1", "表2", "表3"]
    assert all(t.path == "第二章总体要求/（三）规划目标/3．主要指标" for t in tables)


def test_004_magazine_subheads():
    doc = analysed("004")
    heads = top(doc, {"heading"})
    assert heads[:4] == ["多维破题 筑牢安全生产防线", "凝心聚力 共建安全“防火墙”",
                         "严密防范 提升自然灾害防治能力", "靠前部署 夯实综合减灾基层基础"]
    # fake-bold photo captions at the end are not headings
    assert not any("演练开展" in h for h in heads)


# --- synthetic ------------------------------------------------------------------------------
def test_cn_numbers():
    assert [cn_to_int(s) for s in ("一", "十", "十二", "二十", "二十三", "7", "③")] == [1, 10, 12, 20, 23, 7, 3]


def test_inline_list_is_not_a_heading():
    doc = from_text("一、目标\n到2025年，主要目标如下。\n1.事故死亡率控制在0.01以内。2.工矿商贸就业人员死亡率下降。\n"
                    "二、任务\n（一）健全体系。加强组织领导，完善机制。\n（二）强化保障。落实资金投入，加强考核。\n")
    assert [s.heading for s in doc.sections] == ["一、目标", "二、任务", "（一）健全体系", "（二）强化保障"]


def test_relative_levels_and_attachment():
    doc = from_text("第一章 总则\n第一节 目的\n为了加强管理，制定本规划。\n一、适用范围\n本规划适用于全县。\n"
                    "第二章 任务\n（一）任务一\n内容很多，这里省略了很多内容。\n附件1 重点项目表\n项目一，项目二。\n")
    got = [(s.level, s.heading) for s in doc.sections]
    assert got == [(1, "第一章总则"), (2, "第一节目的"), (3, "一、适用范围"), (1, "第二章任务"),
                   (2, "（一）任务一"), (1, "附件1重点项目表")]


def test_toc_with_page_numbers_and_heading_word():
    body = "".join(f"{n}、第{n}部分内容\n这一部分的正文，写了很多内容，用来测试目录识别。\n" for n in "一二三四五")
    toc = "目录\n" + "".join(f"{n}、第{n}部分内容……{i}\n" for i, n in enumerate("一二三四五", 1))
    doc = from_text("某县应急管理规划\n" + toc + body)
    kinds = [s.kind for s in doc.sections]
    assert kinds.count("toc") == 1
    assert [s.heading for s in doc.sections if s.kind == "section"] == [
        f"{n}、第{n}部分内容" for n in "一二三四五"]


def test_pages_and_circled_items():
    from corpus.model import Page

    first = "第一部分 总体要求\n（一）基本原则\n坚持人民至上，坚持安全第一，统筹发展和安全。\n"
    second = "（二）主要目标\n①风险防控。到2025年，事故总量下降。\n②应急救援。救援能力明显提升，覆盖全域。\n第二部分 保障措施\n加强领导，落实责任，确保实效。\n"
    doc = Document(doc_id="p", source_path="p.txt", file_type="txt", raw_text=first + second,
                   pages=[Page(1, 0, len(first)), Page(2, len(first), len(first + second))])
    normalise(doc)
    doc.sections = build_sections(doc)
    got = {s.heading: (s.level, s.page_start, s.page_end) for s in doc.sections}
    assert got["第一部分总体要求"] == (1, 1, 2)
    assert got["（一）基本原则"] == (2, 1, 1)
    assert got["①风险防控"] == (3, 2, 2)
    assert by_heading(doc, "②应急救援").path == "第一部分总体要求/（二）主要目标"
    assert got["第二部分保障措施"] == (1, 2, 2)


# --- real pages (short excerpts copied from ../shared/eval/real/docs; each names its file) -----
def test_page_that_starts_mid_plan_at_a_sub_heading():
    # 12_shi-weizhi_fangzhen-jianzai-12-5_p4.txt: page 4 opens at "(二)基本原则", no title
    doc = from_text("(二)基本原则\n以人为本,预防为主、防救结合,全面防御、突出重点,政府主导、各级负责、全民参与。\n"
                    "(三)规划目标\n“十二五”期间使城镇的防震减灾能力达到综合抗御6级左右地震的能力,同时努力提高农村防震减灾能力。\n"
                    "四、“十二五”防震减灾主要任务及重点项目\n(一)主要任务\n1、完善地震应急体系\n"
                    "做到市、县区防震减灾领导体系健全,地震应急现场指挥系统健全,各成员单位的职责任务明确。\n")
    assert top(doc) == ["(二)基本原则", "(三)规划目标", "四、“十二五”防震减灾主要任务及重点项目"]
    assert full_path(doc, "1、完善地震应急体系") == "四、“十二五”防震减灾主要任务及重点项目/(一)主要任务/1、完善地震应急体系"


def test_page_that_starts_with_the_tail_of_a_list():
    # 11_xinjiang_zonghe-fangzai-jianzai-12-5_p4.txt: goals 7–10 of the previous heading, then 三、
    doc = from_text("7.全区创建150个“全国综合减灾示范社区”,每个城乡基层社区至少有1名灾害信息员。\n"
                    "8.综合防灾减灾体制机制进一步完善,各地(州、市)、县(市、区)建立综合防灾减灾协调机构。\n"
                    "三、主要任务\n(一)加强自然灾害监测预警预报能力建设\n"
                    "积极加强与国土资源、交通、气象、水利、地震、农业、林业、畜牧、卫生等相关部门的协同,建立自然灾害监测站网络。\n"
                    "(二)加强自然灾害评估能力建设\n构建自治区自然灾害评估专家体系,完善专家会商机制,提高灾害评估的科学化水平。\n")
    assert "三、主要任务" in top(doc)
    assert full_path(doc, "(二)加强自然灾害评估能力建设") == "三、主要任务/(二)加强自然灾害评估能力建设"


def test_headings_in_a_line_that_lost_its_breaks():
    # 18_liaoning-shi-weizhi_anquan-shengchan-12-5_p2.txt: the whole page is one line
    doc = from_text("|\n[接上页] 1. 相对指标: 亿元国内生产总值生产安全事故死亡率下降36%以上,职业危害申报率80%以上。 "
                    "2. 绝对指标(以2010年省控考核指标为基数): 各类事故死亡人数下降10%以上,农机机械事故死亡人数下降10%以上。 "
                    "三、“十二五”安全生产工作主要任务 (一)完善安全生产管理制度体制,建立长效机制 按照国家相关的法律规定,"
                    "结合具体情况和实际需要,加快全市安全生产有关配套制度建设。 (二)突出重点行业、领域监督管理,防范生产安全事故 "
                    "煤矿:强化煤矿生产安全监管,严格煤矿安全准入。\n")
    heads = [s.heading for s in doc.sections]
    assert "三、“十二五”安全生产工作主要任务" in heads
    sec = by_heading(doc, "三、“十二五”安全生产工作主要任务")
    kids = [s.heading for s in doc.sections if s.parent == sec.id]
    assert len(kids) == 2 and kids[0].startswith("(一)完善安全生产管理制度体制")
    assert doc.text[sec.start:].startswith("三、")


def test_glued_table_of_contents_of_a_cnki_export():
    # yunnan-sheng_guomin-jingji-15-jihua-gangyao_2001_cnki.txt: contents with lost breaks
    head = ("云南省国民经济和社会发展第十个五年计划纲要\n目录序言\n第一篇指导思想和发展目标\n"
            "第一章经济社会发展的指导思想第二章经济社会发展的主要目标第二篇调整经济结构\n"
            "第三章巩固和强化农业基础地位第四章继续加强基础设施建设\n")
    body = "".join(f"{h}\n{'本章提出了发展的主要方向和重点任务，要求各地各部门认真贯彻落实。' * 2}\n" for h in (
        "第一篇 指导思想和发展目标", "第一章 经济社会发展的指导思想", "第二章 经济社会发展的主要目标",
        "第二篇 调整经济结构", "第三章 巩固和强化农业基础地位", "第一节 加强农业基础设施建设", "第四章 继续加强基础设施建设"))
    doc = from_text(head + body)
    assert "toc" in [s.kind for s in doc.sections]
    assert top(doc, kinds=("chapter",)) == ["第一篇指导思想和发展目标", "第二篇调整经济结构"]
    assert full_path(doc, "第一节加强农业基础设施建设") == "第二篇调整经济结构/第三章巩固和强化农业基础地位/第一节加强农业基础设施建设"


def test_number_alone_on_its_line():
    doc = from_text("一、\n总体要求\n坚持人民至上、生命至上，统筹发展和安全，全面提升防灾减灾救灾能力。\n"
                    "二、\n主要任务\n（一）\n加强监测预警\n完善监测站网，提升预警信息发布能力，确保预警信息覆盖全体群众。\n")
    assert top(doc) == ["一、总体要求", "二、主要任务"]
    assert full_path(doc, "（一）加强监测预警") == "二、主要任务/（一）加强监测预警"


def test_plan_title_with_its_years_after_the_notice():
    # 05_longling-xian_fangzai-13-5.txt (traditional in the file; simplified here)
    doc = from_text("龙陵县减灾委办公室关于印发龙陵县综合防灾减灾规划(2016—2020年)的通知\n各乡镇人民政府、县减灾委成员单位:\n"
                    "现将《龙陵县综合防灾减灾规划(2016—2020年)》印发给你们,请认真贯彻执行。\n龙陵县减灾委办公室\n2017年3月28日\n"
                    "龙陵县综合防灾减灾规划(2016—2020年)\n"
                    "为进一步提高龙陵县综合防灾减灾能力,确保广大人民群众生命财产安全,依据有关法律法规,制定本规划。\n")
    assert top(doc) == ["卷首", "龙陵县综合防灾减灾规划(2016—2020年)"]


def test_headings_opening_with_a_year():
    # guojia_zhengfu-gongzuo-baogao_2021.txt (unlabelled): 一、2020年… / 三、2021年… are chapters
    doc = from_text("各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议，并请全国政协委员提出意见。\n"
                    "一、2020年工作回顾\n过去一年，在新中国历史上极不平凡。面对突如其来的新冠肺炎疫情、世界经济深度衰退等多重严重冲击。\n"
                    "二、“十三五”时期发展成就和“十四五”时期主要目标任务\n过去五年，我国经济社会发展取得新的历史性成就。\n"
                    "三、2021年重点工作\n今年要重点做好以下几方面工作。\n"
                    "（一）保持宏观政策连续性稳定性可持续性，促进经济运行在合理区间。积极的财政政策要提质增效、更可持续。\n")
    assert [h for h in top(doc) if h.startswith(("一", "二", "三"))] == [
        "一、2020年工作回顾", "二、“十三五”时期发展成就和“十四五”时期主要目标任务", "三、2021年重点工作"]
    item = next(s for s in doc.sections if s.heading.startswith("（一）保持宏观政策"))
    assert item.path.startswith("三、2021年重点工作")


def test_numbered_sentence_opening_with_a_year_is_a_list_row():
    # a numbered list of one-sentence results is no outline, though each opens with a year
    doc = from_text("二、工作成效\n"
                    "一、2019年全市完成造林面积12万亩，森林覆盖率提高到45%。\n"
                    "二、2020年全市新建应急避难场所30处，覆盖城区常住人口。\n"
                    "三、2021年全市各类生产安全事故起数同比下降15%，死亡人数下降10%。\n")
    heads = [s.heading for s in doc.sections]
    assert not any(h.startswith(("一、2019", "二、2020", "三、2021")) for h in heads)
