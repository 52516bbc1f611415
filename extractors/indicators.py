"""Canonical emergency-management indicators: one name for the many ways plans write one.

The catalogue is a data file (``data/indicators.csv``: canonical, direction, unit, domain,
aliases separated by ``|``).  ``canonicalize`` matches an indicator as written, after
normalisation (年均/全市/单位… stripped, 国内/地区生产总值 → GDP, 10万 → 十万), first
exactly against the aliases, then by character-bigram similarity above a threshold.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "indicators.csv"
THRESHOLD = 0.6  # below this bigram similarity an indicator stays uncatalogued


@dataclass(frozen=True)
class Indicator:
    canonical: str
    direction: str  # lower_is_better | higher_is_better
    unit: str
    domain: str
    aliases: tuple[str, ...]


_GDP = re.compile(r"(?:国内|地区|全市|全区|全县|全省|本市|本区)?生产总值(?:[(（]GDP[)）])?|GDP")
# Words that scope or qualify an indicator without changing what it measures.
_NOISE = re.compile(r"年均|年度|每年|全市|全区|全县|全省|全镇|本市|本区|各类|各级|单位|亿元|累计|平均|[的之每]|控制|"
                    r"\s|[“”\"'、，,（）()]")
_NUMERALS = [("100万", "百万"), ("10万", "十万"), ("1万", "万")]


def normalise(name: str) -> str:
    """The comparable core of an indicator name."""
    s = name.upper().strip()
    s = _GDP.sub("GDP", s)
    for a, b in _NUMERALS:
        s = s.replace(a, b)
    return _NOISE.sub("", s)


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)} if len(s) > 1 else {s}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams of two normalised names."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ga, gb = _bigrams(a), _bigrams(b)
    return 2 * len(ga & gb) / (len(ga) + len(gb))


@lru_cache(maxsize=1)
def all_indicators() -> tuple[Indicator, ...]:
    with DATA.open(encoding="utf-8") as f:
        return tuple(
            Indicator(r["canonical"], r["direction"], r["unit"], r["domain"],
                      tuple(a for a in r["aliases"].split("|") if a))
            for r in csv.DictReader(f)
        )


@dataclass(frozen=True)
class AliasIndex:
    """The catalogue prepared for matching: exact names, bigram sets and an inverted index
    bigram → aliases, so a name is compared only with aliases it shares a bigram with."""

    exact: dict[str, str]  # normalised alias → canonical
    aliases: tuple[tuple[str, str, frozenset], ...]  # (normalised alias, canonical, bigrams)
    by_bigram: dict[str, tuple[int, ...]]


@lru_cache(maxsize=1)
def _alias_index() -> AliasIndex:
    exact: dict[str, str] = {}
    aliases: list[tuple[str, str, frozenset]] = []
    by_bigram: dict[str, list[int]] = {}
    for ind in all_indicators():
        for name in (ind.canonical, *ind.aliases):
            key = normalise(name)
            exact.setdefault(key, ind.canonical)
            grams = frozenset(_bigrams(key))
            for g in grams:
                by_bigram.setdefault(g, []).append(len(aliases))
            aliases.append((key, ind.canonical, grams))
    return AliasIndex(exact, tuple(aliases), {g: tuple(v) for g, v in by_bigram.items()})


@lru_cache(maxsize=8192)
def canonicalize(indicator: str | None) -> tuple[str | None, float]:
    """(canonical name, score in 0..1) of an indicator as written; (None, best score) when
    nothing in the catalogue is similar enough."""
    if not indicator:
        return None, 0.0
    key = normalise(indicator)
    index = _alias_index()
    if key in index.exact:
        return index.exact[key], 1.0
    grams = _bigrams(key)
    candidates = {i for g in grams for i in index.by_bigram.get(g, ())}
    best, best_score = None, 0.0
    for i in sorted(candidates):  # catalogue order breaks ties, as before
        alias, canonical, agrams = index.aliases[i]
        score = 2 * len(grams & agrams) / (len(grams) + len(agrams)) if key and alias else 0.0
        # A written name that ends with a whole catalogue name is that indicator, qualified
        # ("市级…仓储面积", "城市常住人口人均应急避难场所面积").
        if len(alias) >= 4 and key.endswith(alias):
            score = max(score, 0.9)
        if score > best_score:
            best, best_score = canonical, score
    return (best, round(best_score, 3)) if best_score >= THRESHOLD else (None, round(best_score, 3))


_LOWER_WORDS = re.compile(r"死亡|受害率|损失|起数|伤亡|发生率|受灾|时间|时长|事故")


def direction(name: str | None) -> str | None:
    """lower_is_better / higher_is_better for a canonical (or any written) indicator."""
    if not name:
        return None
    for ind in all_indicators():
        if ind.canonical == name:
            return ind.direction
    canonical, _ = canonicalize(name)
    if canonical:
        return direction(canonical)
    return "lower_is_better" if _LOWER_WORDS.search(name) else "higher_is_better"
