"""An in-process index of the stored targets, for warm structured queries.

A page of targets (50 rows of one concept, in ``TARGET_ORDER``, and how many match), a
comparison or an ask answer read in SQL scans the narrow columns of every target and sorts or
ranks every match: 30-120 ms CPU at 10k documents (500k targets), whatever the page.  This
index reads those columns once per version of the store — each row's (indicator, canonical)
pair, confidence, year, attribute, comparator, unit, value, span and document, in
``TARGET_ORDER`` — and groups the row positions by pair, so a query is a merge of the matched
pairs' positions, a few masks (document filters still run as SQL, on ``documents``) and array
work; only the long texts of the rows returned are read from the store (``target_rows``).

Built by the ``BUILD_AFTER``-th query of a store version (0.3-0.6 s CPU and ~60 MB of arrays at
10k documents), so a one-shot command stays in SQL; rebuilt for each new version of the store's
files (``queries.versions``: any committed change gives one).  An in-memory database has no
version and is always answered in SQL.  The index holds derived data only; any filter it cannot
state exactly (a value range, a hash collision) is answered in SQL.
"""
from __future__ import annotations

import threading
import time

import numpy as np

from queries.versions import store_path, store_version

NULL_YEAR = np.iinfo(np.int64).min  # no target's year (parse_year accepts 1949-2100)
TEXTS = ("target_id", "value_raw", "category", "quote", "section_path")  # read from the store, not kept here


