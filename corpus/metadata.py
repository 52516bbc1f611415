"""Document metadata: title, issuer, 文号, issue date, plan period, kind and region.

Read from ``doc.text`` (normalised) in the order a reader would: the header block (红头,
文号, a 印发通知 and its 落款, a portal's 索引号/发布日期 table, a crawler's ``**发布日期**:``
lines), then the document's title, then the body.  Numbers, dates and 十X五 names are read
by corpus.numbering; label words, organisation endings and the kind vocabulary live in
corpus/data (metadata_words.json, kinds.json).

- dates: the document's own date (成文日期, its 落款, a date line under the notice or the
  title) before the page's (发布日期, a repost time stamp);
- title: a line that names a document (ends in a kind word), never a page number, a table
  row, a label or an outline heading; a page of a plan without its title has no title;
- kind: from the name's ending (kinds.json) with a confidence and the reasons, kept in
  ``kind_confidence`` / ``kind_reasons``; a plan page without title is a plan when it reads
  like one;
- region: the title's, else the issuer's, else national evidence (国务院, 中共中央, 国发…),
  else what the body names, never a name inside 《》 (a law or plan it cites).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from corpus.model import Document
from corpus.numbering import find_dates, five_year, parse_date, parse_heading, plan_names, run_on_breaks

__all__ = ["FIELDS", "extract_metadata", "five_year", "parse_date"]  # five_year, parse_date: re-exported

FIELDS = ("title", "issuer", "doc_number", "issue_date", "region", "province", "prefecture",
          "county", "admin_code", "admin_level", "period", "period_start", "period_end", "kind")

DATA = Path(__file__).parent / "data"
HEADER_LINES = 60  # the header block lies within the first lines
HEADER_CHARS = 3000
HEAD_SCAN, TAIL_SCAN = 40_000, 8_000  # characters of a long text whose lines metadata reads
NATIONAL = {"region": "全国", "admin_code": "100000", "admin_level": "national", "province": None,
            "prefecture": None, "county": None, "current": True}

SUFFIX_PAREN = re.compile(r"\s*[（(][^（）()]{0,20}(?:\d{4}|草案|试行|暂行|修订|征求意见稿)[^（）()]{0,20}[）)]\s*$")
NOTICE = re.compile(r"^(?P<issuer>[^，。；《]{0,60}?)(?P<title>(?:关于)?(?:印发|转发|发布|颁布)(?P<inner>.+?)(?:的?(?:通知|决定|通告))?)$")
SITE_SUFFIX = re.compile(r"^(?P<t>.{6,}?)(?:_[^_]{1,20})+$|^(?P<t2>.{6,}?)[-－][\u4e00-\u9fff]{2,10}$")
COMPILED = re.compile(r"(?:编制了?|制定了?|印发了?|出台了?|发布了?)《(?P<t>[^《》]{4,70}?(?:规划|计划|纲要|方案)(?:[（(][^）)]{2,20}[）)])?)》")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d{1,5}\s*号")
YEAR_RANGE = re.compile(r"(?P<a>(?:19|20)\d{2})\s*年?\s*[-—–~～至到]+\s*(?P<b>(?:19|20)\d{2})\s*年?")
PERIOD_SENTENCE = re.compile(r"(?:规划|本规划)(?:实施)?(?:期|期限|时限|年限|范围)?(?:为|是|:|：)?\s*" + YEAR_RANGE.pattern)
SECTION_WORD = re.compile(r"^(?:前\s*言|目\s*录|序\s*言|引\s*言)$")
PAGE_NUMBER = re.compile(r"^[-—–\s]*[第]?\s*\d{1,4}\s*(?:页)?[-—–\s]*(?:/\s*\d+)?$|^[—-]\s*\d+\s*[—-]$"
                         r"|^第\s*\d{1,4}\s*页\s*[,，/]?\s*共\s*\d{1,4}\s*页$|^共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页$")
INDEX_NO = re.compile(r"^[0-9A-Za-z/\-_.\s]+$")
SENT_PUNCT = re.compile(r"[，。；！？,;!?]")
DATE_PAREN = re.compile(r"^[（(]\s*(?P<d>.{8,16}?)\s*[）)]$")
ISSUES_IT = re.compile(r"现将[^《》。]{0,12}《(?P<inner>[^《》]{2,80})》[^。]{0,20}(?:印发|转发)给?你们")
HISTORY = re.compile(r"^(?:以来|(?:时期|期间)?[，,]?(?:取得|累计|共计|完成了|实现了)|成效|成就|回顾|末[，,]?(?:全|我|共))")


@lru_cache(maxsize=1)
def words() -> dict:
    return json.loads((DATA / "metadata_words.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def kinds() -> dict:
    return json.loads((DATA / "kinds.json").read_text(encoding="utf-8"))


# --- lines ----------------------------------------------------------------------------
def _clean(line: str) -> str:
    """A line without Markdown marks (# heading, **bold**) and surrounding blanks."""
    line = re.sub(r"^\s*#{1,6}\s*", "", line)
    line = re.sub(r"\*\*(.*?)\*\*", r"\1", line).replace("**", "")
    return line.strip(" \t\u3000")


def document_lines(text: str) -> list[str]:
    """The lines metadata reads: every line of a short text; of a long one only its opening
    and closing lines (header, 落款, 版记), so a 500,000-character yearbook costs what a
    short notice does."""
    if len(text) <= HEAD_SCAN + TAIL_SCAN:
        return _lines(text)
    head_end = text.rfind("\n", 0, HEAD_SCAN)
    tail_start = text.find("\n", len(text) - TAIL_SCAN)
    head = text[:head_end if head_end > 0 else HEAD_SCAN]
    tail = text[tail_start + 1:] if tail_start >= 0 else ""
    return _lines(head) + _lines(tail)


def _lines(text: str) -> list[str]:
    """Non-blank cleaned lines; a line that lost its breaks is cut where a heading starts."""
    out = []
    for ln in text.split("\n"):
        cuts = [0, *run_on_breaks(ln), len(ln)]
        out.extend(c for a, b in zip(cuts, cuts[1:]) if (c := _clean(ln[a:b])))
    return out


def strip_site_suffix(line: str) -> str:
    """A web page's title without the site's tail: "…政策解读_政策解读_某市应急管理局",
    "…的通知-上海长宁" → the document's name (when the part kept names a document)."""
    m = SITE_SUFFIX.match(line.strip())
    if m:
        head = m["t"] or m["t2"]
        if name_kind(head) or NOTICE.match(re.sub(r"\s", "", head)):
            return head
    return line


def _flat(s: str) -> str:
    """Compare titles without spaces, 《》 and quotes."""
    return re.sub(r"[—–~～－]", "-", re.sub(r"[\s《》“”\"〈〉<>]", "", s)).replace("（", "(").replace("）", ")")


def _all_labels() -> list[str]:
    lab = words()["labels"]
    return sorted({w for k, v in lab.items() if k != "_doc" for w in v}, key=len, reverse=True)


def _is_label(s: str) -> bool:
    return re.sub(r"[\s:：]", "", s) in _all_labels()


def _org_like(s: str) -> bool:
    s = s.strip()
    return (2 <= len(s) <= 40 and s.endswith(tuple(words()["org_ends"]))
            and not re.search(r"[，。；:：|]", s) and not s.startswith(("关于", "各", "现将")))


# --- header fields --------------------------------------------------------------------
def _label_pairs(line: str) -> list[tuple[str, str]]:
    """(label, value) pairs of one line: ``label: value``, ``label value`` or the cells of a
    table row ``| 发布日期 | 2022-12-22 | 文号 | |`` (a label cell followed by its value cell;
    a value that is itself a label means the field is empty)."""
    labels = _all_labels()
    if "|" in line or "\t" in line:
        cells = [c.strip() for c in re.split(r"[|\t]", line)]
        out = []
        for i, c in enumerate(cells):
            key = re.sub(r"[\s:：]", "", c)
            if key in labels:
                nxt = cells[i + 1] if i + 1 < len(cells) else ""
                out.append((key, "" if _is_label(nxt) else nxt))
        return out
    alt = "|".join(labels)
    marks = [m for m in re.finditer(rf"(?P<k>{alt})\s*[:：]", line)]
    if marks and marks[0].start() == 0:  # label: value [label: value …]
        ends = [m.start() for m in marks[1:]] + [len(line)]
        return [(m["k"], _until_next_label(line[m.end():e]).strip()) for m, e in zip(marks, ends)]
    for lab in labels:
        m = re.match(rf"^{lab}\s*(?P<colon>[:：])?\s*(?P<v>.*)$", line)
        if m and (m["colon"] or m["v"] == "" or _value_shaped(m["v"])):
            return [(lab, _until_next_label(m["v"]).strip())]
    return []


def _until_next_label(v: str) -> str:
    """A value up to the next label on the same line ("2025年06月23日信息来源：…" → the date):
    a label never ends up inside a value."""
    cut = min((m.start() for lab in _all_labels() if (m := re.search(rf"{lab}\s*[:：]", v))), default=len(v))
    return v[:cut]


def _value_shaped(v: str) -> bool:
    """After a label with no colon, only a date, a 文号 or an organisation is a value
    (``时间紧任务重`` is a sentence, not ``时间: 紧任务重``)."""
    return bool(parse_date(v) or DOC_NUMBER.match(v) or _org_like(v))


def labels(lines: list[str]) -> dict[str, str]:
    """Label values of the header (first of each); a label standing alone on its line takes
    the next line as its value (``发布机构：`` / ``某市统计局``)."""
    out: dict[str, str] = {}
    head = lines[:HEADER_LINES]
    for i, ln in enumerate(head):
        for k, v in _label_pairs(ln):
            if v == "" and "|" not in ln and i + 1 < len(head) and not _label_pairs(head[i + 1]):
                v = head[i + 1]
            if v and not _is_label(v):
                out.setdefault(k, v.strip())
    return out


def _label_value(label: dict[str, str], group: str) -> str | None:
    return next((label[k] for k in words()["labels"][group] if label.get(k)), None)


def _date_line(s: str) -> str | None:
    """The date of a line that is only a date (a 落款's date, "（2020年5月8日）"), else None."""
    s = s.strip()
    if m := DATE_PAREN.match(s):
        s = m["d"]
    found = find_dates(s)
    if found and found[0][0].group().strip() == s.strip():
        return found[0][1]
    return None


def signature(lines: list[str]) -> tuple[list[str], str] | None:
    """The first 落款: one or more organisations' names on their own lines, the date on the
    next (joint documents list every issuer)."""
    for i, ln in enumerate(lines):
        date = _date_line(ln)
        if not date or DATE_PAREN.match(ln):
            continue
        orgs = []
        j = i - 1
        while j >= 0 and _org_like(lines[j]) and len(orgs) < 8:
            orgs.insert(0, lines[j])
            j -= 1
        if orgs:
            return orgs, date
    return None


def _standalone(ln: str) -> bool:
    """A header line that is never part of a broken title: 文号, date, label, organisation,
    outline heading."""
    return bool(DOC_NUMBER.match(ln) or _date_line(ln) or _label_pairs(ln) or _org_like(ln)
                or parse_heading(ln) or "|" in ln)


def _join_candidates(lines: list[str], limit: int = 30):
    """Each header line, and each line joined with the next one or two (a title broken in
    two: "某省人民政府关于印发" / "某某发展规划的通知")."""
    for i, ln in enumerate(lines[:limit]):
        yield i, ln
        if not SENT_PUNCT.search(ln) and len(ln) <= 40 and not _standalone(ln) and not name_kind(ln):
            joined = ln
            for k in (1, 2):
                if i + k >= len(lines) or SENT_PUNCT.search(lines[i + k]) or len(lines[i + k]) > 60 \
                        or _standalone(lines[i + k]):
                    break
                joined += lines[i + k]
                yield i, joined


def find_notice(lines: list[str]) -> re.Match | None:
    """A 印发/转发 notice's title among the header lines: (issuer)关于印发《X》的通知, or
    (issuer)印发《X》 (a crawler's title without 的通知); whole lines first, then a title
    broken over two or three lines."""
    singles = [ln for ln in lines[:30]]
    joined = [ln for i, ln in _join_candidates(lines) if ln not in singles]
    for ln in singles + joined:
        flat = re.sub(r"\s", "", strip_site_suffix(ln))
        m = NOTICE.match(flat)
        if not m or len(flat) > 120 or SENT_PUNCT.search(flat.replace("，", "")):
            continue
        inner = m["inner"].strip("《》")
        has_end = flat.endswith(("通知", "决定", "通告"))
        if not has_end and not (m["inner"].startswith("《") and m["inner"].endswith("》")):
            continue
        if m["issuer"] and not re.fullmatch(r"[\u4e00-\u9fff、 ]{2,60}", m["issuer"]):
            continue
        if len(inner) >= 4:
            return m
    return None


def title_org(title: str | None) -> str | None:
    """The organisation a title opens with: 某市人民政府关于进一步加强… → 某市人民政府."""
    if title and "关于" in title:
        head = title.split("关于", 1)[0].strip()
        return head if _org_like(head) else None
    return None


def site_org(lines: list[str]) -> str | None:
    """The publisher a web page's title ends with: "…政策解读_政策解读_某市应急管理局"."""
    for ln in lines[:3]:
        if SITE_SUFFIX.match(ln) and "_" in ln and _org_like(tail := ln.rsplit("_", 1)[1]):
            return tail
    return None


def header_org(lines: list[str], title: str | None) -> str | None:
    """An organisation's name standing on its own line right under the title (a plan's
    cover: title / 温州市减灾委员会办公室 / 2017年3月)."""
    if not title:
        return None
    at = next((i for i, ln in enumerate(lines[:40]) if _flat(ln) == _flat(title)), None)
    if at is None:
        return None
    for ln in lines[at + 1:at + 4]:
        if _org_like(ln):
            return ln
        if parse_heading(ln) or len(ln) > 40:
            return None
    return None


def doc_number(lines: list[str], label: dict[str, str]) -> str | None:
    """文号 standing on its own line in the header (or labelled 文号:), never one cited in a
    sentence (a 批复's number)."""
    if (v := _label_value(label, "doc_number")) and (m := DOC_NUMBER.search(v)):
        return re.sub(r"\s", "", m.group())
    for ln in lines[:30]:  # alone on its line, or beside 签发人 in a 红头
        m = DOC_NUMBER.match(ln)
        if m and (m.end() == len(ln) or re.match(r"\s*签发人", ln[m.end():])):
            return re.sub(r"\s", "", m.group())
    return None


# --- title ------------------------------------------------------------------------------
def _kind_words() -> list[tuple[str, str]]:
    """(ending, kind) pairs, longest ending first."""
    pairs = [(w, k) for k, spec in kinds()["kinds"].items() for w in spec.get("ends", [])]
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


def name_kind(name: str | None) -> tuple[str, str] | None:
    """(kind, the word that says it) of a document's name by its ending: …规划 → plan,
    …实施方案 → action_plan, …考评办法 → measures; None when the name says no kind."""
    if not name:
        return None
    core = name.strip().strip("《》")
    for _ in range(2):
        core = SUFFIX_PAREN.sub("", core).strip().strip("《》")
    for w in kinds()["kinds"]["interpretation"]["contains"]:
        if w in core:
            return "interpretation", w
    for w, k in _kind_words():
        if core.endswith(w):
            return k, w
    return None


def not_a_title(ln: str) -> bool:
    """Page numbers, table rows, lone symbols, labels, outline headings, index numbers,
    dates, navigation bars: never a title."""
    s = ln.strip()
    return (len(s) < 4 or PAGE_NUMBER.match(s) is not None or "|" in s or "\t" in s
            or INDEX_NO.match(s) is not None or _date_line(s) is not None or bool(_label_pairs(s))
            or parse_heading(s) is not None or any(w in s for w in words()["not_title"])
            or any(w in s for w in words()["nav_words"]) or s.startswith(tuple(words()["not_title_starts"]))
            or bool(SENT_PUNCT.search(s.replace("，", ""))) or s.endswith("：") or s.endswith(":")
            or bool(re.match(r"^[—\-–（(\[【]", s)))


def title_line(lines: list[str]) -> str | None:
    """A header line (or two joined) that names a document: it ends in a kind word
    (…规划, …实施意见, …年度报告, …统计公报, …政策解读), optionally with its years."""
    found = []
    for i, ln in _join_candidates(lines, 40):
        if "/" in ln:  # a source path: <报纸名>/<年>/<月>/<日>/<版次>/<title>
            ln = ln.rsplit("/", 1)[1]
        ln = strip_site_suffix(ln)
        flat = ln.replace(" ", "") if not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", ln) else ln
        if not_a_title(flat) or len(flat) > 90:
            continue
        nk = name_kind(flat)
        if nk and len(flat) >= 6:
            if re.match(r"(?:19|20)\d{2}年", flat) and i > 0 and _org_like(lines[i - 1]):
                flat = lines[i - 1].replace(" ", "") + flat  # "某区人民政府" / "20XX年…年度报告"
            if nk[0] != "notice":
                return flat
            found.append(flat)
    return found[0] if found else None  # a 通知/答复 when no line names another kind


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


def headline(doc: Document, lines: list[str]) -> str | None:
    """An article's headline: the first fake-bold doubled line (magazine PDFs), else the
    first short title-like line among the first few (never a heading, label or page number)."""
    for raw in doc.raw_text.split("\n"):
        if (t := dedupe_doubled(raw.strip())) and len(t) >= 6:
            return t
    for ln in lines[:5]:
        if 4 <= len(ln) <= 40 and not re.search(r"[，。；：:]", ln) and not SECTION_WORD.match(ln) \
                and not not_a_title(ln) and not _org_like(ln):
            return ln
    return None


COLUMN = re.compile(r"^(?P<col>[\u4e00-\u9fff]{2,6})\s*[:：｜|]\s*(?P<rest>[^《].{4,})$")


def strip_column(line: str, text: str) -> str:
    """A portal column's name before a document's title ("政策解读:某市…行动方案(20XX—20XX年)"
    on a page that itself issues that plan): the title alone."""
    m = COLUMN.match(line.strip())
    if m and name_kind(m["rest"]) and (issued := ISSUES_IT.search(text[:HEADER_CHARS])):
        if _flat(issued["inner"]) == _flat(m["rest"]):
            return m["rest"]
    return line


def interpretation_title(lines: list[str], text: str = "") -> str | None:
    """A 政策解读 headline among the first lines (not a navigation bar's menu item, nor a
    column name over the document itself)."""
    nav = words()["nav_words"] + words()["nav_marks"]
    for ln in lines[:8]:
        ln = strip_site_suffix(ln)
        if strip_column(ln, text) != ln:
            continue
        nk = name_kind(ln)
        if len(ln) <= 80 and nk and nk[0] == "interpretation" and not any(w in ln for w in nav) \
                and not ln.endswith("。"):
            return ln
    return None


# --- the notice and what it carries -----------------------------------------------------------
def wraps_document(doc: Document, lines: list[str], notice: re.Match) -> bool:
    """Does a 印发通知 carry the document it issues?  Its title stands again as a line, or the
    text is far longer than any notice, or (with no 印发给你们 sentence in it: a mirror's
    title line over a page of the document) numbered headings follow."""
    inner = _flat(notice["inner"])
    at = next((i for i, ln in enumerate(lines) if i > 0 and _flat(ln) == inner), None)
    if at is not None and at + 1 < len(lines):
        return True
    if len(doc.text) > 8000:
        return True
    issues_it = any(p in doc.text[:HEADER_CHARS] for p in words()["issuing_phrases"])
    heads = sum(1 for ln in lines if (h := parse_heading(ln)) and h.rank is not None and h.rank <= 3)
    return not issues_it and heads >= 2


# --- period, kind -----------------------------------------------------------------------
def _five_years_in(s: str) -> list[int]:
    return [n for _, n in plan_names(s)]


def _plan_names_not_history(text: str) -> list[int]:
    """Plan names that are not a look back (“十三五”以来, “十三五”时期，…取得)."""
    return [n for m, n in plan_names(text) if not HISTORY.match(text[m.end():m.end() + 8].lstrip("”\"」'"))]


def find_period(title: str | None, text: str) -> tuple[int, int] | None:
    if title and (m := YEAR_RANGE.search(title)):
        return int(m["a"]), int(m["b"])
    if m := PERIOD_SENTENCE.search(text[:HEADER_CHARS * 2]):
        return int(m["a"]), int(m["b"])
    if title and (fy := _five_years_in(title)):
        return five_year(fy[0])
    counts = Counter(_plan_names_not_history(text))
    if counts:  # the plan's own period is the one it names most (ties: the later one)
        n = max(counts, key=lambda k: (counts[k], k))
        return five_year(n)
    return None


def plan_page_score(doc: Document, lines: list[str]) -> tuple[int, list[str], bool]:
    """How much a text without a title reads like a plan: outline headings with plan words
    (主要任务, 规划目标…) or a plan's endings (…规划) and plan vocabulary in the text:
    (score, reasons, any heading word)."""
    spec = kinds()["plan_page"]
    reasons = []
    heads = [h.title for ln in lines if (h := parse_heading(ln)) and h.rank is not None and h.rank <= 3]
    hw = sorted({w for w in spec["heading_words"] for t in heads if w in t}
                | {"…" + e for e in spec.get("heading_ends", []) for t in heads if t.endswith(e) and len(t) > len(e) + 1})
    if hw:
        reasons.append("headings: " + "、".join(hw))
    tw = [w for w in spec["text_words"] if w in doc.text]
    if tw:
        reasons.append("words: " + "、".join(tw))
    return 2 * len(hw) + len(tw), reasons, bool(hw)


def _body_cue(doc: Document, kind: str) -> str | None:
    """A phrase of the text's opening that says its kind (向大会报告政府工作 → report)."""
    return next((c for c in kinds()["kinds"][kind].get("body_cues", {}) if c in doc.text[:HEADER_CHARS]), None)


def cue_title(doc: Document, kind: str) -> str | None:
    """The name a body cue gives a document that prints no title (政府工作报告)."""
    cues = kinds()["kinds"][kind].get("body_cues", {})
    return next((t for c, t in cues.items() if c in doc.text[:HEADER_CHARS] and t), None)


def find_kind(doc: Document, title: str | None, source: str, notice: re.Match | None,
              lines: list[str]) -> tuple[str, float, list[str], str | None]:
    """(kind, confidence, reasons, alternative kind) of a document."""
    if source == "interpretation":
        return "interpretation", 0.9, [f"title says {name_kind(title)[1]}"], None
    if notice:
        inner = notice["inner"].strip("《》")
        nk = name_kind(inner)
        if nk and nk[0] not in ("notice", "interpretation") and wraps_document(doc, lines, notice):
            return nk[0], 0.8, [f"印发通知 carries 《{inner}》 ({nk[1]})"], "notice"
        why = "印发通知" + ("" if not nk else f" of a {nk[0]} not carried in the text")
        return "notice", 0.8, [why], nk[0] if nk else None
    if cue := _body_cue(doc, "report"):
        return "report", 0.8, [f"text says {cue}"], None
    if not title and (m := ISSUES_IT.search(doc.text[:HEADER_CHARS])):
        return "notice", 0.6, [f"text issues 《{m['inner']}》 (现将…印发) but carries no title"], None
    nk = name_kind(title)
    if nk and source in ("line", "compiled", "headline", "label"):
        conf = 0.9 if source == "line" else 0.6
        return nk[0], conf, [f"title ends in {nk[1]}" + ("" if source == "line" else f" ({source})")], None
    score, reasons, heading_word = plan_page_score(doc, lines)
    if score >= 4 or (heading_word and score >= 3):
        return "plan", min(0.4 + 0.05 * score, 0.75), ["reads like a plan page: " + "; ".join(reasons)], "article"
    return "article", 0.5 if score == 0 else 0.4, ["no document title or cue" + (f" ({'; '.join(reasons)})" if reasons else "")], None


# --- title ------------------------------------------------------------------------------------
def find_title(doc: Document, lines: list[str], notice: re.Match | None) -> tuple[str | None, str]:
    """(title, where it came from: interpretation | notice | line | compiled | headline | none)."""
    if t := interpretation_title(lines, doc.text):
        return t, "interpretation"
    if notice:
        return notice["inner"].strip("《》"), "notice"
    if t := title_line([strip_column(ln, doc.text) for ln in lines[:40]]):
        return t, "line"
    if m := COMPILED.search(doc.text):
        return m["t"], "compiled"
    if t := headline(doc, lines):
        return t, "headline"
    return None, "none"


# --- region -----------------------------------------------------------------------------
def _strip_citations(text: str) -> str:
    """The text with every 《…》 blanked (same length): a law or plan it cites names another
    body's region.  The document's own name is kept: a title that opens with 《…》 (…政策解读)
    and what a notice 印发/发布s (what it 转发s is another body's)."""
    def blank(m: re.Match) -> str:
        own = m.start() == 0 or text[max(0, m.start() - 2):m.start()] in ("印发", "发布", "颁布")
        return m.group() if own else " " * len(m.group())
    return re.sub(r"《[^《》]{1,80}》", blank, text)


def national_evidence(title: str | None, issuers: list[str], number: str | None, text: str) -> str | None:
    """Why a document is national (国务院, 中共中央, a ministry, 国发〔…〕), or None."""
    w = words()
    from corpus import regions

    for org in issuers:
        if org.startswith(tuple(w["national_issuers"])) and not regions.find_mentions(org):
            return f"issuer {org}"
        if any(x in org for x in w["national_org_words"]) and not regions.find_mentions(org) \
                and not regions.find_mentions(org, short=True) and not org.startswith(("市", "县", "区", "省", "自治")):
            return f"ministry {org}"
    if title:
        head = re.split(r"关于|印发", title)[0]
        if head.startswith(tuple(w["national_issuers"])) and not regions.find_mentions(head):
            return f"title {head}"
    if number and number.startswith(tuple(w["national_doc_number_prefixes"])):
        return f"文号 {number}"
    if cue := next((c for c in w["national_body_cues"] if c in text[:HEADER_CHARS]), None):
        return f"text says {cue}"
    return None


def find_region(doc: Document, title: str | None, issuers: list[str], number: str | None) -> dict | None:
    from corpus import regions

    context = _strip_citations(doc.text)
    if issuers and national_evidence(None, issuers[:1], None, ""):
        return dict(NATIONAL)  # 国务院关于支持贵州…: a national issuer's document about a region
    if title and (r := regions.resolve(_strip_citations(title), context_text=context)):
        return r
    if issuers and (r := regions.resolve(" ".join(issuers), context_text=context)):
        return r
    if national_evidence(title, issuers, number, doc.text):
        return dict(NATIONAL)
    if r := regions.province_of_doc_number(number, context):
        return r
    return regions.resolve_body(context)


IMPRINT = re.compile(r"^(?P<org>\S.{1,38}?)\s*(?P<d>(?:19|20)\d{2}\s*年.{2,10}?日|[〇○零一二三四五六七八九]{4}年.{2,10}?日)\s*印发$")


def imprint_date(lines: list[str]) -> str | None:
    """The 版记's date: "济宁市人民政府办公室　　2021年12月28日印发" (the printing office and day)."""
    for ln in reversed(lines[-40:]):
        if (m := IMPRINT.match(ln)) and _org_like(m["org"]) and (d := _date_line(m["d"])):
            return d
    return None


ADOPTED = re.compile(r"^[（(]\s*(?P<body>.{8,60}?(?:通过|批准|发布|印发|公布))\s*[）)]$")


def _dated_subtitle(ln: str) -> str | None:
    """A speech's or report's subtitle ("——1996年3月5日在第八届全国人民代表大会第四次会议上")
    or a plan's adoption note ("(YYYY年M月D日某省第N届人民代表大会第N次会议通过)")."""
    m = re.match(r"^[—\-]{1,2}\s*", ln) or ADOPTED.match(ln)
    if m:
        start = m.end() if m.re is not ADOPTED else m.start("body")
        found = find_dates(ln)
        if found and found[0][0].start() == start:
            return found[0][1]
    return None


def _date(label: dict[str, str], sig, lines: list[str], notice_at: int | None, title: str | None) -> str | None:
    """The document's own date (成文日期, its 落款, a date line right under the notice or
    the title), else the page's (发布日期, a repost time stamp under the title)."""
    if (v := _label_value(label, "date_document")) and (d := parse_date(v)):
        return d
    if sig:
        return sig[1]
    start = notice_at if notice_at is not None else next(
        (i for i, ln in enumerate(lines[:40]) if title and _flat(title) in _flat(ln)), None)
    if start is not None:
        for ln in lines[start + 1:start + 12]:
            if d := _date_line(ln) or _dated_subtitle(ln):
                return d
    if d := imprint_date(lines):
        return d
    if (v := _label_value(label, "date_page")) and (d := parse_date(v)):
        return d
    if start is not None:  # a web page's time stamp under the title: 2006-12-15 09:20:49
        for ln in lines[start + 1:start + 4]:
            if (found := find_dates(ln)) and found[0][0].start() == 0 and len(ln) <= 30:
                return found[0][1]
    return None


def _hint_date(hints: dict) -> str | None:
    """A loader's date, when it is a full date (a crawler's bare "YYYY年M月" is no issue date)."""
    v = hints.get("issue_date")
    return parse_date(v) if v else None


def loader_hints(doc: Document) -> dict:
    """What a loader read from a crawler's header or record (``doc.meta`` issuer, issue_date,
    doc_number): page-level evidence, weighed here below what the document itself says.
    They are taken out of ``doc.meta`` so that the value decided here is the one stored
    (the pipeline lays the loader's meta over this module's)."""
    return {k: doc.meta.pop(k) for k in ("issuer", "issue_date", "doc_number", "title")
            if doc.meta.get(k) is not None}


def extract_metadata(doc: Document) -> dict:
    meta: dict = {f: None for f in FIELDS}
    hints = loader_hints(doc)
    lines = document_lines(doc.text)
    label = labels(lines)
    heads = ([v] if (v := _label_value(label, "title")) else []) + lines  # a portal's 标题: first
    notice = find_notice(heads)
    sig = signature(lines[:HEADER_LINES * 2]) or signature(lines[-30:])  # the notice's 落款, else the closing one

    title, source = find_title(doc, heads, notice)
    kind, conf, reasons, alt = find_kind(doc, title, source, notice, lines)
    meta["kind"] = kind
    if notice and kind != "plan":  # the notice (or a notice that issues rules) is named by its own title
        meta["title"] = re.sub(r"\s", "", notice.group()) if notice["issuer"] else notice["title"]
        meta["embedded_title"] = notice["inner"].strip("《》")
    elif kind == "report" and source in ("compiled", "none", "headline") and (t := cue_title(doc, "report")):
        meta["title"] = t  # the plan it presents is not its title
    else:
        meta["title"] = title
    if kind == "notice" and not notice and (m := ISSUES_IT.search(doc.text[:HEADER_CHARS])):
        meta["embedded_title"] = m["inner"]

    issuers: list[str] = []
    if sig:
        issuers = sig[0]
    elif notice and _org_like(notice["issuer"]):
        issuers = [notice["issuer"]]
    elif org := header_org(lines, title):
        v = _label_value(label, "issuer")
        issuers = [v if v and _org_like(v) and org.startswith(v) else org]  # joint line: the label's first
    elif (v := _label_value(label, "issuer") or hints.get("issuer")) and _org_like(v):
        issuers = [v]
    elif org := title_org(meta["title"]) or site_org(lines):
        issuers = [org]
    meta["issuer"] = issuers[0] if issuers else None
    if len(issuers) > 1:
        meta["issuers"] = issuers
    meta["doc_number"] = doc_number(lines, label) or hints.get("doc_number")
    notice_at = None
    if notice:
        notice_at = next((i for i, ln in enumerate(lines) if notice["inner"].strip("《》")[:8] in ln.replace(" ", "")), None)
    meta["issue_date"] = _date(label, sig, lines, notice_at, title) or _hint_date(hints)

    if kind not in ("article", "statistics"):
        period = find_period(title if not notice else notice["inner"], doc.text)
        if period:
            meta["period"] = f"{period[0]}-{period[1]}"
            meta["period_start"], meta["period_end"] = period

    region = find_region(doc, meta["title"] if meta["title"] else None, issuers, meta["doc_number"])
    if region:
        for key in ("region", "province", "prefecture", "county", "admin_code", "admin_level"):
            meta[key] = region[key]
    meta["kind_confidence"] = round(conf, 2)
    meta["kind_reasons"] = reasons
    if alt:
        meta["kind_alt"] = alt
    return meta
