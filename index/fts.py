"""BM25 over jieba tokens: an SQLite FTS5 index in the search sidecar (``index.sidecar``).

DuckDB's fts extension rebuilt its whole index on every ingest (14 s at 1k documents, 130 s+
at 10k) and its tokenizer drops CJK characters, so chunks are indexed by their jieba
``cut_for_search`` tokens in an FTS5 table that grows document by document and looks postings
up by term.  Scores are SQLite's bm25() (k1=1.2, b=0.75), negated so that higher is better.
"""
from __future__ import annotations

import json
import re

# Function words and question words that carry no topic in a search query.
STOPWORDS = frozenset("""
的 了 和 与 及 或 等 是 在 对 为 将 把 被 从 向 以 于 由 其 之 而 并 也 都 又 就 有 无 个 这 那 该 此
哪些 哪个 哪里 什么 怎么 怎样 如何 多少 几个 是否 有没有 有无 吗 呢 啊 吧 请问 关于 有关 以及 还有 一下
我们 你们 他们 它们 各 每 所 中 上 下 内 外 要 会 能 可 可以 应 应当 进行 情况 方面 问题 相关 哪 谁
""".split())
PUNCT = re.compile(r"^[\W_]+$")


class FTSError(Exception):
    pass


def tokens(text: str) -> str:
    """jieba search tokens joined by spaces: what the keyword index holds for a chunk."""
    from corpus.segment import jieba

    return " ".join(t for t in jieba().cut_for_search(text) if t.strip())


def exists(con) -> bool:
    """True when the keyword index can answer for this store (brought up to date first);
    False when it is missing and cannot be built here (e.g. a read-only folder)."""
    from index.sidecar import SidecarError, ensure, home_of

    try:
        ensure(con)
        return True
    except SidecarError:
        return (home_of(con) / "index.sqlite").exists()  # stale but present: answer from it


def build(con) -> None:
    """Rebuild the keyword and dense indexes from scratch (``cnpolicy reindex``)."""
    from index.sidecar import ensure, home_of, open_sqlite, reset

    home = home_of(con)
    sql = open_sqlite(home)
    try:
        reset(sql, home)
    finally:
        sql.close()
    ensure(con)


def query_tokens(text: str) -> list[str]:
    """The query's search terms: jieba tokens minus stopwords and punctuation, in order, once each."""
    from corpus.segment import jieba

    out: list[str] = []
    for t in jieba().cut_for_search(text):
        t = t.strip().lower()
        if t and not PUNCT.match(t) and t not in STOPWORDS and t not in out:
            out.append(t)
    return out


def match_expression(terms: list[str]) -> str:
    """FTS5 query: any of the terms, each quoted (a term FTS5 splits further becomes a phrase)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def bm25(con, tokens: list[str], n: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
    """Top-n (chunk_id, score) by BM25, optionally only within some documents."""
    from index.sidecar import SidecarError, ensure, home_of, open_sqlite

    if not tokens:
        return []
    try:
        home = ensure(con)
    except SidecarError:  # stale and read-only: answer from what is there, if anything
        home = home_of(con)
        if not (home / "index.sqlite").exists():
            return []
    sql = open_sqlite(home)
    try:
        where, params = "", [match_expression(tokens)]
        if doc_ids is not None:
            where = "AND m.doc_id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(sorted(doc_ids)))
        rows = sql.execute(f"""SELECT m.chunk_id, -bm25(kw) AS score FROM kw JOIN kwmap m ON m.rowid = kw.rowid
                               WHERE kw MATCH ? {where} ORDER BY bm25(kw), m.chunk_id LIMIT ?""",
                           [*params, n]).fetchall()
    finally:
        sql.close()
    return [(r[0], float(r[1])) for r in rows]
