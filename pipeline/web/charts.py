"""Charts as server-rendered markup: no JavaScript library, no font download.

A comparison is a list of horizontal bars, one per plan, each a link to its quote; the bar
rows are HTML so labels stay readable on a narrow window (an SVG scaled to 400 px would
shrink its text).  The trend of one region across plan periods is a small inline SVG.
"""
from __future__ import annotations

from html import escape

from queries.compare import CHANGE, format_target
from queries.units import to_base

TREND_W, TREND_H, PAD = 640, 220, 44


def bar_groups(rows: list[dict]) -> list[dict]:
    """Absolute targets and relative changes (下降10%) in separate groups: they share no scale.
    Each bar gets ``pct``, its length relative to the largest value of its group."""
    groups = []
    for name, members in (("目标值", [r for r in rows if r.get("comparator") not in CHANGE]),
                          ("较基期变化幅度", [r for r in rows if r.get("comparator") in CHANGE])):
        if not members:
            continue
        values = [abs(_base(r)) for r in members]
        top = max(values) or 1.0
        units = sorted({r.get("unit") for r in members if r.get("unit")})
        bars = [{**r, "pct": max(1.5, 100.0 * v / top), "label": format_target(r)} for r, v in zip(members, values)]
        groups.append({"name": name, "units": "、".join(units), "bars": bars})
    return groups


def _base(r: dict) -> float:
    value, _ = to_base(r.get("value"), r.get("unit"))
    return value or 0.0


def trend_svg(points: list[dict], link) -> str:
    """A line over plan periods: points are {period, value, label, row}; ``link(row)`` is
    each point's href.  Returns '' with fewer than one point."""
    if not points:
        return ""
    values = [p["value"] for p in points]
    lo, hi = min(values + [0.0]), max(values) or 1.0
    span = (hi - lo) or 1.0
    step = (TREND_W - 2 * PAD) / max(1, len(points) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = PAD + (step * i if len(points) > 1 else (TREND_W - 2 * PAD) / 2)
        return x, TREND_H - PAD - (v - lo) / span * (TREND_H - 2 * PAD)

    coords = [xy(i, p["value"]) for i, p in enumerate(points)]
    parts = [f'<svg class="trend" viewBox="0 0 {TREND_W} {TREND_H}" role="img" aria-label="trend">',
             f'<line class="axis" x1="{PAD}" y1="{TREND_H - PAD}" x2="{TREND_W - PAD}" y2="{TREND_H - PAD}"/>']
    if len(coords) > 1:
        parts.append('<polyline class="line" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
    for (x, y), p in zip(coords, points):
        parts.append(f'<a href="{escape(link(p["row"]))}"><circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="6"/>'
                     f'<text class="val" x="{x:.1f}" y="{y - 12:.1f}" text-anchor="middle">{escape(p["label"])}</text>'
                     f'</a><text class="tick" x="{x:.1f}" y="{TREND_H - PAD + 22}" text-anchor="middle">'
                     f'{escape(p["period"])}</text>')
    parts.append("</svg>")
    return "".join(parts)
