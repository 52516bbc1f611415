"""BM25 over jieba tokens with DuckDB's fts extension, loaded offline from its wheel.

DuckDB's default fts tokenizer throws away every CJK character (duckdb #6544), so the index
is built on ``chunks.tokens`` (jieba ``cut_for_search`` output joined by spaces) with an
``ignore`` pattern that keeps letters and digits of any script and drops punctuation.
The extension comes from the PyPI package ``duckdb-extension-fts`` (same version as duckdb);
nothing is downloaded.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

SCHEMA = "fts_main_chunks"
IGNORE = r"[^\p{L}\p{N}.]+"  # RE2: anything but letters/digits (any script) and the decimal point

# Function words and question words that carry no topic in a search query.
STOPWORDS = frozenset("""
的 了 和 与 及 或 等 是 在 对 为 将 把 被 从 向 以 于 由 其 之 而 并 也 都 又 就 有 无 个 这 那 该 此
哪些 哪个 哪里 什么 怎么 怎样 如何 多少 几个 是否 有没有 有无 吗 呢 啊 吧 请问 关于 有关 以及 还有 一下
我们 你们 他们 它们 各 每 所 中 上 下 内 外 要 会 能 可 可以 应 应当 进行 情况 方面 问题 相关 哪 谁
""".split())
PUNCT = re.compile(r"^[\W_]+$")


class FTSError(Exception):
    pass


@lru_cache(maxsize=1)
def extension_path() -> str:
    """The fts extension file shipped in the duckdb-extension-fts wheel for this duckdb."""
    import duckdb
    try:
        import duckdb_extension_fts
    except ImportError as e:
        raise FTSError("full-text search needs the PyPI package duckdb-extension-fts") from e
    root = Path(duckdb_extension_fts.__file__).parent / "extensions"
    exact = root / f"v{duckdb.__version__}" / "fts.duckdb_extension"
    found = [exact] if exact.exists() else sorted(root.glob("*/fts.duckdb_extension"))
    if not found:
        raise FTSError(f"no fts.duckdb_extension under {root}")
    return str(found[0])


def load(con) -> None:
    """LOAD fts into a connection (read-only connections can load extensions too)."""
    con.execute(f"LOAD '{extension_path()}'")


def build(con) -> None:
    """(Re)build the BM25 index on chunks.tokens; needs a writable connection."""
    load(con)
    con.execute(f"""PRAGMA create_fts_index('chunks', 'chunk_id', 'tokens', stemmer='none', stopwords='none',
                    ignore='{IGNORE}', strip_accents=0, lower=1, overwrite=1)""")


def exists(con) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'docs'",
                       [SCHEMA]).fetchone()[0] > 0


def query_tokens(text: str) -> list[str]:
    """The query's search terms: jieba tokens minus stopwords and punctuation, in order, once each."""
    from corpus.segment import jieba

    out: list[str] = []
    for t in jieba().cut_for_search(text):
        t = t.strip().lower()
        if t and not PUNCT.match(t) and t not in STOPWORDS and t not in out:
            out.append(t)
    return out


# BM25 (k1=1.2, b=0.75, Lucene idf) straight from the index tables, reading only the postings of
# the query's terms: about twice as fast as match_bm25, which scores every chunk.  Same ranking.
BM25_SQL = f"""
WITH q AS (SELECT termid, df FROM {SCHEMA}.dict WHERE term IN (SELECT unnest(?::VARCHAR[]))),
     tf AS (SELECT t.docid, t.termid, count(*) AS tf FROM {SCHEMA}.terms t SEMI JOIN q USING (termid) GROUP BY ALL),
     st AS (SELECT num_docs, avgdl FROM {SCHEMA}.stats)
SELECT d.name AS chunk_id,
       sum(ln((st.num_docs - q.df + 0.5) / (q.df + 0.5) + 1)
           * tf.tf * 2.2 / (tf.tf + 1.2 * (0.25 + 0.75 * d.len / st.avgdl))) AS score
FROM tf JOIN q USING (termid) JOIN {SCHEMA}.docs d USING (docid), st
{{where}}
GROUP BY d.name ORDER BY score DESC, chunk_id LIMIT ?"""
WIDE = 2000  # a broad document filter is applied to this many unfiltered hits (slow in SQL)


def _ranked(con, tokens: list[str], n: int, doc_ids: list[str] | None = None) -> list[tuple[str, float]]:
    where = "WHERE split_part(d.name, ':', 1) IN (SELECT unnest(?::VARCHAR[]))" if doc_ids is not None else ""
    params = [tokens, *([doc_ids] if doc_ids is not None else []), n]
    return [(r[0], float(r[1])) for r in con.execute(BM25_SQL.format(where=where), params).fetchall()]


def bm25(con, tokens: list[str], n: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
    """Top-n (chunk_id, score) by BM25, optionally only within some documents."""
    if not tokens:
        return []
    if doc_ids is None:
        return _ranked(con, tokens, n)
    if len(doc_ids) < 0.2 * con.execute("SELECT count(*) FROM documents").fetchone()[0]:
        return _ranked(con, tokens, n, sorted(doc_ids))  # a narrow filter: the database applies it fast
    wide = _ranked(con, tokens, max(WIDE, n))
    kept = [(c, s) for c, s in wide if c.split(":", 1)[0] in doc_ids][:n]
    if len(kept) == n or len(wide) < max(WIDE, n):  # enough, or nothing more to find
        return kept
    return _ranked(con, tokens, n, sorted(doc_ids))
