"""Structured queries over the ``targets`` table.

An indicator is matched as a concept, not as a string: the query text and each row's
indicator are canonicalised with the catalogue (``extractors.indicators``); two known
concepts match only when they are the same concept, and text outside the catalogue falls
back to character-bigram similarity or containment.  Values compare across units
(0.4‰ == 0.04%, 1亿元 == 10000万元) via ``queries.units``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from corpus.regions import county_level
from extractors import indicators
from extractors.departments import canonical as canonical_department
from queries.filters import Filters, FilterError, has_column, page_bounds, sql_literal
from queries.units import convert, convertible, normalise_unit, same_quantity

SIMILARITY = 0.6  # bigram Dice above which two uncatalogued indicator names are one concept

UPPER = {"<=", "<"}
LOWER = {">=", ">"}

ROW_COLUMNS = ("region", "province", "prefecture", "county", "admin_level", "kind", "source_file", "title", "period",
               "doc_id",
               "target_id", "indicator", "canonical_indicator", "value", "value_max", "value_raw", "unit",
               "comparator", "year", "attribute", "category", "quote", "page", "section_path",
               "char_start", "char_end", "confidence")


# --- indicator concepts ----------------------------------------------------------------
@lru_cache(maxsize=65536)
def normalise_indicator(name: str) -> str:
    """The comparable core of an indicator name (catalogue rules); cached, since questions
    and queries normalise the same few hundred names over and over."""
    return indicators.normalise(name)


def similarity(a: str, b: str) -> float:
    return indicators.similarity(a, b)


@lru_cache(maxsize=8192)
def canonical_of(name: str | None) -> str | None:
    """The catalogue concept of an indicator as written, or None."""
    if not name:
        return None
    return indicators.canonicalize(name)[0]


def direction_of(name: str | None) -> str | None:
    """lower_is_better / higher_is_better, or None when unknown."""
    if not name:
        return None
    return indicators.direction(name)


@dataclass(frozen=True)
class Concept:
    """An indicator as asked: its text, normalised key and catalogue concept."""
    text: str
    key: str
    canonical: str | None

    @classmethod
    def of(cls, text: str) -> "Concept":
        return cls(text, normalise_indicator(text), canonical_of(text))

    def match(self, indicator: str | None, canonical: str | None) -> float:
        """How well a row's indicator is this concept: 0 (not it) to 1."""
        row_canonical = canonical or canonical_of(indicator)
        if self.canonical and row_canonical:
            return 1.0 if self.canonical == row_canonical else 0.0
        if self.canonical and canonical_of(indicator or "") == self.canonical:
            return 1.0
        row_key = normalise_indicator(indicator or "")
        if not self.key or not row_key:
            return 0.0
        if self.key in row_key or (len(row_key) >= 4 and row_key in self.key):
            return 0.9
        score = similarity(self.key, row_key)
        return score if score >= SIMILARITY else 0.0


@lru_cache(maxsize=65536)
def _match_score(concept: Concept, indicator: str | None, canonical: str | None) -> float:
    return concept.match(indicator, canonical)


def matching_indicators(con, concept: Concept) -> dict[tuple[str | None, str | None], float]:
    """The (indicator, canonical_indicator) pairs stored in ``targets`` that are ``concept``,
    with their match score.  Names are matched (not rows), once per concept and version of the
    store's name list (``catalogue_of``): a corpus of tens of thousands of distinct names costs
    the scoring loop once, not on every query."""
    return _matches_in(catalogue_of(con), con, concept)


def _matches_in(catalogue: "Catalogue | None", con, concept: Concept) -> dict[tuple[str | None, str | None], float]:
    if catalogue is None:  # an older database without the lookup table: nothing to key a cache on
        return _score_pairs(concept, indicator_pairs(con))
    return catalogue.matches(concept)


def _score_pairs(concept: Concept, pairs) -> dict[tuple[str | None, str | None], float]:
    return {(i, c): score for i, c in pairs if (score := _match_score(concept, i, c)) > 0}


