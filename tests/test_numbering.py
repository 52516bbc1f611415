"""The one numbering grammar (corpus.numbering): numerals, dates, plan names, heading tokens."""
from __future__ import annotations

import pytest

from corpus.numbering import (HEADING_START, cn_int, cn_year, find_dates, five_year, parse_date,
                              parse_heading, plan_names, plan_period)


@pytest.mark.parametrize("text,value", [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百零五", 105),
    ("两千", 2000), ("三万五千", 35000), ("二〇二一", 2021), ("二0一七", 2017), ("7", 7),
    ("１２", 12), ("③", 3), ("零", 0),
])
def test_cn_int(text, value):
    assert cn_int(text) == value


@pytest.mark.parametrize("text", ["", None, "十x", "abc", "年"])
def test_cn_int_rejects(text):
    assert cn_int(text) is None


def test_cn_year_mixed_digits():
    assert [cn_year(s) for s in ("二〇二一", "二0一七", "2021", "一九九六", "十二", "1")] == [2021, 2017, 2021, 1996, None, None]


@pytest.mark.parametrize("text,iso", [
    ("二〇二一年十二月二十八日", "2021-12-28"),
    ("二0一七年三月二十八日", "2017-03-28"),  # mixed 0 and Chinese digits
    ("发布日期：2022-12-22", "2022-12-22"),
    ("2022年4月14日", "2022-04-14"),
    ("2006-12-15 09:20:49", "2006-12-15"),  # 20_shandong…tongzhi.txt: a web page's time stamp
    ("2022.10.17", "2022-10-17"),
    ("2022年13月1日", None),
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_month_only_dates_on_request():
    assert parse_date("二0一七年三月") is None
    assert [iso for _, iso in find_dates("二0一七年三月印发", need_day=False)] == ["2017-03"]


def test_plan_periods():
    assert five_year(14) == (2021, 2025) and five_year(9) == (1996, 2000)
    assert plan_period("十四五") == (2021, 2025)
    assert plan_period("“十五”") == (2001, 2005)
    assert plan_period("九五") == (1996, 2000)
    assert plan_period("十一五") == (2006, 2010)
    assert plan_period("十五五") == (2026, 2030)
    assert plan_period("第十个五年计划") == (2001, 2005)
    assert plan_period("第十四个五年规划") == (2021, 2025)
    assert plan_period("规划") is None


def test_bare_fifteen_and_ninety_five_only_as_plan_names():
    text = "“九五”计划和2010年远景目标；三月十五日；二十五人；一九九五年；“十五”期间；十三五时期；十五五规划"
    assert [(m.group(), n) for m, n in plan_names(text)] == [("九五", 9), ("十五", 10), ("十三五", 13), ("十五五", 15)]


@pytest.mark.parametrize("line,style,number,value,title", [
    ("第一章 总则", "chapter", "第一章", 1, "总则"),
    ("第 三 节 你好", "jie", "第三节", 3, "你好"),
    ("三、“十二五”安全生产工作主要任务", "cn", "三、", 3, "“十二五”安全生产工作主要任务"),
    ("（一）指导思想。以习近平", "paren_cn", "（一）", 1, "指导思想"),
    ("(二)基本原则", "paren_cn", "(二)", 2, "基本原则"),
    ("一)丢失的括号", "paren_cn", "(一)", 1, "丢失的括号"),
    ("1.总体目标", "arabic", "1.", 1, "总体目标"),
    ("1．总体目标", "arabic", "1．", 1, "总体目标"),
    ("1、完善地震应急体系", "arabic", "1、", 1, "完善地震应急体系"),
    ("（1）加强监测", "paren_ar", "（1）", 1, "加强监测"),
    ("⑫网络", "circled", "⑫", 12, "网络"),
    ("专栏 2 重点工程", "box", "专栏2", 2, "重点工程"),
    ("表1 主要指标", "table", "表1", 1, "主要指标"),
    ("附件3", "annex", "附件3", 3, ""),
])
def test_parse_heading(line, style, number, value, title):
    h = parse_heading(line)
    assert (h.style, h.number, h.value, h.title) == (style, number, value, title)


@pytest.mark.parametrize("line", ["2025年目标", "10万人次受灾", "一是加强", "十四五时期", "正文", "1.5倍"])
def test_not_headings(line):
    assert parse_heading(line) is None


def test_ranks_and_heading_start():
    ranks = [parse_heading(x).rank for x in ("第一章 a", "第一节 a", "一、a", "（一）a", "1.a", "（1）a", "①a")]
    assert ranks == [0, 1, 2, 3, 4, 5, 6]
    assert HEADING_START.match("（三）规划目标") and HEADING_START.match("专栏") and not HEADING_START.match("2025年")


def test_parts_rank_above_chapters():
    assert parse_heading("第一篇 指导思想和发展目标").rank == -1 and parse_heading("第一部分 总体要求").style == "part"
    assert parse_heading("第一章 总则").rank == 0


def test_lost_breaks():
    from corpus.numbering import run_on_breaks
    # 18_liaoning-shi-weizhi_anquan-shengchan-12-5_p2.txt (after normalisation removed the blanks)
    line = "职业危害申报率80%以上。2.绝对指标(以2010年省控考核指标为基数): 各类事故死亡人数下降10%以上。三、“十二五”安全生产工作主要任务 (一)完善安全生产管理制度体制"
    cuts = run_on_breaks(line)
    assert [line[c:c + 3] for c in cuts] == ["三、“", "(一)"]  # "。2." without a blank stays an inline list
    # yunnan-sheng_guomin-jingji-15-jihua-gangyao_2001_cnki.txt: a table of contents glued into lines
    toc = "第一章经济社会发展的指导思想第二章经济社会发展的主要目标第二篇调整经济结构"
    assert [toc[c:c + 3] for c in run_on_breaks(toc)] == ["第二章", "第二篇"]
    assert run_on_breaks("本规划第二章提出，第三章明确了任务。") == []


def test_articles_and_decimal_numbers():
    # xinjiang-kezhou_donghuo-zuoye-anquan-guanli-guiding_2025_crawljson.json (a 规定 in 第X条)
    h = parse_heading("第一条为加强和规范动火作业安全管理，预防和减少安全事故，制定本规定。")
    assert (h.style, h.kind, h.number, h.value, h.rank) == ("tiao", "clause", "第一条", 1, 1.5)
    # shanghai-changning-qu_shengchan-anquan-shigu-zhuanxiang-yuan_2024_crawljson.json (应急预案 in 2.1)
    h = parse_heading("2.1区生产安全事故应急救援指挥部")
    assert (h.style, h.number, h.value, h.title) == ("decimal", "2.1", 1, "区生产安全事故应急救援指挥部")
    assert parse_heading("1.1.2 编制依据").rank > parse_heading("1.1 编制目的").rank > parse_heading("1.总则").rank
    assert parse_heading("2.5倍于去年") is None and parse_heading("1.5万人次受灾") is None


def test_prose_naming_a_chapter_is_no_break():
    from corpus.numbering import run_on_breaks
    # 08_fengdu-xian_yingji-14-5_jiedu.txt: the interpretation lists the plan's chapters in prose
    line = "规划共5章23节。第一章,应急管理工作现状与面临的形势,主要分析“十三五”以来取得的工作成绩。第三章为主要任务,包括深化应急管理体制机制改革等七方面内容。"
    assert run_on_breaks(line) == []


def test_cited_article_is_no_heading():
    # hongze-qu_zhengfu-xinxi-gongkai-nianbao_2023.pdf: table cells cite 第二十条第（一）项
    assert parse_heading("第二十条第（一）项") is None and parse_heading("第十条规定的情形") is None


@pytest.mark.parametrize("line,style,number,value", [
    ("第 十 二 章 保障措施", "chapter", "第十二章", 12),  # OCR / CNKI spacing
    ("1 、加强组织领导", "arabic", "1、", 1),
    ("⑴加强监测", "paren_ar", "⑴", 1),
    ("㈡基本原则", "paren_cn", "㈡", 2),
    ("⒊保障措施", "arabic", "⒊", 3),
])
def test_spaced_and_enclosed_numbers(line, style, number, value):
    h = parse_heading(line)
    assert (h.style, h.number, h.value) == (style, number, value)


@pytest.mark.parametrize("line,value,title", [
    # guojia_zhengfu-gongzuo-baogao_2021.txt (unlabelled): headings that open with a year
    ("一、2020年工作回顾", 1, "2020年工作回顾"),
    ("三、2021年重点工作", 3, "2021年重点工作"),
    ("三、二〇二一年重点工作", 3, "二〇二一年重点工作"),
])
def test_heading_title_opening_with_a_year(line, value, title):
    h = parse_heading(line)
    assert (h.style, h.value, h.title) == ("cn", value, title)
    assert HEADING_START.match(line)


@pytest.mark.parametrize("line", ["一、二级响应", "二、2.5倍", "一、20项"])
def test_numeral_after_the_comma_is_still_no_heading(line):
    assert parse_heading(line) is None
