"""Search indexes over ``chunks``: BM25 (DuckDB fts on jieba tokens) and dense (faiss).

``refresh(db_path)`` is called by ``ingest_files`` after storing documents: it embeds chunks
a worker left without an embedding (or made with another model), records the model in
``index_meta``, rebuilds the fts index when the chunks changed and writes ``<db>.faiss``.
Queries (``queries.search``) only read.  Importing this package loads no model and no torch.
"""
from __future__ import annotations

from pathlib import Path

EMBED_BATCH = 256


class SearchIndexError(Exception):
    """Search indexes that cannot serve a query; the message says how to fix it."""


def stored_model(con) -> dict | None:
    """{name, path, dim} of the model the database's embeddings were made with, if recorded."""
    from index import meta

    return meta.get(con, "embedding_model")


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


def _embed_missing(con, model: str | None) -> int:
    """Embed chunks with no embedding or one of the wrong size; returns how many."""
    import pyarrow as pa

    from index.embed import passage_text
    from index.embedders import get_embedder

    embedder = get_embedder(model)
    todo = con.execute("SELECT chunk_id, section_path, text FROM chunks "
                       "WHERE embedding IS NULL OR len(embedding) != ?", [embedder.dim]).fetchall()
    for i in range(0, len(todo), EMBED_BATCH):
        part = todo[i:i + EMBED_BATCH]
        vectors = embedder.encode([passage_text(p, t or "") for _, p, t in part])
        arrow = pa.table({"chunk_id": [c for c, _, _ in part],  # noqa: F841 — read by DuckDB below
                          "embedding": pa.array(list(vectors), type=pa.list_(pa.float32()))})
        con.execute("UPDATE chunks SET embedding = arrow.embedding FROM arrow WHERE chunks.chunk_id = arrow.chunk_id")
    return len(todo)


def _sync_embeddings(con, model: str | None) -> None:
    """Make every chunk's embedding come from one model and record which."""
    from index import meta
    from index.embedders import BUILTIN, get_embedder, model_spec, spec_name

    spec = model_spec(model)
    stored = stored_model(con)
    if stored and stored["name"] != spec_name(spec):  # another model: all embeddings must be redone
        con.execute("UPDATE chunks SET embedding = NULL")
    _embed_missing(con, spec)
    embedder = get_embedder(spec)
    path = None if spec in BUILTIN or spec.startswith("st:") else str(Path(spec).expanduser().resolve())
    meta.put(con, "embedding_model", {"name": embedder.name, "path": path, "dim": embedder.dim})


def refresh(db_path: str | Path, embed: bool = True, model: str | None = None) -> dict:
    """Bring the fts and faiss indexes up to date with the chunks; returns what it did."""
    from index import faiss_index, fts, meta
    from pipeline.store import connect

    done = {"fts": False, "faiss": False}
    con = connect(db_path)
    try:
        fp = meta.fingerprint(con)
        if embed:
            _sync_embeddings(con, model)
        if meta.get(con, "fts") != fp or not fts.exists(con):
            fts.build(con)
            meta.put(con, "fts", fp)
            done["fts"] = True
        recorded = stored_model(con)
        if recorded and faiss_index.has_embeddings(con):
            done["faiss"] = faiss_index.load(con, recorded["name"]).built
    finally:
        con.close()
    return done