class Catalogue:
    """The stored indicator names of one version of a store, and the concepts matched over them."""

    def __init__(self, pairs: list[tuple[str | None, str | None]]):
        self.pairs = pairs
        self.by_canonical: dict[str, int] = {}  # canonical → how many stored pairs carry it
        for _, c in pairs:
            if c is not None:
                self.by_canonical[c] = self.by_canonical.get(c, 0) + 1
        self._matches: dict[Concept, dict] = {}
        self._sql: dict[Concept, tuple] = {}
        self.units: list[str | None] | None = None  # the distinct target units, read when first needed
        self.memo: dict = {}  # other things derived from these names (ask's known-name dict)

    def matches(self, concept: Concept) -> dict[tuple[str | None, str | None], float]:
        """The stored pairs that are ``concept``, with their scores (computed once per concept;
        local values throughout, so a thread clearing the cache cannot fail another)."""
        found = self._matches.get(concept)
        if found is None:
            if len(self._matches) >= CONCEPTS_PER_CATALOGUE:
                self._matches.clear()
                self._sql.clear()
            names = self._names()
            found = self._matches[concept] = names.score(concept) if names else _score_pairs(concept, self.pairs)
        return found

    def _names(self) -> "NameIndex | None":
        """The NameIndex of these names, built for the second concept asked (building it costs
        three concepts' plain scoring: a one-shot command asks one)."""
        return self.name_index() if self._matches else self.memo.get("names")

    def name_index(self) -> "NameIndex":
        names = self.memo.get("names")
        if names is None:
            names = self.memo["names"] = NameIndex(self.pairs)
        return names

    def sql(self, concept: Concept) -> tuple:
        """``_indicator_sql`` of the concept's matches, cached with them."""
        found = self._sql.get(concept)
        if found is None:
            if len(self._sql) >= CONCEPTS_PER_CATALOGUE:
                self._sql.clear()
            found = self._sql[concept] = _indicator_sql(self.matches(concept), self)
        return found


class NameIndex:
    """``Concept.match`` over a list of stored names, with what it reads of each name worked out
    once (its concept, normalised key and bigrams) and similarity tried only on the names that
    share a bigram with the asked key (a name sharing none scores 0): a new concept cost 30-50 ms
    over 4k names when every name went through ``Concept.match``."""

    def __init__(self, pairs: list[tuple[str | None, str | None]]):
        self.pairs = pairs
        self.concepts = [c or canonical_of(i) for i, c in pairs]
        self.keys = [normalise_indicator(i or "") for i, _ in pairs]
        self.grams = [indicators._bigrams(k) for k in self.keys]
        self.by_concept: dict[str, list[int]] = {}
        self.by_gram: dict[str, list[int]] = {}
        for n, concept in enumerate(self.concepts):
            if concept:
                self.by_concept.setdefault(concept, []).append(n)
        for n, grams in enumerate(self.grams):
            if self.keys[n]:
                for g in grams:
                    self.by_gram.setdefault(g, []).append(n)

    def score(self, concept: Concept) -> dict[tuple[str | None, str | None], float]:
        """The pairs that are ``concept`` with their scores, in stored order (``_score_pairs``)."""
        found: dict[int, float] = {}
        if concept.canonical:  # a named concept decides every name that has one
            found.update((n, 1.0) for n in self.by_concept.get(concept.canonical, ()))
            open_names = [n for n, c in enumerate(self.concepts) if not c]
        else:
            open_names = range(len(self.pairs))
        key = concept.key
        if key:
            grams = indicators._bigrams(key)
            near = {n for g in grams for n in self.by_gram.get(g, ())}
            for n in open_names:
                row_key = self.keys[n]
                if not row_key:
                    continue
                if key in row_key or (len(row_key) >= 4 and row_key in key):
                    found[n] = 0.9
                elif n in near:
                    score = 1.0 if key == row_key else \
                        2 * len(grams & self.grams[n]) / (len(grams) + len(self.grams[n]))
                    if score >= SIMILARITY:
                        found[n] = score
        return {self.pairs[n]: found[n] for n in sorted(found)}


CONCEPTS_PER_CATALOGUE = 4096
_CATALOGUES: dict[tuple, Catalogue] = {}
_CATALOGUE_VERSIONS: dict[str, tuple] = {}  # store path → (file version, its _CATALOGUES key)


