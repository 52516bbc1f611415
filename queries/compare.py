"""Compare one indicator across regions: one row per region and plan, most ambitious first.

When a plan states the indicator for several years, the compared year is the one asked
for, else the year most plans state (so 2025 caps are not ranked against 2030 caps).
Ambition follows the indicator's direction: for lower_is_better a smaller cap ranks first,
for higher_is_better a larger floor; relative changes (下降10%) rank after absolute values.
"""
from __future__ import annotations

from dataclasses import replace

from queries.filters import Filters, period_label
from queries.targets import TARGET_ORDER, Source, direction_of, query_targets, target_columns, target_source
from queries.units import to_base

CHANGE = {"decrease_by", "increase_by"}
SYMBOL = {"<=": "≤", "<": "<", ">=": "≥", ">": ">", "=": "=", "decrease_by": "下降", "increase_by": "提高",
          "range": "范围"}
COMPARE_COLUMNS = ("region", "admin_level", "source_file", "title", "period", "doc_id", "indicator", "canonical_indicator", "value",
                   "value_max", "unit", "comparator", "year", "attribute", "quote", "page", "section_path",
                   "char_start", "char_end", "confidence")


def _most(counts: dict, default=None):
    """The key with the highest count (ties: the larger key: the later year or period)."""
    return max(counts, key=lambda key: (counts[key], key)) if counts else default


# A plan's period: (start, end), an open-ended plan's end being its start.
PLAN_PERIOD = "d.period_start, coalesce(nullif(d.period_end, 0), d.period_start)"


def _in_period(period: tuple[int, int] | None) -> tuple[str, list]:
    """A row belongs to a period when its plan has that period, or (a plan of another or no
    period) when the target's own year falls inside it — so a 2020-2030 plan's 2025 goal
    is compared with the 十四五 plans, a 十一五 plan's 2010 goal is not."""
    if not period:
        return "", []
    return (" AND ((d.period_start = ? AND coalesce(nullif(d.period_end, 0), d.period_start) = ?) "
            "OR t.year BETWEEN ? AND ?)", [*period, *period])


def _plans_by_period(con, source: Source, extra: str = "", params: list | None = None) -> dict:
    """period → how many plans (documents) with that period have rows in ``source``."""
    rows = con.execute(f"SELECT {PLAN_PERIOD}, count(DISTINCT t.doc_id) {source.sql}{extra} "
                       "AND nullif(d.period_start, 0) IS NOT NULL GROUP BY ALL", source.params + (params or [])).fetchall()
    return {(a, b): n for a, b, n in rows}


def _plans_by_year(con, source: Source, extra: str, params: list) -> dict:
    """target year → how many plans state the indicator for it (so 2025 caps are not ranked
    against 2030 caps)."""
    rows = con.execute(f"SELECT t.year, count(DISTINCT t.doc_id) {source.sql}{extra} AND t.year IS NOT NULL "
                       "GROUP BY ALL", source.params + params).fetchall()
    return dict(rows)


def _one_per_plan(con, source: Source, extra: str, params: list, year: int | None) -> list[dict]:
    """The row each plan states for the compared year (else its first statement), in the
    order of the plans' files.  Chosen in SQL: a corpus of 10k plans holds 10k rows for one
    indicator, too many to bring into Python to keep a fifth of them."""
    cur = con.execute(f"SELECT * EXCLUDE (pick) FROM (SELECT {target_columns(con)}, row_number() OVER ("
                      f"PARTITION BY t.doc_id ORDER BY (t.year IS NOT DISTINCT FROM ?) DESC, {TARGET_ORDER}) AS pick "
                      f"{source.sql}{extra}) WHERE pick = 1 ORDER BY source_file, doc_id",
                      [year] + source.params + params)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


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
    f = Filters.of(f, year=year)
    out = {"indicator": str(getattr(indicator, "text", indicator)), "period": None, "period_label": "all periods",
           "periods": [], "direction": None, "year": None, "rows": []}
    source = target_source(con, indicator, None, f)
    if source is not None and f.unit and (f.value_min is not None or f.value_max is not None):
        # a value range in another unit is converted in Python: keep the rows it lets through
        ids = [r["target_id"] for r in query_targets(con, indicator=indicator, filters=f)]
        source = Source(f"{source.sql} AND t.target_id IN (SELECT unnest(?::VARCHAR[]))", source.params + [ids],
                        source.match)
    periods = _plans_by_period(con, source) if source else {}
    period = None if all_periods else (asked_period or _most(periods))
    if period:
        out.update(period=list(period), period_label=period_label(period))
    if source is None:
        return out
    extra, params = _in_period(period)
    compared = _plans_by_period(con, source, extra, params) if period else periods
    out["periods"] = [{"period": list(p), "label": period_label(p), "plans": n, "compared": compared.get(p, 0)}
                      for p, n in sorted(periods.items(), reverse=True)]
    compared_year = year if year is not None else _most(_plans_by_year(con, source, extra, params))
    picked = _one_per_plan(con, source, extra, params, compared_year)
    if not picked:
        return out
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
