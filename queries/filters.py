"""The one set of filters every question takes (CLI, HTTP, web pages, ``Corpus``, exports).

    from queries.filters import Filters
    f = Filters.parse(region="宁夏", level="county", period="十四五", min_confidence=0.5)
    where, params = f.sql(con, alias="t")     # SQL over ``documents d`` joined to a fact table

``Filters.parse`` checks and normalises what a person typed and raises ``FilterError``
(a ValueError naming the parameter and the values it accepts) for anything it cannot
read: an unknown level or kind, a period that is not a period, a negative range.  The
HTTP API answers such an error with 422, the CLI with a message and exit status 2.

Regions match a document's region, province, prefecture or county by full name (宁夏回族自治区),
short name (宁夏, 内蒙古, 广西, 温州) or an informal alias (queries/data/filter_words.json).
"""
from __future__ import annotations

import operator

import json
import re
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path

from extractors.registry import DEFAULT_MIN_CONFIDENCE

DATA = Path(__file__).parent / "data" / "filter_words.json"
YEARS = (1949, 2100)


class FilterError(ValueError):
    """A filter value that cannot be read; ``param`` names the filter."""

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param = param


def page_bounds(limit, offset) -> tuple[int | None, int]:
    """``limit`` (None or 0: every row) and ``offset`` of a page, checked: a FilterError names
    the one that is not a whole number in range (DuckDB's own error spoke of LIMIT/OFFSET)."""
    def whole(name: str, v, least: int) -> int:
        try:
            n = None if isinstance(v, bool) else operator.index(v)  # numpy integers too
        except TypeError:
            n = None
        if n is None or n < least:
            raise FilterError(name, f"a whole number ≥ {least} is expected, got {v!r}")
        return n

    return (None if limit is None else whole("limit", limit, 0) or None,
            0 if offset is None else whole("offset", offset, 0))


@lru_cache(maxsize=1)
def words() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _level_words() -> dict[str, str]:
    return {w.lower(): level for level, ws in words()["levels"].items() for w in ws}


@lru_cache(maxsize=1)
def _attribute_words() -> dict[str, str]:
    return {w.lower(): attr for attr, ws in words()["attributes"].items() for w in ws}


LEVELS = ("national", "province", "prefecture", "county", "district")
LEVEL_HELP = ("national (全国) | province | prefecture (地级市) | county (县级: counties, county-level cities and "
              "districts) | district (市辖区 only)")


@lru_cache(maxsize=1)
def kinds() -> tuple[str, ...]:
    """The document kinds the metadata writes (corpus/data/kinds.json), in its order."""
    from corpus.metadata import kinds as kind_vocabulary  # lazy: 40-70 ms of imports a plain search never needs

    return tuple(kind_vocabulary()["kinds"])


def __getattr__(name: str):
    """``KIND_HELP`` (the kinds, for help texts), read when first asked for, not at import."""
    if name == "KIND_HELP":
        return " | ".join(kinds())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@lru_cache(maxsize=1)
def _kind_words() -> dict[str, str]:
    """A kind by its name or its label (行动方案 → action_plan)."""
    return {**{label: kind for kind, label in words()["kind_labels"].items()}, **{k: k for k in kinds()}}


def parse_kind(value: str) -> str:
    text = value.strip()
    return _kind_words().get(text, text.lower())


