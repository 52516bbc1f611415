"""The one numbering grammar: heading numbers, Chinese numerals, dates and 十X五 plan names.

Every layer that reads a heading number, a Chinese numeral or a five-year-plan name asks this
module (sections, metadata, the extractors, diff), so they agree on what a heading is.

API (all pure functions, no state):

- ``cn_int("二十三") → 23``; also 〇/零/两, 百/千/万, digit runs (二〇二一, 二0一七 → 2021,
  2017), full-width and ASCII digits, enclosed ①–⑳ ⑴–⒇ ⒈–⒛ ㈠–㈩, blanks inside (十 二).  ``None`` when it is not a number.
- ``cn_year("二〇二一") → 2021``: a four-digit year in any of those spellings, else ``None``.
- ``parse_date("二〇二一年十二月二十八日") → "2021-12-28"``; ISO-like ``2022-10-17``,
  ``2022年10月17日``, ``2022.10.17``; ``None`` when no valid date.  ``find_dates`` lists all.
- ``plan_period("十四五") → (2021, 2025)``; ``九五``, ``十五``, ``第十个五年``, ``第十四个五年``;
  ``five_year(14) → (2021, 2025)``; ``plan_names(text)`` → every (match, ordinal) in a text.
- ``parse_heading("（一）指导思想。以…") → Heading``: the numbering token at the start of a
  line (style, rank, kind, number as written, value, the rest of the line and its title);
  ``None`` when the line does not open with a heading number.
- ``run_on_breaks(line)``: where headings start inside a line that lost its breaks.
- Regex fragments: ``CN_NUM`` (Chinese numeral characters), ``NUM`` (a Chinese or Arabic
  number), ``HEADING_START`` (compiled: does a line open with any heading number).

Ranks of nested numbering, highest first: 第X篇/部分 (-1) > 第X章 (0) > 第X节 (1) > 第X条 (1.5)
> 一、 (2) > （一）/㈠ (3) > 1./⒈ (4) > 1.1, 1.1.1 (4.25, 4.5) > （1）/⑴ (5) > ① (6).  专栏N (box),
表N (table) and 附件N (annex) have no rank: they are containers or appendices, not steps of
the outline.  Ranks order styles only; a document's levels come from the ranks it uses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# --- numerals ----------------------------------------------------------------------------
CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2, "○": 0, "Ｏ": 0}
CN_UNIT = {"十": 10, "百": 100, "千": 1000}
CN_NUM = "〇○零一二三四五六七八九十百千两"  # characters of a Chinese numeral (a class body)
NUM = rf"(?:\d+|[０-９]+|[{CN_NUM}]+)"  # a Chinese or Arabic number


def _digit(ch: str) -> int | None:
    if ch.isascii() and ch.isdigit():
        return int(ch)
    if "０" <= ch <= "９":
        return ord(ch) - ord("０")
    return CN_DIGIT.get(ch)


def cn_int(text: str | None) -> int | None:
    """The integer a numeral spells: 一 → 1, 十二 → 12, 二十三 → 23, 一百零五 → 105,
    两千 → 2000, 二〇二一 / 二0一七 → 2021 / 2017 (digit by digit when there is no unit),
    12 / １２ → 12, ③ → 3.  None for anything else (empty, mixed with other characters)."""
    if not text:
        return None
    s = text.strip()
    if len(s) == 1:
        for first, last in (("①", "⑳"), ("⑴", "⒇"), ("⒈", "⒛"), ("㈠", "㈩")):
            if first <= s <= last:
                return ord(s) - ord(first) + 1
    s = re.sub(r"\s", "", s)  # OCR and CNKI space the digits: 十 二
    if not s:
        return None
    if all(_digit(c) is not None for c in s):  # a digit run: 2021, 二〇二一, 二0一七
        return int("".join(str(_digit(c)) for c in s))
    total, section, cur = 0, 0, None
    for ch in s:
        if ch == "万":
            total += (section + (cur or 0)) * 10000
            section, cur = 0, None
        elif ch in CN_UNIT:
            section += (1 if cur is None else cur) * CN_UNIT[ch]
            cur = None
        elif (d := _digit(ch)) is not None:
            cur = d if cur is None else cur * 10 + d  # 一百零五: 零 then 五
        else:
            return None
    return total + section + (cur or 0)


def cn_year(text: str | None) -> int | None:
    """A four-digit year in Arabic, Chinese or mixed digits (2021, 二〇二一, 二0一七), or None."""
    if not text:
        return None
    s = text.strip()
    if len(s) != 4 or any(_digit(c) is None for c in s):
        return None
    y = cn_int(s)
    return y if y is not None and 1900 <= y <= 2100 else None


# --- dates -------------------------------------------------------------------------------
_YD = r"[0-9０-９〇○零一二三四五六七八九Ｏ]"  # a year digit, any spelling
_MD = r"(?:[0-9０-９]{1,2}|[〇零一二三四五六七八九十]{1,3})"  # a month or day number
DATE = re.compile(
    rf"(?P<y>{_YD}{{4}})\s*年\s*(?P<m>{_MD})\s*月\s*(?:(?P<d>{_MD})\s*[日号])?"
    rf"|(?P<y2>(?:19|20)\d{{2}})\s*[-/.]\s*(?P<m2>\d{{1,2}})\s*[-/.]\s*(?P<d2>\d{{1,2}})(?!\d)"
)


def _valid(y: int | None, m: int | None, d: int | None) -> bool:
    return (y is not None and 1900 <= y <= 2100 and m is not None and 1 <= m <= 12
            and (d is None or 1 <= d <= 31))


def date_of(m: re.Match) -> tuple[int, int, int | None] | None:
    """(year, month, day or None) of a ``DATE`` match, or None when it is not a real date."""
    if m["y2"]:
        y, mo, d = int(m["y2"]), int(m["m2"]), int(m["d2"])
    else:
        y, mo, d = cn_year(m["y"]), cn_int(m["m"]), cn_int(m["d"]) if m["d"] else None
    return (y, mo, d) if _valid(y, mo, d) else None


def find_dates(text: str, need_day: bool = True) -> list[tuple[re.Match, str]]:
    """Every date in ``text`` as (match, ISO string); ``need_day=False`` also keeps
    month-only dates (二0一七年三月 → 2017-03)."""
    out = []
    for m in DATE.finditer(text):
        ymd = date_of(m)
        if ymd is None or (need_day and ymd[2] is None):
            continue
        y, mo, d = ymd
        out.append((m, f"{y:04d}-{mo:02d}-{d:02d}" if d else f"{y:04d}-{mo:02d}"))
    return out


def parse_date(text: str | None) -> str | None:
    """The first full date in ``text`` as ISO yyyy-mm-dd (二〇二一年十二月二十八日, 2022年10月17日,
    2022-10-17, 2022.10.17, 二0一七年三月二十八日), or None."""
    if not text:
        return None
    found = find_dates(text)
    return found[0][1] if found else None


# --- five-year plans ----------------------------------------------------------------------
# 十四五 / “十四五” / 十五 / 九五 / 第十四个五年 / 第十个五年.  A bare 十五 or 九五 is a common
# numeral (十五日, 九五折): it counts only when quoted, or followed by a plan word.
_PLAN_WORD = r"(?=”|\"|」|』|’|\s*(?:规划|计划|时期|期间|期末|以来|末|初|中期|发展|目标|纲要|重点|专项|建设|时|的))"
FIVE_YEAR = re.compile(
    r"十(?P<a>[一二三四五六七八九])五(?!年|日|号|个|万|亿|%|\d)"
    r"|(?<![十\d一二三四五六七八九])(?P<b>[九十])五" + _PLAN_WORD +
    r"|第(?P<c>[一二三四五六七八九十]{1,3})个五年"
)


def five_year(n: int) -> tuple[int, int]:
    """The n-th five-year plan's years: 14 → (2021, 2025), 9 → (1996, 2000), 10 → (2001, 2005).
    (The first plan ran 1953–1957; the series is regular from the 3rd, 1966–1970.)"""
    if n == 1:
        return 1953, 1957
    if n == 2:
        return 1958, 1962
    start = 1966 + 5 * (n - 3)
    return start, start + 4


def _ordinal(m: re.Match) -> int | None:
    if m["a"]:
        return 10 + CN_DIGIT[m["a"]]
    if m["b"]:
        return 9 if m["b"] == "九" else 10
    return cn_int(m["c"])


# Every FIVE_YEAR match starts with 十, 九 or 第: the scan looks for those in the regex
# engine's fast loop and tries the pattern only there (FIVE_YEAR.finditer tries it at every
# position of the text).
_FIVE_YEAR_SCAN = re.compile(rf"[九十第](?<=(?=(?:{FIVE_YEAR.pattern})).)")


def plan_names(text: str) -> list[tuple[re.Match, int]]:
    """Every five-year-plan name in ``text`` as (match, ordinal): “十四五” → 14, 九五 → 9."""
    out, end = [], 0
    for hit in _FIVE_YEAR_SCAN.finditer(text):
        if hit.start() < end:
            continue  # inside the last name, as FIVE_YEAR.finditer would pass it over
        m = FIVE_YEAR.match(text, hit.start())
        end = m.end()
        n = _ordinal(m)
        if n and 1 <= n <= 20:
            out.append((m, n))
    return out


def plan_period(name: str) -> tuple[int, int] | None:
    """Years of a five-year-plan name: 十四五 → (2021, 2025), 九五 → (1996, 2000),
    十五 → (2001, 2005), 第十一个五年 → (2006, 2010).  None when it names none."""
    name = name.strip().strip("“”\"「」")
    if re.fullmatch(r"[九十]五", name):
        return five_year(9 if name[0] == "九" else 10)
    found = plan_names(name)
    return five_year(found[0][1]) if found else None


# --- heading numbers ------------------------------------------------------------------------
@dataclass(frozen=True)
class Heading:
    """A numbering token at the start of a line and what follows it."""

    style: str  # part | chapter | jie | tiao | cn | paren_cn | decimal | arabic | paren_ar | circled | box | table | annex
    rank: float | None  # outline rank (-1 = 第X篇, 0 = 第X章, 1 = 第X节, 1.5 = 第X条, 2 = 一、, 3 = （一）,
    #   4 = 1., 4.25/4.5/4.75 = 1.1/1.1.1/1.1.1.1, 5 = （1）, 6 = ①); None for box / table / annex
    kind: str  # chapter (also 第X篇) | section | clause (第X条) | item | subitem | box | table | annex
    number: str  # the token as written, spaces removed: "第一章", "一、", "（一）", "1.", "专栏1"
    value: int | None  # its integer: 一 → 1, 12 → 12, ③ → 3
    rest: str  # the line after the token, stripped of leading blanks and colons
    title: str  # rest up to the first 。；：！？ (the whole rest when none), at most TITLE_MAX
    end: int  # index in the stripped line where the token ends
    bare: bool = False  # arabic without punctuation ("1总体目标"); weaker evidence

    @property
    def level(self) -> float | None:
        """Outline depth implied by the style alone (rank + 1); None for containers."""
        return None if self.rank is None else self.rank + 1


TITLE_END = "。；;！？!?：:"
TITLE_MAX = 40
_S = r"[ \t\u3000]*"  # blanks some layouts put inside a number (第 一 章, （ 一 ）)
_CN = r"[一二三四五六七八九十百零〇两](?:[ \u3000]?[一二三四五六七八九十百零〇两])*"  # 十二, OCR's 十 二
# A year opening a heading's title ("一、2020年工作回顾", "三、二〇二一年重点工作"): no numeral
# run after 一、 ("一、二级", "一.5") but a year is a title's first word.
_YEAR_OPENING = r"(?:(?:19|20)\d{2}|[一二][〇○零九][〇○零一二三四五六七八九]{2})[ \t\u3000]*年"
# (style, rank, kind, pattern); group "n" is the number.  Order matters: first match wins.
_HEADINGS = [
    ("part", -1, "chapter", rf"第{_S}(?P<n>{_CN}|\d+){_S}(?:篇|部分)"),
    ("chapter", 0, "chapter", rf"第{_S}(?P<n>{_CN}|\d+){_S}章"),
    ("jie", 1, "section", rf"第{_S}(?P<n>{_CN}|\d+){_S}节"),
    ("tiao", 1.5, "clause", rf"第{_S}(?P<n>{_CN}|\d+){_S}条(?!第|规定|的|之|[、和及至或，,）)])"),  # not "第二十条第（一）项"
    ("cn", 2, "section", rf"(?P<n>[一二三四五六七八九十]+){_S}[、.．](?!(?!{_YEAR_OPENING})[\d一二三四五六七八九十])"),
    ("paren_cn", 3, "item", rf"[（(]{_S}(?P<n>[一二三四五六七八九十]+){_S}[）)]|(?P<n2>[㈠-㈩])"),
    ("paren_cn_open", 3, "item", r"(?P<n>[一二三四五六七八九十]+)[）)]"),  # "一)": lost "("
    ("decimal", 4.5, "item", r"(?P<n>\d{1,2}(?:[.．]\d{1,2}){1,3})(?![\d.．])[ \t\u3000]*(?=[\u4e00-\u9fff“])"),
    ("arabic", 4, "item", r"(?P<n>\d{1,2})(?:[.．、](?!\d)|[ \u3000][、．](?!\d)|(?=[\u4e00-\u9fff“]))|(?P<n2>[⒈-⒛])"),
    ("paren_ar", 5, "subitem", rf"[（(]{_S}(?P<n>\d{{1,2}}){_S}[）)]|(?P<n2>[⑴-⒇])"),
    ("circled", 6, "subitem", r"(?P<n>[①-⑳])"),
    ("box", None, "box", rf"专栏{_S}(?P<n>\d+|[一二三四五六七八九十]+)"),
    ("table", None, "table", rf"(?:附)?表{_S}(?P<n>\d+)(?![.．\d])"),
    ("annex", None, "annex", rf"附{_S}件{_S}(?P<n>\d+|[一二三四五六七八九十]+)"),
]
_COMPILED = [(s, r, k, re.compile(p)) for s, r, k, p in _HEADINGS]
NOT_BARE_NUMBER_NEXT = "年月日号万亿千百十个位名项次届期条类支人家座处级倍%"
# Does a line open with a heading number (bare "1总体目标" excluded: too like "2025年")?
HEADING_START = re.compile(
    "(?:" + "|".join(p.replace("?P<n>", "").replace("?P<n2>", "") for s, _, _, p in _HEADINGS if s not in ("arabic", "paren_cn_open"))
    + r"|\d{1,2}[.．、](?!\d)|专栏|附件|附表)")


def _title_of(rest: str) -> str:
    cut = min((i for i in (rest.find(c) for c in TITLE_END) if i >= 0), default=-1)
    title = rest if cut < 0 else rest[:cut]
    return title[:TITLE_MAX].strip()


def parse_heading(line: str, styles: tuple[str, ...] | None = None) -> Heading | None:
    """The heading number that opens ``line`` (leading blanks ignored), or None.

    ``styles`` restricts which styles count.  A bare Arabic number ("1总体目标") counts
    only on a short line and never before a counter word (2025年…, 10万人…).  "一)" with a
    lost opening parenthesis is read as "（一）"."""
    text = line.strip()
    for style, rank, kind, pat in _COMPILED:
        if styles is not None and style not in styles and not (style == "paren_cn_open" and "paren_cn" in styles):
            continue
        m = pat.match(text)
        if not m:
            continue
        n = m["n"] if m["n"] is not None else m.groupdict().get("n2")
        rest = text[m.end():]
        bare = style == "arabic" and m["n"] is not None and not re.match(r"\d{1,2}\s?[.．、]", text)
        if bare and (len(text) > 20 or int(n) > 20 or rest[:1] in NOT_BARE_NUMBER_NEXT):
            return None
        if style == "decimal" and (len(text) > 40 or rest[:1] in NOT_BARE_NUMBER_NEXT or re.search(r"[。；，]", rest)):
            continue  # "2.5倍", "1.5万人次": a quantity; decimal headings are short title lines
        value = cn_int(n) if style != "decimal" else int(re.split(r"[.．]", n)[-1])
        if style == "decimal":
            rank = 4 + 0.25 * min(n.count(".") + n.count("．"), 3)  # 1.1 → 4.25, 1.1.1 → 4.5
        number = re.sub(r"\s", "", text[:m.end()])
        if style == "paren_cn_open":
            number, style = ("(" if number.endswith(")") else "（") + number, "paren_cn"
        rest = rest.lstrip(" \t\u3000:：")
        return Heading(style, rank, kind, number, value, rest, _title_of(rest), m.end(), bare)
    return None


def number_value(token: str) -> int | None:
    """The integer inside a heading token as written: "（三）" → 3, "第十二章" → 12, "专栏2" → 2."""
    h = parse_heading(token + "x")
    return h.value if h else None


# --- lost line breaks ----------------------------------------------------------------------
_SENTENCE_END = "。；;：:！？!?]】"
_RUN_ON = re.compile(r"(?<=\S)[ \t\u3000]+(?=\S)|(?<=[。；;！？!?])(?=\S)")


_CHAPTER_TOKEN = re.compile(rf"第{_S}(?:{_CN}|\d+){_S}(?:章|篇|部分|节)")


def _glued_chapters(line: str) -> list[int]:
    """Offsets of 第X章/篇/节 tokens glued into one line without any punctuation (a CNKI
    export's table of contents: "第一章…指导思想第二章…主要目标第二篇…")."""
    if re.search(r"[。，,；;：:]", line):
        return []
    starts = [m.start() for m in _CHAPTER_TOKEN.finditer(line) if line[m.end():m.end() + 1] not in "，,、为是和及与的"]
    if len(starts) < 2 or (starts[0] != 0 and len(starts) < 3):
        return []
    return [p for p in starts if p > 0]


def run_on_breaks(line: str, min_length: int = 60) -> list[int]:
    """Offsets in ``line`` where a heading starts after a lost line break (text exported
    without its breaks: "…以上。 三、主要任务 (一)完善…").  A break is a run of blanks
    followed by a heading number (an Arabic or (1) number counts only after a sentence end
    (a space before "3." inside a sentence is no break)), or a 一、/（一）/第X章 number right
    after a sentence end ("…以上。三、主要任务", once blanks were normalised away; "…。2.…。3.…"
    without blanks is an inline list).  Short lines are left alone, except that 第X章 tokens
    glued together without punctuation (a table of contents) are always cut."""
    if toc := _glued_chapters(line):
        return toc
    if len(line) < min_length:
        return []
    out = []
    for m in _RUN_ON.finditer(line):
        h = parse_heading(line[m.end():])
        if h is None or h.bare or h.rank is None or not h.rest or h.rest[0] in "，,、为是和及与的":
            continue  # "…。第一章，应急管理工作现状…" / "第三章为主要任务": prose that names a chapter
        before = line[:m.start()].rstrip()[-1:]
        minor = h.style in ("arabic", "paren_ar", "circled")
        if minor and (before not in _SENTENCE_END or m.end() == m.start()):
            continue  # "…。2.…。3.…" with no blank is an inline list, not lost breaks
        out.append(m.end())
    return out
