"""Where the search indexes live: ``<db>.search/`` beside the DuckDB file (derived, rebuildable).

- ``kw/``: the keyword index, tantivy over each chunk's jieba tokens (``index.fts``: BM25
  with block-max WAND top-k).
- ``index.sqlite`` (WAL mode): ``kwmap`` (kid → chunk_id, doc_id: what the keyword index
  holds); ``vectors`` (vec_id → chunk_id, doc_id, segment); ``segments`` (dense segment files);
  ``covered`` (doc_id, stamp, chunks, vectors: exactly what the indexes hold); ``state`` (the
  store's fingerprint at the last sync, the embedding model, id counters).
- ``seg-NNNNNN.faiss``: immutable dense segments, read memory-mapped: small ones flat (IndexIDMap2
  over a float16 scalar quantiser, exact inner product), those of ``IVF_FROM`` vectors or more
  an inverted file (IndexIVFScalarQuantizer, float16, over the coarse centroids of
  ``ivf-<dim>.faiss``, trained once on the first segment that big).  New documents become a new
  segment; equal-sized neighbours merge (a binary counter: each vector is rewritten O(log n)
  times, never more than ``MAX_SEGMENT`` at once; inverted files merge list by list without
  re-assigning), so adding a document costs O(document), not O(corpus).

Why SQLite and not DuckDB tables for the bookkeeping: its WAL lets searches read while a sync
writes, and it ships with Python.  ``ensure`` compares the store's fingerprint with
the one recorded at the last sync and, when they differ, adds/removes exactly the documents that
differ (``sync``), so an interrupted refresh, a kill or a direct DELETE is repaired by the next
reader or ingest.  Every write happens under a file lock, one sync at a time.
"""
from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import tempfile
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path

import numpy as np

SCHEMA = """
CREATE TABLE IF NOT EXISTS kwmap (rowid INTEGER PRIMARY KEY, chunk_id TEXT, doc_id TEXT);
CREATE INDEX IF NOT EXISTS kwmap_doc ON kwmap (doc_id);
CREATE TABLE IF NOT EXISTS vectors (vec_id INTEGER PRIMARY KEY, chunk_id TEXT, doc_id TEXT, seg INTEGER);
CREATE INDEX IF NOT EXISTS vectors_doc ON vectors (doc_id);
CREATE INDEX IF NOT EXISTS vectors_seg ON vectors (seg);
CREATE TABLE IF NOT EXISTS segments (seg INTEGER PRIMARY KEY, n INTEGER, dead INTEGER DEFAULT 0, dim INTEGER);
CREATE TABLE IF NOT EXISTS covered (doc_id TEXT PRIMARY KEY, stamp TEXT, n_chunks INTEGER, n_vectors INTEGER);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT);
"""
LAYOUT = 4  # 1: keyword index in an FTS5 table; 2: tantivy in kw/; 3, 4: + stored passages (older: rebuilt)
GROUP_DOCS = 200  # documents added per SQLite transaction during a sync
MAX_SEGMENT = 250_000  # vectors: segments above this are never merged on the add path
IVF_FROM = 20_000  # vectors: a segment this big is an inverted file (once trained), smaller ones are scanned whole
IVF_LISTS = 1024  # coarse centroids (~880 vectors a list at 900k vectors)
IVF_TRAIN = 40_960  # vectors sampled to train them (faiss asks for ≥ 39 a centroid)
_MEMORY_HOMES: dict[int, Path] = {}
_THREAD_LOCK = threading.Lock()
_SEGMENTS: dict[str, object] = {}
_CHECKED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # read-only connections already checked
_FACTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # connection → what it cannot change (per_reader)
_READERS = threading.local()  # this thread's read connections to index.sqlite files (reader_sqlite)


class SidecarError(Exception):
    """The search index cannot be opened or brought up to date; the message says why."""


# --- location and connection ---------------------------------------------------------------------
def _facts(con) -> dict:
    try:
        return _FACTS.setdefault(con, {})
    except TypeError:  # not weak-referenceable: nothing is remembered
        return {}


def db_path_of(con) -> str | None:
    """The file behind a DuckDB connection (None for an in-memory database); asked once per
    connection (each query is ~0.3 ms, several ms on a busy machine)."""
    facts = _facts(con)
    if "path" not in facts:
        row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
        facts["path"] = row[0] if row and row[0] else None
    return facts["path"]


