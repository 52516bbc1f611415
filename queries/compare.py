"""Compare one indicator across regions: one row per region and plan, most ambitious first.

When a plan states the indicator for several years, the compared year is the one asked
for, else the year most plans state (so 2025 caps are not ranked against 2030 caps).
Ambition follows the indicator's direction: for lower_is_better a smaller cap ranks first,
for higher_is_better a larger floor; relative changes (下降10%) rank after absolute values.
"""
from __future__ import annotations

from collections import Counter

from queries.targets import direction_of, query_targets
from queries.units import to_base

CHANGE = {"decrease_by", "increase_by"}
SYMBOL = {"<=": "≤", "<": "<", ">=": "≥", ">": ">", "=": "=", "decrease_by": "下降", "increase_by": "提高",
          "range": "范围"}
COMPARE_COLUMNS = ("region", "admin_level", "source_file", "doc_id", "indicator", "canonical_indicator", "value",
                   "value_max", "unit", "comparator", "year", "attribute", "quote", "page", "section_path",
                   "char_start", "char_end")


def _compared_year(rows: list[dict], year: int | None) -> int | None:
    if year is not None:
        return year
    stated = {(r["doc_id"], r["year"]) for r in rows if r["year"] is not None}
    years = Counter(y for _, y in stated)  # how many plans state each year
    if not years:
        return None
    best = max(years.values())
    return max(y for y, n in years.items() if n == best)  # ties: the later horizon


def _one_per_plan(rows: list[dict], year: int | None) -> list[dict]:
    """The row each plan states for the compared year (else its first statement)."""
    by_doc: dict[str, list[dict]] = {}
    for r in rows:
        by_doc.setdefault(r["doc_id"], []).append(r)
    picked = []
    for doc_rows in by_doc.values():
        same_year = [r for r in doc_rows if r["year"] == year]
        picked.append((same_year or doc_rows)[0])
    return picked


def ambition_key(direction: str | None):
    """Sort key: absolute values before changes; within each, most ambitious first."""
    def key(r: dict):
        base, _ = to_base(r["value"], r["unit"])
        base = 0.0 if base is None else base
        if r["comparator"] in CHANGE:
            # a bigger decrease (or increase) is more ambitious
            return (1, -base)
        if direction == "lower_is_better":
            return (0, base)
        if direction == "higher_is_better":
            return (0, -base)
        return (0, 0.0)
    return key


def compare(con, indicator: str, year: int | None = None, admin_level: str | None = None,
            region=None, county_level: bool = False) -> list[dict]:
    """One row per region and plan for ``indicator`` (matched as a concept), with value,
    comparator, unit, year, attribute and its citation; ordered by ambition when the
    indicator's direction is known, else by region."""
    rows = query_targets(con, indicator=indicator, year=year, admin_level=admin_level, region=region,
                         county_level=county_level)
    if not rows:
        return []
    picked = _one_per_plan(rows, _compared_year(rows, year))
    canonical = next((r["canonical_indicator"] for r in picked if r.get("canonical_indicator")), None)
    direction = direction_of(canonical or indicator)
    picked.sort(key=lambda r: r["region"] or "")
    picked.sort(key=ambition_key(direction))
    out = []
    for rank, r in enumerate(picked, 1):
        row = {c: r.get(c) for c in COMPARE_COLUMNS}
        row.update(rank=rank, direction=direction, target=format_target(r))
        out.append(row)
    return out


def format_number(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:g}" if abs(v) < 1e6 else f"{v:,.0f}"


def format_target(r: dict) -> str:
    """≤0.01, 下降10%, ≥2.5平方米, 15–25人."""
    unit = r.get("unit") or ""
    if r.get("comparator") == "range":
        return f"{format_number(r['value'])}–{format_number(r.get('value_max'))}{unit}"
    return f"{SYMBOL.get(r.get('comparator') or '', '')}{format_number(r.get('value'))}{unit}"


# --- chart -------------------------------------------------------------------------------
CJK_FONT_FILES = ("wqy-zenhei.ttc", "wqy-microhei.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf",
                  "NotoSansSC-Regular.otf", "NotoSerifCJK-Regular.ttc", "SourceHanSansSC-Regular.otf",
                  "DroidSansFallbackFull.ttf", "simhei.ttf", "msyh.ttc")


def cjk_font():
    """A FontProperties for a CJK font installed on this machine, or None."""
    from pathlib import Path

    from matplotlib import font_manager

    for path in font_manager.findSystemFonts():
        if Path(path).name in CJK_FONT_FILES:
            return font_manager.FontProperties(fname=path)
    for name in ("WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC", "SimHei"):
        try:
            return font_manager.FontProperties(fname=font_manager.findfont(name, fallback_to_default=False))
        except ValueError:
            continue
    return None


def _bars(ax, rows: list[dict], font, color: str, ylabel: str) -> None:
    labels = [f"{r['region'] or r['source_file']}\n{r['year'] or ''}" for r in rows]
    bars = ax.bar(range(len(rows)), [r["value"] or 0.0 for r in rows], color=color)
    for bar, r in zip(bars, rows):
        ax.annotate(format_target(r), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=9, fontproperties=font, xytext=(0, 2),
                    textcoords="offset points")
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(labels, fontproperties=font)
    ax.set_ylabel(ylabel, fontproperties=font)
    ax.margins(y=0.15)
    ax.spines[["top", "right"]].set_visible(False)


def plot(rows: list[dict], indicator: str, path: str) -> list[str]:
    """A labelled bar chart of compared rows written to ``path`` (PNG): absolute targets
    and relative changes (下降10%) on separate axes, since they share no scale.
    Returns warnings (no CJK font)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    warnings = []
    font = cjk_font()
    if font is None:
        warnings.append("no CJK font found (install fonts-wqy-zenhei or fonts-noto-cjk): Chinese labels "
                        "may render as boxes")
    absolute = [r for r in rows if r["comparator"] not in CHANGE]
    changes = [r for r in rows if r["comparator"] in CHANGE]
    groups = [g for g in (absolute, changes) if g]
    fig, axes = plt.subplots(1, len(groups), figsize=(max(5.0, 1.3 * len(rows) + 2.5), 4.5), dpi=120,
                             gridspec_kw={"width_ratios": [len(g) for g in groups]}, squeeze=False)
    for ax, group in zip(axes[0], groups):
        units = sorted({r["unit"] for r in group if r["unit"]})
        unit = f"（{'、'.join(units)}）" if units else ""
        if group is changes:
            _bars(ax, group, font, "#d98c3f", f"较基期变化幅度{unit}")
        else:
            _bars(ax, group, font, "#3f7fbf", f"目标值{unit}")
    direction = rows[0].get("direction") if rows else None
    order = {"lower_is_better": "（越低越好，按目标从严到宽排序）",
             "higher_is_better": "（越高越好，按目标从高到低排序）"}.get(direction or "", "")
    fig.suptitle(f"{indicator} 目标比较{order}", fontproperties=font)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return warnings
