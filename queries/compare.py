"""Compare one indicator across regions: one row per region and plan, most ambitious first.

When a plan states the indicator for several years, the compared year is the one asked
for, else the year most plans state (so 2025 caps are not ranked against 2030 caps).
Ambition follows the indicator's direction: for lower_is_better a smaller cap ranks first,
for higher_is_better a larger floor; relative changes (下降10%) rank after absolute values.
"""
from __future__ import annotations

from collections import Counter

from dataclasses import replace

from queries.filters import Filters, page_bounds, period_label, sql_literal
from queries.targets import direction_of, indexed_rows, rows_by_id, stored_units, target_source
from queries.units import to_base

CHANGE = {"decrease_by", "increase_by"}
SYMBOL = {"<=": "≤", "<": "<", ">=": "≥", ">": ">", "=": "=", "decrease_by": "下降", "increase_by": "提高",
          "range": "范围"}
COMPARE_COLUMNS = ("region", "admin_level", "source_file", "title", "period", "doc_id", "indicator", "canonical_indicator", "value",
                   "value_max", "unit", "comparator", "year", "attribute", "quote", "page", "section_path",
                   "char_start", "char_end", "confidence")


# --- the comparison in SQL ---------------------------------------------------------------------
# The rules (tests/compare_rules.py states them in Python, as they once ran over every matching
# row, reading every column of every match: 225 ms CPU at 10k documents for a page) run in one
# DuckDB statement over narrow columns; only the rows shown are read whole.

def _period_sql(asked: tuple[int, int] | None, all_periods: bool) -> str:
    """The compared period: none, the one asked for, or the one most plans share (ties: later)."""
    if all_periods:
        return "SELECT NULL::INTEGER AS cps, NULL::INTEGER AS cpe WHERE FALSE"
    if asked:
        return f"SELECT {sql_literal(int(asked[0]))} AS cps, {sql_literal(int(asked[1]))} AS cpe"
    return "SELECT ps AS cps, pe AS cpe FROM periods ORDER BY n DESC, ps DESC, pe DESC LIMIT 1"


def _year_sql(year: int | None) -> str:
    """The compared year: the one asked for, else the one most plans state (ties: later)."""
    if year is not None:
        return f"SELECT {sql_literal(int(year))} AS cy"
    return "SELECT year AS cy FROM years ORDER BY n DESC, year DESC LIMIT 1"


def _directions_sql(canonicals: tuple[str, ...], fallback: str | None) -> str:
    """canonical → direction for the concepts a comparison can meet (a VALUES table)."""
    rows = [f"({sql_literal(c)}, {sql_literal(direction_of(c))})" for c in canonicals]
    rows.append(f"(NULL::VARCHAR, {sql_literal(fallback)})")  # no plan names a concept: the asked text's
    return f"SELECT * FROM (VALUES {', '.join(rows)}) v(canonical, direction)"


def _factors_sql(units: list[str | None]) -> str:
    """unit → factor to its dimension's base unit (``units.to_base``), for the units stored."""
    rows = [f"({sql_literal(u)}, {sql_literal(float(to_base(1.0, u)[0]))})" for u in units]
    return f"SELECT * FROM (VALUES {', '.join(rows) or '(NULL::VARCHAR, 1.0::DOUBLE)'}) v(unit, factor)"