def per_reader(con, key: str, compute):
    """``compute(con)``, remembered for a read-only connection: while one is open no process can
    write its file, so what it read stays true (asked again on a writable one)."""
    if not _read_only(con):
        return compute(con)
    facts = _facts(con)
    if key not in facts:
        facts[key] = compute(con)
    return facts[key]


def home_of_db(db: str | Path) -> Path:
    """The index home of the database file ``db``."""
    return Path(f"{db}.search")


def home_of(con) -> Path:
    db = db_path_of(con)
    if db:
        return home_of_db(db)
    return _MEMORY_HOMES.setdefault(id(con), Path(tempfile.mkdtemp(prefix="cnpolicy-search-")))


def open_sqlite(home: Path) -> sqlite3.Connection:
    home.mkdir(parents=True, exist_ok=True)
    sql = sqlite3.connect(str(home / "index.sqlite"), timeout=120, isolation_level=None, check_same_thread=False)
    sql.execute("PRAGMA journal_mode=WAL")
    sql.execute("PRAGMA synchronous=NORMAL")
    sql.executescript(SCHEMA)
    return sql


def reader_sqlite(home: Path) -> sqlite3.Connection | None:
    """A connection for reading this index's bookkeeping, kept per thread and process (opening
    one, with its pragmas and schema check, was ~1 ms of every search); None when there is no
    index file.  Reopened when the file was made anew (a removed folder rebuilt)."""
    path = home / "index.sqlite"
    try:
        st = path.stat()
    except OSError:
        return None
    key, ident = str(path), (os.getpid(), st.st_dev, st.st_ino)
    cache = getattr(_READERS, "open", None)
    if cache is None:
        cache = _READERS.open = {}
    held = cache.get(key)
    if held is not None and held[0] == ident:
        return held[1]
    if held is not None and held[0][0] == os.getpid():  # (a forked child leaves its parent's alone)
        held[1].close()
    sql = open_sqlite(home)
    cache[key] = (ident, sql)
    return sql


