"""Whole-text regex scans led by literal text.

Python's regex engine scans a text quickly only for a pattern that opens with one fixed
string; a pattern that opens with an alternation (单位|部门|…) or a character class tries
every position in turn, about ten times slower, and the extractors run several such scans
over every document.  :class:`LiteralLed` stands in for such a compiled pattern: when every
match starts with one of a few fixed strings (read from the pattern itself), it finds those
with ``str.find`` and tries the pattern only there; :class:`SuffixLed` does the same for a
pattern that ends in fixed text a fixed width after its start (a year, then 年).  Their
matches are the pattern's own, the same ones in the same order; a pattern without such
text is scanned as before.
"""
from __future__ import annotations

import re
from typing import Iterator

def literal_prefixes(pattern: str, flags: int = 0) -> list[str] | None:
    """Fixed strings one of which every match of ``pattern`` starts with, or None when
    that cannot be told (a class of ranges, an optional start, flags)."""
    try:
        from re import _constants as sre, _parser as parser  # the stdlib's own regex parser

        parsed = parser.parse(pattern, flags)
        if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
            return None
        return _prefixes(list(parsed), sre)
    except Exception:  # a private API: without it the plain scan is as correct
        return None


def _prefixes(items: list, sre) -> list[str] | None:
    lead = ""
    for op, av in items:
        if op is sre.LITERAL:
            lead += chr(av)
            continue
        if lead:
            return [lead]
        if op is sre.IN and all(o is sre.LITERAL for o, _ in av):
            return [chr(a) for _, a in av]
        if op is sre.SUBPATTERN and not av[1] and not av[2]:  # (?:…) or (…) without flags
            return _prefixes(list(av[3]), sre)
        if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
            continue  # a lookaround or ^ reads no character: the next item starts the match
        if op is sre.BRANCH:
            out = []
            for branch in av[1]:
                got = _prefixes(list(branch), sre)
                if not got:
                    return None
                out += got
            return out
        return None
    return [lead] if lead else None


def find_all(text: str, needle: str, pos: int = 0, endpos: int | None = None) -> list[int]:
    """Every index of ``needle`` in ``text[pos:endpos]`` (found by ``str.find``, in C)."""
    if endpos is None:
        endpos = len(text)
    out, find = [], text.find
    i = find(needle, pos, endpos)
    while i >= 0:
        out.append(i)
        i = find(needle, i + 1, endpos)
    return out


class LiteralLed:
    """A compiled pattern's ``finditer`` and ``search``, tried only where one of its
    literal prefixes stands (``prefixes`` given, or read from the pattern)."""

    def __init__(self, regex: re.Pattern, prefixes: list[str] | None = None):
        self.regex = regex
        self.pattern, self.flags = regex.pattern, regex.flags
        self.prefixes = prefixes if prefixes is not None else literal_prefixes(regex.pattern, regex.flags)
        self.firsts = sorted({p[0] for p in self.prefixes}) if self.prefixes else []

    def _starts(self, text: str, pos: int, endpos: int) -> list[int]:
        # Only the prefixes' first characters are looked for: ``str.find`` is several times
        # quicker for one character than for two, and the pattern checks the rest.
        if len(self.firsts) == 1:
            return find_all(text, self.firsts[0], pos, endpos)
        return sorted(i for c in self.firsts for i in find_all(text, c, pos, endpos))

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match]:
        """``regex.finditer(text, pos, endpos)``: leftmost matches that do not overlap."""
        endpos = len(text) if endpos is None else min(endpos, len(text))
        if not self.prefixes:
            yield from self.regex.finditer(text, pos, endpos)
            return
        match, after = self.regex.match, pos
        for s in self._starts(text, pos, endpos):
            if s < after:
                continue  # inside the last match
            m = match(text, s, endpos)
            if m:
                yield m
                after = max(m.end(), s + 1)

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match | None:
        """``regex.search(text, pos, endpos)``: the prefixes are looked up one place at a
        time, so a match near the start ends the scan there."""
        endpos = len(text) if endpos is None else min(endpos, len(text))
        if not self.prefixes:
            return self.regex.search(text, pos, endpos)
        find, match = text.find, self.regex.match
        at = {c: find(c, pos, endpos) for c in self.firsts}
        while True:
            live = [i for i in at.values() if i >= 0]
            if not live:
                return None
            s = min(live)
            m = match(text, s, endpos)
            if m:
                return m
            for p, i in at.items():
                if i == s:
                    at[p] = find(p, s + 1, endpos)


class SuffixLed:
    """``regex.finditer`` for a pattern whose every match is ``width`` characters, blanks,
    then the fixed string ``suffix`` (a four-digit year then 年): the suffix is looked for
    with ``str.find`` and the pattern tried once before each, where its match must start."""

    def __init__(self, regex: re.Pattern, suffix: str, width: int):
        self.regex, self.suffix, self.width = regex, suffix, width
        self.pattern, self.flags = regex.pattern, regex.flags

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match]:
        endpos = len(text) if endpos is None else min(endpos, len(text))
        match, after = self.regex.match, pos
        for i in find_all(text, self.suffix, pos, endpos):
            while i > pos and text[i - 1].isspace():
                i -= 1
            s = i - self.width
            if s < after:
                continue  # before the scan's start or inside the last match
            m = match(text, s, endpos)
            if m:
                yield m
                after = max(m.end(), s + 1)


class ClassLed:
    """``[(m.start(), m.groups()) for m in regex.finditer(text)]`` for a pattern that never
    matches empty and whose every match but one at the text's start (where a ``^``
    alternative may open with any character) starts with one of ``chars`` (a class body).

    A pattern opened by an alternation of groups or a lookahead gets no fast loop from the
    regex engine: every position of the text enters the matcher.  Here the scan is the
    class, which the engine looks for in its fast loop, with the pattern matched as a group
    in a lookahead where the class matched; a match inside the last one is passed over, as
    the pattern's own scan never sees it."""

    def __init__(self, regex: re.Pattern, chars: str):
        self.regex = regex
        self.pattern, self.flags = regex.pattern, regex.flags
        self.scan = re.compile(f"[{chars}](?<=(?=({regex.pattern})).)", regex.flags)

    def finditer(self, text: str) -> list[tuple[int, tuple]]:
        out, end = [], 0
        m = self.regex.match(text)
        if m:
            out.append((0, m.groups()))
            end = m.end()
        for c in self.scan.finditer(text, end):
            start = c.start()
            if start < end:
                continue  # inside the last match
            out.append((start, c.groups()[1:]))
            end = c.end(1)
        return out