def _comparison_sql(con, source, year, asked_period, all_periods, fallback, units, limit, offset,
                    with_regions: bool = False) -> str:
    """One statement: stats rows (kind p: plans per period, c: plans compared per period,
    y: the compared year, d: the direction, n: plans compared, u: a unit without a factor,
    g: each region's first rank when ``with_regions``) and the page's row ids (kind r)."""
    change = ", ".join(sql_literal(c) for c in sorted(CHANGE))
    page = f"rank_ > {int(offset or 0)}" + (f" AND rank_ <= {int(offset or 0) + int(limit)}" if limit else "")
    regions = ("UNION ALL SELECT 'g', NULL, NULL, NULL, name, min(rank_), NULL FROM ranks "
               "WHERE coalesce(name, '') <> '' GROUP BY name" if with_regions else "")
    return f"""
WITH r AS MATERIALIZED (
    SELECT t.rowid AS row_, t.doc_id, t.year, t.value, t.unit, t.comparator, t.canonical_indicator, t.char_start,
           t.target_id, d.region, d.source_file,
           CASE WHEN coalesce(d.period_start, 0) <> 0 THEN d.period_start END AS ps,
           CASE WHEN coalesce(d.period_start, 0) <> 0 THEN coalesce(nullif(d.period_end, 0), d.period_start) END AS pe
    {source.sql}),
periods AS (SELECT ps, pe, count(DISTINCT doc_id) AS n FROM r WHERE ps IS NOT NULL GROUP BY ps, pe),
chosen AS ({_period_sql(asked_period, all_periods)}),
inp AS MATERIALIZED (SELECT r.* FROM r LEFT JOIN chosen ON TRUE
                     WHERE chosen.cps IS NULL OR (r.ps = chosen.cps AND r.pe = chosen.cpe)
                        OR r.year BETWEEN chosen.cps AND chosen.cpe),
years AS (SELECT year, count(DISTINCT doc_id) AS n FROM inp WHERE year IS NOT NULL GROUP BY year),
cy AS ({_year_sql(year)}),
picked AS MATERIALIZED (
    SELECT inp.* FROM inp LEFT JOIN cy ON TRUE
    QUALIFY row_number() OVER (PARTITION BY inp.doc_id
                               ORDER BY (inp.year IS NOT DISTINCT FROM cy.cy) DESC, inp.char_start, inp.target_id) = 1),
dirs AS ({_directions_sql(source.canonicals, fallback)}),
first_named AS (SELECT canonical_indicator AS c FROM picked WHERE coalesce(canonical_indicator, '') <> ''
                ORDER BY source_file, doc_id LIMIT 1),
direction AS (  -- the first plan (in source order) naming a concept decides; else the asked text
    SELECT CASE WHEN EXISTS (SELECT 1 FROM first_named)
                THEN (SELECT dirs.direction FROM first_named JOIN dirs ON dirs.canonical = first_named.c)
                ELSE (SELECT direction FROM dirs WHERE canonical IS NULL) END AS dir),
factors AS ({_factors_sql(units)}),
ranked AS (
    SELECT picked.row_, picked.comparator IN ({change}) AS is_change,
           coalesce(picked.value * f.factor, 0.0) AS base, coalesce(picked.region, '') AS region_key,
           picked.source_file, picked.doc_id, f.factor IS NULL AS no_factor,
           coalesce(nullif(picked.region, ''), picked.source_file) AS name
    FROM picked LEFT JOIN factors f ON f.unit IS NOT DISTINCT FROM picked.unit),
ranks AS (
    SELECT ranked.row_, ranked.name, row_number() OVER (ORDER BY coalesce(ranked.is_change, FALSE),
               CASE WHEN ranked.is_change THEN -ranked.base WHEN direction.dir = 'lower_is_better' THEN ranked.base
                    WHEN direction.dir = 'higher_is_better' THEN -ranked.base ELSE 0.0 END + 0.0,
               ranked.region_key, ranked.source_file, ranked.doc_id) AS rank_
    FROM ranked, direction)
SELECT 'p' AS kind_, ps AS a_, pe AS b_, n AS n_, NULL AS s_, NULL AS rank_, NULL::BIGINT AS row_ FROM periods
UNION ALL SELECT 'c', ps, pe, count(DISTINCT doc_id), NULL, NULL, NULL FROM inp WHERE ps IS NOT NULL GROUP BY ps, pe
UNION ALL SELECT 'y', cy, NULL, NULL, NULL, NULL, NULL FROM cy
UNION ALL SELECT 'd', NULL, NULL, NULL, dir, NULL, NULL FROM direction
UNION ALL SELECT 'n', NULL, NULL, count(*), NULL, NULL, NULL FROM picked
UNION ALL SELECT 'u', NULL, NULL, count(*), NULL, NULL, NULL FROM ranked WHERE no_factor
UNION ALL SELECT 'r', NULL, NULL, NULL, NULL, rank_, row_ FROM ranks WHERE {page}
{regions}"""


def _decide(con, source, year, asked_period, all_periods, fallback, limit, offset, with_regions=False) -> dict:
    """The comparison's stats and the row ids of its page (one statement; again with the units
    read afresh when a stored unit had no factor, so a cached unit list never misranks)."""
    for fresh in (False, True):
        units = stored_units(con, fresh=fresh, catalogue=source.catalogue)
        got = con.execute(_comparison_sql(con, source, year, asked_period, all_periods, fallback, units, limit,
                                          offset, with_regions), source.params).fetchall()
        if not any(k == "u" and n for k, _, _, n, _, _, _ in got):
            break
    stats = {"periods": Counter(), "compared": Counter(), "year": None, "direction": None, "total": 0, "ids": [],
             "regions": []}
    for kind, a, b, n, s, rank, row in got:
        if kind == "p":
            stats["periods"][(a, b)] = n
        elif kind == "c":
            stats["compared"][(a, b)] = n
        elif kind == "y":
            stats["year"] = a
        elif kind == "d":
            stats["direction"] = s
        elif kind == "n":
            stats["total"] = n
        elif kind == "r":
            stats["ids"].append((rank, row))
        elif kind == "g":
            stats["regions"].append((rank, s))
    stats["ids"] = [row for _, row in sorted(stats["ids"])]
    stats["regions"] = [name for _, name in sorted(stats["regions"])]
    return stats