def state(sql: sqlite3.Connection, key: str, default=None):
    row = sql.execute("SELECT value FROM state WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def put_state(sql: sqlite3.Connection, key: str, value) -> None:
    sql.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", [key, json.dumps(value, ensure_ascii=False)])


@contextmanager
def sync_lock(home: Path):
    """One sync at a time, across threads and processes."""
    with _THREAD_LOCK:
        with open(home / "sync.lock", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)


# --- what the store holds ----------------------------------------------------------------------
def _has_vec(con) -> bool:
    import duckdb

    try:
        con.execute("SELECT vec FROM chunks LIMIT 0")
        return True
    except duckdb.BinderException:  # a store from before packed vectors, opened read-only
        return False


def store_fingerprint(con) -> dict:
    """Cheap summary that changes whenever documents or chunks are added, replaced or deleted."""
    n_docs, h = con.execute("SELECT count(*), coalesce(bit_xor(hash(doc_id || coalesce(CAST(ingested_at AS VARCHAR), ''))), 0) "
                            "FROM documents").fetchone()
    # vectors counted as chunks minus NULL ones: DuckDB answers `vec IS NULL` from the column's
    # statistics when none (or all) are NULL, where count(vec) read every vector (0.46 CPU-s of a
    # cold search at 10k documents; 0.002 s this way); the same number either way
    nulls = "(SELECT count(*) FROM chunks WHERE vec IS NULL)" if _has_vec(con) else "count(*)"
    n_chunks, n_null = con.execute(f"SELECT count(*), {nulls} FROM chunks").fetchone()
    n_vec = n_chunks - n_null
    return {"docs": int(n_docs), "hash": str(h), "chunks": int(n_chunks), "vectors": int(n_vec)}


def _stored_docs(con) -> dict[str, tuple]:
    """doc_id → (stamp, chunks, vectors) as the store has them."""
    vec = "count(c.vec)" if _has_vec(con) else "0"
    # chunks counted per document first: grouping the join by the documents' columns cost 0.4-1.1 s at 10k, this 0.12
    rows = con.execute(f"""
        SELECT d.doc_id, coalesce(CAST(d.ingested_at AS VARCHAR), ''), coalesce(c.n, 0), coalesce(c.v, 0)
        FROM documents d LEFT JOIN (SELECT doc_id, count(chunk_id) AS n, {vec.replace('c.', '')} AS v
                                    FROM chunks GROUP BY doc_id) c USING (doc_id)""").fetchall()
    return {r[0]: (r[1], int(r[2]), int(r[3])) for r in rows}


def model_of(con) -> str | None:
    from index import stored_model  # (read once per read-only connection)

    recorded = stored_model(con)
    return recorded["name"] if recorded else None


# --- sync ------------------------------------------------------------------------------------------
def is_fresh(sql: sqlite3.Connection, fp: dict, model: str | None, home: Path | None = None) -> bool:
    if state(sql, "fingerprint") != fp or state(sql, "model") != model or state(sql, "layout") != LAYOUT:
        return False
    return home is None or not _keyword_index_lost(sql, home)


def _keyword_index_lost(sql: sqlite3.Connection, home: Path) -> bool:
    """The bookkeeping says chunks are indexed but the keyword index folder is gone."""
    from index.fts import kw_dir

    return not (kw_dir(home) / "meta.json").exists() and sql.execute("SELECT 1 FROM kwmap LIMIT 1").fetchone() is not None


def _read_only(con) -> bool:
    facts = _facts(con)
    if "read_only" not in facts:
        facts["read_only"] = con.execute("SELECT current_setting('access_mode')").fetchone()[0] == "read_only"
    return facts["read_only"]


def ensure(con) -> Path:
    """The up-to-date index home for this store; syncs it first if the store changed.  A
    read-only connection is checked once: while it is open no process can write the file."""
    if con in _CHECKED:
        return _CHECKED[con]
    home = _ensure(con)
    try:
        if _read_only(con):
            _CHECKED[con] = home
    except TypeError:  # not weak-referenceable
        pass
    return home


def _ensure(con) -> Path:
    home = home_of(con)
    fp, model = store_fingerprint(con), model_of(con)
    try:
        sql = open_sqlite(home)
    except (OSError, sqlite3.Error) as e:
        raise SidecarError(f"{home}: cannot open the search index: {e}") from e
    try:
        if not is_fresh(sql, fp, model, home):
            sync(con, sql, home)
    except (OSError, sqlite3.Error) as e:  # e.g. a read-only folder: say so, the caller decides
        raise SidecarError(f"{home}: the search index is out of date and cannot be updated here ({e}); "
                           f"run `cnpolicy reindex` with write access") from e
    finally:
        sql.close()
    return home


def sync(con, sql: sqlite3.Connection, home: Path, progress=None) -> dict:
    """Make the indexes hold exactly the store's chunks; returns counts of what changed."""
    with sync_lock(home):
        return _sync_locked(con, sql, home, progress)


def _sync_locked(con, sql: sqlite3.Connection, home: Path, progress=None) -> dict:
    fp, model = store_fingerprint(con), model_of(con)
    if is_fresh(sql, fp, model, home):
        return {"added": 0, "removed": 0}
    if state(sql, "model") not in (None, model) or state(sql, "layout") != LAYOUT or _keyword_index_lost(sql, home):
        reset(sql, home)  # vectors of another model, an older layout or a lost folder: start over
    stored = _stored_docs(con)
    covered = {r[0]: (r[1], r[2], r[3]) for r in sql.execute("SELECT doc_id, stamp, n_chunks, n_vectors FROM covered")}
    gone = [d for d, c in covered.items() if stored.get(d) != c]
    todo = sorted(d for d, s in stored.items() if covered.get(d) != s)
    for i in range(0, len(gone), 500):
        _remove(sql, home, gone[i:i + 500])
    for i in range(0, len(todo), GROUP_DOCS):
        _add(con, sql, home, todo[i:i + GROUP_DOCS])
        _merge(sql, home)  # as they come: a binary counter, not a long chain at the end
        if progress:
            progress(min(i + GROUP_DOCS, len(todo)), len(todo))
    _finish(con, sql, home, fp, model)
    return {"added": len(todo), "removed": len(gone)}


def _finish(con, sql: sqlite3.Connection, home: Path, fp: dict, model: str | None) -> None:
    _merge(sql, home)
    _drop_orphan_files(sql, home)
    sql.execute("BEGIN IMMEDIATE")
    put_state(sql, "fingerprint", fp)
    put_state(sql, "model", model)
    put_state(sql, "layout", LAYOUT)
    sql.execute("COMMIT")


def index_batch(con, doc_ids: list[str], before: dict | None, tokens: dict[str, str] | None = None) -> dict:
    """Index documents the writer just committed (on its own connection).  When the index was
    up to date before the batch, only these documents are touched (O(batch)); otherwise a
    full sync repairs whatever else is missing too."""
    home = home_of(con)
    sql = open_sqlite(home)
    try:
        with sync_lock(home):
            model = model_of(con)
            if before is None or state(sql, "fingerprint") != before or state(sql, "model") not in (None, model) \
                    or state(sql, "layout") != LAYOUT or _keyword_index_lost(sql, home):
                return _sync_locked(con, sql, home)
            _remove(sql, home, _indexed(sql, doc_ids))  # replaced documents lose their old rows
            for i in range(0, len(doc_ids), GROUP_DOCS):
                _add(con, sql, home, doc_ids[i:i + GROUP_DOCS], tokens)
            _finish(con, sql, home, store_fingerprint(con), model)
            return {"added": len(doc_ids), "removed": 0}
    finally:
        sql.close()


def reset(sql: sqlite3.Connection, home: Path) -> None:
    """Forget everything indexed (the segment files and the trained centroids go too)."""
    from index import fts

    fts.clear(home)
    sql.execute("BEGIN IMMEDIATE")
    sql.execute("DROP TABLE IF EXISTS kw")  # layout 1's FTS5 table
    for table in ("kwmap", "vectors", "segments", "covered"):
        sql.execute(f"DELETE FROM {table}")
    sql.execute("DELETE FROM state WHERE key IN ('fingerprint', 'model', 'ivf')")
    put_state(sql, "layout", LAYOUT)
    sql.execute("COMMIT")
    _drop_orphan_files(sql, home)
    for f in home.glob("ivf-*.faiss"):
        f.unlink(missing_ok=True)


def _remove(sql: sqlite3.Connection, home: Path, doc_ids: list[str]) -> None:
    from index import fts

    if not doc_ids:
        return
    fts.write(home, [], doc_ids)  # first: a kill before the SQLite commit leaves rows that a rerun removes again
    ids = json.dumps(doc_ids)
    sql.execute("BEGIN IMMEDIATE")
    sql.execute("DELETE FROM kwmap WHERE doc_id IN (SELECT value FROM json_each(?))", [ids])
    # counted through vectors' doc_id index (a correlated count per segment scanned every vector)
    sql.execute("""UPDATE segments SET dead = dead + x.n FROM (SELECT seg, count(*) AS n FROM vectors
                   WHERE doc_id IN (SELECT value FROM json_each(?)) GROUP BY seg) AS x
                   WHERE segments.seg = x.seg""", [ids])
    sql.execute("DELETE FROM vectors WHERE doc_id IN (SELECT value FROM json_each(?))", [ids])
    sql.execute("DELETE FROM covered WHERE doc_id IN (SELECT value FROM json_each(?))", [ids])
    sql.execute("COMMIT")


def _indexed(sql: sqlite3.Connection, doc_ids: list[str]) -> list[str]:
    """Those of ``doc_ids`` the bookkeeping holds rows for (key lookups).  New documents need no
    removal: ``_add``'s keyword commit drops any chunk of theirs a killed sync left in tantivy."""
    ids = json.dumps(doc_ids)
    return [r[0] for r in sql.execute(
        "SELECT value FROM json_each(?1) WHERE value IN (SELECT doc_id FROM covered) "
        "OR value IN (SELECT doc_id FROM kwmap) OR value IN (SELECT doc_id FROM vectors)", [ids])]


def _counter(sql: sqlite3.Connection, key: str, n: int) -> int:
    """Reserve n ids; returns the first (ids are never reused, so an old segment row can't alias)."""
    start = state(sql, key, 1)
    put_state(sql, key, start + n)
    return start


def _add(con, sql: sqlite3.Connection, home: Path, doc_ids: list[str], known_tokens: dict | None = None) -> None:
    """Index these documents' chunks (keyword and dense) in one SQLite transaction, committed
    after the keyword index's own commit.  Tokens come from the writer when it has them (the
    store does not keep them), else jieba cuts again."""
    from index import fts
    from index.embed import unpack
    from index.fts import tokens as tokenize

    from index.meta import chunk_text

    vec = "c.vec" if _has_vec(con) else "NULL"
    have = {r[0] for r in con.execute("DESCRIBE chunks").fetchall()}
    docs_have = {r[0] for r in con.execute("DESCRIBE documents").fetchall()}
    extra = ", ".join([f"c.{f}" if f in have else "NULL" for f in PASSAGE_EXTRA]
                      + [f"d.{f}" if f in docs_have else "NULL" for f in PASSAGE_DOC])
    tok = "c.tokens" if "tokens" in have else "NULL"
    rows = con.execute(f"SELECT c.chunk_id, c.doc_id, {tok}, {chunk_text(con)}, {vec}, {extra} "
                       "FROM chunks c JOIN documents d USING (doc_id) "
                       # both sides filtered: with the chunks side alone DuckDB builds the join over
                       # every document's text (1.1 CPU-s at 10k documents; 0.01 s this way)
                       "WHERE c.doc_id IN (SELECT unnest(?::VARCHAR[])) AND d.doc_id IN (SELECT unnest(?::VARCHAR[])) "
                       "ORDER BY c.doc_id, c.ord", [doc_ids, doc_ids]).fetchall()
    stored = {d: s for d, s in _stored_docs_for(con, doc_ids).items()}
    sql.execute("BEGIN IMMEDIATE")  # keyword ids are reserved in a commit of their own: never reused,
    first = _counter(sql, "next_kw", len(rows))  # even when a kill lands between the two commits below
    sql.execute("COMMIT")
    sql.execute("BEGIN IMMEDIATE")
    try:
        sql.executemany("INSERT INTO kwmap VALUES (?, ?, ?)", [(first + i, r[0], r[1]) for i, r in enumerate(rows)])
        with_vec = [r for r in rows if r[4] is not None]
        if with_vec:
            dims = {len(r[4]) for r in with_vec}
            if len(dims) > 1:  # mixed models in one store: refresh re-embeds; index the majority size
                size = max(dims, key=lambda s: sum(len(r[4]) == s for r in with_vec))
                with_vec = [r for r in with_vec if len(r[4]) == size]
            first_vec = _counter(sql, "next_vec", len(with_vec))
            seg = _counter(sql, "next_seg", 1)
            ids = np.arange(first_vec, first_vec + len(with_vec), dtype=np.int64)
            _write_segment(home, seg, unpack([r[4] for r in with_vec]), ids)
            sql.executemany("INSERT INTO vectors VALUES (?, ?, ?, ?)",
                            [(int(v), r[0], r[1], seg) for v, r in zip(ids, with_vec)])
            sql.execute("INSERT INTO segments VALUES (?, ?, 0, ?)", [seg, len(with_vec), len(with_vec[0][4]) - 4])
        sql.executemany("INSERT OR REPLACE INTO covered VALUES (?, ?, ?, ?)",
                        [(d, *stored[d]) for d in doc_ids if d in stored])
        fts.write(home, [(first + i, r[1], _tokens_of(r, known_tokens, tokenize), _passage(r)) for i, r in enumerate(rows)],
                  doc_ids)
        sql.execute("COMMIT")
    except BaseException:
        sql.execute("ROLLBACK")
        raise


PASSAGE_EXTRA = ("section_path", "page", "char_start", "char_end")
PASSAGE_DOC = ("source_file", "title", "region", "admin_level", "kind")  # a re-ingest re-indexes them


def _passage(row: tuple) -> dict:
    """What a search result shows of a chunk (``index.RESULT_FIELDS``), stored in the keyword index."""
    return {"chunk_id": row[0], "doc_id": row[1], "text": row[3],
            **{f: v for f, v in zip(PASSAGE_EXTRA + PASSAGE_DOC, row[5:])}}


def _tokens_of(row: tuple, known: dict | None, tokenize) -> str:
    if row[2] is not None:  # stores written before tokens were dropped
        return row[2]
    if known and known.get(row[0]) is not None:
        return known[row[0]]
    return tokenize(row[3] or "")


def _stored_docs_for(con, doc_ids: list[str]) -> dict[str, tuple]:
    vec = "count(c.vec)" if _has_vec(con) else "0"
    rows = con.execute(f"""
        SELECT d.doc_id, coalesce(CAST(d.ingested_at AS VARCHAR), ''), count(c.chunk_id), {vec}
        FROM documents d LEFT JOIN (SELECT * FROM chunks WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))) c USING (doc_id)
        WHERE d.doc_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL""", [doc_ids, doc_ids]).fetchall()
    return {r[0]: (r[1], int(r[2]), int(r[3])) for r in rows}


def chunk_ids(home: Path, kids: list[int]) -> dict[int, str]:
    """kid → chunk_id for keyword hits."""
    sql = reader_sqlite(home) if kids else None
    if sql is None:
        return {}
    return dict(sql.execute("SELECT rowid, chunk_id FROM kwmap WHERE rowid IN (SELECT value FROM json_each(?))",
                            [json.dumps(kids)]).fetchall())


# --- dense segments --------------------------------------------------------------------------------
SEGMENT_NAME = "seg-{:06d}.faiss"


def segment_file(home: Path, seg: int) -> Path:
    return home / SEGMENT_NAME.format(seg)


def _new_index(dim: int):
    import faiss

    return faiss.IndexIDMap2(faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT))


