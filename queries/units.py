"""Unit conversion for comparing target values written in different units.

A value is converted to a base unit of its dimension (area → 平方米, money → 元,
ratio → fraction, people → 人, time → 小时) so that 0.4‰ equals 0.04% and 1亿元 equals
10000万元.  Units outside every dimension compare only with themselves.
"""
from __future__ import annotations

import math
from functools import lru_cache

# unit → (dimension, factor to the dimension's base unit)
_FACTORS: dict[str, tuple[str, float]] = {
    "平方米": ("area", 1.0), "平方公里": ("area", 1e6), "公顷": ("area", 1e4), "亩": ("area", 10000 / 15),
    "元": ("money", 1.0), "万元": ("money", 1e4), "亿元": ("money", 1e8),
    "%": ("ratio", 1e-2), "‰": ("ratio", 1e-3), "个百分点": ("ratio", 1e-2),
    "人": ("people", 1.0), "名": ("people", 1.0), "万人": ("people", 1e4),
    "分钟": ("time", 1 / 60), "小时": ("time", 1.0), "天": ("time", 24.0), "周": ("time", 168.0),
    "个月": ("time", 730.0), "年": ("time", 8760.0),
    "米": ("length", 1.0), "公里": ("length", 1000.0),
    "吨": ("mass", 1.0), "万吨": ("mass", 1e4),
    "立方米": ("volume", 1.0), "万立方米": ("volume", 1e4),
}
# Written forms that are not normal forms (the extractor keeps normal forms already).
_SPELLINGS = {"㎡": "平方米", "m²": "平方米", "m2": "平方米", "平米": "平方米", "平方": "平方米",
              "km²": "平方公里", "km2": "平方公里", "千米": "公里", "km": "公里", "日": "天",
              "个小时": "小时", "百分点": "个百分点", "m³": "立方米", "m3": "立方米", "％": "%"}


@lru_cache(maxsize=4096)
def normalise_unit(unit: str | None) -> str:
    """The normal form of a written unit; "" for none (cached: called per row)."""
    if not unit:
        return ""
    unit = unit.strip()
    unit = _SPELLINGS.get(unit, unit)
    from extractors.units import normalise_unit as extractor_normalise  # knows more classifiers

    unit = extractor_normalise(unit) or unit
    return _SPELLINGS.get(unit, unit)


def to_base(value: float | None, unit: str | None) -> tuple[float | None, str]:
    """(value in the base unit, dimension) — dimension is the unit itself when unknown."""
    unit = normalise_unit(unit)
    if value is None:
        return None, unit
    if unit in _FACTORS:
        dim, factor = _FACTORS[unit]
        return value * factor, dim
    return value, unit


def convertible(unit_a: str | None, unit_b: str | None) -> bool:
    return to_base(1.0, unit_a)[1] == to_base(1.0, unit_b)[1]


def convert(value: float, unit_from: str | None, unit_to: str | None) -> float | None:
    """``value`` in ``unit_from`` expressed in ``unit_to``; None across dimensions."""
    if not convertible(unit_from, unit_to):
        return None
    base, _ = to_base(value, unit_from)
    one, _ = to_base(1.0, unit_to)
    return base / one


def same_quantity(a: float | None, unit_a: str | None, b: float | None, unit_b: str | None) -> bool:
    """True when two written quantities are equal.  A bare number (no unit) compares by its
    number with anything, because plans often write rates without their unit."""
    if a is None or b is None:
        return False
    if not normalise_unit(unit_a) or not normalise_unit(unit_b):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if not convertible(unit_a, unit_b):
        return False
    x, _ = to_base(a, unit_a)
    y, _ = to_base(b, unit_b)
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
