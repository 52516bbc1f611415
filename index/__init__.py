"""Search indexes over ``chunks``: BM25 (SQLite FTS5 on jieba tokens) and dense (faiss segments).

Both live in ``<db>.search/`` (``index.sidecar``) and are derived data.  The ingest writer
adds each committed batch to them (``sync``); ``refresh(con)``, run at the end of every
ingest, embeds chunks a worker left without a vector (or made with another model), records the
model in ``index_meta`` and finishes any sync a kill interrupted.  Readers (``fts.bm25``,
``faiss_index.load``) compare the store's fingerprint with the one the index recorded and
repair the difference first.  ``reindex`` rebuilds both from DuckDB.  Importing this package
loads no model and no torch.
"""
from __future__ import annotations

from pathlib import Path

EMBED_BATCH = 256


def cache_root() -> Path:
    """Where derived model files are cached (USE's weights as .npy, jieba's dictionary for
    queries): $CNPOLICY_CACHE, else $XDG_CACHE_HOME/cnpolicy, else ~/.cache/cnpolicy."""
    import os

    if os.environ.get("CNPOLICY_CACHE"):
        return Path(os.environ["CNPOLICY_CACHE"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "cnpolicy"


class SearchIndexError(Exception):
    """Search indexes that cannot serve a query; the message says how to fix it."""


def stored_model(con) -> dict | None:
    """{name, path, dim} of the model the database's embeddings were made with, if recorded
    (read once per read-only connection)."""
    from index import meta
    from index.sidecar import per_reader

    recorded = per_reader(con, "embedding_model", lambda c: meta.get(c, "embedding_model"))
    return dict(recorded) if recorded else recorded  # a copy: the remembered one stays as read


def query_model(con, model: str | None = None) -> str:
    """The model spec to encode queries with; refuses one that differs from the stored embeddings."""
    import os

    from index.embedders import ENV_MODEL, model_spec, spec_name

    stored = stored_model(con)
    asked = model or os.environ.get(ENV_MODEL)
    if not asked:  # follow the database: its embeddings decide
        return (stored.get("path") or stored["name"]) if stored else model_spec(None)
    if stored and spec_name(asked) != stored["name"]:
        raise SearchIndexError(f"the stored embeddings were made with {stored['name']!r} but the query asks for "
                          f"{spec_name(asked)!r}: query with --model {stored.get('path') or stored['name']} "
                          f"(or re-ingest with --force under the new model)")
    return asked


def _embed_missing(con, model: str | None) -> set[str]:
    """Embed chunks with no vector or one of the wrong size; returns their documents."""
    import pyarrow as pa

    from index import meta
    from index.embed import pack, passage_text
    from index.embedders import get_embedder

    embedder = get_embedder(model)
    todo = con.execute(f"SELECT c.chunk_id, c.doc_id, c.section_path, {meta.chunk_text(con)} "
                       "FROM chunks c JOIN documents d USING (doc_id) "
                       "WHERE c.vec IS NULL OR octet_length(c.vec) != ?", [embedder.dim + 4]).fetchall()
    for i in range(0, len(todo), EMBED_BATCH):
        part = todo[i:i + EMBED_BATCH]
        vectors = embedder.encode([passage_text(p, t or "") for _, _, p, t in part])
        arrow = pa.table({"chunk_id": [c for c, _, _, _ in part],  # noqa: F841 — read by DuckDB below
                          "vec": pa.array([pack(v) for v in vectors], type=pa.binary())})
        con.execute("UPDATE chunks SET vec = arrow.vec FROM arrow WHERE chunks.chunk_id = arrow.chunk_id")
    return {d for _, d, _, _ in todo}


def _sync_embeddings(con, model: str | None) -> None:
    """Make every chunk's embedding come from one model and record which."""
    from index import meta
    from index.embedders import BUILTIN, get_embedder, model_spec, spec_name

    spec = model_spec(model)
    stored = stored_model(con)
    if stored and stored["name"] != spec_name(spec):  # another model: all embeddings must be redone
        con.execute("UPDATE chunks SET vec = NULL")
    _embed_missing(con, spec)
    embedder = get_embedder(spec)
    path = None if spec in BUILTIN or spec.startswith("st:") else str(Path(spec).expanduser().resolve())
    meta.put(con, "embedding_model", {"name": embedder.name, "path": path, "dim": embedder.dim})


def note_model(con, model: str | None, dim: int) -> None:
    """Record the model of the first vectors a worker made, if none is recorded yet."""
    from index import meta
    from index.embedders import BUILTIN, model_spec, spec_name

    if stored_model(con):
        return
    spec = model_spec(model)
    path = None if spec in BUILTIN or spec.startswith("st:") else str(Path(spec).expanduser().resolve())
    meta.put(con, "embedding_model", {"name": spec_name(spec), "path": path, "dim": dim})


def _embeddings_current(con, model: str | None) -> bool:
    """True when every chunk has a vector of the recorded model and that model is the one asked
    for: then refresh need not load the model at all."""
    from index.embedders import model_spec, spec_name

    stored = stored_model(con)
    if not stored or stored["name"] != spec_name(model_spec(model)):
        return False
    return con.execute("SELECT count(*) FROM chunks WHERE vec IS NULL OR octet_length(vec) != ?",
                       [stored["dim"] + 4]).fetchone()[0] == 0


def refresh(con, embed: bool = True, model: str | None = None) -> dict:
    """Bring the keyword and dense indexes up to date with the chunks of the writable DuckDB
    connection ``con`` (the caller opens it: this layer does not know the store's locking);
    returns what it did."""
    from index import sidecar

    if embed and not _embeddings_current(con, model):
        con.execute("BEGIN TRANSACTION")  # vectors and the model they came from change together
        try:
            _sync_embeddings(con, model)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    home = sidecar.home_of(con)
    sql = sidecar.open_sqlite(home)
    try:
        done = sidecar.sync(con, sql, home)
    finally:
        sql.close()
    from index.fts import prepare_query_dict

    prepare_query_dict()
    return done


RESULT_FIELDS = ("chunk_id", "doc_id", "source_file", "title", "region", "admin_level", "kind", "section_path",
                 "page", "char_start", "char_end", "text")
DOC_FIELDS = ("source_file", "title", "region", "admin_level", "kind")


def passage_rows(con, chunk_ids: list[str]) -> dict[str, dict]:
    """chunk_id → the fields of a search result (``RESULT_FIELDS``) for these chunks, from the
    keyword index's stored passages (a lookup by term; the index is synced with the store by
    every search, and a re-ingest re-indexes a document).  Chunks the index does not hold (a
    stale index that could not be updated) are read from the store, their document's fields
    too; ids of deleted chunks are absent."""
    from index import fts, sidecar
    from index.meta import chunk_text

    if not chunk_ids:
        return {}
    found = fts.stored_passages(sidecar.home_of(con), chunk_ids)
    complete = {c: {f: p.get(f) for f in RESULT_FIELDS} for c, p in found.items() if all(f in p for f in RESULT_FIELDS)}
    if len(complete) == len(set(chunk_ids)):
        return complete
    missing = [c for c in chunk_ids if c not in found]
    if missing:
        cur = con.execute(f"SELECT c.chunk_id, c.doc_id, c.section_path, c.page, c.char_start, c.char_end, "
                          f"{chunk_text(con)} AS text FROM chunks c JOIN documents d USING (doc_id) "
                          "WHERE c.chunk_id IN (SELECT unnest(?))", [missing])
        names = [c[0] for c in cur.description]
        found.update({r[0]: dict(zip(names, r)) for r in cur.fetchall()})
    docs = sorted({p["doc_id"] for p in found.values()})
    if not docs:
        return {}
    marks = ", ".join("?" * len(docs))  # a literal list: DuckDB filters the scan instead of joining
    rows = con.execute(f"SELECT doc_id, {', '.join(DOC_FIELDS)} FROM documents WHERE doc_id IN ({marks})", docs).fetchall()
    by_doc = {r[0]: dict(zip(DOC_FIELDS, r[1:])) for r in rows}
    out = {}
    for cid, p in found.items():
        d = by_doc.get(p["doc_id"])
        if d is not None:  # its document was deleted since the index was written
            merged = {**p, **d}
            out[cid] = {f: merged.get(f) for f in RESULT_FIELDS}
    return out


def reindex(con, progress=None) -> dict:
    """Rebuild both search indexes from the store behind ``con`` (they are derived data); only
    reads DuckDB, so a read-only connection will do."""
    from index import sidecar

    home = sidecar.home_of(con)
    sql = sidecar.open_sqlite(home)
    try:
        sidecar.reset(sql, home)
        return sidecar.sync(con, sql, home, progress=progress)
    finally:
        sql.close()