def is_ivf(index) -> bool:
    import faiss

    return isinstance(index, faiss.IndexIVF)


def _contents(index) -> tuple[np.ndarray, np.ndarray]:
    """(float32 vectors, ids) of a segment; inverted files store plain float16 codes (no residual)."""
    import faiss

    if is_ivf(index):
        invlists, vecs, ids = index.invlists, [], []
        for lst in range(index.nlist):
            size = invlists.list_size(lst)
            if size:
                ids.append(faiss.rev_swig_ptr(invlists.get_ids(lst), size).copy())
                codes = faiss.rev_swig_ptr(invlists.get_codes(lst), size * index.code_size).copy()
                vecs.append(np.frombuffer(codes.tobytes(), dtype=np.float16).reshape(size, index.d))
        if not ids:
            return np.zeros((0, index.d), np.float32), np.zeros(0, np.int64)
        return np.concatenate(vecs).astype(np.float32), np.concatenate(ids).astype(np.int64)
    ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    inner = faiss.downcast_index(index.index)
    vecs = inner.reconstruct_n(0, inner.ntotal) if inner.ntotal else np.zeros((0, index.d), np.float32)
    return vecs, ids


def _ivf_template(sql: sqlite3.Connection, home: Path, dim: int, sample: np.ndarray | None):
    """The trained, empty inverted file every big segment of this dimension copies (so they
    merge list by list); trained once, on ``sample``, the first time a segment gets big."""
    import faiss

    path = home / f"ivf-{dim}.faiss"
    if path.exists():
        return faiss.read_index(str(path))
    if sample is None or len(sample) < IVF_TRAIN:
        return None
    pick = np.random.default_rng(0).choice(len(sample), IVF_TRAIN, replace=False)
    ivf = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, IVF_LISTS, faiss.ScalarQuantizer.QT_fp16,
                                        faiss.METRIC_INNER_PRODUCT)
    ivf.by_residual = False  # codes are the vectors themselves: exact fp16, decodable for rewrites
    ivf.cp.niter = 10
    ivf.train(np.ascontiguousarray(sample[np.sort(pick)]))
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    faiss.write_index(ivf, str(tmp))
    tmp.replace(path)
    return ivf


