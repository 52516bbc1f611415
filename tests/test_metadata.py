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