# --- single values ---------------------------------------------------------------------------
def parse_level(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    level = _level_words().get(str(value).strip().lower())
    if level is None:
        raise FilterError("level", f"unknown level {value!r}: use {LEVEL_HELP}")
    return level


def parse_attribute(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    attr = _attribute_words().get(str(value).strip().lower())
    if attr is None:
        raise FilterError("attribute", f"unknown attribute {value!r}: use 约束性 (binding) or 预期性 (expected)")
    return attr


_DIGIT_FIVE_YEAR = re.compile(r"^(\d{1,2})五$")  # 14五, as people type it
_YEAR_RANGE = re.compile(r"^((?:19|20)\d{2})\s*(?:年)?\s*[-–—~至到]\s*((?:19|20)\d{2})\s*年?$")


def parse_period(value) -> tuple[int, int] | None:
    """十四五 / 14五 / 2021-2025 / 2021—2025年 / (2021, 2025) → (2021, 2025)."""
    if value in (None, ""):
        return None
    from corpus.numbering import five_year, plan_period  # lazy, as in kinds()

    if isinstance(value, (tuple, list)) and len(value) == 2:
        start, end = int(value[0]), int(value[1])
    else:
        text = re.sub(r"(?:规划|计划|时期)$", "", str(value).strip())
        if named := plan_period(text):  # 十四五, 九五, 第十一个五年 (corpus.numbering)
            return named
        if (m := _DIGIT_FIVE_YEAR.match(text)) and 1 <= int(m.group(1)) <= 20:
            return five_year(int(m.group(1)))
        if not (m := _YEAR_RANGE.match(text)):
            raise FilterError("period", f"cannot read {value!r}: write a five-year plan (十四五) or years (2021-2025)")
        start, end = int(m.group(1)), int(m.group(2))
    if start > end or start < YEARS[0] or end > YEARS[1]:
        raise FilterError("period", f"{value!r} is not a period of years")
    return start, end


def period_label(period: tuple[int, int] | None) -> str:
    """(2021, 2025) → 2021-2025 (十四五) when it is a five-year plan."""
    if not period:
        return "no stated period"
    from corpus.numbering import five_year  # lazy, as in kinds()

    start, end = period
    n = (start - 1966) // 5 + 3
    if five_year(n) == (start, end):
        tens, ones = divmod(n, 10)
        digits = "一二三四五六七八九"
        name = ("十" if tens == 1 else "") + (digits[ones - 1] if ones else "")
        return f"{start}-{end} ({name}五)"
    return f"{start}-{end}"


def parse_year(value, param: str = "year") -> int | None:
    if value in (None, ""):
        return None
    try:
        year = int(str(value).strip().rstrip("年"))
    except ValueError:
        raise FilterError(param, f"{value!r} is not a year") from None
    if not YEARS[0] <= year <= YEARS[1]:
        raise FilterError(param, f"{year} is not a year between {YEARS[0]} and {YEARS[1]}")
    return year


def parse_number(value, param: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise FilterError(param, f"{value!r} is not a number") from None


_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(亿元|亿|万元|万|元)?\s*$")
_TO_WAN = {"亿元": 1e4, "亿": 1e4, "万元": 1.0, "万": 1.0, "元": 1e-4, None: 1.0}


def parse_amount(value, param: str) -> float | None:
    """An investment in 万元 (the projects table's unit): 5000, 5000万元, 1亿元, 1.5亿."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = _AMOUNT.match(str(value))
    if not m:
        raise FilterError(param, f"{value!r} is not an amount (write 5000 or 5000万元 or 1亿元)")
    return float(m.group(1)) * _TO_WAN[m.group(2)]


def _names(value, param: str) -> tuple[str, ...]:
    if value in (None, "", [], ()):
        return ()
    items = [value] if isinstance(value, str) else list(value)
    out = []
    for item in items:
        if not isinstance(item, str):
            raise FilterError(param, f"{item!r} is not a name")
        out += [p.strip() for p in re.split(r"[,，、]", item) if p.strip()]
    return tuple(out)


# --- regions -----------------------------------------------------------------------------------
def region_key(name: str) -> str:
    """What two spellings of one region share: 宁夏回族自治区, 宁夏 → 宁夏."""
    from corpus.regions import short_name  # lazy, as in kinds()

    name = words()["region_aliases"].get(name.strip(), name.strip())
    return short_name(name)


def matching_names(asked: tuple[str, ...], stored: set[str]) -> list[str]:
    """The stored region names that any asked name means (full, short or alias)."""
    keys = {region_key(a) for a in asked} | set(asked)
    return sorted(n for n in stored if n in keys or region_key(n) in keys)


def stored_region_names(con) -> set[str]:
    """Every stored region name, remembered while the store's files are unchanged."""
    from queries.versions import versioned

    return set(versioned(con, "region_names", lambda: frozenset(
        n for r in con.execute("SELECT DISTINCT region, province, prefecture, county FROM documents").fetchall()
        for n in r if n)))


def region_notes(con, f: "Filters") -> list[str]:
    """For each asked region no stored document is about, a note naming the closest stored
    names (a typo, 临青市 for 临清市, is not an empty corpus)."""
    import difflib

    if not f.region:
        return []
    stored = stored_region_names(con)
    notes = []
    for name in f.region:
        if not matching_names((name,), stored):
            close = difflib.get_close_matches(name, sorted(stored), n=3, cutoff=0.5)
            notes.append(f"no stored document is about '{name}'"
                         + (f" (did you mean {', '.join(close)}?)" if close else ""))
    return notes


def has_column(con, table: str, column: str) -> bool:
    """Whether ``table`` has ``column`` (an older database may lack it), remembered while the
    store's files are unchanged (adding a column is a commit).  Binding an empty SELECT takes
    0.2 ms; information_schema took 2–8 ms, twice in every fact query."""
    from queries.versions import versioned

    return versioned(con, f"has_column {table}.{column}", lambda: _has_column(con, table, column))


def _has_column(con, table: str, column: str) -> bool:
    import duckdb

    try:
        con.execute(f'SELECT "{column}" FROM "{table}" LIMIT 0')
        return True
    except (duckdb.BinderException, duckdb.CatalogException):
        return False


def sql_literal(value) -> str:
    """``value`` as a DuckDB literal, for SQL that carries many values (row ids, a unit table):
    DuckDB converts each Python parameter with a failed ``import pandas`` when pandas is absent
    (0.1-0.6 ms apiece).  Strings are quoted with '' doubled; a NUL is refused (ValueError)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return f"'{value}'::DOUBLE"
        return f"{value!r}::DOUBLE"
    if isinstance(value, str):
        if "\0" in value:
            raise ValueError("a NUL character cannot be written into SQL")
        return "'" + value.replace("'", "''") + "'::VARCHAR"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


# --- the filter set ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    """Every filter a question can take; a field left at its default does not filter.

    ``year`` is a fact's own year (a target's 2025, a deadline's year) on fact tables and
    "the plan's period covers this year" on documents and passages.  ``doc`` is a document
    id, a unique id prefix or a stored file name.  ``value_min``/``value_max`` bound a
    target's value (in ``unit`` when given, converted); ``investment_min``/``_max`` a
    project's investment in 万元."""
    region: tuple[str, ...] = ()
    province: tuple[str, ...] = ()
    level: str | None = None
    kind: tuple[str, ...] = ()
    period: tuple[int, int] | None = None
    year: int | None = None
    attribute: str | None = None
    min_confidence: float = DEFAULT_MIN_CONFIDENCE  # the registry's one default; 0 shows all
    doc: str | None = None
    value_min: float | None = None
    value_max: float | None = None
    unit: str | None = None
    investment_min: float | None = None
    investment_max: float | None = None

    @classmethod
    def parse(cls, region=None, province=None, level=None, kind=None, period=None, year=None, attribute=None,
              min_confidence=None, include_all: bool = False, doc=None, doc_id=None, value_min=None,
              value_max=None, unit=None, investment_min=None, investment_max=None,
              county_level: bool = False, admin_level=None) -> "Filters":
        """Check and normalise raw values (strings from a URL or a command line, or Python values).
        ``county_level`` and ``admin_level`` are the older spellings of ``level``."""
        confidence = 0.0 if include_all else parse_number(min_confidence, "min_confidence")
        if confidence is None:
            confidence = DEFAULT_MIN_CONFIDENCE
        if not 0.0 <= confidence <= 1.0:
            raise FilterError("min_confidence", f"{confidence:g} is not between 0 and 1")
        f = cls(region=_names(region, "region"), province=_names(province, "province"),
                level=parse_level(level or admin_level or ("county" if county_level else None)),
                kind=tuple(parse_kind(k) for k in _names(kind, "kind")), period=parse_period(period),
                year=parse_year(year), attribute=parse_attribute(attribute), min_confidence=confidence,
                doc=(str(doc or doc_id).strip() or None) if (doc or doc_id) else None,
                value_min=parse_number(value_min, "value_min"), value_max=parse_number(value_max, "value_max"),
                unit=(unit or "").strip() or None,
                investment_min=parse_amount(investment_min, "investment_min"),
                investment_max=parse_amount(investment_max, "investment_max"))
        for low, high, name in ((f.value_min, f.value_max, "value"), (f.investment_min, f.investment_max,
                                                                      "investment")):
            if low is not None and high is not None and low > high:
                raise FilterError(f"{name}_min", f"{low:g} is above {name}_max {high:g}")
        return f

    @classmethod
    def of(cls, filters: "Filters | None" = None, **raw) -> "Filters":
        """``filters`` with the keyword values in ``raw`` parsed over it (None values ignored)."""
        raw = {k: v for k, v in raw.items() if v not in (None, "", [], (), False)}
        if filters is None:
            return cls.parse(**raw)
        if not raw:
            return filters
        base = asdict(filters)
        if "admin_level" in raw or "county_level" in raw:
            base.pop("level")
        if "include_all" in raw:
            base.pop("min_confidence")
        return cls.parse(**{**base, **raw})

    def as_dict(self) -> dict:
        """The filters that filter (for echoing back to a user)."""
        default = Filters()
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != getattr(default, f.name)}

    # --- SQL -------------------------------------------------------------------------------------
    def check_kinds(self, con) -> None:
        """A kind must be one the metadata writes or one the database holds."""
        if not self.kind:
            return
        known = set(kinds()) | {r[0] for r in con.execute(
            "SELECT DISTINCT kind FROM documents WHERE kind IS NOT NULL").fetchall()}
        unknown = [k for k in self.kind if k not in known]
        if unknown:
            raise FilterError("kind", f"unknown kind {', '.join(map(repr, unknown))}: use one of "
                                      f"{', '.join(sorted(known))}")

    def document_sql(self, con, year_means_period: bool = True) -> tuple[list[str], list]:
        """Conditions on ``documents d``."""
        self.check_kinds(con)
        where: list[str] = []
        params: list = []
        if self.region:
            names = matching_names(self.region, stored_region_names(con))
            marks = ",".join("?" * len(names))
            where.append(f"(d.region IN ({marks}) OR d.province IN ({marks}) OR d.prefecture IN ({marks}) "
                         f"OR d.county IN ({marks}))" if names else "FALSE")
            params += names * 4
        if self.province:
            names = matching_names(self.province, {r[0] for r in con.execute(
                "SELECT DISTINCT province FROM documents WHERE province IS NOT NULL").fetchall()})
            where.append(f"d.province IN ({','.join('?' * len(names))})" if names else "FALSE")
            params += names
        if self.level == "county":
            where.append("d.admin_level IN ('county', 'district')")
        elif self.level:
            where.append("d.admin_level = ?")
            params.append(self.level)
        if self.kind:
            where.append(f"d.kind IN ({','.join('?' * len(self.kind))})")
            params += list(self.kind)
        if self.period:
            where.append("d.period_start = ? AND d.period_end = ?")
            params += list(self.period)
        if self.year is not None and year_means_period:
            where.append("d.period_start <= ? AND ? <= coalesce(d.period_end, d.period_start)")
            params += [self.year, self.year]
        if self.doc:
            doc_id = resolve_document(con, self.doc)
            where.append("d.doc_id = ?")
            params.append(doc_id)
        return where, params

    def fact_sql(self, con, table: str, alias: str) -> tuple[str, list]:
        """The WHERE clause for ``{table} {alias} JOIN documents d``: document filters, the
        confidence threshold and the filters of the table's own columns."""
        has_year = table in ("targets", "deadlines")
        where, params = self.document_sql(con, year_means_period=not has_year)
        if has_year and self.year is not None:
            where.append(f"{alias}.year = ?")
            params.append(self.year)
        if self.min_confidence > 0 and has_column(con, table, "confidence"):
            where.append(f"({alias}.confidence IS NULL OR {alias}.confidence >= ?)")
            params.append(self.min_confidence)
        if table == "targets" and self.attribute:
            where.append(f"{alias}.attribute = ?")
            params.append(self.attribute)
        if table == "projects":
            for bound, op in ((self.investment_min, ">="), (self.investment_max, "<=")):
                if bound is not None:
                    where.append(f"{alias}.investment {op} ?")
                    params.append(bound)
        return " AND ".join(where) or "TRUE", params


# --- documents by id -------------------------------------------------------------------------------
class NotFound(LookupError):
    """No stored document (or several) matches a reference; the message says which."""


def resolve_document(con, ref: str) -> str:
    """The doc_id a reference means: the id, a unique id prefix or a stored file name.
    Raises FilterError('doc', …) when none or several match."""
    try:
        return find_document(con, ref)
    except NotFound as e:
        raise FilterError("doc", str(e)) from None


def find_document(con, ref: str) -> str:
    ref = (ref or "").strip()
    if not ref:
        raise NotFound("empty document reference: give a document id, an id prefix or a file name")
    exact = con.execute("SELECT doc_id FROM documents WHERE doc_id = ? OR source_file = ?", [ref, ref]).fetchall()
    if len(exact) == 1:
        return exact[0][0]
    rows = exact or con.execute("SELECT doc_id FROM documents WHERE starts_with(doc_id, ?) ORDER BY doc_id",
                                [ref.lower()]).fetchall()
    if not rows:
        raise NotFound(f"no stored document matches '{ref}' (give a document id, an id prefix or a file name; "
                       f"`cnpolicy documents` lists them)")
    if len(rows) > 1:
        shown = ", ".join(r[0] for r in rows[:5]) + (" …" if len(rows) > 5 else "")
        raise NotFound(f"'{ref}' matches {len(rows)} documents ({shown}): give more of the id")
    return rows[0][0]