def _merged(sql: sqlite3.Connection, home: Path, dim: int, parts: list, live: np.ndarray):
    """One segment holding the live vectors of ``parts``: an inverted file when big enough."""
    import faiss

    flat = [_contents(p) for p in parts if not is_ivf(p)]
    big = live.size >= IVF_FROM
    sample = np.concatenate([v for v, _ in flat]) if big and flat and not (home / f"ivf-{dim}.faiss").exists() else None
    template = _ivf_template(sql, home, dim, sample) if big else None
    if template is None and any(is_ivf(p) for p in parts):  # a worn inverted file shrunk below IVF_FROM
        flat += [_contents(p) for p in parts if is_ivf(p)]
    merged = faiss.clone_index(template) if template is not None else _new_index(dim)
    if template is not None:
        for p in parts:
            if is_ivf(p):
                merged.merge_from(p, 0)
    for vecs, ids in flat:
        keep = np.isin(ids, live)
        if keep.any():
            merged.add_with_ids(np.ascontiguousarray(vecs[keep]), np.ascontiguousarray(ids[keep]))
    if template is not None:
        dead = np.setdiff1d(_contents(merged)[1], live)
        if dead.size:
            merged.remove_ids(faiss.IDSelectorBatch(dead))
    return merged


def _write_segment(home: Path, seg: int, vectors: np.ndarray, ids: np.ndarray, index=None) -> None:
    """Write a segment atomically (temp file + rename): a reader never sees half of one."""
    import faiss

    if index is None:
        index = _new_index(vectors.shape[1])
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
    path = segment_file(home, seg)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    faiss.write_index(index, str(tmp))
    tmp.replace(path)