# --- the index -------------------------------------------------------------------------------
class TargetIndex:
    """Narrow columns of every target joined to its document, row ``i`` being the ``i``-th
    target in ``TARGET_ORDER``."""

    def __init__(self, con, has_confidence: bool):
        from queries.targets import TARGET_ORDER

        conf = "t.confidence" if has_confidence else "NULL::DOUBLE"
        got = con.execute(
            f"SELECT t.rowid AS row_, hash(t.indicator, t.canonical_indicator) AS pair_, "
            f"coalesce({conf}, 'NaN'::DOUBLE) AS conf_, coalesce(t.year::BIGINT, {NULL_YEAR}) AS year_, "
            f"hash(t.attribute) AS attr_, hash(t.comparator) AS cmp_, d.rowid AS doc_, "
            f"coalesce(t.value, 'NaN'::DOUBLE) AS value_, t.value IS NULL AS no_value_, hash(t.unit) AS unit_, "
            f"coalesce(t.value_max, 'NaN'::DOUBLE) AS value_max_, t.value_max IS NULL AS no_value_max_, "
            f"{conf} IS NULL AS no_conf_, coalesce(t.page::BIGINT, {NULL_YEAR}) AS page_, "
            f"coalesce(t.char_start::BIGINT, {NULL_YEAR}) AS char_start_, "
            f"coalesce(t.char_end::BIGINT, {NULL_YEAR}) AS char_end_ "
            f"FROM targets t JOIN documents d USING (doc_id) ORDER BY {TARGET_ORDER}").fetchnumpy()
        self.rows = np.asarray(got["row_"], dtype=np.int64)
        self.pair = np.asarray(got["pair_"], dtype=np.uint64)
        self.confidence = np.asarray(got["conf_"], dtype=np.float64)
        self.year = np.asarray(got["year_"], dtype=np.int64)
        self.attribute = np.asarray(got["attr_"], dtype=np.uint64)
        self.comparator = np.asarray(got["cmp_"], dtype=np.uint64)
        self.doc = np.asarray(got["doc_"], dtype=np.int64)
        self.value = np.asarray(got["value_"], dtype=np.float64)
        self.no_value = np.asarray(got["no_value_"], dtype=bool)
        self.unit = np.asarray(got["unit_"], dtype=np.uint64)
        self.value_max = np.asarray(got["value_max_"], dtype=np.float64)
        self.no_value_max = np.asarray(got["no_value_max_"], dtype=bool)
        self.no_confidence = np.asarray(got["no_conf_"], dtype=bool)
        self.ints = {c: np.asarray(got[f"{c}_"], dtype=np.int64) for c in ("page", "char_start", "char_end")}
        self.by_pair = np.argsort(self.pair, kind="stable")  # positions grouped by pair, ascending in each
        self.sorted_pairs = self.pair[self.by_pair]
        self.pair_hash = _value_hashes(con, "SELECT indicator, canonical_indicator, hash(indicator, "
                                            "canonical_indicator) FROM indicator_names", pairs=True)
        self.attribute_hash = _value_hashes(con, "SELECT DISTINCT attribute, hash(attribute) FROM targets")
        self.comparator_hash = _value_hashes(con, "SELECT DISTINCT comparator, hash(comparator) FROM targets")
        self.unit_hash = _value_hashes(con, "SELECT DISTINCT unit, hash(unit) FROM targets")
        self._plans: Plans | None = None
        # whole rows can be put together from memory when every coded column can be read back
        self.assembles = None not in (self.pair_hash, self.attribute_hash, self.comparator_hash, self.unit_hash)
        self._documents: dict | None = None

    def documents(self, con) -> dict[str, dict]:
        """doc_id → the document fields of a target row (``targets.page_documents``), read when
        first asked for (10k documents: 20 ms once; a page read them in 2-5 ms each time)."""
        if self._documents is None:
            from queries.targets import page_documents

            self._documents = page_documents(con)
        return self._documents

    def positions(self, pairs) -> np.ndarray | None:
        """The positions (ascending: ``TARGET_ORDER``) of the rows of these (indicator,
        canonical) pairs; None when a pair is not in the index's name list."""
        parts = []
        for pair in pairs:
            h = self.pair_hash.get(pair) if self.pair_hash is not None else None
            if h is None:
                return None
            h = np.uint64(h)  # a Python int above 2**63 would be compared as a float
            lo = np.searchsorted(self.sorted_pairs, h, side="left")
            hi = np.searchsorted(self.sorted_pairs, h, side="right")
            parts.append(self.by_pair[lo:hi])
        if not parts:
            return np.empty(0, dtype=np.int64)
        found = np.concatenate(parts)
        found.sort()
        return found

    def among(self, column: str, positions: np.ndarray, values) -> np.ndarray | None:
        """Mask of ``positions`` whose ``column`` (attribute or comparator) is one of ``values``
        (SQL ``IN``: a NULL is none of them); None when the index cannot tell (hash collision)."""
        hashes = self.attribute_hash if column == "attribute" else self.comparator_hash
        if hashes is None:
            return None
        wanted = [hashes[v] for v in values if v is not None and v in hashes]
        return np.isin(getattr(self, column)[positions], np.array(wanted, dtype=np.uint64))

    def target_rows(self, con, positions, match: list | None = None, texts: tuple[str, ...] = TEXTS) -> list[dict]:
        """The whole rows (``targets.target_columns``, then ``match`` when given) at these
        positions, in their order: the index's columns from memory, the long texts (quote,
        section path, value as written, category, id) read by row id — a page's 50 rows
        scattered over the table cost 17 ms CPU read whole at 10k documents, 7 ms for the texts.
        ``texts``: the long texts wanted (the others are left out of the rows)."""
        from queries.targets import doc_fields

        p = np.asarray(positions, dtype=np.int64)
        if not len(p):
            return []
        ids = self.rows[p].tolist()
        read = _texts(con, ids, texts)
        documents, plans = self.documents(con), self.plans(con)
        fields = doc_fields()
        names = {h: pair for pair, h in (self.pair_hash or {}).items()}
        pairs = [names[h] for h in self.pair[p].tolist()]
        units, comparators, attributes = (_inverse(self.unit_hash), _inverse(self.comparator_hash),
                                          _inverse(self.attribute_hash))
        columns = {  # one list per column, in the order of a row
            "doc_id": [plans.doc_id[d] for d in plans.of_row[p].tolist()],
            "target_id": None, "indicator": [i for i, _ in pairs], "canonical_indicator": [c for _, c in pairs],
            "value": _nullable(self.value[p], self.no_value[p]),
            "value_max": _nullable(self.value_max[p], self.no_value_max[p]), "value_raw": None,
            "unit": [units[h] for h in self.unit[p].tolist()],
            "comparator": [comparators[h] for h in self.comparator[p].tolist()],
            "year": _nullable(self.year[p], self.year[p] == NULL_YEAR),
            "attribute": [attributes[h] for h in self.attribute[p].tolist()], "category": None, "quote": None,
            "page": _nullable(self.ints["page"][p], self.ints["page"][p] == NULL_YEAR), "section_path": None,
            "char_start": _nullable(self.ints["char_start"][p], self.ints["char_start"][p] == NULL_YEAR),
            "char_end": _nullable(self.ints["char_end"][p], self.ints["char_end"][p] == NULL_YEAR),
            "confidence": _nullable(self.confidence[p], self.no_confidence[p])}
        for n, column in enumerate(texts):
            columns[column] = [read[i][n] for i in ids]
        for column in TEXTS:
            if column not in texts:
                del columns[column]
        keys = list(columns)
        out = []
        for values in zip(*columns.values()):
            doc = documents[values[0]]
            row = {c: doc[c] for c in fields}
            row.update(zip(keys, values))
            out.append(row)
        if match is not None:
            for row, m in zip(out, match):
                row["match"] = m
        return out

    def scores_at(self, scores: dict, positions) -> list[float]:
        """The match score (``scores``: name pair → score) of the rows at these positions,
        rounded as the SQL gives it."""
        score_of = {self.pair_hash[pair]: round(score, 3) for pair, score in scores.items()}
        return [score_of[h] for h in self.pair[positions].tolist()]

    def plans(self, con) -> "Plans":
        """The documents of the rows (``Plans``), read when first asked for."""
        if self._plans is None:
            self._plans = Plans(con, self.doc)
        return self._plans