def catalogue_of(con) -> Catalogue | None:
    """The ``indicator_names`` of this store, cached under the database's path and a checksum of
    the table (count and an xor of row hashes: 1 ms at 50k names), so an ingest that adds a name,
    or a rebuilt table, gives a new entry.  While the store's files are unchanged
    (``target_index.store_version``) the checksum is not asked again.  None for a database
    without the table."""
    import duckdb

    from queries.versions import store_path, store_version

    path = store_path(con)
    version = store_version(path)  # unchanged files: the same names, without the 1-2 ms checksum
    seen = _CATALOGUE_VERSIONS.get(path) if version is not None else None
    if seen is not None and seen[0] == version and seen[1] in _CATALOGUES:
        return _CATALOGUES[seen[1]]
    try:
        key = con.execute("SELECT (SELECT path FROM duckdb_databases() WHERE database_name = current_database()), "
                          "count(*), bit_xor(hash(indicator, canonical_indicator)) FROM indicator_names").fetchone()
    except duckdb.CatalogException:
        return None
    if key[0] in (None, "", ":memory:") or key[0].startswith(":memory:"):
        return Catalogue(indicator_pairs(con))  # in-memory stores share no identity: no cache
    found = _CATALOGUES.get(key)
    if found is None:
        for old in [k for k in list(_CATALOGUES) if k[0] == key[0]]:  # list(): other threads may add
            _CATALOGUES.pop(old, None)  # one version per store is kept
        found = _CATALOGUES[key] = Catalogue(indicator_pairs(con))
    if version is not None and store_version(path) == version:
        _CATALOGUE_VERSIONS[path] = (version, key)
    return found


def stored_units(con, fresh: bool = False, catalogue: "Catalogue | None" = None) -> list[str | None]:
    """The distinct units of ``targets`` (a dictionary-coded column: 2 ms at 10k documents), kept
    with the store's name list; ``fresh`` reads them again (a caller that meets a unit not in
    the list asks for that, so a list older than the targets is never used).  ``catalogue``: the
    one a caller already holds (``Source.catalogue``), saving the lookup."""
    catalogue = catalogue or catalogue_of(con)
    if catalogue is not None and catalogue.units is not None and not fresh:
        return catalogue.units
    units = [r[0] for r in con.execute("SELECT DISTINCT unit FROM targets").fetchall()]
    if catalogue is not None:
        catalogue.units = units
    return units


def indicator_pairs(con) -> list[tuple[str | None, str | None]]:
    """The distinct (indicator, canonical_indicator) pairs of ``targets``: from the writer's
    ``indicator_names`` lookup table (a few hundred rows at any corpus size), or by scanning
    the targets of a database from before it (19 ms at 10k documents, and growing)."""
    import duckdb

    try:
        return con.execute("SELECT indicator, canonical_indicator FROM indicator_names").fetchall()
    except duckdb.CatalogException:
        return con.execute("SELECT DISTINCT indicator, canonical_indicator FROM targets").fetchall()


def _indicator_join(pairs: dict) -> tuple[str, list]:
    """SQL joining target rows to the matched (indicator, canonical) pairs, exactly, with each
    pair's score as ``match`` (so filtering and paging stay in SQL)."""
    marks = ", ".join("(?::VARCHAR, ?::VARCHAR, ?::DOUBLE)" for _ in pairs)
    params = [x for (i, c), score in pairs.items() for x in (i, c, round(score, 3))]
    return (f" JOIN (VALUES {marks}) m(m_indicator, m_canonical, match) ON t.indicator IS NOT DISTINCT FROM "
            f"m.m_indicator AND t.canonical_indicator IS NOT DISTINCT FROM m.m_canonical", params)


def _indicator_sql(pairs: dict, catalogue: "Catalogue | None") -> tuple[str, list, str, str, list]:
    """(WHERE clause, its params, the ``match`` column, a join, its params) selecting the rows of
    the matched pairs.  When the clause alone is exact and every pair scores the same, the score
    is a constant and the join goes (it read every matched row's written name, a long string)."""
    clause, names = _indicator_names_clause(pairs, catalogue)
    scores = {round(v, 3) for v in pairs.values()}
    if len(scores) == 1 and clause_is_exact(pairs, catalogue):
        return clause, names, f", {scores.pop()!r}::DOUBLE AS match", "", []
    join, join_params = _indicator_join(pairs)
    return clause, names, ", m.match", join, join_params


def clause_is_exact(pairs: dict, catalogue: Catalogue | None) -> bool:
    """Whether ``_indicator_names_clause`` selects exactly the rows of the matched pairs (so the
    join to them can go): every matched pair lies under a concept all of whose names matched, or
    no stored pair shares a matched name with an unmatched canonical."""
    if catalogue is None:
        return False
    names = {i for i, _ in pairs}
    return all((i, c) in pairs for i, c in catalogue.pairs if i in names or c in _whole(pairs, catalogue))


def _whole(pairs: dict, catalogue: Catalogue | None) -> set[str]:
    """The concepts all of whose stored names are among ``pairs``."""
    if catalogue is None:
        return set()
    counts: dict[str, int] = {}
    for _, c in pairs:
        if c is not None:
            counts[c] = counts.get(c, 0) + 1
    return {c for c, n in counts.items() if catalogue.by_canonical.get(c) == n}


