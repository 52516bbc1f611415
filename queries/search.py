"""Passage search: BM25 over jieba tokens + dense embeddings, fused by reciprocal rank.

    from queries.search import search
    hits = search("cnpolicy.duckdb", "人均避难场所面积", k=5, region="临清市")

``search(db_or_con, query, k=10, region=None, province=None, admin_level=None, kind=None,
year=None, mode="hybrid", model=None) -> list[dict]`` — stable signature, used by ``ask`` and
the HTTP API.  Each result: doc_id, chunk_id, source_file, title, region, admin_level, kind,
section_path, page, char_start, char_end (span of the document's raw text), text, score
(fused RRF score, or the BM25/cosine score in a single mode), highlights (query tokens found
in the passage, in query order), bm25_rank, dense_rank (1-based, None when not retrieved).

Filters (on the documents table, ``queries.filters.Filters``): region (a name or a list of
names, full or short: 宁夏 = 宁夏回族自治区; any matches) matches the region, province, prefecture
or county name; province (name or list) matches the province; admin_level is province | prefecture | county | district ("county"
means county-level: counties, county-level cities and districts); kind is documents.kind;
year keeps plans whose period covers that year.  The database is only read: the indexes are
built by ``index.refresh`` at ingest (the faiss file is rebuilt here only if stale).  If the
database holds no embeddings (ingested with embed=False) hybrid search is BM25 alone.
"""
from __future__ import annotations

import re
from pathlib import Path

MODES = ("hybrid", "bm25", "dense")
ADMIN_LEVELS = ("province", "prefecture", "county", "district")
RRF_K = 60  # Cormack et al.: damps the head of each ranking
DENSE_WEIGHT = 1.0  # 0.3–0.5 changed nothing measurable on the seed questions (README: Search)
MAX_K = 1000
MAX_QUERY_CHARS = 1000


class SearchError(ValueError):
    """Bad parameters or an index that cannot answer; the message says what to change."""


# --- parameters ------------------------------------------------------------------------------
def _check(query: str, k: int, mode: str, year) -> str:
    if not isinstance(query, str) or not query.strip():
        raise SearchError("empty query: give some words to search for, e.g. 人均避难场所面积")
    if len(query) > MAX_QUERY_CHARS:
        raise SearchError(f"query too long ({len(query)} characters, at most {MAX_QUERY_CHARS})")
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise SearchError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
    if mode not in MODES:
        raise SearchError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1949 <= year <= 2100):
        raise SearchError(f"year must be a four-digit year, got {year!r}")
    return query.strip()


def _document_filter(con, filters) -> set[str] | None:
    """Doc ids the shared filters keep (``queries.filters.Filters``), None for no filter."""
    where, params = filters.document_sql(con)
    if not where:
        return None
    return {r[0] for r in con.execute(f"SELECT doc_id FROM documents d WHERE {' AND '.join(where)}",
                                      params).fetchall()}


# --- retrieval ---------------------------------------------------------------------------------
def _bm25(con, tokens: list[str], n: int, doc_filter: set[str] | None) -> list[tuple[str, float]]:
    from index import fts

    if not fts.exists(con):
        raise SearchError("the database has no full-text index: run `cnpolicy ingest` on it once with write access")
    return fts.bm25(con, tokens, n, doc_filter)


def _query_model(con, model: str | None) -> str:
    from index import SearchIndexError, query_model

    try:
        return query_model(con, model)
    except SearchIndexError as e:
        raise SearchError(str(e)) from e


def _dense(con, query: str, n: int, doc_filter: set[str] | None, spec: str) -> list[tuple[str, float]]:
    from index import faiss_index
    from index.embedders import encode_queries, get_embedder, spec_name

    vi = faiss_index.load(con, spec_name(spec))
    vector = encode_queries(get_embedder(spec), [query])[0]
    return vi.search(vector, n, doc_filter)