# --- the comparison from the target index ------------------------------------------------------
# The same rules as the statement above, over the target index's arrays (``queries.target_index``):
# its rows are in TARGET_ORDER and its documents numbered in (source_file, doc_id) order, so
# "the first row of a plan" and "the first plan" are the lowest position and number.

def _indexed_decide(con, indicator, f: Filters, year, asked_period, all_periods, fallback, limit, offset,
                    with_regions: bool = False):
    """(``_decide``'s stats and the page's positions, the index) from the target index; (None, None) when the
    indicator matches no stored name; None (ask SQL) when the index cannot answer."""
    import numpy as np

    from queries.target_index import NULL_YEAR

    got = indexed_rows(con, indicator, None, f)
    if got is None:
        return None
    found, index, scores = got
    if not scores:
        return None, None
    factor_of = _index_factors(index)
    if factor_of is None or index.comparator_hash is None:
        return None
    changes = [index.comparator_hash[c] for c in CHANGE if c in index.comparator_hash]
    plans = index.plans(con)
    doc, years = plans.of_row[found], index.year[found]
    ps, pe = plans.ps[doc], plans.pe[doc]
    periods = _plans_per_period(doc, ps != NULL_YEAR, plans)
    chosen = None if all_periods else (tuple(int(x) for x in asked_period) if asked_period else
                                       max(periods, key=lambda p: (periods[p], p)) if periods else None)
    inp = np.ones(len(found), dtype=bool) if chosen is None else (
        ((ps == chosen[0]) & (pe == chosen[1])) | ((years != NULL_YEAR) & (years >= chosen[0]) & (years <= chosen[1])))
    compared = _plans_per_period(doc, inp & (ps != NULL_YEAR), plans)
    stated = inp & (years != NULL_YEAR)
    span = len(plans.doc_id) + 1  # (year, plan) as one integer, to count each plan once per year
    plan_years = np.unique(years[stated] * span + doc[stated]) // span
    counts = Counter(plan_years.tolist())
    cy = year if year is not None else (max(counts, key=lambda y: (counts[y], y)) if counts else None)
    # one row per plan: its first row stating the compared year, else its first row
    local = np.flatnonzero(inp)
    good = years[local] == (NULL_YEAR if cy is None else cy)
    order = np.lexsort((local, ~good, doc[local]))
    first = np.ones(len(order), dtype=bool)
    first[1:] = doc[local][order][1:] != doc[local][order][:-1]
    picked = local[order][first]  # plans in (source_file, doc_id) order
    pairs = {index.pair_hash[p]: p[1] for p in scores}
    named = next((c for h in index.pair[found[picked]].tolist() if (c := pairs[h])), None)
    direction = direction_of(named) if named else fallback
    rows = found[picked]
    base = np.where(index.no_value[rows], 0.0, index.value[rows] * np.array(
        [factor_of[h] for h in index.unit[rows].tolist()], dtype=np.float64))
    comparators = index.comparator[rows]
    is_change = np.zeros(len(rows), dtype=bool)
    for h in changes:
        is_change |= comparators == np.uint64(h)
    by_direction = base if direction == "lower_is_better" else -base if direction == "higher_is_better" else \
        np.zeros(len(base))
    ambition = np.where(is_change, -base, by_direction) + 0.0
    pdoc = doc[picked]
    ranked = np.lexsort((pdoc, plans.region_rank[pdoc], ambition, is_change))
    start = int(offset or 0)
    page = ranked[start:start + int(limit)] if limit else ranked[start:]
    regions = []
    if with_regions:  # each region (else file name) once, at its first rank
        regions = plans.first_names(pdoc[ranked])
    stats = {"periods": periods, "compared": compared, "year": cy, "direction": direction, "total": len(picked),
             "ids": index.rows[rows[page]].tolist(), "positions": rows[page], "regions": regions}
    return stats, index