def _indicator_names_clause(pairs: dict, catalogue: Catalogue | None = None) -> tuple[str, list]:
    """A filter DuckDB applies while scanning, so the join above sees the few matching rows
    instead of every target: ``t.canonical_indicator IN (…)`` for each concept all of whose
    stored names matched (one short dictionary-coded column: a quarter of the cost of comparing
    the written names), ``t.indicator IN (…)`` for the other matched names."""
    whole = _whole(pairs, catalogue)
    names = sorted({i for i, c in pairs if i is not None and c not in whole})
    clauses, params = [], []
    if whole:
        clauses.append(f"t.canonical_indicator IN ({', '.join('?' * len(whole))})")
        params += sorted(whole)
    if names:
        clauses.append(f"t.indicator IN ({', '.join('?' * len(names))})")
        params += names
    if any(i is None and c not in whole for i, c in pairs):
        clauses.append("t.indicator IS NULL")
    return f"({' OR '.join(clauses)})", params


# --- value, unit and comparator ----------------------------------------------------------
def comparator_compatible(asked: str | None, row: str | None) -> bool:
    """Whether a row's comparator answers a question's: bounds match bounds of the same side
    (不超过 ~ 低于), changes match changes; an unqualified value (是/为) matches any."""
    if not asked or asked == "=":
        return True
    if asked in UPPER:
        return row in UPPER
    if asked in LOWER:
        return row in LOWER
    return asked == row


def comparator_clause(asked: str | None, column: str) -> tuple[str | None, list]:
    """``comparator_compatible`` as SQL on ``column`` (None: any row)."""
    if not asked or asked == "=":
        return None, []
    side = UPPER if asked in UPPER else LOWER if asked in LOWER else {asked}
    return f"{column} IN ({','.join('?' * len(side))})", sorted(side)


def value_matches(value: float, unit: str | None, row: dict) -> bool:
    if row.get("comparator") == "range" and row.get("value") is not None and row.get("value_max") is not None:
        lo = convert(row["value"], row.get("unit"), unit) if normalise_unit(unit) else row["value"]
        hi = convert(row["value_max"], row.get("unit"), unit) if normalise_unit(unit) else row["value_max"]
        return lo is not None and hi is not None and lo <= value <= hi
    return same_quantity(value, unit, row.get("value"), row.get("unit"))


# --- the query ---------------------------------------------------------------------------
def is_county_level(level: str | None) -> bool:
    """County-level units: counties, county-level cities, districts (banners too)."""
    return bool(level) and bool(county_level(level))


