"""Document metadata: title, issuer, 文号, issue date, plan period, kind and region.

Read from ``doc.text`` (normalised) in the order a reader would: the header block (红头,
文号, a 印发通知 and its 落款, or a web page's 发文单位/时间 lines), then the plan title,
then the body.  The region is resolved against the GB/T 2260 gazetteer in corpus.regions:
the title first, then the issuer, then what the body names most (我市/我区 decides the level).
"""
from __future__ import annotations

import re
from collections import Counter

from corpus.model import Document
from corpus.numbering import find_dates, five_year, parse_date, plan_names

__all__ = ["FIELDS", "extract_metadata", "five_year", "parse_date"]  # five_year, parse_date: re-exported

FIELDS = ("title", "issuer", "doc_number", "issue_date", "region", "province", "prefecture",
          "county", "admin_code", "admin_level", "period", "period_start", "period_end", "kind")

HEADER_CHARS = 3000  # the header block lies within the first few thousand characters
PLAN_TITLE = re.compile(r"^(?P<t>[^，。；：:！？,;]{4,70}?(?:规划|计划|纲要|方案)(?:[（(][^）)]{2,20}[）)])?)$")
NOTICE = re.compile(r"^(?P<issuer>[^，。；]{0,40}?)(?P<title>关于(?:印发|转发|发布)(?P<inner>.+?)的(?:通知|决定))$")
COMPILED = re.compile(r"(?:编制了?|制定了?|印发了?|出台了?|发布了?)《(?P<t>[^《》]{4,70}?(?:规划|计划|纲要|方案)(?:[（(][^）)]{2,20}[）)])?)》")
LABEL = re.compile(r"^(?P<k>发文单位|发文机关|发布机构|发布单位|成文日期|发布日期|发文日期|时间|日期|文号|发文字号)\s*[:：]\s*(?P<v>\S.{0,60})$")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d{1,5}\s*号")
ORG_END = ("人民政府", "委员会", "办公室", "办公厅", "管理局", "局", "厅", "委", "部", "中心", "指挥部",
           "领导小组", "管委会", "政府", "街道办事处", "安委会", "减灾委", "防指")
YEAR_RANGE = re.compile(r"(?P<a>(?:19|20)\d{2})\s*年?\s*[-—–~～至到]+\s*(?P<b>(?:19|20)\d{2})\s*年?")
PERIOD_SENTENCE = re.compile(r"(?:规划|本规划)(?:期|期限|时限|年限|范围)?(?:为|是|:|：)?\s*" + YEAR_RANGE.pattern)
INTERPRETATION = re.compile(r"(?:政策)?解读|答记者问|一图读懂|图解")
NAV = re.compile(r"[|>»]|当前位置|首页")  # web navigation bars also say 政策解读
SECTION_WORD = re.compile(r"^(?:前\s*言|目\s*录|序\s*言|引\s*言)$")


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def _flat(s: str) -> str:
    """Compare titles without spaces, 《》 and quotes."""
    return re.sub(r"[\s《》“”\"]", "", s)


def _date_line(s: str) -> bool:
    """A line that is only a date (a 落款's second line)."""
    found = find_dates(s)
    return bool(found) and found[0][0].group().strip() == s.strip()


def _org_like(s: str) -> bool:
    return 4 <= len(s) <= 40 and s.endswith(ORG_END) and not re.search(r"[，。；:：]", s)


# --- header fields --------------------------------------------------------------------
def labels(lines: list[str]) -> dict[str, str]:
    """Web-page labels: 发文单位:…, 时间:…, 文号:… (first of each)."""
    out: dict[str, str] = {}
    for ln in lines[:60]:
        if m := LABEL.match(ln):
            out.setdefault(m["k"], m["v"].strip())
    return out


def signature(lines: list[str]) -> tuple[str, str] | None:
    """The first 落款: an organisation's name on its own line, its date on the next."""
    for a, b in zip(lines, lines[1:]):
        if _org_like(a) and _date_line(b):
            return a, parse_date(b)
    return None


def find_notice(lines: list[str]) -> re.Match | None:
    for ln in lines[:30]:
        if m := NOTICE.match(re.sub(r"\s", "", ln)):
            return m
    return None


def doc_number(lines: list[str], label: dict[str, str]) -> str | None:
    """文号 standing on its own line in the header (or labelled 文号:), never one cited in a
    sentence (a 批复's number)."""
    for key in ("文号", "发文字号"):
        if key in label and (m := DOC_NUMBER.search(label[key])):
            return re.sub(r"\s", "", m.group())
    for ln in lines[:20]:  # alone on its line, or beside 签发人 in a 红头
        m = DOC_NUMBER.match(ln)
        if m and (m.end() == len(ln) or re.match(r"\s*签发人", ln[m.end():])):
            return re.sub(r"\s", "", m.group())
    return None


# --- title ------------------------------------------------------------------------------
def plan_title_line(lines: list[str]) -> str | None:
    """A header line that is a plan's title: 温州市“十四五”应急管理体系建设规划."""
    for ln in lines[:40]:
        flat = ln.replace(" ", "")
        if (m := PLAN_TITLE.match(flat)) and not flat.startswith(("关于", "根据", "为")):
            return m["t"]
    return None


