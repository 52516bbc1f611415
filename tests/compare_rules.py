"""The comparison rules in plain Python, as queries.compare once applied them to every matching
row: the reference its SQL statement is tested against (tests/test_queries_scale.py)."""
from __future__ import annotations

from collections import Counter

from queries.compare import CHANGE
from queries.units import to_base


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