def _select(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


DOC_FIELDS = ("d.region, d.province, d.prefecture, d.county, d.admin_level, d.kind, d.source_file, d.title, d.period, "
              "d.period_start, d.period_end")


def _confidence(con, table: str, alias: str) -> str:
    return f", {alias}.confidence" if has_column(con, table, "confidence") else ", NULL::DOUBLE AS confidence"


def _in_range(row: dict, f: Filters) -> bool:
    """The row's value within [value_min, value_max], in ``f.unit`` when given (converted)."""
    v = row.get("value")
    if v is None:
        return False
    if f.unit:
        v = convert(v, row.get("unit"), f.unit)
        if v is None:
            return False
    return (f.value_min is None or v >= f.value_min) and (f.value_max is None or v <= f.value_max)


class Page(NamedTuple):
    """One page of a list and how many rows match in all."""
    rows: list[dict]
    total: int


def paged_select(con, select: str, source: str, order: str, params: list, keep=None, limit=None,
                 offset: int = 0, select_params: list | None = None) -> Page:
    """``SELECT select source ORDER BY order``, paged in SQL (LIMIT/OFFSET, and a count only
    when the page does not already tell it) when every filter is in SQL; ``keep`` (a Python
    filter over all rows, for what SQL cannot say) makes it filter first, then slice.
    ``params`` are those of ``source``; ``select_params`` those of ``select`` (counted columns)."""
    limit, offset = page_bounds(limit, offset)
    sql = f"SELECT {select} {source} ORDER BY {order}"
    select_params = select_params or []
    if keep is not None or (not limit and not offset):
        rows = _select(con, sql, select_params + params)
        rows = keep(rows) if keep is not None else rows
        return Page(rows[offset:offset + limit] if limit else rows[offset:], len(rows))
    rows = _select(con, sql + (" LIMIT ?" if limit else "") + " OFFSET ?",
                   select_params + params + ([limit] if limit else []) + [offset])
    if limit and len(rows) < limit and (rows or not offset):
        return Page(rows, offset + len(rows))
    return Page(rows, con.execute(f"SELECT count(*) {source}", params).fetchone()[0])


class Source(NamedTuple):
    """``FROM targets t JOIN documents d …`` (``head``) and the ``WHERE`` condition for the
    rows a query asks for, their parameters (the head's first), and ``, m.match`` when an
    indicator was matched (the score column)."""
    head: str
    where: str
    params: list
    match: str
    canonicals: tuple = ()  # the catalogue concepts of the matched names (their rows' canonical_indicator)
    catalogue: object = None  # the store's Catalogue when it has one (for stored_units)

    @property
    def sql(self) -> str:
        return f"{self.head} WHERE {self.where}"


def target_source(con, indicator=None, comparator=None, f: Filters | None = None) -> Source | None:
    """The SQL part of a targets query (concept, comparator, the shared filters, a value range
    in the stored unit); None when the indicator matches no stored name.  A range in another
    unit needs conversion in Python (``targets_page``)."""
    f = f or Filters()
    where, params = f.fact_sql(con, "targets", "t")
    join, join_params, match, scores, catalogue = "", [], "", {}, None
    if indicator:
        concept = indicator if isinstance(indicator, Concept) else Concept.of(indicator)
        catalogue = catalogue_of(con)
        scores = _matches_in(catalogue, con, concept)
        if not scores:
            return None
        if catalogue is not None:
            clause, names, match, join, join_params = catalogue.sql(concept)
        else:
            clause, names, match, join, join_params = _indicator_sql(scores, None)
        where, params = f"{where} AND {clause}", params + names
    clause, values = comparator_clause(comparator, "t.comparator")
    if clause:
        where, params = f"{where} AND {clause}", params + values
    if not f.unit:  # a range in the stored unit is plain SQL; in another unit it needs conversion
        for bound, op in ((f.value_min, ">="), (f.value_max, "<=")):
            if bound is not None:
                where, params = f"{where} AND t.value {op} ?", params + [bound]
    return Source(f"FROM targets t JOIN documents d USING (doc_id){join}", where, join_params + params, match,
                  tuple(sorted({c for _, c in scores if c})) if indicator else (), catalogue)


TARGET_ORDER = "d.source_file, t.doc_id, t.char_start, t.target_id"


def target_columns(con, match: str = "") -> str:
    """The columns of a target row (``ROW_COLUMNS`` and the document's period)."""
    return (f"{DOC_FIELDS}, t.doc_id, t.target_id, t.indicator, t.canonical_indicator, t.value, t.value_max, "
            f"t.value_raw, t.unit, t.comparator, t.year, t.attribute, t.category, t.quote, t.page, "
            f"t.section_path, t.char_start, t.char_end{_confidence(con, 'targets', 't')}{match}")


def targets_page(con, indicator=None, value=None, comparator=None, unit=None, filters: Filters | None = None,
                 limit=None, offset: int = 0, **filter_values) -> Page:
    """``query_targets`` as one page (``limit`` rows from ``offset``) and the number of matches."""
    limit, offset = page_bounds(limit, offset)
    f = Filters.of(filters, **filter_values)
    in_python = f.unit is not None or value is not None or normalise_unit(unit)
    if not in_python and (page := _indexed_page(con, indicator, comparator, f, limit, offset or 0)):
        return page
    source = target_source(con, indicator, comparator, f)
    if source is None:
        return Page([], 0)

    def keep(rows: list[dict]) -> list[dict]:
        if f.unit and (f.value_min is not None or f.value_max is not None):
            rows = [r for r in rows if _in_range(r, f)]
        if value is not None:
            return [r for r in rows if value_matches(float(value), unit, r)]
        if normalise_unit(unit):
            return [{**r, "value_in_unit": convert(r["value"], r["unit"], unit) if r["value"] is not None else None}
                    for r in rows if convertible(r.get("unit"), unit)]
        return rows

    if limit and not in_python:
        return _late_page(con, source, limit, offset or 0)
    return paged_select(con, target_columns(con, source.match), source.sql, TARGET_ORDER, source.params,
                        keep if in_python else None, limit, offset)


class Indexed(NamedTuple):
    """The rows a query asks for, from the target index: their positions (ascending, i.e. in
    ``TARGET_ORDER``), the index and the matched pairs with their scores."""
    positions: object
    index: object
    scores: dict


def indexed_rows(con, indicator, comparator, f: Filters) -> "Indexed | None":
    """``target_source``'s rows from the in-process index (``queries.target_index``); None (ask
    SQL) when the store has no index or a filter is one the index does not state (a value range)."""
    if not indicator or f.value_min is not None or f.value_max is not None:
        return None
    from queries.target_index import index_of

    has_confidence = has_column(con, "targets", "confidence")
    catalogue = catalogue_of(con)
    index = index_of(con, has_confidence) if catalogue is not None else None
    if index is None:
        return None
    catalogue.name_index()  # with the target index (one slow query, not two)
    concept = indicator if isinstance(indicator, Concept) else Concept.of(indicator)
    scores = catalogue.matches(concept)
    found = index.positions(scores)
    if found is None:
        return None
    keep = _index_mask(con, index, found, f, comparator, has_confidence)
    return None if keep is None else Indexed(found[keep], index, scores)


def _indexed_page(con, indicator, comparator, f: Filters, limit: int | None, offset: int) -> Page | None:
    """``targets_page`` of one concept from the target index: the same rows in the same order,
    only the page's read whole; None: ask SQL."""
    if (got := indexed_rows(con, indicator, comparator, f)) is None:
        return None
    found, index, scores = got
    shown = found[offset:offset + limit] if limit else found[offset:]
    match = index.scores_at(scores, shown)
    if index.assembles:  # a whole answer too: 8,000 rows cost 85-120 ms CPU so, 100-160 in one SQL statement
        return Page(index.target_rows(con, shown, match), len(found))
    if not limit or limit > PAGE_DOCS:  # the whole answer: one SQL statement is cheaper
        return None
    return Page(rows_by_id(con, index.rows[shown].tolist(), match, documents=index.documents(con)), len(found))


def _index_mask(con, index, found, f: Filters, comparator, has_confidence: bool):
    """Which of the positions ``found`` pass ``f.fact_sql`` and the comparator (``target_source``'s
    WHERE), or None when the index cannot say: document filters run as SQL on ``documents``."""
    import numpy as np

    keep = np.ones(len(found), dtype=bool)
    if f.min_confidence > 0 and has_confidence:
        conf = index.confidence[found]
        keep &= np.isnan(conf) | (conf >= f.min_confidence)
    if f.year is not None:
        keep &= index.year[found] == f.year
    for column, values in (("attribute", [f.attribute] if f.attribute else None),
                           ("comparator", comparator_clause(comparator, "t.comparator")[1] or None)):
        if values is not None:
            among = index.among(column, found, values)
            if among is None:
                return None
            keep &= among
    where, params = f.document_sql(con, year_means_period=False)
    if where:
        keep &= np.isin(index.doc[found], _documents_where(con, " AND ".join(where), params))
    return keep


def _documents_where(con, where: str, params: list):
    """The row ids of the documents a filter keeps, remembered per store version and filter."""
    import numpy as np

    from queries.versions import versioned

    sql = f"SELECT d.rowid FROM documents d WHERE {where}"
    return versioned(con, f"documents {sql} {params!r}", lambda: np.array(
        [r[0] for r in con.execute(sql, params).fetchall()], dtype=np.int64))


def _late_page(con, source: Source, limit: int, offset: int) -> Page:
    """One page of targets, its rows found on the narrow columns (names, confidence, order keys)
    and only then read whole: reading every column of every matching row and sorting them
    cost 78 ms CPU at 10k documents, the two narrow steps a third of that."""
    match = f"{source.match} AS match" if source.match == ", m.match" else source.match or ", NULL AS match"
    keys = (f"SELECT t.rowid AS row_, row_number() OVER (ORDER BY {TARGET_ORDER}) AS ord_, count(*) OVER () AS total_"
            f"{match} {source.sql} ORDER BY ord_ LIMIT ? OFFSET ?")
    sql = (f"SELECT {target_columns(con)}{', k.match' if source.match else ''}, k.total_ FROM ({keys}) k "
           f"JOIN targets t ON t.rowid = k.row_ JOIN documents d ON d.doc_id = t.doc_id ORDER BY k.ord_")
    rows = _select(con, sql, source.params + [limit, offset])
    if not rows:
        return Page([], con.execute(f"SELECT count(*) {source.sql}", source.params).fetchone()[0] if offset else 0)
    total = rows[0]["total_"]
    for r in rows:
        del r["total_"]
    return Page(rows, total)


PAGE_DOCS = 200  # up to this many rows, rows_by_id reads just their documents


def doc_fields() -> list[str]:
    """The document columns of a target row (``DOC_FIELDS`` without the alias)."""
    return [c.strip()[2:] for c in DOC_FIELDS.split(",")]


def page_documents(con, doc_ids=None) -> dict[str, dict]:
    """doc_id → {doc_id and the ``doc_fields``} of these documents (every one when None)."""
    fields = ", ".join(doc_fields())
    if doc_ids is None:
        return {d["doc_id"]: d for d in _select(con, f"SELECT doc_id, {fields} FROM documents", [])}
    if not doc_ids:
        return {}
    listed = ", ".join(sql_literal(d) for d in sorted(doc_ids))
    return {d["doc_id"]: d for d in _select(con, f"SELECT doc_id, {fields} FROM documents WHERE doc_id IN ({listed})", [])}


def rows_by_id(con, ids: list[int], match: list | None = None, source: "Source | None" = None,
               documents: dict | None = None) -> list[dict]:
    """The whole target rows (``target_columns``) of these row ids, in their order, with
    ``match`` (one score per id) when given; ``source``, the query the ids came from, lets a
    long list be read with that query's filters (the scan then skips what they exclude).  Two steps: the target rows, then the fields of
    just their documents (joining every document to a page cost 4-6 ms at 10k documents).
    Ids and document ids are written into the SQL (values DuckDB gave): as parameters DuckDB
    converts each through Python, with a failed ``import pandas`` apiece (1.2 s for 4,000 ids).
    ``documents`` (doc_id → the ``DOC_FIELDS`` of every stored document, from the target index)
    saves reading the documents of a page."""
    if not ids:
        return []
    listed = ",".join(str(int(i)) for i in ids)
    if len(ids) > PAGE_DOCS and documents is None:  # a whole answer: one join over every document beats a long IN list
        ks = f"(SELECT unnest([{listed}]::BIGINT[]) AS row_, unnest(range({len(ids)})) AS ord_) k"
        if source is not None:  # the query's own filters prune the scan before the join sees it
            sql, params = (f"SELECT {target_columns(con)}, k.ord_ {source.head} JOIN {ks} ON t.rowid = k.row_ "
                           f"WHERE {source.where}"), source.params
        else:
            sql, params = (f"SELECT {target_columns(con)}, k.ord_ FROM targets t JOIN documents d USING (doc_id) "
                           f"JOIN {ks} ON t.rowid = k.row_"), []
        rows = _select(con, sql + " ORDER BY k.ord_", params)
        for r in rows:
            i = r.pop("ord_")
            if match is not None:
                r["match"] = match[i]
        return rows
    own = target_columns(con).split(", t.doc_id", 1)[1]
    rows = _select(con, f"SELECT t.doc_id{own}, k.ord_ FROM targets t JOIN (SELECT unnest([{listed}]::BIGINT[]) AS row_, "
                        f"unnest(range({len(ids)})) AS ord_) k ON t.rowid = k.row_ ORDER BY k.ord_", [])
    fields = doc_fields()
    by_doc = documents if documents is not None else page_documents(con, {r["doc_id"] for r in rows})
    out = []
    for r in rows:
        i = r.pop("ord_")
        doc = by_doc.get(r["doc_id"])
        if doc is None:  # a target without its document: the inner join of the one-step query drops it
            continue
        row = {c: doc[c] for c in fields}
        row.update(r)
        if match is not None:
            row["match"] = match[i]
        out.append(row)
    return out


def query_targets(con, indicator=None, value=None, comparator=None, unit=None, filters: Filters | None = None,
                  limit=None, offset: int = 0, **filter_values) -> list[dict]:
    """Target rows with their document's region, filtered by concept, value, unit, comparator
    and the shared filters (``queries.filters.Filters``: region, province, level, kind, period,
    year, attribute, confidence, doc, value range).  Each row carries its citation (quote,
    source_file, page, section_path, char span).  ``value`` with ``unit`` matches across
    units; with ``unit`` alone, rows in a convertible unit are kept and ``value_in_unit`` is added.
    ``targets_page`` gives one page and the count of every match."""
    return targets_page(con, indicator, value, comparator, unit, filters, limit, offset, **filter_values).rows


# --- the other fact tables -----------------------------------------------------------------
def _contains(columns: tuple[str, ...], text: str) -> tuple[str, list]:
    """SQL for "``text`` occurs in any of ``columns``" (Python's ``text in column``)."""
    return "(" + " OR ".join(f"contains(coalesce({c}, ''), ?)" for c in columns) + ")", [text] * len(columns)


def projects_page(con, name: str | None = None, filters: Filters | None = None, limit=None, offset: int = 0,
                  **filter_values) -> Page:
    """``list_projects`` as one page and the number of matches."""
    f = Filters.of(filters, **filter_values)
    where, params = f.fact_sql(con, "projects", "x")
    if name:
        clause, values = _contains(("x.name", "x.section_path", "x.category"), name)
        where, params = f"{where} AND {clause}", params + values
    select = (f"{DOC_FIELDS}, x.doc_id, x.project_id, x.name, x.summary, x.investment, x.category, x.quote, "
              f"x.page, x.section_path, x.char_start, x.char_end{_confidence(con, 'projects', 'x')}")
    return paged_select(con, select, f"FROM projects x JOIN documents d USING (doc_id) WHERE {where}",
                        "d.source_file, x.doc_id, x.char_start, x.project_id", params, None, limit, offset)


def list_projects(con, name: str | None = None, filters: Filters | None = None, limit=None, offset: int = 0,
                  **filter_values) -> list[dict]:
    """Projects with their document's region; ``name`` matches words in the project's name,
    section path or category; the shared filters include an investment range (万元)."""
    return projects_page(con, name, filters, limit, offset, **filter_values).rows


def department_key(name: str) -> str:
    """One name per department: 市应急管理局 and 市应急局 are one."""
    return canonical_department(name) or name


def _departments(row: dict, role: str) -> set[str]:
    written = row.get(role) or []
    return set(written) | set(row.get(f"{role}_canonical") or []) | {department_key(x) for x in written}


ROLES = ("lead", "support")


def responsibilities_page(con, department: str | None = None, role: str | None = None,
                          filters: Filters | None = None, limit=None, offset: int = 0, **filter_values) -> Page:
    """``list_responsibilities`` as one page and the number of matches."""
    if role not in (None, "", *ROLES):
        raise FilterError("role", f"unknown role {role!r}: use lead or support")
    f = Filters.of(filters, **filter_values)
    where, params = f.fact_sql(con, "responsibilities", "x")
    keep = None
    if department:  # matched after canonicalising each row's departments: in Python
        wanted = {department, department_key(department)}
        roles = [role] if role else list(ROLES)

        def keep(rows: list[dict]) -> list[dict]:
            return [r for r in rows if any(wanted & _departments(r, x) for x in roles)]
    select = (f"{DOC_FIELDS}, x.doc_id, x.resp_id, x.task, x.lead, x.support, x.lead_canonical, "
              f"x.support_canonical, x.lead_role, x.support_role, x.quote, x.page, x.section_path, x.char_start, "
              f"x.char_end{_confidence(con, 'responsibilities', 'x')}")
    return paged_select(con, select, f"FROM responsibilities x JOIN documents d USING (doc_id) WHERE {where}",
                        "d.source_file, x.doc_id, x.char_start, x.resp_id", params, keep, limit, offset)


def list_responsibilities(con, department: str | None = None, role: str | None = None,
                          filters: Filters | None = None, limit=None, offset: int = 0, **filter_values) -> list[dict]:
    """Tasks with lead/support departments; ``department`` matches the lead (role="lead"),
    the supporters (role="support") or either, after department canonicalisation."""
    return responsibilities_page(con, department, role, filters, limit, offset, **filter_values).rows


def deadlines_page(con, what: str | None = None, filters: Filters | None = None, limit=None, offset: int = 0,
                   **filter_values) -> Page:
    """``list_deadlines`` as one page and the number of matches."""
    f = Filters.of(filters, **filter_values)
    where, params = f.fact_sql(con, "deadlines", "x")
    if what:
        clause, values = _contains(("x.what", "x.quote"), what)
        where, params = f"{where} AND {clause}", params + values
    select = (f"{DOC_FIELDS}, x.doc_id, x.deadline_id, x.what, x.year, x.month, x.relative, x.quote, x.page, "
              f"x.section_path, x.char_start, x.char_end{_confidence(con, 'deadlines', 'x')}")
    return paged_select(con, select, f"FROM deadlines x JOIN documents d USING (doc_id) WHERE {where}",
                        "d.source_file, x.doc_id, x.char_start, x.deadline_id", params, None, limit, offset)


def list_deadlines(con, what: str | None = None, filters: Filters | None = None, limit=None, offset: int = 0,
                   **filter_values) -> list[dict]:
    """Dated commitments (到2025年底前…); ``what`` matches words in the commitment; ``year``
    is the deadline's year."""
    return deadlines_page(con, what, filters, limit, offset, **filter_values).rows
