"""Compare one indicator across regions: one row per region and plan, most ambitious first.

When a plan states the indicator for several years, the compared year is the one asked
for, else the year most plans state (so 2025 caps are not ranked against 2030 caps).
Ambition follows the indicator's direction: for lower_is_better a smaller cap ranks first,
for higher_is_better a larger floor; relative changes (下降10%) rank after absolute values.
"""
from __future__ import annotations

from collections import Counter

from dataclasses import replace

from queries.filters import Filters, period_label
from queries.targets import direction_of, query_targets
from queries.units import to_base

CHANGE = {"decrease_by", "increase_by"}
SYMBOL = {"<=": "≤", "<": "<", ">=": "≥", ">": ">", "=": "=", "decrease_by": "下降", "increase_by": "提高",
          "range": "范围"}
COMPARE_COLUMNS = ("region", "admin_level", "source_file", "title", "period", "doc_id", "indicator", "canonical_indicator", "value",
                   "value_max", "unit", "comparator", "year", "attribute", "quote", "page", "section_path",
                   "char_start", "char_end", "confidence")


def _compared_year(rows: list[dict], year: int | None) -> int | None:
    if year is not None:
        return year
    stated = {(r["doc_id"], r["year"]) for r in rows if r["year"] is not None}
    years = Counter(y for _, y in stated)  # how many plans state each year
    if not years:
        return None
    best = max(years.values())
    return max(y for y, n in years.items() if n == best)  # ties: the later horizon


def _doc_period(r: dict) -> tuple[int, int] | None:
    start, end = r.get("period_start"), r.get("period_end")
    return (start, end or start) if start else None


def plan_periods(rows: list[dict]) -> Counter:
    """How many plans of each period state the indicator."""
    return Counter(period for _, period in {(r["doc_id"], _doc_period(r)) for r in rows} if period)


def default_period(rows: list[dict]) -> tuple[int, int] | None:
    """The plan period most plans stating the indicator share (ties: the later one)."""
    counts = plan_periods(rows)
    if not counts:
        return None
    return max(counts, key=lambda p: (counts[p], p))


def in_period(r: dict, period: tuple[int, int]) -> bool:
    """A row belongs to a period when its plan has that period, or (a plan of another or no
    period) when the target's own year falls inside it — so a 2020-2030 plan's 2025 goal
    is compared with the 十四五 plans, a 十一五 plan's 2010 goal is not."""
    if _doc_period(r) == period:
        return True
    return r.get("year") is not None and period[0] <= r["year"] <= period[1]


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


def comparison(con, indicator, year: int | None = None, filters: Filters | None = None,
               all_periods: bool = False, **filter_values) -> dict:
    """One indicator across regions for one plan period: {indicator, period, period_label,
    periods (other periods with their plan counts), direction, year, rows}.  The period is
    the one asked for (``filters.period``), else the one most plans share; ``all_periods``
    compares every plan regardless (a 2010 goal then ranks against 2025 ones)."""
    f = Filters.of(filters, **filter_values)
    asked_period = f.period
    if asked_period:  # rows of other plans whose target year falls in the period count too
        f = replace(f, period=None)
    rows = query_targets(con, indicator=indicator, year=year, filters=f)
    periods = plan_periods(rows)
    period = None if all_periods else (asked_period or default_period(rows))
    if period:
        rows = [r for r in rows if in_period(r, period)]
    out = {"indicator": str(getattr(indicator, "text", indicator)), "period": list(period) if period else None,
           "period_label": period_label(period) if period else "all periods",
           "periods": [{"period": list(p), "label": period_label(p), "plans": n,
                        "compared": len({r["doc_id"] for r in rows if _doc_period(r) == p})}
                       for p, n in sorted(periods.items(), reverse=True)],
           "direction": None, "year": None, "rows": []}
    if not rows:
        return out
    compared_year = _compared_year(rows, year)
    picked = _one_per_plan(rows, compared_year)
    canonical = next((r["canonical_indicator"] for r in picked if r.get("canonical_indicator")), None)
    direction = direction_of(canonical or out["indicator"])
    picked.sort(key=lambda r: r["region"] or "")
    picked.sort(key=ambition_key(direction))
    for rank, r in enumerate(picked, 1):
        row = {c: r.get(c) for c in COMPARE_COLUMNS}
        row.update(rank=rank, direction=direction, target=format_target(r))
        out["rows"].append(row)
    out.update(direction=direction, year=compared_year)
    return out


def compare(con, indicator, year: int | None = None, filters: Filters | None = None, all_periods: bool = False,
            **filter_values) -> list[dict]:
    """The rows of ``comparison``: one per region and plan for ``indicator`` (matched as a
    concept), with value, comparator, unit, year, attribute and citation; ordered by ambition
    when the indicator's direction is known, else by region."""
    return comparison(con, indicator, year=year, filters=filters, all_periods=all_periods, **filter_values)["rows"]


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


# --- chart: queries.charts (also importable from here) ---------------------------------------
def plot(rows: list[dict], indicator: str, path: str, subtitle: str | None = None) -> list[str]:
    from queries.charts import plot as draw

    return draw(rows, indicator, path, subtitle=subtitle)


def cjk_font():
    from queries.charts import cjk_font as font

    return font()