def dedupe_doubled(line: str) -> str | None:
    """Fake-bold text prints each run twice ("绷紧应急安全弦绷紧应急安全弦 绘就…绘就…"):
    the line's space-separated parts, each undoubled, or None when it is not doubled."""
    parts = line.split()
    out = []
    for p in parts:
        half = len(p) // 2
        if len(p) < 4 or len(p) % 2 or p[:half] != p[half:]:
            return None
        out.append(p[:half])
    return " ".join(out) if out else None


def headline(doc: Document) -> str | None:
    """An article's headline: the first fake-bold doubled line (magazine PDFs), else the
    first short title-like line."""
    for raw in doc.raw_text.split("\n"):
        if (t := dedupe_doubled(raw.strip())) and len(t) >= 6:
            return t
    for ln in _lines(doc.text)[:5]:
        if 4 <= len(ln) <= 40 and not re.search(r"[，。；：:]", ln) and not SECTION_WORD.match(ln):
            return ln
    return None


def interpretation_title(lines: list[str]) -> str | None:
    """A 政策解读 headline among the first lines (not a navigation bar's menu item)."""
    for ln in lines[:8]:
        if len(ln) <= 80 and INTERPRETATION.search(ln) and not NAV.search(ln) and not ln.endswith("。"):
            return ln
    return None


def find_title(doc: Document, lines: list[str], notice: re.Match | None) -> tuple[str | None, str]:
    """(title, where it came from: interpretation | notice | line | compiled | headline | first)."""
    if t := interpretation_title(lines):
        return t, "interpretation"
    if notice:
        return notice["inner"].strip("《》"), "notice"
    if t := plan_title_line(lines):
        return t, "line"
    if m := COMPILED.search(doc.text):
        return m["t"], "compiled"
    if t := headline(doc):
        return t, "headline"
    return (lines[0][:80] if lines else None), "first"


def wraps_plan(doc: Document, lines: list[str], inner: str) -> bool:
    """Does a 印发通知 carry the plan itself?  Its title stands again as a line followed by
    numbered headings, or the file is far longer than any notice."""
    from corpus.normalise import HEADING_START

    flat = _flat(inner)
    at = next((i for i, ln in enumerate(lines) if _flat(ln) == flat), None)
    if at is not None and sum(1 for ln in lines[at + 1:] if HEADING_START.match(ln)) >= 3:
        return True
    return len(doc.text) > 8000


# --- period, kind -----------------------------------------------------------------------
def _five_years_in(s: str) -> list[int]:
    return [n for _, n in plan_names(s)]


def find_period(title: str | None, text: str) -> tuple[int, int] | None:
    if title and (m := YEAR_RANGE.search(title)):
        return int(m["a"]), int(m["b"])
    if m := PERIOD_SENTENCE.search(text[:HEADER_CHARS * 2]):
        return int(m["a"]), int(m["b"])
    if title and (fy := _five_years_in(title)):
        return five_year(fy[0])
    counts = Counter(_five_years_in(text))
    if counts:  # the plan's own period is the one it names most (ties: the later one)
        n = max(counts, key=lambda k: (counts[k], k))
        return five_year(n)
    return None


def find_kind(doc: Document, title: str | None, source: str, notice: re.Match | None,
              lines: list[str]) -> str:
    if source == "interpretation":
        return "interpretation"
    if notice:
        return "plan" if wraps_plan(doc, lines, notice["inner"].strip("《》")) else "notice"
    if title and source in ("line", "compiled"):
        return "plan"
    return "article"


# --- region -----------------------------------------------------------------------------
def find_region(doc: Document, title: str | None, issuer: str | None, kind: str) -> dict | None:
    from corpus import regions

    for source in (title, issuer):
        if source and (r := regions.resolve(source, context_text=doc.text)):
            return r
    return regions.resolve_body(doc.text)


def extract_metadata(doc: Document) -> dict:
    meta: dict = {f: None for f in FIELDS}
    lines = _lines(doc.text)
    label = labels(lines)
    notice = find_notice(lines)
    sig = signature(lines)

    title, source = find_title(doc, lines, notice)
    meta["title"] = title
    meta["kind"] = find_kind(doc, title, source, notice, lines)
    if meta["kind"] == "notice" and notice:
        meta["title"] = notice["title"]

    issuer = label.get("发文单位") or label.get("发文机关") or label.get("发布机构") or label.get("发布单位")
    if not issuer and sig:
        issuer = sig[0]
    if not issuer and notice and _org_like(notice["issuer"]):
        issuer = notice["issuer"]
    meta["issuer"] = issuer
    meta["doc_number"] = doc_number(lines, label)
    date_label = next((label[k] for k in ("成文日期", "发文日期", "发布日期", "时间", "日期") if k in label), None)
    meta["issue_date"] = (parse_date(date_label) if date_label else None) or (sig[1] if sig else None)

    if meta["kind"] != "article":
        period = find_period(meta["title"] if meta["kind"] != "notice" else notice["inner"], doc.text)
        if period:
            meta["period"] = f"{period[0]}-{period[1]}"
            meta["period_start"], meta["period_end"] = period

    region = find_region(doc, title, issuer, meta["kind"])
    if region:
        for key in ("region", "province", "prefecture", "county", "admin_code", "admin_level"):
            meta[key] = region[key]
    return meta