def rrf(rankings: list[list[str]], weights: list[float] | None = None, k0: int = RRF_K) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum over rankings of weight / (k0 + rank)."""
    fused: dict[str, float] = {}
    for ranking, w in zip(rankings, weights or [1.0] * len(rankings)):
        for rank, cid in enumerate(ranking, 1):
            fused[cid] = fused.get(cid, 0.0) + w / (k0 + rank)
    return fused


# --- results -----------------------------------------------------------------------------------
RESULT_SQL = """
    SELECT c.chunk_id, c.doc_id, d.source_file, d.title, d.region, d.admin_level, d.kind, c.section_path,
           c.page, c.char_start, c.char_end, {text} AS text
    FROM chunks c JOIN documents d USING (doc_id) WHERE c.chunk_id IN (SELECT unnest(?))"""


def result_sql(con) -> str:
    """Results read from the store alone (the reference ``index.passage_rows`` is checked
    against): the chunk text is the slice of ``documents.text`` by the chunk's span, or a
    stored copy in an old database (``index.meta.chunk_text``)."""
    from index.meta import chunk_text

    return RESULT_SQL.format(text=chunk_text(con))


def highlights(text: str, tokens: list[str]) -> list[str]:
    """Query tokens found in a passage, in query order."""
    low = text.lower()
    return [t for t in tokens if t in low]


def _rows(con, ranked: list[tuple[str, float]], tokens: list[str], ranks: dict[str, dict]) -> list[dict]:
    """The ranked chunks as results.  Their fields come from the keyword index's stored
    passages (``index.passage_rows``; the store only for what it lacks): slicing the texts out
    of DuckDB scanned every chunk and document text, 0.76 s CPU at 10k documents."""
    from index import passage_rows

    by_id = passage_rows(con, [cid for cid, _ in ranked])
    out = []
    for cid, score in ranked:
        row = by_id.get(cid)
        if row is None:  # a chunk deleted since the dense index was built
            continue
        row.update(score=round(score, 6), highlights=highlights(row["text"] or "", tokens), **ranks.get(cid, {}))
        out.append(row)
    return out


def _connect(db_or_con):
    """An open connection as it is, or a path opened read-only (this layer sits below the
    store's writer, so it opens the file itself)."""
    if isinstance(db_or_con, (str, Path)):
        import duckdb

        if not Path(db_or_con).exists():
            raise SearchError(f"{db_or_con}: no such database — run `cnpolicy ingest` first")
        try:
            return duckdb.connect(str(db_or_con), read_only=True), True
        except duckdb.Error as e:
            raise SearchError(f"{db_or_con}: cannot open database: {e}") from e
    return db_or_con, False


def search(db_or_con, query: str, k: int = 10, region: str | list[str] | None = None,
           province: str | list[str] | None = None,
           admin_level: str | None = None, kind: str | None = None, year: int | None = None,
           mode: str = "hybrid", model: str | None = None, filters=None) -> list[dict]:
    """The k passages that best match ``query`` (see the module docstring for fields and
    filters; ``filters`` is a ``queries.filters.Filters``, the keyword filters refine it)."""
    from index import faiss_index, fts
    from queries.filters import FilterError, Filters

    query = _check(query, k, mode, year)
    con, owned = _connect(db_or_con)
    try:
        try:
            f = Filters.of(filters, region=region, province=province, level=admin_level, kind=kind, year=year)
            doc_filter = _document_filter(con, f)
        except FilterError as e:
            raise SearchError(str(e)) from None
        if doc_filter is not None and not doc_filter:
            return []
        use_dense = mode != "bm25" and faiss_index.has_embeddings(con)
        if mode == "dense" and not use_dense:
            raise SearchError("the database holds no embeddings (ingested with embed=False): "
                              "re-ingest with embeddings to use mode='dense'")
        spec = _query_model(con, model) if use_dense else None
        tokens = fts.query_tokens(query)
        depth = max(50, 3 * k)
        lexical = _bm25(con, tokens, depth, doc_filter) if mode != "dense" else []
        semantic = _dense(con, query, depth, doc_filter, spec) if spec else []
        ranks = {cid: {"bm25_rank": None, "dense_rank": None} for cid, _ in lexical + semantic}
        for name, hits in (("bm25_rank", lexical), ("dense_rank", semantic)):
            for i, (cid, _) in enumerate(hits, 1):
                ranks[cid][name] = i
        if mode == "hybrid":
            fused = rrf([[c for c, _ in lexical], [c for c, _ in semantic]], [1.0, DENSE_WEIGHT])
            ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        else:
            ranked = (lexical or semantic)[:k]
        return _rows(con, ranked, tokens, ranks)
    finally:
        if owned:
            con.close()


def split_highlights(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """Cut a passage into (piece, is_match) runs for display, longest words matched first."""
    if not words:
        return [(text, False)]
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    out, pos = [], 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        out.append((m.group(), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out
