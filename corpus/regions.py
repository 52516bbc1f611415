"""China's administrative divisions (GB/T 2260 codes): lookup, mention finding, resolution.

Data: ``corpus/data/admin_divisions.csv`` (code, name, level, parent, current), vendored
from the cpca packages' adcodes tables (MIT; see corpus/data/README.md).  Loaded lazily on
first use and cached, so importing this module costs nothing.

Levels: province | prefecture | county | district.  County-level cities (义乌市) and
banners (旗) are "county"; 区 under a prefecture or a municipality is "district".
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "admin_divisions.csv"
LEVEL_RANK = {"province": 1, "prefecture": 2, "county": 3, "district": 3}
CJK_CHAR = re.compile(r"[\u3400-\u9fff]")

# The 55 minority nationalities, to shorten 自治州/自治县 names (延边朝鲜族自治州 → 延边).
_MINORITIES = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC_TAIL = re.compile("(?:" + "|".join(sorted(_MINORITIES, key=len, reverse=True)) + ")族?$")  # 维吾尔自治区: no 族
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区",
             "省", "市", "盟", "州", "区", "县", "旗")


def county_level(level: str | None) -> bool:
    """County-level (县级) units: counties, county-level cities, banners and districts."""
    return level in ("county", "district")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str
    parent: str
    current: bool

    @property
    def short(self) -> str:
        return short_name(self.name)


def short_name(name: str) -> str:
    """The name without its administrative suffix, when at least two characters remain:
    温州市 → 温州, 广西壮族自治区 → 广西, 忠县 → 忠县."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("自治"):
                while (m := _ETHNIC_TAIL.search(stem)) and m.start() >= 2:
                    stem = stem[: m.start()]
            return stem if len(stem) >= 2 else name
    return name


# --- the data, loaded once ------------------------------------------------------------
@lru_cache(maxsize=1)
def _units() -> dict[str, Unit]:
    with DATA.open(encoding="utf-8") as f:
        return {r["code"]: Unit(r["code"], r["name"], r["level"], r["parent"], r["current"] == "1")
                for r in csv.DictReader(f)}


@lru_cache(maxsize=1)
def _by_name() -> tuple[dict[str, list[Unit]], dict[str, list[Unit]]]:
    full: dict[str, list[Unit]] = {}
    short: dict[str, list[Unit]] = {}
    for u in _units().values():
        full.setdefault(u.name, []).append(u)
        if u.short != u.name:
            short.setdefault(u.short, []).append(u)
    return full, short


@lru_cache(maxsize=2)
def _pattern(kind: str) -> re.Pattern:
    names = _by_name()[0] if kind == "full" else _by_name()[1]
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))


def ancestors(unit: Unit) -> list[Unit]:
    """Parent, grandparent … up to the province."""
    out, units = [], _units()
    while unit.parent and unit.parent in units:
        unit = units[unit.parent]
        out.append(unit)
    return out


def is_municipality(name: str | None) -> bool:
    """A province-level city (直辖市: 北京市, 上海市 …): a province-level unit named …市."""
    return bool(name) and name.endswith("市") and any(u.name == name and u.level == "province" for u in _units().values())


def describe(unit: Unit) -> dict:
    """The record every caller gets: name, code, level and the chain above it."""
    chain = {u.level: u.name for u in [unit, *ancestors(unit)]}
    if county_level(unit.level) and "prefecture" not in chain and is_municipality(chain.get("province")):
        chain["prefecture"] = chain["province"]  # a county of 重庆市: 重庆市 stands in for the prefecture
    return {
        "region": unit.name, "admin_code": unit.code, "admin_level": unit.level,
        "province": chain.get("province"), "prefecture": chain.get("prefecture"),
        "county": unit.name if county_level(unit.level) else None, "current": unit.current,
    }


def lookup(name: str) -> list[dict]:
    """All units called ``name`` (full name like 鹿城区, or short name like 鹿城)."""
    full, short = _by_name()
    units = full.get(name, []) + [u for u in short.get(name, []) if u.name != name]
    return [{"name": u.name, "code": u.code, "level": u.level, **describe(u)} for u in units]


# --- mentions in text ---------------------------------------------------------------
@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    name: str
    units: tuple[Unit, ...]
    short: bool = False


@lru_cache(maxsize=1)
def _suffix_words() -> tuple[str, ...]:
    import json

    return tuple(json.loads((DATA.parent / "region_words.json").read_text(encoding="utf-8"))["suffix_words"])


def _accept(text: str, start: int, name: str, units: list[Unit]) -> list[Unit]:
    """Two-character names (城区, 新县, 和县) are also common words: accept them only at a
    word boundary or right after their parent's name (马鞍山市和县).  A name whose suffix
    makes a word with the next character (中山市场, 江海区域) is no mention."""
    end = start + len(name)
    if text[end - 1:end + 1] in _suffix_words():
        return []
    if len(name) > 2 or start == 0 or not CJK_CHAR.match(text[start - 1]):
        return units
    if all(u.level == "province" for u in units):
        return units  # 新疆, 广西, 西藏: informal province names, distinctive after any word
    ok = []
    for u in units:
        parent = _units().get(u.parent)
        if parent and (text[:start].endswith(parent.name) or text[:start].endswith(parent.short)):
            ok.append(u)
    return ok


