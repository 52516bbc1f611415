"""Units and classifiers after a target value, and their normal forms.

Rates are dimensionless ("" unit); areas, money, durations and counted things keep the
word the plan uses, normalised (㎡/m²/m2 → 平方米, 日 → 天, 个小时 → 小时).
"""
from __future__ import annotations

import re

# Written form → normal form.  Order matters only for the regex (longest first).
_ALIASES = {
    "㎡": "平方米", "m²": "平方米", "m2": "平方米", "平米": "平方米", "平方米": "平方米",
    "平方公里": "平方公里", "km²": "平方公里", "km2": "平方公里",
    "m³": "立方米", "m3": "立方米", "立方米": "立方米", "万立方米": "万立方米",
    "%": "%", "‰": "‰", "个百分点": "个百分点", "百分点": "个百分点",  # 提高5个百分点: a change of a rate
    "万元": "万元", "亿元": "亿元", "元": "元",
    "个小时": "小时", "小时": "小时", "分钟": "分钟", "天": "天", "日": "天", "个月": "个月", "周": "周",
    "人次": "人次", "万人": "万人", "人": "人", "名": "名", "户": "户",
    "个": "个", "处": "处", "支": "支", "座": "座", "台": "台", "套": "套", "辆": "辆", "艘": "艘",
    "架": "架", "家": "家", "所": "所", "间": "间", "条": "条", "项": "项", "次": "次", "场": "场",
    "张": "张", "部": "部", "只": "只", "批": "批", "队": "队", "块": "块", "本": "本", "期": "期",
    "公斤": "公斤", "千克": "公斤", "斤": "斤", "岁": "岁", "万千瓦": "万千瓦", "千瓦时": "千瓦时",
    "公里": "公里", "千米": "公里", "km": "公里", "米": "米", "吨": "吨", "万吨": "万吨",
    "千瓦": "千瓦", "床": "床", "张床位": "张", "级": "级",
    "例": "例", "起": "起", "年一遇": "年一遇",
    # data and bandwidth: 千兆/万兆 (Mbps), 5G出口 (Gbps), storage
    "兆": "兆", "Mbps": "兆", "M": "兆", "G": "G", "Gbps": "G", "TB": "TB", "PB": "PB",
    "类": "类", "颗": "颗", "发": "发", "件": "件", "栋": "栋", "幢": "幢", "亩": "亩", "万亩": "万亩",
    "种": "种", "款": "款",  # kinds and models of a product: 研制3—5种新原料, 推出10款产品
}
UNIT_WORDS = sorted(_ALIASES, key=len, reverse=True)
# 米 must not be the start of 米粮; 次 not of 次生; 部 not of 部门; 家 not of 家庭 …
_NOT_AFTER = {"米": "粮", "次": "生要数", "部": "门署", "家": "庭属", "期": "间", "项": "目",
              "个": "人体", "所": "属有在", "名": "称单", "只": "有要", "场": "所景地", "条": "件例",
              "间": "隔", "队": "伍员", "批": "准复", "本": "质级地", "块": "状", "户": "籍外",
              "人": "员口民群防", "台": "风账湾", "处": "置理罚", "级": "别",
              "例": "如外行会", "起": "草步火来到止始点"}
# Latin units stand alone: a NG基站 is a network generation, 扩容至NG a bandwidth; GB NNNNN a code.
_LATIN_END = r"(?![A-Za-z0-9\u4e00-\u9fff+＋])"
_LATIN_BEFORE = r"(?=以上|以内|以下|带宽|宽带|到|进|的带宽|的)"
_BANDWIDTH = {"兆": "瓦帕赫欧焦"}
_NOT_AFTER.update({"类": "型别似", "栋": "梁", "亩": "产", "颗": "粒", "发": "展生布现挥放起出动电言", "件": "事数", "种": "类子植养苗业", "款": "项式额"})


_G_END = r"(?=[。；;，,]|$|以上|以内|带宽|出口)"  # 扩容至NG。 — never NG、大数据, （NG）网络 or NG基站


def _unit_pattern(u: str) -> str:
    if u == "G":
        return f"G(?:bps)?{_G_END}"
    if u.isascii() and u.isalpha():
        return f"{re.escape(u)}(?:{_LATIN_END}|{_LATIN_BEFORE})"
    bad = _NOT_AFTER.get(u, "") + _BANDWIDTH.get(u, "")
    return re.escape(u) + (f"(?![{bad}])" if bad else "")


UNIT = "(?:" + "|".join(_unit_pattern(u) for u in UNIT_WORDS) + ")"
UNIT_RE = re.compile(UNIT)

TIME_UNITS = {"小时", "分钟", "天", "个月", "周"}
DATA_UNITS = {"兆", "G", "TB", "PB"}  # bandwidth and storage: a capacity to reach
PEOPLE_NOUN = re.compile(r"^[^，。；、]{0,12}?(?:人口|人员|群众|人)")


def normalise_unit(unit: str | None) -> str:
    """The normal form of a written unit; "" for none."""
    if not unit:
        return ""
    return _ALIASES.get(unit, unit)
