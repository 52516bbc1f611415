"""Tables written one row per line of a plain-text plan: ``| a | b |``, tab or wide-space cells.

Shared by the extractors that read tables (targets, projects).  Rows are read from
``raw_text`` because normalisation may close the gaps between cells; cell positions are
mapped back to ``text``.  What counts as a header and how ragged a row may be differ per
extractor, so they come in as parameters.
"""
from __future__ import annotations

import bisect
import re
from typing import Callable, NamedTuple

from corpus.model import Document

Cell = tuple[str, int]  # text of a cell, its start (in the line, or in document.text)

PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
CELL_SPLIT = re.compile(r"\t+|[ \u3000\u00a0]{2,}|\u3000")
TAB_SPLIT = re.compile(r" *\t *")  # one cell per tab: empty cells keep their place
# What PIPE_ROW, CELL_SPLIT or TAB_SPLIT split on: a pipe, a tab, an ideographic space, two
# spaces (found as the first of the two).  One character class leads (the lookarounds then
# tell a space from the first of two): the regex engine skips other characters at once,
# three times quicker than the alternation [\t\u3000|]|[ \u00a0](?=[ \u00a0]).
SEPARATOR_START = re.compile(r"[\t\u3000| \u00a0](?:(?<=[\t\u3000|])|(?=[ \u00a0]))")
RULE_ROW = re.compile(r"^[\s|:：\-—–=+]+$")  # |---|---| under a markdown header


class LineTable(NamedTuple):
    header: list[str]
    rows: list[list[Cell]]  # cells with their start in document.text
    caption: str | None  # the nearest non-blank original line among the 3 above the header
    start: int  # the header line's start in document.text
    end: int  # end of the last cell in document.text


def to_text(document: Document, raw_pos: int) -> int:
    """A raw_text position mapped to document.text."""
    return bisect.bisect_left(document.offsets, raw_pos) if document.offsets else raw_pos


def row_cells(line: str, tab_cells: bool = False) -> list[Cell]:
    """Cells of a one-line table row with their start in ``line``; [] when not a row.

    Pipe rows keep every cell.  Otherwise cells are split on tabs or wide gaps and a row
    needs 3 cells; with ``tab_cells`` a line holding a tab is split on single tabs only
    (empty cells keep their place) and 2 cells suffice."""
    if PIPE_ROW.match(line):
        cells, at = [], line.index("|") + 1
        for part in line[at:line.rindex("|")].split("|"):
            cells.append((part.strip(), at + len(part) - len(part.lstrip())))
            at += len(part) + 1
        return cells
    body = line.strip()
    tabbed = tab_cells and "\t" in body
    cells, at = [], len(line) - len(line.lstrip())
    for part in (TAB_SPLIT if tabbed else CELL_SPLIT).split(body):
        at = line.index(part, at) if part else at
        cells.append((part, at))
        at += len(part)
    return cells if len(cells) >= 3 or (tabbed and len(cells) == 2) else []


def same_width(n_cells: int, n_header: int) -> bool:
    """The default row test: as many cells as the header."""
    return n_cells == n_header


_ROWS: dict[int, tuple[str, list[Cell], list[int], list[int]]] = {}


def raw_rows(document: Document) -> tuple[list[Cell], list[int]]:
    """The lines of ``raw_text`` (text, start) and where the lines that may be table rows
    hold a separator (between their first and last non-blank characters: any other line is
    one cell).  Worked out once per document: targets and projects both read its tables."""
    return _raw_rows(document)[:2]


def _raw_rows(document: Document) -> tuple[list[Cell], list[int], list[int]]:
    """``raw_rows`` and the lines' starts (for bisecting)."""
    raw = document.raw_text
    hit = _ROWS.get(id(document))
    if hit is not None and hit[0] is raw:
        return hit[1], hit[2], hit[3]
    hints, line_end = [], -1
    for m in SEPARATOR_START.finditer(raw):
        pos = m.start()
        if pos < line_end:
            continue  # this line is in already
        a = raw.rfind("\n", 0, pos) + 1
        b = raw.find("\n", pos)
        b = len(raw) if b < 0 else b
        width = 2 if raw[pos] in " \u00a0" else 1
        if raw[pos] == "|" or (raw[a:pos].strip() and raw[pos + width:b].strip()):
            hints.append(pos)
            line_end = b
    lines, at = [], 0
    if hints:
        for line in raw.split("\n"):
            lines.append((line, at))
            at += len(line) + 1
    starts = [at for _, at in lines]
    if len(_ROWS) > 16:
        _ROWS.clear()
    _ROWS[id(document)] = (raw, lines, hints, starts)
    return lines, hints, starts


def line_tables(document: Document, is_header: Callable[[list[str]], bool],
                fits: Callable[[int, int], bool] = same_width, tab_cells: bool = False) -> list[LineTable]:
    """Every header line ``is_header`` accepts, with the rows below it that ``fits``
    (cell count, header width); markdown rule rows are skipped, the first misfit ends the table."""
    lines, hints, starts = _raw_rows(document)
    if not hints:
        return []
    found, i = [], 0
    for hint in hints:
        if bisect.bisect_right(starts, hint) - 1 < i:
            continue  # a line already read (a header's or a row's)
        i = bisect.bisect_right(starts, hint) - 1
        header = [c for c, _ in row_cells(lines[i][0], tab_cells)]
        if not is_header(header):
            i += 1
            continue
        rows, k = [], i + 1
        while k < len(lines):
            line, at = lines[k]
            if RULE_ROW.match(line) and line.strip():
                k += 1
                continue
            cells = row_cells(line, tab_cells)
            if not fits(len(cells), len(header)):
                break
            rows.append([(c, to_text(document, at + off)) for c, off in cells])
            k += 1
        if rows:
            caption = next((t.strip() for t, _ in reversed(lines[max(0, i - 3):i]) if t.strip()), None)
            last = rows[-1][-1]
            found.append(LineTable(header, rows, caption, to_text(document, lines[i][1]), last[1] + len(last[0])))
        i = max(k, i + 1)
    return found
