"""Normalisation that keeps every character traceable to the original.

Each step rewrites ``text`` while carrying ``offsets`` (index into ``raw_text`` of every
character) along, so a span found in normalised text maps back to a verbatim quote.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from corpus.model import Document

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = "，。；：、！？“”‘’（）《》【】〔〕…—·「」『』"
# A line ending in one of these ends a sentence or a clause that stands alone.
LINE_END = "。！？；：:;!?”」』）)》】…"

_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULLWIDTH.update({"％": "%", "＋": "+", "－": "-", "＜": "<", "＞": ">", "＝": "=", "／": "/",
                   "\u00a0": " ", "\u3000": " ", "\u2002": " ", "\u2003": " ", "\u200b": "",
                   "\ufeff": "", "\r": "\n", "\t": "\t"})
_FULLWIDTH.pop("\t")


class Text:
    """A string with, for every character, its position in the original."""

    def __init__(self, text: str, offsets: list[int]):
        self.text = text
        self.offsets = offsets  # len(text) + 1 entries

    @classmethod
    def of(cls, raw: str) -> "Text":
        return cls(raw, list(range(len(raw) + 1)))

    def sub(self, pattern: re.Pattern, repl: str | Callable[[re.Match], str]) -> "Text":
        """re.sub that keeps offsets: a kept character keeps its origin; inserted ones
        take the origin of the match start."""
        out: list[str] = []
        offs: list[int] = []
        pos = 0
        t, o = self.text, self.offsets
        for m in pattern.finditer(t):
            a, b = m.span()
            out.append(t[pos:a])
            offs.extend(o[pos:a])
            r = repl(m) if callable(repl) else m.expand(repl)
            matched = m.group(0)
            if len(r) == len(matched):
                offs.extend(o[a:b])
            elif r and matched.startswith(r):
                offs.extend(o[a:a + len(r)])
            elif r and matched.endswith(r):
                offs.extend(o[b - len(r):b])
            else:
                offs.extend([o[a]] * len(r))
            out.append(r)
            pos = b
        out.append(t[pos:])
        offs.extend(o[pos:])  # includes the final sentinel
        return Text("".join(out), offs)

    def translate(self, table: dict[str, str]) -> "Text":
        """Character-for-character replacement (deletions allowed)."""
        out: list[str] = []
        offs: list[int] = []
        for ch, off in zip(self.text, self.offsets):
            r = table.get(ch, ch)
            if r:
                out.append(r)
                offs.append(off)
        offs.append(self.offsets[-1])
        return Text("".join(out), offs)


# --- the steps, in order ----------------------------------------------------------
RESIDUE = re.compile(
    r"\[bookmark:[^\]]*\]"  # python-docx/pandoc bookmark anchors
    r"|</?(?:ol|ul|li|p|span|div|br|strong|b|i|em|font|table|tr|td|th|tbody)\b[^>\n]*>"  # stray HTML
    r"|\(cid:\d+\)"
)
SPACE_RUN = re.compile(r"[ \t]*\n[ \t]*|[ ]{2,}")
# Spaces that PDF/office converters put between CJK and digits/Latin, or between CJK.
SPACE_BETWEEN = re.compile(rf"(?<=[{CJK}{CJK_PUNCT}\w%.]) +(?=[{CJK}{CJK_PUNCT}])|(?<=[{CJK}{CJK_PUNCT}]) +(?=[\w%<>.])")
DIGIT_DOT = re.compile(r"(?<=\d)[．](?=\d)")
MANY_BLANK = re.compile(r"\n{3,}")


def _fullwidth(t: Text) -> Text:
    t = t.sub(re.compile(r"\r\n"), "\n")
    t = t.sub(DIGIT_DOT, ".")
    return t.translate(_FULLWIDTH)


def _residue(t: Text) -> Text:
    return t.sub(RESIDUE, "")


def _spaces(t: Text) -> Text:
    t = t.sub(SPACE_RUN, lambda m: "\n" if "\n" in m.group(0) else " ")
    t = t.sub(SPACE_BETWEEN, "")
    return t.sub(MANY_BLANK, "\n\n")


HEADING_START = re.compile(
    r"^(?:第[一二三四五六七八九十百零\d]+[章节篇部分]|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]"
    r"|\d+[.．、]|[①-⑳]|专栏|表\s*\d|附件|附表)"
)


def display_width(line: str) -> int:
    """Width in half-width cells: CJK characters and full-width punctuation count 2."""
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in line)


def column_width(lines: list[str]) -> int | None:
    """The fixed line width of text broken into columns (magazines, PDF columns), or None.

    A column-broken text has many lines of (nearly) the same length; prose with one
    paragraph per line does not."""
    lengths = [display_width(x) for x in lines if len(x) >= 8]
    if len(lengths) < 20:
        return None
    width, n = Counter(lengths).most_common(1)[0]
    near = sum(1 for x in lengths if abs(x - width) <= 2)
    return width if near / len(lengths) >= 0.35 and width <= 120 else None


def _join_broken_lines(t: Text) -> Text:
    lines = t.text.split("\n")
    width = column_width(lines)
    if width is None:
        return t
    keep_break: set[int] = set()  # indices of "\n" characters to keep
    pos = 0
    for i, line in enumerate(lines[:-1]):
        nl = pos + len(line)
        nxt = lines[i + 1]
        full = display_width(line) >= width - 4
        joins = full and line and line[-1] not in LINE_END and nxt and not HEADING_START.match(nxt)
        if not joins:
            keep_break.add(nl)
        pos = nl + 1
    return t.sub(re.compile(r"\n"), lambda m: "\n" if m.start() in keep_break else "")


STEPS: list[Callable[[Text], Text]] = [_fullwidth, _residue, _spaces, _join_broken_lines]


def normalise_text(raw: str) -> Text:
    t = Text.of(raw)
    for step in STEPS:
        t = step(t)
    return t


def normalise(doc: Document) -> Document:
    """Fill ``doc.text``/``doc.offsets`` from ``doc.raw_text`` (converting traditional
    characters to simplified first when the loader flagged the document)."""
    source = doc.raw_text
    t = normalise_text(source)
    if doc.traditional:
        from corpus.chinese import to_simplified

        t = Text(to_simplified(t.text), t.offsets)
    doc.text, doc.offsets = t.text, t.offsets
    return doc
