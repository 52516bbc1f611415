"""An in-process index of the stored targets, for pages of one indicator.

A page of targets (50 rows of one concept, in ``TARGET_ORDER``, and how many match) read in
SQL scans the narrow columns of every target and sorts every match: 20-30 ms CPU at 10k
documents (500k targets), whatever the page.  This index reads those columns once per version
of the store — each row's (indicator, canonical) pair, confidence, year, attribute, comparator
and document, already in ``TARGET_ORDER`` — and groups the row positions by pair, so a page is
a merge of the matched pairs' positions, a few masks and a slice; only the page's rows are then
read whole (``targets.rows_by_id``).

The version of a store is the identity, size and times of its file and its write-ahead log:
DuckDB appends every commit to the log (an UPDATE too) and a checkpoint rewrites the file, so
any committed change gives a new version and a rebuilt index.  An in-memory database has no
version: it is always answered in SQL.  The index holds derived data only; the store is the
truth, and any filter the index cannot state exactly is answered in SQL (``targets_page``).
"""
from __future__ import annotations

import os
import threading
import weakref
from typing import NamedTuple

import numpy as np

NULL_YEAR = np.iinfo(np.int64).min  # no target's year (parse_year accepts 1949-2100)


# --- the store's version ---------------------------------------------------------------------
_PATHS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def store_path(con) -> str | None:
    """The file of this connection's database (None: in memory), remembered per connection."""
    try:
        return _PATHS[con]
    except (KeyError, TypeError):
        pass
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    path = row[0] if row and row[0] and not str(row[0]).startswith(":memory:") else None
    try:
        _PATHS[con] = path
    except TypeError:  # a connection type without weak references: asked each time
        pass
    return path


def store_version(path: str | None) -> tuple | None:
    """(inode, size, mtime, ctime) of the database file and of its write-ahead log (None when
    there is none); None when the file cannot be read."""
    if not path:
        return None
    out = []
    for name in (path, f"{path}.wal"):
        try:
            s = os.stat(name)
        except FileNotFoundError:
            out.append(None)
            continue
        except OSError:
            return None
        out.append((s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns))
    return tuple(out) if out[0] is not None else None


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
            f"hash(t.attribute) AS attr_, hash(t.comparator) AS cmp_, d.rowid AS doc_ "
            f"FROM targets t JOIN documents d USING (doc_id) ORDER BY {TARGET_ORDER}").fetchnumpy()
        self.rows = np.asarray(got["row_"], dtype=np.int64)
        self.pair = np.asarray(got["pair_"], dtype=np.uint64)
        self.confidence = np.asarray(got["conf_"], dtype=np.float64)
        self.year = np.asarray(got["year_"], dtype=np.int64)
        self.attribute = np.asarray(got["attr_"], dtype=np.uint64)
        self.comparator = np.asarray(got["cmp_"], dtype=np.uint64)
        self.doc = np.asarray(got["doc_"], dtype=np.int64)
        self.by_pair = np.argsort(self.pair, kind="stable")  # positions grouped by pair, ascending in each
        self.sorted_pairs = self.pair[self.by_pair]
        self.pair_hash = _value_hashes(con, "SELECT indicator, canonical_indicator, hash(indicator, "
                                            "canonical_indicator) FROM indicator_names", pairs=True)
        self.attribute_hash = _value_hashes(con, "SELECT DISTINCT attribute, hash(attribute) FROM targets")
        self.comparator_hash = _value_hashes(con, "SELECT DISTINCT comparator, hash(comparator) FROM targets")
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


def _value_hashes(con, sql: str, pairs: bool = False) -> dict | None:
    """value (or (indicator, canonical) pair) → its DuckDB hash; None when two values share one
    (the index then cannot tell their rows apart, and leaves those queries to SQL)."""
    out = {}
    for row in con.execute(sql).fetchall():
        key, h = (tuple(row[:2]), row[2]) if pairs else (row[0], row[1])
        out[key] = np.uint64(h)  # NULL too: a value sharing its hash would match NULL rows
    return out if len(set(out.values())) == len(out) else None


class Picked(NamedTuple):
    """The positions of a query's rows (ascending) and the index they index."""
    positions: np.ndarray
    index: TargetIndex


_LOCK = threading.Lock()
_INDEXES: dict[str, tuple[tuple, TargetIndex]] = {}


def index_of(con, has_confidence: bool) -> TargetIndex | None:
    """The index of this connection's store at its present version, built when the version
    is new (one per store is kept); None for an in-memory database or an older one without
    ``indicator_names``."""
    import duckdb

    path = store_path(con)
    version = store_version(path)
    if version is None:
        return None
    key = (version, has_confidence)
    found = _INDEXES.get(path)
    if found is not None and found[0] == key:
        return found[1]
    with _LOCK:
        found = _INDEXES.get(path)
        if found is not None and found[0] == key:
            return found[1]
        try:
            index = TargetIndex(con, has_confidence)
        except duckdb.CatalogException:  # no indicator_names: an older store, answered in SQL
            return None
        if store_version(path) == version:  # a commit during the build: use it once, keep nothing
            _INDEXES[path] = (key, index)
        return index
