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
        allowed = None
        if doc_filter is not None:
            allowed = np.asarray([r[0] for r in sql.execute(
                "SELECT vec_id FROM vectors WHERE doc_id IN (SELECT value FROM json_each(?))",
                [json.dumps(sorted(doc_filter))])], dtype=np.int64)
            if allowed.size == 0:
                return []
        q = np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(1, -1))
        found: list[tuple[float, int]] = []
        for seg, size, dead, dim in segs:
            if dim != q.shape[1]:
                continue
            index = load_segment(self.home, seg)
            k = min(n + dead, index.ntotal)
            if k <= 0:
                continue
            params = _params(index, allowed)
            faiss.omp_set_num_threads(1 if is_ivf(index) or index.ntotal < PARALLEL_FROM else (os.cpu_count() or 1))
            scores, ids = index.search(q, k, params=params)
            found += [(s, i) for s, i in zip(scores[0].tolist(), ids[0].tolist()) if i >= 0]  # floats and ints as before
        found.sort(key=lambda t: -t[0])
        ids = [i for _, i in found[: n + sum(s[2] for s in segs)]]
        names = dict(sql.execute("SELECT vec_id, chunk_id FROM vectors WHERE vec_id IN (SELECT value FROM json_each(?))",
                                 [json.dumps(ids)]).fetchall()) if ids else {}
        return [(names[i], s) for s, i in found if i in names][:n]


def _params(index, allowed):
    import faiss

    from index.sidecar import is_ivf

    sel = faiss.IDSelectorBatch(allowed) if allowed is not None else None
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
