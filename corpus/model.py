"""The one document model every loader produces (Docling's idea, kept small).

Coordinates: a loader fills ``raw_text`` (the text exactly as the file holds it) and
``pages`` (spans of ``raw_text``).  Normalisation then derives ``text`` (what extractors
read) with ``offsets``: ``offsets[i]`` is the index in ``raw_text`` of ``text[i]``, and
``offsets[len(text)]`` is ``len(raw_text)``.  Every fact stored in the database carries
a span of ``raw_text`` so that ``raw_text[char_start:char_end]`` is its verbatim quote.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any


def offset_runs(offsets: list[int]) -> list[int] | None:
    """The offset map as breakpoints ``[t0, r0, t1, r1, ...]``: from text position t_k on,
    ``offsets[i] == r_k + (i - t_k)`` until the next breakpoint.  Normalisation keeps most
    characters in place, so a 45k-character map becomes a few hundred integers.  None for the
    identity map (every character where it was).  (numpy: a Python loop over the map took
    2.7 ms of the writer's ~10 ms per document.)"""
    import numpy as np

    if not len(offsets):
        return None
    o = np.asarray(offsets, dtype=np.int64)
    starts = np.concatenate(([0], np.flatnonzero(np.diff(o) != 1) + 1))
    runs = np.empty(2 * len(starts), dtype=np.int64)
    runs[0::2], runs[1::2] = starts, o[starts]
    out = runs.tolist()
    return None if out == [0, 0] else out


def expand_offsets(runs: list[int] | None, n_text: int, n_raw: int | None = None) -> list[int]:
    """The full offset map (``len(text) + 1`` entries) from ``offset_runs``; None is the
    identity.  ``n_raw`` (len(raw_text)) checks that the map ends where the raw text does."""
    if not runs:
        return list(range(n_text + 1))
    out: list[int] = []
    bounds = list(runs[0::2]) + [n_text + 1]
    for k, raw in enumerate(runs[1::2]):
        out.extend(range(raw, raw + bounds[k + 1] - bounds[k]))
    if len(out) != n_text + 1 or (n_raw is not None and out[-1] != n_raw):
        raise ValueError(f"offset runs do not cover a text of {n_text} characters")
    return out


def stored_offsets(row: dict) -> list[int] | None:
    """The full offset map of a stored ``documents`` row: from its breakpoints
    (``offset_runs``) or, in a database from before them, the stored list; None when the map
    is the identity."""
    if row.get("offset_runs"):
        return expand_offsets(row["offset_runs"], len(row.get("text") or ""))
    return row.get("offsets") or None


def raw_span_of_runs(runs: list[int] | None, start: int, end: int) -> tuple[int, int]:
    """``Document.raw_span`` straight from breakpoints (no expansion): the span of raw text
    that text[start:end] came from."""
    if not runs:
        return start, end
    starts = runs[0::2]

    def at(i: int) -> int:
        k = bisect.bisect_right(starts, i) - 1
        return runs[2 * k + 1] + i - starts[k]

    if end <= start:
        return at(start), at(start)
    return at(start), at(end - 1) + 1


class LoadError(Exception):
    """A file that cannot become a Document; the message names the problem."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class Page:
    number: int  # 1-based
    start: int  # span in raw_text
    end: int
    source: str = "text"  # text (the file's text layer) | pdfminer (its CMaps) | ocr


@dataclass
class Table:
    rows: list[list[str]]
    start: int  # span in raw_text covered by the table's text
    end: int
    page_start: int | None = None
    page_end: int | None = None


@dataclass
class Section:
    id: str  # "s0001" — unique within its document
    level: int  # 1 = top
    number: str  # as written: "第一章", "一、", "（三）", "1.", "专栏1", "表1", "" if unnumbered
    title: str  # heading text without its number
    kind: str  # chapter | section | item | subitem | box | table | heading | preface
    parent: str | None
    start: int  # span in text (normalised coordinates)
    end: int
    page_start: int | None = None
    page_end: int | None = None
    path: str = ""  # ancestors' headings joined by "/"

    @property
    def heading(self) -> str:
        return f"{self.number}{self.title}" if self.number else self.title


@dataclass
class Document:
    doc_id: str  # sha256 of the file's bytes, 16 hex digits
    source_path: str
    file_type: str  # pdf | docx | html | txt
    raw_text: str
    pages: list[Page] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    encoding: str | None = None
    traditional: bool = False  # original was traditional characters; text is simplified
    text: str = ""
    offsets: list[int] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def source_name(self) -> str:
        return self.source_path.replace("\\", "/").rsplit("/", 1)[-1]

    # --- coordinate helpers -------------------------------------------------
    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of ``text`` to the span of ``raw_text`` it came from."""
        offsets = self.offsets
        if not offsets:
            return start, end
        n = len(self.text)  # (clamped by comparisons: this runs once for every fact)
        start = 0 if start < 0 else n if start > n else start
        end = start if end < start else n if end > n else end
        if end == start:
            return offsets[start], offsets[start]
        return offsets[start], offsets[end - 1] + 1

    def quote(self, start: int, end: int) -> str:
        """The verbatim original text behind a span of ``text``."""
        a, b = self.raw_span(start, end)
        return self.raw_text[a:b]

    def page_at_raw(self, raw_pos: int) -> int | None:
        if not self.pages:
            return None
        starts = [p.start for p in self.pages]
        i = bisect.bisect_right(starts, raw_pos) - 1
        return self.pages[max(i, 0)].number

    def page_at(self, pos: int) -> int | None:
        """Page number of a position in ``text``."""
        return self.page_at_raw(self.raw_span(pos, pos + 1)[0])

    def section_at(self, pos: int) -> Section | None:
        """The deepest section containing a position in ``text`` (the last listed of the
        deepest, as a scan in list order finds it)."""
        return self.section_lookup().at(pos)

    def section_lookup(self) -> "SectionLookup":
        """The (cached) lookup behind ``section_at``; rebuilt when the sections change."""
        hit = self.__dict__.get("_section_lookup")
        if hit is None or hit.sections is not self.sections or hit.n != len(self.sections):
            hit = self.__dict__["_section_lookup"] = SectionLookup(self.sections)
        return hit

    def __getstate__(self) -> dict:
        # The lookup is derived: it does not travel with a pickled document.
        return {k: v for k, v in self.__dict__.items() if k != "_section_lookup"}


class SectionLookup:
    """The deepest section at a position, for one list of sections.

    Which sections hold a position changes only at a section's start or end, so the answer
    is the same over each stretch between two consecutive starts or ends: each stretch is
    worked out once, when first asked (a document asks once per record)."""

    def __init__(self, sections: list[Section]):
        self.sections, self.n = sections, len(sections)
        self.bounds = sorted({p for s in sections for p in (s.start, s.end)})
        # (start, end, level, list index) of every section, by start.
        self._extents = sorted((s.start, s.end, s.level, i) for i, s in enumerate(sections))
        self._extent_starts = [e[0] for e in self._extents]
        self._found: dict[int, Section | None] = {}
        # The last stretch answered, [lo, hi) and its section: the facts of a document are
        # found in text order, so most look-ups fall in the stretch of the one before.
        self._lo, self._hi, self._last = 0, -1, None

    def stretch(self, pos: int) -> int:
        """Which stretch between bounds ``pos`` falls in (-1 before the first)."""
        return bisect.bisect_right(self.bounds, pos) - 1

    def at(self, pos: int) -> Section | None:
        if self._lo <= pos < self._hi:
            return self._last
        bounds = self.bounds
        k = bisect.bisect_right(bounds, pos) - 1
        if k < 0:
            return None  # before every section starts
        found = self._found.get(k, self)
        if found is self:
            found = self._found[k] = self._deepest(bounds[k])
        self._lo, self._hi, self._last = bounds[k], bounds[k + 1] if k + 1 < len(bounds) else math.inf, found
        return found

    def _deepest(self, pos: int) -> Section | None:
        """Of the sections holding ``pos``, the deepest, and of those the last listed."""
        held = [(level, i) for _, end, level, i in self._extents[:bisect.bisect_right(self._extent_starts, pos)]
                if pos < end]
        return self.sections[max(held)[1]] if held else None