def find_mentions(text: str, short: bool = False) -> list[Mention]:
    """Non-overlapping mentions of division names, longest first at each position."""
    full, shorts = _by_name()
    table = shorts if short else full
    out = []
    for m in _pattern("short" if short else "full").finditer(text):
        units = _accept(text, m.start(), m.group(), table[m.group()])
        if units:
            out.append(Mention(m.start(), m.end(), m.group(), tuple(units), short))
    return out


# --- resolution -----------------------------------------------------------------------
def _context_score(unit: Unit, context: str | None) -> int:
    """How often the unit's ancestors (full or short names) appear in the context."""
    if not context:
        return 0
    score = 0
    for a in ancestors(unit):
        score += min(context.count(a.name) + context.count(a.short), 20)
    return score


def _confirmed(unit: Unit, context: str | None) -> bool:
    """A short name (平安, 和平, 东方 are also words) counts only when the context names the
    unit in full or names its prefecture/province."""
    return context is None or unit.name in context or _context_score(unit, context) > 0


def _best(units: list[Unit], support: Counter, context: str | None) -> Unit:
    def key(u: Unit):
        return (support[u.code], LEVEL_RANK[u.level], _context_score(u, context), u.current)
    return max(units, key=key)


def resolve(text_or_names: str | list[str], context_text: str | None = None) -> dict | None:
    """The single most specific unit named by a short text (a title, an issuer) or a list of
    names.  Names that form a chain support each other (温州市鹿城区 → 鹿城区 in 温州市);
    a name shared by several units (朝阳区) is settled by which provinces and prefectures
    the context text mentions."""
    if isinstance(text_or_names, str):
        mentions = find_mentions(text_or_names) or find_mentions(text_or_names, short=True)
        named = [[u for u in m.units if not m.short or _confirmed(u, context_text)] for m in mentions]
    else:
        named = [[u for u in _by_name()[0].get(n, [])] or [u for u in _by_name()[1].get(n, [])]
                 for n in text_or_names]
    candidates = [u for units in named for u in units]
    if not candidates:
        return None
    mentioned = {u.code for u in candidates}
    support: Counter = Counter()
    for u in candidates:
        support[u.code] = 1 + sum(1 for a in ancestors(u) if a.code in mentioned)
    return describe(_best(candidates, support, context_text))


LEVEL_WORDS = {"prefecture": "市", "county": "县", "district": "区", "province": "省"}


def level_hint(text: str) -> Counter:
    """How the text speaks of its own area: 我市/全市 → prefecture-or-city, 我区/全区 …"""
    hint: Counter = Counter()
    for level, ch in LEVEL_WORDS.items():
        hint[level] = len(re.findall(f"(?:我|全|本){ch}", text))
    return hint


def province_of_doc_number(number: str | None, text: str) -> dict | None:
    """The province a 文号's one-character abbreviation names (辽X字〔YYYY〕N号 → 辽宁省),
    when the text speaks of itself as a province (我省, 全省, 省X厅/委/局); else None."""
    if not number:
        return None
    import json

    table = json.loads((DATA.parent / "region_words.json").read_text(encoding="utf-8"))["province_abbreviations"]
    name = table.get(number[:1])
    if not name or not re.search(r"(?:我|全|本)省|省[\u4e00-\u9fff]{0,6}(?:厅|委|局|政府)", text):
        return None
    unit = next((u for u in _units().values() if u.name == name and u.level == "province"), None)
    return describe(unit) if unit else None


def _province_mentions(text: str) -> list[Mention]:
    """Short and informal names of provinces (宁夏, 内蒙古, 广西, 新疆, 西藏, 香港 …): distinctive
    enough to count on their own, where short prefecture names (平安, 东方) are not."""
    return [m for m in find_mentions(text, short=True) if any(u.level == "province" for u in m.units)]


def resolve_body(text: str) -> dict | None:
    """The unit a long text is about, from how often each unit is named, preferring the
    level the text uses for itself (我市 → a city, 我区 → a district).  A text that speaks
    of itself as 全省/我省 more than as a city or county is about the province its named
    places share (a provincial plan lists its cities and counties)."""
    counts: Counter = Counter()
    units: dict[str, Unit] = {}
    mentions = find_mentions(text)
    covered = [(m.start, m.end) for m in mentions]
    for m in _province_mentions(text):
        if not any(a <= m.start < b for a, b in covered):
            mentions.append(m)
    for m in mentions:
        for u in m.units:
            if m.short and u.level != "province":
                continue
            counts[u.code] += 1
            units[u.code] = u
    if not counts:
        return None
    hint = level_hint(text)
    if hint["province"] and hint["province"] >= max(hint["prefecture"], hint["county"], hint["district"]):
        by_province: Counter = Counter()
        for code, n in counts.items():
            u = units[code]
            prov = u if u.level == "province" else next((a for a in ancestors(u) if a.level == "province"), None)
            if prov:
                by_province[prov.code] += n
                units[prov.code] = prov
        if by_province:
            return describe(units[max(by_province, key=lambda c: (by_province[c], c))])
    top = max(counts.values())

    def key(code: str):
        u = units[code]
        self_level = hint[u.level] + (hint["prefecture"] if u.level == "county" and u.name.endswith("市") else 0)
        return (counts[code] >= top / 2, self_level > 0, counts[code], _context_score(u, text), u.current)

    return describe(units[max(counts, key=key)])