def _value_hashes(con, sql: str, pairs: bool = False) -> dict | None:
    """value (or (indicator, canonical) pair) → its DuckDB hash (a Python int); None when two values share one
    (the index then cannot tell their rows apart, and leaves those queries to SQL)."""
    out = {}
    for row in con.execute(sql).fetchall():
        key, h = (tuple(row[:2]), row[2]) if pairs else (row[0], row[1])
        out[key] = int(h)  # NULL too: a value sharing its hash would match NULL rows
    return out if len(set(out.values())) == len(out) else None


def _nullable(values: np.ndarray, null: np.ndarray) -> list:
    """``values`` as Python numbers, None where ``null``."""
    return [None if n else v for v, n in zip(values.tolist(), null.tolist())]


def _texts(con, ids: list[int], texts: tuple[str, ...]) -> dict[int, tuple]:
    """row id → the ``texts`` columns of those target rows (a join for a long list, which
    DuckDB matches faster than ``= ANY``: 52 against 69 ms for 8,000 rows)."""
    if not texts:
        return {i: () for i in ids}
    listed = ",".join(map(str, ids))
    wanted = ", ".join(f"t.{c}" for c in texts)
    sql = (f"SELECT t.rowid, {wanted} FROM targets t WHERE t.rowid = ANY([{listed}]::BIGINT[])" if len(ids) <= 200
           else f"SELECT t.rowid, {wanted} FROM targets t JOIN (SELECT unnest([{listed}]::BIGINT[]) AS r) k "
                f"ON t.rowid = k.r")
    return {r[0]: r[1:] for r in con.execute(sql).fetchall()}


def _inverse(hashes: dict | None) -> dict:
    """hash → value of a ``_value_hashes`` map."""
    return {h: v for v, h in (hashes or {}).items()}