def load_segment(home: Path, seg: int):
    """A segment, memory-mapped (read-only) and cached: its file never changes."""
    path = f"{home}/{SEGMENT_NAME.format(seg)}"  # str(segment_file(...)) without the Path arithmetic
    index = _SEGMENTS.get(path)  # (a search asks for every segment: ~1 ms of Path joins a search)
    if index is None:
        import faiss

        try:
            index = faiss.read_index(path, faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        except RuntimeError:  # a faiss build without mmap support for this type: read it whole
            index = faiss.read_index(path)
        _SEGMENTS[path] = index
    return index


def _merge(sql: sqlite3.Connection, home: Path) -> None:
    """Merge the newest segments while the one before is no bigger (binary counter), and
    rewrite any segment that is more than a third deleted vectors."""
    while True:
        segs = sql.execute("SELECT seg, n, dead, dim FROM segments ORDER BY seg").fetchall()
        if len(segs) >= 2 and segs[-2][1] - segs[-2][2] <= segs[-1][1] - segs[-1][2] \
                and segs[-2][1] + segs[-1][1] <= MAX_SEGMENT and segs[-2][3] == segs[-1][3]:
            _rewrite(sql, home, [segs[-2][0], segs[-1][0]], segs[-1][3])
            continue
        worn = [s for s in segs if s[2] * 3 > s[1]]
        if worn:
            _rewrite(sql, home, [worn[0][0]], worn[0][3])
            continue
        return


def _rewrite(sql: sqlite3.Connection, home: Path, old: list[int], dim: int) -> None:
    """Replace segments by one holding their live vectors only."""
    import faiss

    live = np.asarray([r[0] for r in sql.execute(
        f"SELECT vec_id FROM vectors WHERE seg IN ({','.join('?' * len(old))})", old)], dtype=np.int64)
    merged = _merged(sql, home, dim, [faiss.read_index(str(segment_file(home, seg))) for seg in old], live)
    sql.execute("BEGIN IMMEDIATE")
    seg = _counter(sql, "next_seg", 1)
    _write_segment(home, seg, None, None, index=merged)
    sql.execute(f"UPDATE vectors SET seg = ? WHERE seg IN ({','.join('?' * len(old))})", [seg, *old])
    sql.execute(f"DELETE FROM segments WHERE seg IN ({','.join('?' * len(old))})", old)
    sql.execute("INSERT INTO segments VALUES (?, ?, 0, ?)", [seg, int(merged.ntotal), dim])
    sql.execute("COMMIT")
    for s in old:  # readers that still map the old file keep their mapping; new ones use the new file
        segment_file(home, s).unlink(missing_ok=True)


def _drop_orphan_files(sql: sqlite3.Connection, home: Path) -> None:
    """Segment files no row refers to (left by a kill between writing and committing)."""
    known = {segment_file(home, r[0]).name for r in sql.execute("SELECT seg FROM segments")}
    for f in home.glob("seg-*"):
        if f.name not in known:
            f.unlink(missing_ok=True)
