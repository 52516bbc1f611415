"""Document metadata against the gold file (measurement only), on synthetic headers, and
the region gazetteer helpers."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from corpus import regions
from corpus.metadata import FIELDS, extract_metadata, five_year, parse_date
from corpus.model import Document
from corpus.normalise import normalise

ROOT = Path(__file__).parent.parent
SAMPLES = sorted((ROOT / "corpus" / "samples").glob("*.txt"))
GOLD = next((p for p in (ROOT / "shared/eval/gold/documents.jsonl", ROOT.parent / "shared/eval/gold/documents.jsonl",
                         Path("/work/shared/eval/gold/documents.jsonl")) if p.is_file()), None)
MUST_MATCH = ("region", "province", "prefecture", "county", "admin_level", "period", "kind")
AIM_TO_MATCH = ("title", "issuer", "doc_number", "issue_date")


def meta_of(text: str, traditional: bool = False) -> dict:
    doc = Document(doc_id="t", source_path="t.txt", file_type="txt", raw_text=text, traditional=traditional)
    return extract_metadata(normalise(doc))


@lru_cache(maxsize=None)
def seed_meta(name: str) -> dict:
    path = ROOT / "corpus" / "samples" / name
    return meta_of(path.read_text(encoding="utf-8"))


def gold_docs() -> list[dict]:
    if GOLD is None:
        return []
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.skipif(GOLD is None, reason="gold annotations not available")
@pytest.mark.parametrize("gold", gold_docs(), ids=lambda g: g["doc"][:3])
def test_seed_metadata_matches_gold(gold):
    meta = seed_meta(gold["doc"])
    assert set(FIELDS) <= set(meta)
    for field in MUST_MATCH + AIM_TO_MATCH:
        assert meta[field] == gold.get(field), field
    if meta["period"]:
        assert meta["period"] == f"{meta['period_start']}-{meta['period_end']}"
    assert meta["admin_code"] and len(meta["admin_code"]) == 6


# --- synthetic headers ------------------------------------------------------------------------
BODY = "".join(f"{n}、第{n}项任务\n全县上下要加强组织领导，落实工作责任，确保各项任务落地见效。\n" for n in "一二三四五六七八")


def test_county_plan_from_another_province_with_signature_and_doc_number():
    text = ("遂昌县人民政府文件\n遂政发〔2022〕12号\n遂昌县人民政府关于印发遂昌县应急管理“十四五”规划的通知\n"
            "各乡镇人民政府，县政府直属各单位：\n现将《遂昌县应急管理“十四五”规划》印发给你们，请认真贯彻执行。\n"
            "遂昌县人民政府\n2022年1月5日\n遂昌县应急管理“十四五”规划\n" + BODY * 8)
    m = meta_of(text)
    assert (m["title"], m["issuer"], m["doc_number"], m["issue_date"]) == (
        "遂昌县应急管理“十四五”规划", "遂昌县人民政府", "遂政发〔2022〕12号", "2022-01-05")
    assert (m["region"], m["province"], m["prefecture"], m["county"], m["admin_level"]) == (
        "遂昌县", "浙江省", "丽水市", "遂昌县", "county")
    assert (m["period"], m["period_start"], m["period_end"], m["kind"]) == ("2021-2025", 2021, 2025, "plan")


def test_thirteenth_five_year_plan_and_chinese_numeral_date():
    text = ("湖南省“十三五”安全生产规划\n" + BODY * 4 + "湖南省人民政府\n二〇一六年十二月三十日\n")
    m = meta_of(text)
    assert (m["title"], m["period"], m["kind"]) == ("湖南省“十三五”安全生产规划", "2016-2020", "plan")
    assert (m["region"], m["admin_level"], m["prefecture"]) == ("湖南省", "province", None)
    assert (m["issuer"], m["issue_date"]) == ("湖南省人民政府", "2016-12-30")


def test_policy_interpretation():
    text = ("《朝阳区“十四五”应急管理规划》政策解读\n发布日期：2022-03-01\n"
            "一、编制背景\n为贯彻落实北京市部署，我区编制了规划，全区上下统一思想。\n二、主要内容\n规划提出了目标。\n")
    m = meta_of(text)
    assert m["kind"] == "interpretation"
    assert (m["region"], m["province"], m["admin_level"]) == ("朝阳区", "北京市", "district")
    assert m["issue_date"] == "2022-03-01"


def test_notice_without_the_plan_is_a_notice():
    text = ("关于印发《某某工作方案》的通知\n各单位：\n现将方案印发给你们，请遵照执行。\n临沂市应急管理局\n2023年5月6日\n")
    m = meta_of(text)
    assert m["kind"] == "notice" and m["title"] == "关于印发《某某工作方案》的通知"
    assert (m["issuer"], m["issue_date"], m["region"], m["admin_level"]) == (
        "临沂市应急管理局", "2023-05-06", "临沂市", "prefecture")


def test_article_region_from_the_body_level_word():
    text = ("守护平安\n今年以来，我区扎实推进安全生产工作，全区未发生较大事故。鼓楼区应急管理局联合福州市消防部门开展演练，"
            "鼓楼区各街道积极参与。福建省应急管理厅予以肯定。\n")
    m = meta_of(text)
    assert (m["kind"], m["period"]) == ("article", None)
    assert (m["region"], m["prefecture"], m["province"]) == ("鼓楼区", "福州市", "福建省")


def test_traditional_header():
    pytest.importorskip("corpus.chinese")
    text = ("關於印發臨沂市“十四五”應急管理規劃的通知\n發文單位：臨沂市人民政府\n時間：2021-11-30\n"
            "臨沂市“十四五”應急管理規劃\n" + BODY * 8)
    m = meta_of(text, traditional=True)
    assert (m["title"], m["issuer"], m["issue_date"]) == ("临沂市“十四五”应急管理规划", "临沂市人民政府", "2021-11-30")
    assert (m["region"], m["admin_level"], m["period"], m["kind"]) == ("临沂市", "prefecture", "2021-2025", "plan")


def test_period_from_plan_sentence_and_dates():
    m = meta_of("城口县安全应急保障规划\n为提高保障能力，结合我县实际，制定本规划。本规划时限为2020-2030年。\n" + BODY)
    assert (m["period"], m["period_start"], m["period_end"]) == ("2020-2030", 2020, 2030)
    # a county of a municipality: the municipality stands in for the prefecture (real gold:
    # 08_fengdu-xian_yingji-14-5_jiedu.txt, 丰都县 → prefecture 重庆市)
    assert (m["region"], m["province"], m["prefecture"]) == ("城口县", "重庆市", "重庆市")
    assert parse_date("2021年6月10日") == "2021-06-10" and parse_date("二〇二一年十二月二十八日") == "2021-12-28"
    assert five_year(14) == (2021, 2025) and five_year(13) == (2016, 2020) and five_year(11) == (2006, 2010)


# --- the gazetteer -------------------------------------------------------------------------
def test_lookup_full_and_short_names():
    [unit] = regions.lookup("临清市")
    assert (unit["code"], unit["level"], unit["prefecture"], unit["province"]) == ("371581", "county", "聊城市", "山东省")
    assert {u["code"] for u in regions.lookup("临清")} == {"371581"}
    assert len(regions.lookup("朝阳区")) >= 2  # 北京 and 长春
    assert regions.lookup("不存在的地方") == []


def test_resolve_disambiguates_by_context_and_chain():
    assert regions.resolve("朝阳区应急规划", context_text="吉林省长春市")["admin_code"] == "220104"
    assert regions.resolve("朝阳区应急规划", context_text="北京市")["admin_code"] == "110105"
    r = regions.resolve("枣庄市山亭区规划")
    assert (r["region"], r["prefecture"], r["admin_level"]) == ("山亭区", "枣庄市", "district")
    assert regions.resolve(["鼓楼区"], context_text="江苏省南京市")["prefecture"] == "南京市"
    assert regions.resolve("应急管理规划") is None
    assert regions.resolve("莱芜市安全生产规划")["current"] is False  # abolished 2019, still known


def test_two_character_names_need_a_boundary():
    names = [m.name for m in regions.find_mentions("中心城区和山东区域；马鞍山市和县")]
    assert names == ["马鞍山市", "和县"]


def test_county_level_and_short_names():
    assert regions.county_level("county") and regions.county_level("district")
    assert not regions.county_level("prefecture") and not regions.county_level(None)
    assert [regions.short_name(n) for n in ("广西壮族自治区", "黔东南苗族侗族自治州", "忠县", "济宁市")] == [
        "广西", "黔东南", "忠县", "济宁"]


def test_navigation_bar_is_not_an_interpretation_and_doc_number_beside_signer():
    text = ("首页 > 政策文件 | 政策解读\n泰安市人民政府\n泰政发〔2021〕9号 签发人：某某\n"
            "泰安市“十四五”应急体系规划\n" + BODY * 8)
    m = meta_of(text)
    assert (m["kind"], m["doc_number"], m["title"]) == ("plan", "泰政发〔2021〕9号", "泰安市“十四五”应急体系规划")
    assert (m["region"], m["province"]) == ("泰安市", "山东省")


def test_short_names_in_titles_need_confirmation():
    assert regions.resolve("平安建设规划", context_text="全市平安建设取得成效。") is None
    assert regions.resolve("济宁“十四五”应急规划", context_text="济宁市应急管理局")["region"] == "济宁市"


# --- real layouts (short excerpts copied from ../shared/eval/real; each names its file) ---------
def test_portal_table_row_labels_and_empty_label_cells():
    # 06_longling-xian_fangzai-14-5.txt: a county portal's 索引号 table, 文号 empty (its cell
    # is followed by the next label, 浏览量), then the plan's 前言 with no title line
    text = ("索引号 | llajj/20221222-00001 | 发布机构 | 龙陵县应急管理局 |\n"
            "公开目录 | 发展规划 | 发布日期 | 2022-12-22 |\n文号 | 浏览量 |\n前言\n"
            "“十四五”时期是我国全面建成小康社会、实现第一个百年奋斗目标之后的第一个五年,是龙陵县巩固脱贫攻坚成果的关键五年。"
            "结合龙陵实际,编制《龙陵县“十四五”综合防灾减灾救灾规划》。\n本规划实施期限为2021年至2025年。\n"
            "一、现状与形势\n(一)主要成效\n“十三五”时期,全县深入贯彻落实习近平总书记关于防灾减灾救灾重要论述精神。\n")
    m = meta_of(text)
    assert (m["issue_date"], m["issuer"], m["doc_number"]) == ("2022-12-22", "龙陵县应急管理局", None)
    assert (m["title"], m["kind"], m["period"]) == ("龙陵县“十四五”综合防灾减灾救灾规划", "plan", "2021-2025")
    assert (m["region"], m["prefecture"], m["admin_level"]) == ("龙陵县", "保山市", "county")


def test_traditional_notice_carrying_its_plan_in_a_table_header():
    # 05_longling-xian_fangzai-13-5.txt (traditional characters on a mirror site)
    text = ("| 索引號 | 01526257-2/20170328-00001 | 發布機構 | 龍陵縣民政局 |\n"
            "| 公開目錄 | 部門文件 | 發布日期 | 2017-03-28 |\n| 文號 | 瀏覽量 |\n"
            "龍陵縣減災委辦公室關于印發龍陵縣綜合防災減災規劃(2016—2020年)的通知\n各鄉鎮人民政府、縣減災委成員單位:\n"
            "現將《龍陵縣綜合防災減災規劃(2016—2020年)》印發給你們,請認真貫徹執行。\n龍陵縣減災委辦公室\n2017年3月28日\n"
            "龍陵縣綜合防災減災規劃(2016—2020年)\n"
            "為進一步提高龍陵縣綜合防災減災能力,確保廣大人民群眾生命財產安全,制定本規劃。\n")
    m = meta_of(text, traditional=True)
    assert (m["kind"], m["title"], m["period"]) == ("plan", "龙陵县综合防灾减灾规划(2016—2020年)", "2016-2020")
    assert (m["issuer"], m["issue_date"], m["doc_number"]) == ("龙陵县减灾委办公室", "2017-03-28", None)
    assert m["kind_alt"] == "notice" and m["kind_confidence"] >= 0.7


def test_measures_issued_by_a_notice_with_a_bare_date_line():
    # baotou-shi_shuzi-zhengfu-kaoping-banfa_2022_pkulaw.txt: pkulaw export, title printed
    # twice, the date alone (no 落款 organisation), then the 考评办法 itself
    text = ("    【法宝引证码】 CLI.12.5115678\n原文链接：https://www.pkulaw.com/lar/ea5258e56c60aba96802bb670d6bf530bdfb.html\n"
            "包头市人民政府办公室关于印发《包头市2022年数字政府建设考评办法》的通知\n"
            "包头市人民政府办公室关于印发《包头市2022年数字政府建设考评办法》的通知\n包府办发〔2022〕43号\n"
            "各旗、县、区人民政府，稀土高新区管委会，市直有关部门、单位：\n"
            "　　按照市政府2022年第4次常务会议和《包头市人民政府办公室关于印发包头市数字政府建设行动方案（2021—2023年）的通知》"
            "（包府办发〔2022〕10号）要求，经市人民政府同意，将《包头市2022年数字政府建设考评办法》印发给你们，请认真抓好落实。\n"
            "2022年4月14日\n　　包头市2022年数字政府建设考评办法\n　　一、考评对象\n"
            "　　各旗县区人民政府、稀土高新区管委会，参与数字政府建设工作的各部门、单位。\n　　二、考评内容\n")
    m = meta_of(text)
    assert m["title"] == "包头市人民政府办公室关于印发《包头市2022年数字政府建设考评办法》的通知"
    assert (m["kind"], m["kind_alt"], m["embedded_title"]) == ("measures", "notice", "包头市2022年数字政府建设考评办法")
    assert (m["issuer"], m["doc_number"], m["issue_date"]) == ("包头市人民政府办公室", "包府办发〔2022〕43号", "2022-04-14")
    assert (m["region"], m["province"], m["admin_level"]) == ("包头市", "内蒙古自治区", "prefecture")


def test_interpretation_of_a_municipality_county_plan():
    # 08_fengdu-xian_yingji-14-5_jiedu.txt (traditional)
    text = ("《豐都縣應急管理“十四五”規劃》政策解讀\n一、起草過程\n"
            "按照縣委、縣政府工作安排,2020年12月縣應急管理局正式啟動規劃編制工作,此后我局嚴格對標《重慶市應急管理“十四五”規劃》"
            "先后召開4次專題會議研究。2022年3月30日唐守淵縣長組織專題研究《規劃(送審稿)》。\n二、主要內容\n規劃共5章23節。\n")
    m = meta_of(text, traditional=True)
    assert (m["kind"], m["issue_date"], m["period"]) == ("interpretation", None, "2021-2025")
    assert (m["region"], m["province"], m["prefecture"], m["admin_level"]) == ("丰都县", "重庆市", "重庆市", "county")


def test_page_of_a_plan_without_its_title():
    # 16_sheng-weizhi_zonghe-fangzai-jianzai-12-5_p5.txt: a mirror's page 5, no title
    text = ("--加大林业病虫害防治和森林火灾预防。到2015年,林业有害生物成灾率控制在4.5‰以下,无公害防治率达到80%以上。\n"
            "三、主要任务\n(一)加强自然灾害风险综合防范能力建设。\n"
            "加大各类自然灾害地面监测台网密度,推进监测预警平台建设,提升各级灾害防范能力。\n"
            "(二)加强城乡区域防灾减灾能力建设。\n坚持城乡区域发展规划、生态环境改善规划与防灾减灾规划相结合,提高城乡建筑的抗震设防水平。\n")
    m = meta_of(text)
    assert m["title"] is None  # never "三、主要任务"
    assert m["kind"] == "plan" and m["kind_alt"] == "article" and 0.4 < m["kind_confidence"] < 0.9
    assert any("主要任务" in r for r in m["kind_reasons"])


def test_lone_bar_is_no_title_and_a_cited_law_is_no_region():
    # 18_liaoning-shi-weizhi_anquan-shengchan-12-5_p2.txt: page 2 ([接上页]) of a city plan
    text = ("|\n[接上页] 1. 相对指标: 亿元国内生产总值生产安全事故死亡率下降36%以上,职业危害申报率80%以上。 "
            "三、“十二五”安全生产工作主要任务 (一)完善安全生产管理制度体制,建立长效机制 按照国家相关的法律规定,"
            "加快全市安全生产有关配套制度建设。重点抓好《安全生产法》、《消防法》和《辽宁省安全生产条例》等安全生产法律法规的贯彻落实。\n")
    m = meta_of(text)
    assert m["title"] is None
    assert m["region"] is None  # 辽宁省 is only named by the law it cites
    assert m["kind"] == "plan" and m["period"] == "2011-2015"


def test_provincial_plan_listing_its_counties():
    # 15_shaanxi_yingji-binan-changsuo-guihua_p2.txt: 全省 and the places it lists
    text = ("三、规划建设目标和任务\n(一)目标。\n“十一五”期间,全省各设区市和杨凌示范区要各至少建设一个应急避难场。\n"
            "(二)“十一五”期间建设任务。\n“十一五”期间西安、宝鸡、咸阳、渭南、汉中市共试点建设6个应急避难场所。\n"
            "宁强、略阳、勉县、陈仓4个地震重灾县(区)和36个受灾县(区),在恢复重建过程中,利用现有公园、广场、绿地建设应急避难场所。\n"
            "2020年,全省城镇逐步建设能满足70%人口应急避险需求的应急避难场所。\n")
    m = meta_of(text)
    assert (m["region"], m["admin_level"]) == ("陕西省", "province")


def test_page_number_is_no_title_and_year_title_takes_its_issuer():
    # hongze-qu_zhengfu-xinxi-gongkai-nianbao_2023.pdf (text layer, first lines)
    text = ("- 1 -\n洪泽区人民政府\n2023年政府信息公开工作年度报告\n本报告由淮安市洪泽区人民政府办公室根据《中华人民共和\n"
            "国政府信息公开条例》（国令第711号）（以下简称《条例》）\n要求编制此报告。\n一、总体情况\n"
            "2023年，洪泽区人民政府坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实《条例》相关规范要求。\n")
    m = meta_of(text)
    assert (m["title"], m["kind"]) == ("洪泽区人民政府2023年政府信息公开工作年度报告", "report")
    assert (m["region"], m["prefecture"], m["admin_level"]) == ("洪泽区", "淮安市", "district")


def test_repost_time_stamp_under_a_notice_title():
    # 20_shandong_anquan-shengchan-11-5-mubiao-tongzhi.txt: a news site's navigation, the
    # notice title and the site's time stamp (the document's own date is not in the excerpt)
    text = ("首页 | 新闻 | 山东 | 教育 | 体育 | 财经\n当前位置: 大众网主站 > 新闻 > 新闻专题 > 安全发展国泰民安 > 法律法规\n\n"
            "山东省人民政府办公厅关于落实“十一五”安全生产目标的通知\n\n2006-12-15 09:20:49\n\n"
            "各市人民政府,各县(市、区)人民政府,省政府各部门:\n  《山东省安全生产“十一五”发展规划》已经省政府同意印发各地、各部门执行。\n"
            "  一、进一步明确全省重点行业和领域安全生产目标。到2010年,全省基本形成较为完善的安全生产法律、法规和技术标准体系。\n")
    m = meta_of(text)
    assert (m["title"], m["kind"]) == ("山东省人民政府办公厅关于落实“十一五”安全生产目标的通知", "notice")
    assert (m["issue_date"], m["region"], m["admin_level"]) == ("2006-12-15", "山东省", "province")


def test_national_plan_in_a_crawler_markdown_header():
    # guojia_shuzi-jingji-fazhan-guihua-14-5_2021.md: the crawler's 发布日期 (2022年1月) and a
    # garbage 发布机构 lose to the notice's own 落款; the notice title is broken over two lines
    text = ("# “十四五”数字经济发展规划\n\n**发布日期**: 2022年1月\n**发布机构**: 加快布局\n**分类**: \n\n---\n\n## 政策全文\n\n"
            "国务院关于印发\n\n“十四五”数字经济发展规划的通知\n\n国发〔2021〕29号\n\n\n各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n\n"
            "现将《“十四五”数字经济发展规划》印发给你们，请认真贯彻执行。\n\n国务院\n\n2021年12月12日\n\n（此件公开发布）\n\n\n"
            "“十四五”数字经济发展规划\n\n数字经济是继农业经济、工业经济之后的主要经济形态。香港、澳门特别行政区…\n")
    m = meta_of(text)
    assert (m["title"], m["kind"], m["period"]) == ("“十四五”数字经济发展规划", "plan", "2021-2025")
    assert (m["issuer"], m["issue_date"], m["doc_number"]) == ("国务院", "2021-12-12", "国发〔2021〕29号")
    assert (m["region"], m["admin_level"], m["province"]) == ("全国", "national", None)


def test_date_under_the_title_before_the_crawlers_publication_date():
    # guojia_zhongyang-yihao-wenjian-xiangcun-zhenxing_2021.md
    text = ("# 关于全面推进乡村振兴加快农业农村现代化的意见\n\n**发布日期**: 2021年2月21日\n**发布机构**: 中共中央\n\n---\n\n"
            "## 政策全文\n新华社北京2月21日电\n\n中共中央 国务院\n关于全面推进乡村振兴加快农业农村现代化的意见\n（2021年1月4日）\n\n"
            "党的十九届五中全会审议通过的《中共中央关于制定国民经济和社会发展第十四个五年规划和二〇三五年远景目标的建议》，"
            "对新发展阶段优先发展农业农村作出总体部署。\n")
    m = meta_of(text)
    assert (m["title"], m["kind"], m["issue_date"]) == ("关于全面推进乡村振兴加快农业农村现代化的意见", "opinion", "2021-01-04")
    assert (m["region"], m["admin_level"]) == ("全国", "national")


def test_government_work_report_without_a_title():
    # guojia_zhengfu-gongzuo-baogao_2021.txt opens at the salutation
    text = ("\ufeff各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议，并请全国政协委员提出意见。\n一、2020年工作回顾\n"
            "过去一年，在新中国历史上极不平凡。国务院根据《建议》精神，制定了《国民经济和社会发展第十四个五年规划和2035年远景目标纲要（草案）》。\n")
    m = meta_of(text)
    assert (m["kind"], m["title"]) == ("report", "政府工作报告")
    assert (m["region"], m["admin_level"]) == ("全国", "national")


def test_label_alone_on_its_line_and_statistics_bulletin():
    # yichun-shi_tongji-gongbao_2022.html (saved web page, labels and values on separate lines)
    text = ("索引号：\n014717475N/2023-0040295\n发布机构：\n宜春市统计局\n发文日期：\n2023-04-18\n分类：\n统计公报\n"
            "宜春市2022年国民经济和社会发展统计公报\n关联稿件：\n宜春市2022年国民经济和社会发展统计公报\n"
            "宜春市统计局国家统计局宜春调查队\n（2023年4月12日）\n"
            "2022年，在市委、市政府的坚强领导下，全市上下坚持以习近平新时代中国特色社会主义思想为指导。\n一、综合\n")
    m = meta_of(text)
    assert (m["title"], m["kind"], m["issuer"]) == ("宜春市2022年国民经济和社会发展统计公报", "statistics", "宜春市统计局")
    assert (m["region"], m["admin_level"]) == ("宜春市", "prefecture")
    assert m["issue_date"] in ("2023-04-18", "2023-04-12")


def test_reply_title_broken_over_two_lines_after_a_navigation_path():
    # liaoning_yingjiting_yuan-tixi-jianyi-dafu_2025.pdf (text layer)
    text = ("发布时间：2025年06月23日信息来源：救援协调和预案管理处\n"
            "首页->信息公开->建议提案办理结果公开->省人大代表建议->省十四届人大三次会议《关于加快应急预案体系建设的建议》\n"
            "（第1431408号）答复\n省十四届人大三次会议《关于加快应急预案体系\n建设的建议》（第1431408号）答复\n"
            "辽应急复字〔2025〕34号\n孙彩宏代表：\n您提出的关于“进一步提升综合协调能力”的建议收悉，省应急厅高度重视，现答复如下：\n"
            "一、完善制度顶层设计\n2024年，国家先后修订发布了《国家突发事件总体应急预案》，我省应急管理工作实际。\n")
    m = meta_of(text)
    assert m["title"] == "省十四届人大三次会议《关于加快应急预案体系建设的建议》（第1431408号）答复"
    assert (m["doc_number"], m["kind"]) == ("辽应急复字〔2025〕34号", "notice")
    assert m["issue_date"] == "2025-06-23"  # no 落款 in the excerpt: the page's 发布时间


def test_notice_text_without_its_title():
    # panjin-dawa-qu_zhengfu-gongzuo-baogao-renwu-fenjie_2021_pages-excerpt.txt
    text = ("各镇(街道)人民政府(办事处),临港经济开发区管委会,区政府各部门、直属机构:\n"
            "为深入贯彻落实盘锦市大洼区第十八届人民代表大会第四次会议精神,现将《<政府工作报告>任务分解表》印发给你们。\n"
            "附件:《政府工作报告》任务分解表\n盘锦市大洼区人民政府办公室\n2021年1月25日\n(此件公开发布)\n")
    m = meta_of(text)
    assert (m["title"], m["kind"], m["issuer"], m["issue_date"]) == (None, "notice", "盘锦市大洼区人民政府办公室", "2021-01-25")
    assert (m["region"], m["prefecture"], m["admin_level"]) == ("大洼区", "盘锦市", "district")


def test_province_short_names_in_the_body():
    assert regions.resolve_body("全区各族人民……内蒙古自治区各盟市") ["region"] == "内蒙古自治区"
    r = regions.resolve_body("我省……宁夏和新疆交界；新疆的棉花")
    assert r["region"] == "新疆维吾尔自治区"


def test_names_on_boundaries_and_labels_never_inside_values():
    assert [m.name for m in regions.find_mentions("中山市场监管，江海区域内，中山市市场监督管理局，江海区应急")] == ["中山市", "江海区"]
    from corpus.metadata import labels
    # liaoning_yingjiting_yuan-tixi-jianyi-dafu_2025.pdf: two labels on one line, no blank between
    assert labels(["发布时间：2025年06月23日信息来源：救援协调和预案管理处"]) == {
        "发布时间": "2025年06月23日", "信息来源": "救援协调和预案管理处"}


def test_crawler_header_date_loses_to_the_documents_own_date():
    # shanghai_gaoduan-yiliao-qixie-xingdong-fangan_2025.md: the crawler's 发布日期 (a later
    # repost, also read by the Markdown loader into doc.meta) against the notice's 落款
    text = ("上海市人民政府办公厅关于印发《上海市促进高端医疗器械产业全链条发展行动方案》的通知\n\n发布日期：2025-10-31\n"
            "发布机构：上海市科学技术委员会\n\n沪府办发〔2025〕17号\n\n各区人民政府，市政府各委、办、局，各有关单位：\n\n"
            "　　《上海市促进高端医疗器械产业全链条发展行动方案》已经市政府同意，现印发给你们，请认真按照执行。\n\n"
            "上海市人民政府办公厅\n\n2025年9月4日\n\n上海市促进高端医疗器械产业全链条发展行动方案\n\n一、主要目标\n")
    doc = Document(doc_id="t", source_path="t.md", file_type="md", raw_text=text,
                   meta={"issue_date": "2025-10-31", "issuer": "上海市科学技术委员会"})
    m = extract_metadata(normalise(doc))
    assert (m["issue_date"], m["issuer"], m["doc_number"]) == ("2025-09-04", "上海市人民政府办公厅", "沪府办发〔2025〕17号")
    assert m["kind"] == "action_plan" and "issue_date" not in doc.meta  # the decision here is the one stored


def test_web_page_titles_lose_the_sites_tail():
    # anyang-shi_shengchan-anquan-shigu-yuan-zhengce-jiedu_2022_crawljson.json
    m = meta_of("《安阳市生产安全事故应急预案》 政策解读_政策解读_安阳市应急管理局\n"
                "《安阳市生产安全事故应急预案》（以下简称《应急预案》）已经于2021年12月24日以安阳市人民政府办公室名义印发施行。"
                "现将有关问题予以解读。\n发布日期：2022-02-16信息来源：救援协调和预案管理科\n")
    assert (m["title"], m["kind"], m["issuer"]) == ("《安阳市生产安全事故应急预案》政策解读", "interpretation", "安阳市应急管理局")
    assert (m["region"], m["issue_date"]) == ("安阳市", "2022-02-16")
    # shanghai-changning-qu_shengchan-anquan-shigu-zhuanxiang-yuan_2024_crawljson.json
    m = meta_of("上海市长宁区应急管理局关于印发《长宁区生产安全事故专项应急预案》的通知-上海长宁\n"
                "各有关委办局，各街道办事处、新泾镇政府：\n《长宁区生产安全事故专项应急预案》已经区政府同意，现印发给你们，请认真贯彻执行。\n"
                "长宁区生产安全事故专项应急预案\n为认真贯彻落实习近平总书记关于安全生产的系列论述精神，规范本区生产安全事故应急管理和响应程序。\n")
    assert m["title"] == "上海市长宁区应急管理局关于印发《长宁区生产安全事故专项应急预案》的通知"
    assert (m["issuer"], m["kind"], m["region"], m["province"]) == ("上海市长宁区应急管理局", "measures", "长宁区", "上海市")


def test_report_date_from_its_dated_subtitle():
    # guojia_zhengfu-gongzuo-baogao-jiuwu-jihua_1996.txt (full-width digits in the subtitle)
    text = ("\ufeff\n 1996年政府工作报告\n关于国民经济和社会发展“九五”计划和２０１０年远景目标纲要的报告\n"
            "——１９９６年３月５日在第八届全国人民代表大会第四次会议上\n                                        　　国务院总理李鹏\n"
            "　　各位代表：\n　　制定一个跨世纪的宏伟纲领，继续把改革开放和社会主义现代化建设事业推向前进，是全国人民关心的大事。"
            "现在，我代表国务院向大会报告，请各位代表连同《纲要（草案）》一并审议。\n　　一、“八五”时期国民经济和社会发展的回顾\n")
    m = meta_of(text)
    assert (m["kind"], m["issue_date"], m["period"]) == ("report", "1996-03-05", "1996-2000")
    assert (m["region"], m["admin_level"]) == ("全国", "national")


def test_what_a_notice_issues_names_its_region_what_it_forwards_does_not():
    m = meta_of("关于印发《上海市促进高端医疗器械产业全链条发展行动方案》的通知\n各区人民政府：\n现将《上海市促进高端医疗器械产业全链条发展行动方案》印发给你们。\n")
    assert (m["region"], m["admin_level"]) == ("上海市", "province")
    m = meta_of("关于转发《辽宁省安全生产委员会关于加强安全生产工作的意见》的通知\n各县区：\n现将《意见》转发给你们，请结合实际认真贯彻执行。\n"
                "盘锦市安全生产委员会办公室\n2021年3月1日\n")
    assert (m["region"], m["issuer"]) == ("盘锦市", "盘锦市安全生产委员会办公室")


def test_national_issuer_over_a_region_in_the_title_and_imprint_date():
    m = meta_of("国务院关于支持贵州在新时代西部大开发上闯新路的意见\n国发〔2022〕2号\n各省、自治区、直辖市人民政府：\n"
                "为支持贵州在新时代西部大开发上闯新路，现提出如下意见。\n一、总体要求\n" + BODY + "国务院\n2022年1月18日\n")
    assert (m["region"], m["admin_level"], m["issuer"], m["kind"]) == ("全国", "national", "国务院", "opinion")
    m = meta_of("临沂市“十四五”应急管理规划\n" + BODY * 3 + "抄送：市委各部门。\n临沂市人民政府办公室　　　2021年12月30日印发\n")
    assert m["issue_date"] == "2021-12-30"


def test_province_from_its_doc_number_abbreviation():
    # liaoning_yingjiting_yuan-tixi-jianyi-dafu_2025.pdf (its first page: no 落款, the
    # province named only inside the 《…》 it cites)
    m = meta_of("省十四届人大三次会议《关于加快应急预案体系建设的建议》（第1431408号）答复\n辽应急复字〔2025〕34号\n孙彩宏代表：\n"
                "您提出的建议收悉，省应急厅高度重视，现答复如下：\n一、完善制度顶层设计\n"
                "省应急厅积极组织推动《辽宁省突发事件总体应急预案》修订工作，结合我省应急管理工作实际。\n")
    assert (m["region"], m["admin_level"]) == ("辽宁省", "province")
    assert regions.province_of_doc_number("苏府〔2021〕3号", "全市上下") is None  # 苏州: no province self-reference


def test_portal_label_block_with_title_and_generated_date():
    # the label block of a government portal (信息索引号/标题/发文字号/生成日期), then the notice
    text = ("信息索引号：11370800004202/2021-0001\n标题：济宁市人民政府关于印发济宁市“十四五”应急管理体系建设规划的通知\n"
            "发文字号：济政字〔2021〕85号\n生成日期：2021-12-30\n首页 > 政务公开\n各县（市、区）人民政府：\n"
            "现将《济宁市“十四五”应急管理体系建设规划》印发给你们。\n济宁市人民政府\n2021年12月28日\n"
            "济宁市“十四五”应急管理体系建设规划\n" + BODY * 3)
    m = meta_of(text)
    assert (m["title"], m["kind"], m["doc_number"]) == ("济宁市“十四五”应急管理体系建设规划", "plan", "济政字〔2021〕85号")
    assert (m["issuer"], m["issue_date"]) == ("济宁市人民政府", "2021-12-28")  # the 落款, not the page's 生成日期


def test_portal_column_name_over_the_document_itself():
    # guangyuan-shi_anquan-shengchan-zhiben-gongjian-sannian-xingdong_2024_pages-excerpt.txt:
    # the page sits in the portal's 政策解读 column but holds the notice and the plan
    text = ("政策解读:广元市安全生产治本攻坚三年行动方案(2024—2026年)\n"
            "各县(区)安委会,市级有关部门(单位),广元经济技术开发区管委会:\n"
            "现将《广元市安全生产治本攻坚三年行动方案(2024—2026年)》印发你们,请结合实际,认真抓好贯彻落实。\n"
            "广元市安全生产委员会\n2024年3月7日\n广元市安全生产治本攻坚三年行动方案\n(2024—2026年)\n"
            "为认真贯彻落实习近平总书记关于安全生产系列重要指示精神,结合全市实际,制定本方案。\n一、总体要求\n")
    m = meta_of(text)
    assert (m["title"], m["kind"], m["period"]) == ("广元市安全生产治本攻坚三年行动方案(2024—2026年)", "action_plan", "2024-2026")
    assert (m["issuer"], m["issue_date"], m["region"]) == ("广元市安全生产委员会", "2024-03-07", "广元市")


def test_closing_signature_of_a_long_plan():
    text = "临沂市“十四五”应急管理规划\n" + BODY * 20 + "临沂市人民政府\n2021年12月30日\n"
    m = meta_of(text)
    assert (m["issuer"], m["issue_date"]) == ("临沂市人民政府", "2021-12-30")


def test_adoption_note_under_the_title():
    # yunnan-sheng_guomin-jingji-15-jihua-gangyao_2001_cnki.txt
    text = ("分类号:BH66\n云南日报 / 2001年 / 02月 / 20日 / 第A01版 /\n云南省国民经济和社会发展第十个五年计划纲要\n"
            "(2001年2月16日云南省第九届人民代表大会第四次会议通过)\n目录序言\n第一篇指导思想和发展目标\n"
            "序言\n世纪之交 , 我省基本实现了现代化建设第二步战略目标 , 人民生活总体上开始进入小康。\n")
    m = meta_of(text)
    assert (m["title"], m["kind"], m["period"]) == ("云南省国民经济和社会发展第十个五年计划纲要", "plan", "2001-2005")
    assert (m["issue_date"], m["region"]) == ("2001-02-16", "云南省")


TAIYUAN_PAGE = (  # 14_taiyuan-shi_fangzhen-jianzai-12-5_p4.txt: a mirror's page 4 under the notice's title
    "  五、综合防灾能力规划\n"
    "  (一)城市地震小区划和震害预测项目。震害预测包括现有房屋建筑物和工程设施、生命线工程系统、次生灾害源及地震后人员伤亡和经济损失预测。\n"
    "  (二)防震减灾社区和示范县(市、区)建设。各级政府和民政、地震部门要加强对基层防震减灾工作的引导和管理,推进防震减灾社区建设。\n"
    "  (三)次生灾害源和危险性项目管理。安监、经信、城管、国资、国土、水务、环保、煤炭、消防等部门要开展次生灾害隐患普查摸底工作。\n")


def test_mirror_page_under_its_notice_title_is_the_plan():
    m = meta_of("法搜网--中国法律信息搜索网\n太原市人民政府关于印发太原市“十二五”防震减灾规划的通知\n\n" + TAIYUAN_PAGE)
    assert (m["kind"], m["title"], m["period"]) == ("plan", "太原市“十二五”防震减灾规划", "2011-2015")


def test_untitled_page_keeps_its_plan_heading_as_evidence():
    # the same page without its title: a chapter named …规划 is evidence (general: a plan's
    # chapter on one field), weighed with the rest, not a switch
    m = meta_of(TAIYUAN_PAGE)
    assert any("…规划" in r for r in m["kind_reasons"]) and m["kind_confidence"] <= 0.5
    m = meta_of(TAIYUAN_PAGE + "  到2015年,全市基本具备综合抗御6级左右地震的能力。\n")
    assert m["kind"] == "plan" and any("…规划" in r for r in m["kind_reasons"])
