"""Traditional → simplified Chinese, one character at a time.

Phrase-level converters (OpenCC's ``t2s``) may change a text's length; we convert with
OpenCC's *character* table only, so ``to_simplified(s)`` has exactly ``len(s)``
characters and every offset computed on the simplified text stays valid for the
original.  The table ships inside the opencc-python-reimplemented wheel (no download).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 2 or len(parts[0]) != 1:
            continue
        target = parts[1].split(" ")[0]  # first choice when several are listed
        if len(target) == 1 and target != parts[0]:
            table[ord(parts[0])] = target
    return table


@lru_cache(maxsize=1)
def _s2t_table() -> dict[int, str]:
    """Simplified → traditional, character level (used to make test fixtures)."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "STCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and len(parts[0]) == 1:
            target = parts[1].split(" ")[0]
            if len(target) == 1:
                table[ord(parts[0])] = target
    return table


def to_simplified(text: str) -> str:
    """Character-level t2s conversion; the result has the same length as ``text``."""
    return text.translate(_t2s_table())


def to_traditional(text: str) -> str:
    """Character-level s2t conversion (same length); for fixtures and tests."""
    return text.translate(_s2t_table())


def traditional_share(text: str, sample: int = 20000) -> float:
    """Share of CJK characters (in the first ``sample`` characters) that t2s would change."""
    cjk = CJK_RE.findall(text[:sample])
    if not cjk:
        return 0.0
    table = _t2s_table()
    return sum(ord(c) in table for c in cjk) / len(cjk)


def is_traditional(text: str, threshold: float = 0.05) -> bool:
    """True when more than ``threshold`` of the CJK characters are traditional forms."""
    return traditional_share(text) > threshold
