"""Government department names: abbreviations → full names.

Plans name departments by their everyday abbreviations (市应急局, 区住建局, 市委网信办).
``canonical`` rewrites the department part from a data table of common abbreviations
(``data/departments.csv``: abbr,full) and keeps whatever stands before it — the admin
prefix (市/区/县/省, 市委) or a place name — so ``市应急局`` → ``市应急管理局`` and
``义乌市应急局`` → ``义乌市应急管理局``.  Matching is by the longest abbreviation that ends
the name, which works whatever the prefix is.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "departments.csv"
# Separators and brackets that never belong to a name.
_STRIP = " \t\u3000:：,，;；。、"
# What may stand before a two-character abbreviation (水局, 发改): nothing, or a place
# ending in an admin suffix — so 市水局 matches but 市供水局 does not.
_ADMIN_PREFIX = re.compile(r"^(?:\S{0,10}?[省市区县州旗盟镇乡](?:委)?)?$")


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, str]:
    with DATA.open(encoding="utf-8") as f:
        return {row["abbr"].strip(): row["full"].strip() for row in csv.DictReader(f) if row["abbr"].strip()}


@lru_cache(maxsize=1)
def _by_length() -> list[tuple[str, str]]:
    return sorted(abbreviations().items(), key=lambda kv: -len(kv[0]))


@lru_cache(maxsize=1)
def _by_last_char() -> dict[str, list[tuple[str, str]]]:
    """``_by_length`` split by the abbreviation's last character: a name can only end with
    the ones sharing its own last character (same order, so the same one is found first)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for abbr, full in _by_length():
        out.setdefault(abbr[-1], []).append((abbr, full))
    return out


@lru_cache(maxsize=4096)
def canonical(name: str, region: str | None = None) -> str:
    """The full name of a department written ``name`` (abbreviated or not).

    ``region`` (e.g. "义乌市") is accepted so callers can pass the document's region; a
    name that spells the region out keeps it, one that writes only 市/区 keeps that."""
    name = re.sub(r"\s+", "", name or "").strip(_STRIP)
    if not name:
        return name
    prefix, core = name, ""
    for abbr, full in _by_last_char().get(name[-1], ()):
        if name.endswith(abbr) and (len(abbr) > 2 or _ADMIN_PREFIX.match(name[: -len(abbr)])):
            prefix, core = name[: -len(abbr)], full
            break
    else:
        return name
    return prefix + core[_overlap(prefix, core):]


def _overlap(prefix: str, full: str) -> int:
    """Length of the longest head of ``full`` that ``prefix`` already ends with
    (市委 + 委网络…办公室, 市公安局 + 公安局交通警察支队): written once, not twice."""
    for k in range(min(len(prefix), len(full)), 0, -1):
        if prefix.endswith(full[:k]) and not (k == 1 and full[0] in "省市区县州"):  # 市+市场监管局
            return k
    return 0


def same_department(a: str, b: str, region: str | None = None) -> bool:
    """Do two written names denote the same department?  Inside a document of
    ``region`` (义乌市) the region spelled out and its bare admin word are one:
    义乌市应急管理局 ≈ 市应急局."""
    return _local(canonical(a, region), region) == _local(canonical(b, region), region)


def _local(name: str, region: str | None) -> str:
    """``义乌市应急管理局`` → ``市应急管理局`` in a 义乌市 document."""
    if region and len(region) > 1 and name.startswith(region):
        return region[-1] + name[len(region):]
    return name
