"""Numbers as Chinese plans write them: 0.01, 1,100, 4万, 1.5亿, 三十, 两, 二〇二五, 百分之九十.

``NUMBER`` is the regex of one written number; ``parse_number`` turns its text into a float.
Chinese numerals are parsed here (a few lines) rather than with cn2an, whose bare call raises
on words like 十四五 and whose import is slow; the running-text cases we need are covered.
"""
from __future__ import annotations

import re

CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG = {"万": 10_000, "亿": 100_000_000}
CN_CHARS = "".join(CN_DIGITS) + "".join(CN_UNITS)

ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
CHINESE = rf"[{CN_CHARS}]+"
# A number, optionally scaled by 万/亿/千万 (4万, 1.5亿, 三十万).  百分之X is a percentage.
# 万兆 (10000 Mbps) is the one place a bare 万 is a number.
NUMBER = rf"(?:百分之|千分之)?(?:{ARABIC}|{CHINESE}|万(?=兆))(?:(?:万亿|千万|百万|万|亿)(?![元兆]))?"
NUMBER_RE = re.compile(NUMBER)
HAS_NUMBER = re.compile(rf"\d|[{CN_CHARS}]")


def parse_chinese_integer(s: str) -> float | None:
    """三十 → 30, 两 → 2, 一百零五 → 105, 二〇二五 → 2025 (digit by digit), 十二万 → 120000."""
    if not s:
        return None
    if all(c in CN_DIGITS for c in s):  # 二〇二五: read digit by digit
        return float(int("".join(str(CN_DIGITS[c]) for c in s)))
    total, section, digit = 0, 0, None
    for c in s:
        if c in CN_DIGITS:
            digit = CN_DIGITS[c]
        elif c in CN_UNITS:
            section += (1 if digit is None else digit) * CN_UNITS[c]
            digit = None
        elif c in CN_BIG:
            section += digit or 0
            total += (section or 1) * CN_BIG[c]
            section, digit = 0, None
        else:
            return None
    return float(total + section + (digit or 0))


def parse_number(text: str) -> tuple[float, str] | None:
    """Value of a written number and the unit its words imply ("%" for 百分之, "‰" for 千分之).

    >>> parse_number("4万")
    (40000.0, '')
    >>> parse_number("百分之九十")
    (90.0, '%')
    """
    s = text.strip().replace(",", "")
    percent = ""
    for prefix, unit in (("百分之", "%"), ("千分之", "‰")):
        if s.startswith(prefix):
            s, percent = s[len(prefix):], unit
    scale = 1.0
    for suffix, mult in (("万亿", 1e12), ("千万", 1e7), ("百万", 1e6), ("万", 1e4), ("亿", 1e8)):
        if s.endswith(suffix) and len(s) > len(suffix):
            s, scale = s[: -len(suffix)], mult
            break
    try:
        value = float(s)
    except ValueError:
        value = parse_chinese_integer(s)
        if value is None:
            return None
    return value * scale, percent


def is_chinese_numeral(text: str) -> bool:
    return bool(text) and not any(c.isdigit() for c in text)
