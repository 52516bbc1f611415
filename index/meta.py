"""``index_meta``: what the search indexes were built from (model, chunk fingerprints).

A key → JSON table of this package's own, created on the first write.  Readers treat a
database without it (ingested before indexing existed) as having no recorded state.
"""
from __future__ import annotations

import json

import duckdb

TABLE = "index_meta"

SLICED_TEXT = "coalesce(c.text, substr(d.text, c.text_start + 1, c.text_end - c.text_start))"


def chunk_text(con) -> str:
    """SQL for a chunk's text, for ``FROM chunks c JOIN documents d USING (doc_id)``: stored,
    or sliced from its document's normalised text by the span text_start/text_end (DuckDB's
    substr counts characters from 1).  A store from before spans, opened read-only, has only
    the stored text."""
    have = {r[0] for r in con.execute("DESCRIBE chunks").fetchall()}
    return SLICED_TEXT if "text_start" in have else "c.text"


def get(con, key: str) -> dict | None:
    try:
        row = con.execute(f"SELECT value FROM {TABLE} WHERE key = ?", [key]).fetchone()
    except duckdb.CatalogException:  # no table yet (read-only database from before indexing)
        return None  # (not `except Exception`: a Ctrl-C inside the query is RuntimeError, and must stop us)
    return json.loads(row[0]) if row else None


def put(con, key: str, value: dict) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (key VARCHAR PRIMARY KEY, value JSON)")
    con.execute(f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?)", [key, json.dumps(value, ensure_ascii=False)])


def fingerprint(con) -> dict:
    """Changes whenever chunks are added, deleted or rewritten: count, id checksum, max rowid."""
    n, checksum, max_rowid = con.execute(
        "SELECT count(*), coalesce(bit_xor(hash(chunk_id)), 0), coalesce(max(rowid), -1) FROM chunks").fetchone()
    return {"count": int(n), "checksum": str(checksum), "max_rowid": int(max_rowid)}
