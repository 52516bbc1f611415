"""Normalisation that keeps every character traceable to the original.

Each step rewrites ``text`` while carrying ``offsets`` (index into ``raw_text`` of every
character) along, so a span found in normalised text maps back to a verbatim quote.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from corpus.model import Document
from corpus.numbering import HEADING_START

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

    def delete(self, positions: set[int]) -> "Text":
        """Drop the characters at ``positions``; every kept character keeps its origin."""
        if not positions:
            return self
        keep = [i for i in range(len(self.text)) if i not in positions]
        return Text("".join(self.text[i] for i in keep), [self.offsets[i] for i in keep] + [self.offsets[-1]])

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
SPACE_RUN = re.compile(r"[ \t]*\n[ \t]*|[ ]*\t[ ]*|[ ]{2,}")
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
    t = t.sub(SPACE_RUN, lambda m: "\n" if "\n" in m.group(0) else "\t" if "\t" in m.group(0) else " ")
    t = t.sub(SPACE_BETWEEN, "")
    return t.sub(MANY_BLANK, "\n\n")


# CNKI and some OCR exports print every digit apart: "2 0 0 1年", "2 6 %", "6 .5 %",
# "1 9 ∶4 3 ∶3 8".  A run of single digits joined by single spaces (or . ∶ : - with
# optional spaces) is one number.  Multi-digit tokens ("2020 2025") never match.
SPACED_DIGITS = re.compile(r"(?<![\d.])\d(?:(?: ?[.∶:\-] ?| )\d)+(?!\d)")
SPACE_BEFORE_UNIT = re.compile(r"(?<=\d) +(?=[%‰])")
SPACED_STYLE_RUNS = 3  # spaced runs (one of 3+ digits) that show a document is in this style


def _spaced_digits(t: Text) -> Text:
    """Join spaced digits, keeping each digit's own offset.  Only in text written in that
    style (a few runs, one like "2 0 0 1"): elsewhere "1 2" may be two list items.  Runs
    early, before space runs collapse: column-aligned numbers ("1   2") are not joined."""
    runs = [m for m in SPACED_DIGITS.finditer(t.text) if " " in m.group(0)]
    long_runs = sum(1 for m in runs if len(re.findall(r"\d", m.group(0))) >= 3)
    drop: set[int] = set()
    if len(runs) >= SPACED_STYLE_RUNS and long_runs >= 1:
        for m in runs:
            drop.update(m.start() + i for i, ch in enumerate(m.group(0)) if ch == " ")
    drop.update(m.start() + i for m in SPACE_BEFORE_UNIT.finditer(t.text) for i in range(len(m.group(0))))
    return t.delete(drop)


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


SENTENCE_END = "。！？；!?;…"
CLOSERS = "”」』）)》】’"
FULL_SHARE = 0.85  # a paragraph's first line (indent stripped) or one with narrow digits is still "full"


def ends_sentence(line: str) -> bool:
    """Does the line end a sentence or a clause that stands alone?  A closing quote or
    bracket ends one only after sentence punctuation (“…。” ends, “诊断” does not)."""
    line = line.rstrip()
    if not line:
        return True
    last = line[-1]
    if last in CLOSERS:
        return len(line) < 2 or line[-2] in SENTENCE_END or line[-2] in CLOSERS and ends_sentence(line[:-1])
    return last in LINE_END


INDENT = 4  # a paragraph's first line lost a two-character indent


def _joins(line: str, nxt: str, width: int, first: bool = False) -> bool:
    """Is the break after ``line`` (followed by ``nxt``) one the column layout made?
    ``first``: the line opens a paragraph, so it is an indent shorter when full."""
    if not line or not nxt or "\t" in line or "\t" in nxt:
        return False  # table rows keep their lines
    w = display_width(line)
    if w < width * FULL_SHARE - (INDENT if first else 0) or w > width * 1.25 or ends_sentence(line):
        return False  # short: a paragraph/heading ends; far wider than the column: not column text
    return not HEADING_START.match(nxt.lstrip())  # the one numbering grammar: a heading starts its own line


def _join_broken_lines(t: Text) -> Text:
    """Join lines that the page width broke (magazines, PDF columns); also across one
    blank line (a column or page break) when the line before stops mid-sentence."""
    lines = t.text.split("\n")
    width = column_width(lines)
    if width is None:
        return t
    drop: set[int] = set()  # indices of "\n" characters to remove
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    for i, line in enumerate(lines[:-1]):
        nl = starts[i] + len(line)
        first = i == 0 or not lines[i - 1].strip() or ends_sentence(lines[i - 1])
        if _joins(line, lines[i + 1], width, first):
            drop.add(nl)
        elif not lines[i + 1] and i + 2 < len(lines) and not first and _joins(line, lines[i + 2], width) \
                and _cjk_end(line):  # inside a paragraph (not its only line), cut mid-sentence
            drop.update((nl, nl + 1))
    return t.sub(re.compile(r"\n"), lambda m: "" if m.start() in drop else "\n")


def _cjk_end(line: str) -> bool:
    """Across a blank line we join only a line that stops on a CJK character or comma:
    a heading or caption rarely does, a sentence cut by a page break does."""
    return bool(re.search(rf"[{CJK}，、]$", line.rstrip()))


def doubled_runs(line: str) -> list[int] | None:
    """Indices of the second copies when ``line`` is entirely made of doubled runs
    (AABB…: PDFs that fake bold by printing every run twice), else None."""
    n = len(line)
    memo: dict[int, list[int] | None] = {n: []}

    def solve(i: int) -> list[int] | None:
        if i in memo:
            return memo[i]
        memo[i] = None
        for k in range(1, (n - i) // 2 + 1):
            if line[i:i + k] == line[i + k:i + 2 * k]:
                rest = solve(i + 2 * k)
                if rest is not None:
                    memo[i] = list(range(i + k, i + 2 * k)) + rest
                    break
        return memo[i]

    return solve(0) if 6 <= n <= 200 and re.search(f"[{CJK}]", line) else None


def _fake_bold(t: Text) -> Text:
    drop: set[int] = set()
    pos = 0
    for line in t.text.split("\n"):
        dup = doubled_runs(line)
        if dup:
            drop.update(pos + i for i in dup)
        pos += len(line) + 1
    return t.delete(drop)


LONG_LINE = 5000  # characters: no paragraph of a plan is this long; a whole file on one line is
SENTENCE_BREAK = re.compile(r"(?<=[。！？；!?;])(?=[^\n”」』）)》】’])")
CLAUSE_BREAK = re.compile(r"(?<=[，、,])(?=[^\n])")  # for what is still too long: a run of clauses


def _break_long_lines(t: Text) -> Text:
    """Text that lost its line breaks (one line of 500k characters from a crawler or a
    converter) is broken after each sentence end, so that every later step sees lines
    of paragraph size; an inserted break takes the offset of the character after it."""
    if not any(len(line) > LONG_LINE for line in t.text.split("\n")):
        return t
    out: list[str] = []
    offs: list[int] = []
    pos = 0
    for line in t.text.split("\n"):
        if len(line) > LONG_LINE:
            piece = Text(line, t.offsets[pos:pos + len(line) + 1]).sub(SENTENCE_BREAK, "\n")
            if any(len(x) > LONG_LINE for x in piece.text.split("\n")):
                piece = _break_clauses(piece)
            out.append(piece.text)
            offs.extend(piece.offsets[:-1])
        else:
            out.append(line)
            offs.extend(t.offsets[pos:pos + len(line)])
        out.append("\n")
        offs.append(t.offsets[pos + len(line)])
        pos += len(line) + 1
    out.pop()  # the split made one line more than there were "\n"s
    offs.pop()
    offs.append(t.offsets[-1])
    return Text("".join(out), offs)


def _break_clauses(t: Text) -> Text:
    """Break the lines still over LONG_LINE after every LONG_LINE // 10 characters' worth of
    clauses (at a comma), or hard at LONG_LINE when a line has no comma at all."""
    step = LONG_LINE // 10
    starts, pos = set(), 0
    for line in t.text.split("\n"):
        if len(line) > LONG_LINE:
            last = 0
            for m in CLAUSE_BREAK.finditer(line):
                if m.start() - last >= step:
                    starts.add(pos + m.start())
                    last = m.start()
            if not last:
                starts.update(pos + k for k in range(LONG_LINE, len(line), LONG_LINE))
        pos += len(line) + 1
    if not starts:
        return t
    out, offs = [], []
    for i, ch in enumerate(t.text):
        if i in starts:
            out.append("\n")
            offs.append(t.offsets[i])
        out.append(ch)
        offs.append(t.offsets[i])
    offs.append(t.offsets[-1])
    return Text("".join(out), offs)


STEPS: list[Callable[[Text], Text]] = [_fullwidth, _residue, _spaced_digits, _spaces, _break_long_lines, _fake_bold, _join_broken_lines]


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
