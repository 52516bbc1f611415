"""Markdown (.md): crawler output and hand-converted plans.

The markup is removed and the text kept line for line, so ``raw_text`` is the text a
reader sees: ``#`` headings and lines that are wholly ``**bold**`` become heading lines
(the heading text alone on its line, which the section builder reads as a heading),
links and images keep their text, pipe tables become tab-joined rows and ``Table``s.

A crawler's metadata header (``**发布机构**: …``, ``发布日期：…``, ``文件编号：…`` lines
before the first ``---`` rule or the body) is read into ``doc.meta``: ``issuer``,
``issue_date``, ``doc_number`` where the value looks like one, plus ``source_url`` and the
whole header under ``meta["header"]``.  The header lines stay in the text as plain
``label：value`` lines, so the metadata reader can weigh them against what the document
itself says (a crawl date is never the document's own date).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from corpus.loaders import join_lines
from corpus.model import Document, Table

HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
BOLD_LINE = re.compile(r"^[\s\u3000]*(?:\*\*|__)(.+?)(?:\*\*|__)[\s\u3000]*[:：]?[\s\u3000]*$")
HEADER_LINE = re.compile(r"^\s*(?:[-*]\s+)?(?:\*\*|__)?(?P<label>[\u4e00-\u9fff]{2,6})(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*(?P<value>.*?)\s*$")
RULE = re.compile(r"^\s{0,3}(?:-{3,}|\*{3,}|_{3,})\s*$")
IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)([^*\n]+?)\*(?!\w)")
ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
# A bullet goes; an ordered item keeps its number, as a reader sees it (1. 加快… is task 1).
LIST_MARK = re.compile(r"^(\s*)[-*+]\s+(?=\S)")
QUOTE_MARK = re.compile(r"^\s{0,3}>\s?")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*第?\s*\d+\s*号")
DATE = re.compile(r"(?:19|20)\d{2}\s*(?:年|[-/.年]\s*\d{1,2}\s*(?:月|[-/.月]\s*\d{1,2}\s*日?)?)(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
HEADER_LINES = 30  # a crawler header is at the top of the file

# crawler labels → meta keys (the metadata reader has the full label vocabulary)
HEADER_FIELDS = {
    "发布机构": "issuer", "发文机关": "issuer", "发文单位": "issuer", "发布单位": "issuer",
    "发布日期": "issue_date", "发布时间": "issue_date", "成文日期": "issue_date", "印发日期": "issue_date",
    "文件编号": "doc_number", "发文字号": "doc_number", "文号": "doc_number",
    "来源": "source_url", "原文链接": "source_url",
}


def load_bytes(path: str, data: bytes) -> Document:
    from corpus.loaders.txt import decode

    warnings: list[str] = []
    text, encoding = decode(path, data, warnings)
    text = text.lstrip("\ufeff")
    lines, tables = to_lines(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    raw, spans = join_lines(lines)
    doc = Document(doc_id="", source_path=path, file_type="markdown", raw_text=raw, encoding=encoding,
                   tables=[Table(rows=rows, start=spans[i][0], end=spans[j][1]) for rows, i, j in tables])
    doc.meta.update(header_meta(text))
    if warnings:
        doc.meta["load_warnings"] = warnings
    return doc


def to_lines(src: list[str]) -> tuple[list[str], list[tuple[list[list[str]], int, int]]]:
    """Markdown lines → text lines, and pipe tables as (rows, first line, last line)."""
    lines: list[str] = []
    tables: list[tuple[list[list[str]], int, int]] = []
    fence = False
    i = 0
    while i < len(src):
        line = src[i]
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            i += 1
            continue
        if fence:
            lines.append(line)
            i += 1
            continue
        if _is_table_start(src, i):
            rows, i = _table(src, i)
            first = len(lines)
            lines.extend("\t".join(r) for r in rows)
            tables.append((rows, first, len(lines) - 1))
            continue
        lines.append(inline_text(line))
        i += 1
    return lines, tables


def inline_text(line: str) -> str:
    """One markdown line as plain text."""
    if RULE.match(line):
        return ""
    m = HEADING.match(line)
    if m:
        return _inline(m.group(1)).strip()
    m = BOLD_LINE.match(line)
    if m and "**" not in m.group(1):  # a line that is wholly bold is a heading
        return _inline(m.group(1)).strip()
    header = HEADER_LINE.match(line)
    if header and ("**" in line or "__" in line):  # **发布日期**: 2025-03-10 → 发布日期：2025-03-10
        return f"{header.group('label')}：{_inline(header.group('value'))}"
    line = QUOTE_MARK.sub("", line)
    line = LIST_MARK.sub(r"\1", line)
    return _inline(line).rstrip()


def _inline(s: str) -> str:
    s = IMAGE.sub(lambda m: m.group(1), s)
    s = LINK.sub(lambda m: m.group(1), s)
    s = AUTOLINK.sub(lambda m: m.group(1), s)
    s = EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or "", s)
    s = s.replace("`", "")
    s = re.sub(r"\s{2,}$", "", s)  # a hard line break's trailing spaces
    return ESCAPE.sub(r"\1", s)


def _cells(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [_inline(c).strip() for c in re.split(r"(?<!\\)\|", body)]


def _is_table_start(src: list[str], i: int) -> bool:
    return "|" in src[i] and i + 1 < len(src) and bool(TABLE_RULE.match(src[i + 1])) and "-" in src[i + 1]


def _table(src: list[str], i: int) -> tuple[list[list[str]], int]:
    rows = [_cells(src[i])]
    i += 2
    while i < len(src) and "|" in src[i] and src[i].strip():
        rows.append(_cells(src[i]))
        i += 1
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows if any(r)], i



# --- the crawler's metadata header ----------------------------------------------------
def header_fields(text: str) -> dict[str, str]:
    """label → value of the ``label: value`` lines at the top, up to the first rule."""
    out: dict[str, str] = {}
    for n, line in enumerate(text.split("\n")):
        if n >= HEADER_LINES or RULE.match(line) and out:
            break
        m = HEADER_LINE.match(line)
        if m and m.group("value") and m.group("label") not in out:
            out[m.group("label")] = _inline(m.group("value")).strip()
    return out


def header_meta(text: str) -> dict:
    """issuer / issue_date / doc_number / source_url from the header, each only when the
    value has the shape of one (crawlers fill 发布机构 with a phrase of the page now and then)."""
    fields = header_fields(text)
    if not fields:
        return {}
    meta: dict = {"header": fields}
    for label, value in fields.items():
        key = HEADER_FIELDS.get(label)
        if key is None or key in meta:
            continue
        if key == "issuer" and _is_org(value):
            meta[key] = value
        elif key == "issue_date" and DATE.fullmatch(value.strip()):
            meta[key] = _iso_date(value)
        elif key == "doc_number" and DOC_NUMBER.search(value):
            meta[key] = DOC_NUMBER.search(value).group(0)
        elif key == "source_url" and re.match(r"https?://", value):
            meta[key] = value
    return meta


@lru_cache(maxsize=1)
def org_ends() -> tuple[str, ...]:
    """Organisation name endings (人民政府, 委员会, 局 …): the metadata reader's vocabulary."""
    words = json.loads((Path(__file__).parents[1] / "data" / "metadata_words.json").read_text(encoding="utf-8"))
    return tuple(words.get("org_ends", []))


def _is_org(value: str) -> bool:
    """An organisation's name: it ends in an organisation word, and a one-character
    ending (局, 厅, 部) follows a name of at least four characters (加快布局 is a phrase)."""
    value = value.strip()
    if not 2 <= len(value) <= 40 or re.search(r"[，。；、\s]", value):
        return False
    return any(value.endswith(end) and (len(end) >= 2 or len(value) >= 5) for end in org_ends())


def _iso_date(value: str) -> str | None:
    nums = [int(x) for x in re.findall(r"\d+", value)]
    if len(nums) >= 3:
        return f"{nums[0]:04d}-{nums[1]:02d}-{nums[2]:02d}"
    if len(nums) == 2:
        return f"{nums[0]:04d}-{nums[1]:02d}"
    return f"{nums[0]:04d}" if nums else None
