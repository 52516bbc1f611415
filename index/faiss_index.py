"""The dense index: chunk embeddings from DuckDB in a faiss IndexFlatIP saved next to the database.

Files: ``<db>.faiss`` (the index) and ``<db>.faiss.json`` (model, fingerprint of the chunks it
was built from, and the chunk_id of every row).  ``load`` returns the cached index when its
fingerprint still matches the database and rebuilds it otherwise (missing file, chunks added
or deleted, another model).  Exact inner-product search on normalised vectors is cosine
similarity; at tens of thousands of chunks a flat scan takes a few milliseconds.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index import meta

_CACHE: dict[str, "VectorIndex"] = {}
_LOCK = threading.Lock()


@dataclass
class VectorIndex:
    index: object  # faiss.IndexFlatIP
    chunk_ids: list[str]
    doc_ids: np.ndarray  # doc_id of every row, to restrict a search to some documents
    model: str
    fingerprint: dict
    built: bool = False  # built by this call (not cached or read from disk)
    doc_rows: dict = field(default_factory=dict)  # doc_id → (first row, end row): rows are grouped by document

    def __post_init__(self) -> None:
        docs, first, counts = np.unique(self.doc_ids, return_index=True, return_counts=True)
        self.doc_rows = {str(d): (int(a), int(a + n)) for d, a, n in zip(docs, first, counts)}

    def search(self, vector: np.ndarray, n: int, doc_filter: set[str] | None = None) -> list[tuple[str, float]]:
        """Top-n (chunk_id, cosine) for one query vector, optionally only within some documents."""
        import faiss

        params = None
        if doc_filter is not None:
            spans = [self.doc_rows[d] for d in doc_filter if d in self.doc_rows]
            rows = np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in spans]) if spans else np.zeros(0)
            if rows.size == 0:
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows))
        n = min(n, self.index.ntotal)
        if n <= 0:
            return []
        scores, rows = self.index.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), n,
                                         params=params)
        return [(self.chunk_ids[r], float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]


def paths(db_path: str) -> tuple[Path, Path]:
    return Path(f"{db_path}.faiss"), Path(f"{db_path}.faiss.json")


def db_path_of(con) -> str | None:
    """The file behind a DuckDB connection (None for an in-memory database)."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return row[0] if row and row[0] else None


def has_embeddings(con) -> bool:
    return con.execute("SELECT count(*) FROM chunks WHERE embedding IS NOT NULL").fetchone()[0] > 0


def build(con, model: str) -> VectorIndex:
    """A fresh index from the embeddings stored in the database."""
    import faiss

    fp = meta.fingerprint(con)
    table = con.execute("SELECT chunk_id, embedding FROM chunks WHERE embedding IS NOT NULL "
                        "ORDER BY doc_id, ord").to_arrow_table()
    ids = table.column("chunk_id").to_pylist()
    flat = table.column("embedding").combine_chunks().flatten().to_numpy(zero_copy_only=False)
    dim = flat.size // len(ids) if ids else 1
    if flat.size != dim * len(ids):
        raise ValueError("chunk embeddings differ in length: re-run `cnpolicy ingest` to re-embed them")
    index = faiss.IndexFlatIP(dim)
    index.add(np.ascontiguousarray(flat.reshape(len(ids), dim), dtype=np.float32))
    return VectorIndex(index, ids, _doc_ids(ids), model, fp, built=True)


def _doc_ids(chunk_ids: list[str]) -> np.ndarray:
    return np.asarray([c.split(":", 1)[0] for c in chunk_ids])


def save(vi: VectorIndex, db_path: str) -> None:
    """Write both files atomically (temp file + rename), so a reader never sees half an index."""
    import faiss

    index_file, map_file = paths(db_path)
    tmp = Path(f"{index_file}.{os.getpid()}.tmp")
    faiss.write_index(vi.index, str(tmp))
    tmp.replace(index_file)
    tmp_map = Path(f"{map_file}.{os.getpid()}.tmp")
    tmp_map.write_text(json.dumps({"model": vi.model, "fingerprint": vi.fingerprint, "chunk_ids": vi.chunk_ids},
                                  ensure_ascii=False))
    tmp_map.replace(map_file)


def _read(db_path: str) -> VectorIndex | None:
    import faiss

    index_file, map_file = paths(db_path)
    if not (index_file.exists() and map_file.exists()):
        return None
    try:
        info = json.loads(map_file.read_text())
        index = faiss.read_index(str(index_file))
    except (OSError, ValueError, RuntimeError):  # damaged: rebuild
        return None
    ids = info["chunk_ids"]
    if index.ntotal != len(ids):
        return None
    return VectorIndex(index, ids, _doc_ids(ids), info["model"], info["fingerprint"])


def is_stale(vi: VectorIndex | None, fp: dict, model: str) -> bool:
    return vi is None or vi.fingerprint != fp or vi.model != model


def load(con, model: str, save_file: bool = True) -> VectorIndex:
    """The up-to-date index for this connection's database: cached, read from disk, or rebuilt."""
    db_path = db_path_of(con)
    fp = meta.fingerprint(con)
    key = db_path or f":memory:{id(con)}"
    with _LOCK:
        vi = _CACHE.get(key)
        if vi is not None:
            vi.built = False
        if is_stale(vi, fp, model) and db_path:
            vi = _read(db_path)
        if is_stale(vi, fp, model):
            vi = build(con, model)
            if db_path and save_file:
                try:
                    save(vi, db_path)
                except OSError:  # a read-only directory: keep the index in memory only
                    pass
        _CACHE[key] = vi
    return vi
