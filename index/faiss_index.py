"""The dense index: chunk vectors in append-only faiss segments of the search sidecar.

``load(con, model)`` brings the sidecar up to date with the store (``index.sidecar.ensure``)
and returns a ``DenseIndex`` whose ``search`` asks every segment (memory-mapped float16,
inner product = cosine on unit vectors: small segments scanned whole, big ones as inverted
files probing the ``NPROBE`` nearest of their lists) and merges their top hits.  Segments hold
vectors of deleted documents until they are rewritten, so each is asked for a few more hits
than needed and unknown ids are dropped.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads on the first search: a keyword-only search does not need it
    import numpy as np


NPROBE = 16  # of 1024 lists: recall@10 0.985 against the exact scan at 909k vectors (bench/search_scale.py)
PARALLEL_FROM = 100_000  # vectors: one query over a smaller segment is fastest on one thread
# (OpenMP start-up cost 15 ms per search on 2 busy cores against 0.1 ms single-threaded)


@dataclass
class DenseIndex:
    home: Path | None  # None: no index could be opened or built here (searches find nothing)
    model: str | None
    built: bool = False

    @property
    def ntotal(self) -> int:
        from index.sidecar import open_sqlite

        if self.home is None:
            return 0
        sql = open_sqlite(self.home)
        try:
            return sql.execute("SELECT count(*) FROM vectors").fetchone()[0]
        finally:
            sql.close()

    def search(self, vector: np.ndarray, n: int, doc_filter: set[str] | None = None) -> list[tuple[str, float]]:
        """Top-n (chunk_id, cosine) for one query vector, optionally only within some documents."""
        import faiss
        import numpy as np

        from index.sidecar import is_ivf, load_segment, reader_sqlite

        sql = reader_sqlite(self.home) if self.home is not None else None  # kept open for the next search
        if sql is None:
            return []
        segs = sql.execute("SELECT seg, n, dead, dim FROM segments ORDER BY seg").fetchall()
        sel = bitmap = None
        if doc_filter is not None:
            bitmap = allowed_bitmap(sql, doc_filter)
            if bitmap is None:
                return []
            sel = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))  # reads bitmap: kept alive below
        q = np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(1, -1))
        found: list[tuple[float, int]] = []
        for seg, size, dead, dim in segs:
            if dim != q.shape[1]:
                continue
            index = load_segment(self.home, seg)
            k = min(n + dead, index.ntotal)
            if k <= 0:
                continue
            params = _params(index, sel)
            faiss.omp_set_num_threads(1 if is_ivf(index) or index.ntotal < PARALLEL_FROM else (os.cpu_count() or 1))
            scores, ids = index.search(q, k, params=params)
            found += [(s, i) for s, i in zip(scores[0].tolist(), ids[0].tolist()) if i >= 0]  # floats and ints as before
        found.sort(key=lambda t: -t[0])
        ids = [i for _, i in found[: n + sum(s[2] for s in segs)]]
        names = dict(sql.execute("SELECT vec_id, chunk_id FROM vectors WHERE vec_id IN (SELECT value FROM json_each(?))",
                                 [json.dumps(ids)]).fetchall()) if ids else {}
        del sel, bitmap  # (the selector pointed into the bitmap until here)
        return [(names[i], s) for s, i in found if i in names][:n]


def allowed_bitmap(sql, doc_ids: set[str]) -> np.ndarray | None:
    """The vec_ids of these documents as a bitmap for faiss's IDSelectorBitmap (bit i%8 of byte
    i//8), None when they have no vector.  A document's vectors are added in one batch, with
    consecutive ids, and removed together (``index.sidecar``), so its ids are the range from its
    first to its last, found by two index seeks; a document whose range is not as long as its
    vector count (``covered``) is read id by id.  Fetching every id and hashing them into an
    IDSelectorBatch per segment cost ~2 s a search whose filter kept 6,000 of 10,000 documents
    (0.03 s this way); the ids, and so the hits, are the same."""
    import numpy as np

    ranges = sql.execute("""
        SELECT d.value, (SELECT min(vec_id) FROM vectors WHERE doc_id = d.value),
               (SELECT max(vec_id) FROM vectors WHERE doc_id = d.value),
               (SELECT n_vectors FROM covered WHERE doc_id = d.value)
        FROM json_each(?) d""", [json.dumps(sorted(doc_ids))]).fetchall()
    ranges = [r for r in ranges if r[1] is not None]
    if not ranges:
        return None
    bits = np.zeros(max(hi for _, _, hi, _ in ranges) + 1, dtype=bool)
    scattered = []
    for doc, lo, hi, n in ranges:
        if n is not None and hi - lo + 1 == n:
            bits[lo:hi + 1] = True
        else:
            scattered.append(doc)
    if scattered:
        ids = [r[0] for r in sql.execute("SELECT vec_id FROM vectors WHERE doc_id IN (SELECT value FROM json_each(?))",
                                         [json.dumps(scattered)])]
        bits[np.asarray(ids, dtype=np.int64)] = True
    return np.packbits(bits, bitorder="little")


def _params(index, sel):
    import faiss

    from index.sidecar import is_ivf

    if is_ivf(index):  # a filter (a region, a year) may keep few vectors in the nearest lists: ask all
        return faiss.SearchParametersIVF(nprobe=index.nlist if sel is not None else min(NPROBE, index.nlist), sel=sel)
    return faiss.SearchParameters(sel=sel) if sel is not None else None


def has_embeddings(con) -> bool:
    """Whether any chunk has a vector (asked once per read-only connection)."""
    from index.sidecar import per_reader

    return per_reader(con, "has_embeddings", _any_vector)


def _any_vector(con) -> bool:
    import duckdb

    try:
        return con.execute("SELECT 1 FROM chunks WHERE vec IS NOT NULL LIMIT 1").fetchone() is not None
    except duckdb.BinderException:  # a store from before packed vectors, opened read-only
        return False


def load(con, model: str | None = None, save_file: bool = True) -> DenseIndex:  # noqa: ARG001
    """The up-to-date dense index of this connection's store (synced first if stale).  A
    store whose index cannot be updated here (read-only folder) is searched as it is."""
    from index.sidecar import SidecarError, ensure, home_of

    try:
        home = ensure(con)
    except SidecarError:  # stale and read-only: search what is there, if anything
        home = home_of(con)
        if not (home / "index.sqlite").exists():
            home = None
    return DenseIndex(home, model)