class Plans:
    """Per document (numbered by its place in ``TARGET_ORDER``: source_file, doc_id) what a
    comparison reads of it, and each target row's document number."""

    def __init__(self, con, row_docs: np.ndarray):
        got = con.execute("SELECT rowid, doc_id, source_file, region, period_start, period_end FROM documents "
                          "ORDER BY source_file, doc_id").fetchall()
        self.doc_id = [r[1] for r in got]
        self.source_file = [r[2] for r in got]
        self.region = [r[3] for r in got]
        self.name = [r[3] if r[3] else r[2] for r in got]  # coalesce(nullif(region, ''), source_file)
        # the compared period of a plan: none when period_start is NULL or 0 (NULL_YEAR stands for none)
        self.ps = np.array([r[4] if r[4] else NULL_YEAR for r in got], dtype=np.int64)
        self.pe = np.array([(r[5] or r[4]) if r[4] else NULL_YEAR for r in got], dtype=np.int64)
        spans = sorted({(int(a), int(b)) for a, b in zip(self.ps.tolist(), self.pe.tolist()) if a != NULL_YEAR})
        self.periods = spans  # the distinct periods, and each plan's place among them (-1: none)
        code = {p: n for n, p in enumerate(spans)}
        self.period_code = np.array([code.get((a, b), -1) for a, b in zip(self.ps.tolist(), self.pe.tolist())],
                                    dtype=np.int64)
        regions = sorted({r or "" for r in self.region})  # coalesce(region, ''), in DuckDB's (byte) order
        rank = {r: n for n, r in enumerate(regions)}
        self.region_rank = np.array([rank[r or ""] for r in self.region], dtype=np.int64)
        names = sorted({n for n in self.name if n})
        self.names = names  # the names a comparison lists (region, else file), and each plan's (-1: none)
        place = {n: i for i, n in enumerate(names)}
        self.name_code = np.array([place.get(n, -1) if n else -1 for n in self.name], dtype=np.int64)
        rowids = np.array([r[0] for r in got], dtype=np.int64)
        by_rowid = np.argsort(rowids)
        self.of_row = by_rowid[np.searchsorted(rowids[by_rowid], row_docs)]  # target row → document number

    def first_names(self, docs: np.ndarray) -> list[str]:
        """Each plan's name (region, else file) once, in the order the plans ``docs`` first come."""
        named, first = np.unique(self.name_code[docs], return_index=True)
        return [self.names[c] for _, c in sorted(zip(first.tolist(), named.tolist())) if c >= 0]


_LOCK = threading.Lock()
_INDEXES: dict[str, tuple[tuple, TargetIndex]] = {}
_ASKED: dict[str, tuple[tuple, int]] = {}  # path → (version, how many queries asked for its index)
BUILD_AFTER = 2  # the query (per store version) that builds the index; those before it run in SQL
# A store whose last index lived less than CHURN seconds (an ingest committing batch after batch)
# waits for BUILD_AFTER_CHURN queries of one version: a rebuild costs five to ten SQL queries.
CHURN, BUILD_AFTER_CHURN = 30.0, 10
_BUILT: dict[str, float] = {}  # path → when its present index was built (time.monotonic)


def index_of(con, has_confidence: bool) -> TargetIndex | None:
    """The index of this connection's store at its present version, built by the
    ``BUILD_AFTER``-th query that asks for it at that version (``BUILD_AFTER_CHURN``-th while the
    store changes often; one index per store is kept); None before that, for an in-memory
    database and for an older one without ``indicator_names``."""
    import duckdb

    path = store_path(con)
    version = store_version(path)
    if version is None:
        return None
    key = (version, has_confidence)
    found = _INDEXES.get(path)
    if found is not None and found[0] == key:
        return found[1]
    asked = _ASKED.get(path)
    times = asked[1] + 1 if asked is not None and asked[0] == key else 1
    _ASKED[path] = (key, times)
    churning = found is not None and time.monotonic() - _BUILT.get(path, 0.0) < CHURN
    if times < (BUILD_AFTER_CHURN if churning else BUILD_AFTER):  # a one-shot command, or a store that
        return None  # changes under us: the build (0.3-0.6 s CPU at 10k documents) would not pay
    with _LOCK:
        found = _INDEXES.get(path)
        if found is not None and found[0] == key:
            return found[1]
        try:
            index = TargetIndex(con, has_confidence)
        except (duckdb.CatalogException, duckdb.BinderException):  # an older store (no indicator_names, a
            return None  # column missing): answered in SQL, which says what is wrong if anything is
        if store_version(path) == version:  # a commit during the build: use it once, keep nothing
            _INDEXES[path] = (key, index)
            _BUILT[path] = time.monotonic()
        return index