def _plans_per_period(doc, mask, plans) -> Counter:
    """(period_start, period_end) → how many plans of the masked rows have it (``doc`` is in
    ascending order: rows come in TARGET_ORDER)."""
    import numpy as np

    docs = _distinct(doc[mask])
    codes = plans.period_code[docs]
    counts = np.bincount(codes[codes >= 0], minlength=1)
    return Counter({plans.periods[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()})


def _distinct(ordered):
    """The distinct values of an ascending array."""
    import numpy as np

    if not len(ordered):
        return ordered
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    return ordered[first]


def _index_factors(index) -> dict | None:
    """unit hash → factor to its dimension's base unit (``_factors_sql``), for every stored unit."""
    if index.unit_hash is None:
        return None
    return {h: float(to_base(1.0, u)[0]) for u, h in index.unit_hash.items()}


def comparison(con, indicator, year: int | None = None, filters: Filters | None = None,
               all_periods: bool = False, limit: int | None = None, offset: int = 0, with_regions: bool = False,
               **filter_values) -> dict:
    """One indicator across regions for one plan period: {indicator, period, period_label,
    periods (other periods with their plan counts), direction, year, rows, total}.  The period is
    the one asked for (``filters.period``), else the one most plans share; ``all_periods``
    compares every plan regardless (a 2010 goal then ranks against 2025 ones).  ``rows`` are
    ranks ``offset+1`` to ``offset+limit`` (every rank without ``limit``); ``total`` is the
    number of plans compared; ``with_regions`` adds ``regions``, every compared plan's region
    (else its file name) in rank order, once.  The ranking runs over the target index when the
    process has one for this store (``_indexed_decide``), else in SQL; only the rows returned
    are read whole."""
    limit, offset = page_bounds(limit, offset)
    f = Filters.of(filters, **filter_values)
    asked_period = f.period
    if asked_period:  # rows of other plans whose target year falls in the period count too
        f = replace(f, period=None)
    text = str(getattr(indicator, "text", indicator))
    out = {"indicator": text, "period": None, "period_label": "all periods", "periods": [],
           "direction": None, "year": None, "rows": [], "total": 0}
    direction = direction_of(text)
    fast = _indexed_decide(con, indicator, Filters.of(f, year=year), year, asked_period, all_periods,
                           direction, limit, offset, with_regions)
    source, index = None, None
    if fast is None:  # no index, or a filter it does not state: in SQL
        source = target_source(con, indicator, None, Filters.of(f, year=year))
        stats = None if source is None else _decide(con, source, year, asked_period, all_periods, direction,
                                                    limit, offset, with_regions)
    else:
        stats, index = fast
    if stats is None:  # the indicator matches no stored name
        if asked_period and not all_periods:
            out.update(period=list(asked_period), period_label=period_label(asked_period))
        return out
    periods = stats["periods"]
    period = None if all_periods else (asked_period or (max(periods, key=lambda p: (periods[p], p)) if periods else None))
    out.update(period=list(period) if period else None,
               period_label=period_label(period) if period else "all periods",
               periods=[{"period": list(p), "label": period_label(p), "plans": n, "compared": stats["compared"][p]}
                        for p, n in sorted(periods.items(), reverse=True)])
    if not stats["total"]:
        return out
    direction = stats["direction"]
    if index is not None and index.assembles:
        whole = index.target_rows(con, stats["positions"], texts=("quote", "section_path"))  # what a row shows
    else:
        whole = rows_by_id(con, stats["ids"], source=source, documents=index.documents(con) if index else None)
    for rank, r in enumerate(whole, (offset or 0) + 1):
        row = {c: r.get(c) for c in COMPARE_COLUMNS}
        row.update(rank=rank, direction=direction, target=format_target(r))
        out["rows"].append(row)
    out.update(direction=direction, year=stats["year"], total=stats["total"])
    if with_regions:
        out["regions"] = stats["regions"]
    return out


def compare(con, indicator, year: int | None = None, filters: Filters | None = None, all_periods: bool = False,
            limit: int | None = None, offset: int = 0, **filter_values) -> list[dict]:
    """The rows of ``comparison``: one per region and plan for ``indicator`` (matched as a
    concept), with value, comparator, unit, year, attribute and citation; ordered by ambition
    when the indicator's direction is known, else by region.  Every plan unless ``limit``."""
    return comparison(con, indicator, year=year, filters=filters, all_periods=all_periods, limit=limit,
                      offset=offset, **filter_values)["rows"]


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
