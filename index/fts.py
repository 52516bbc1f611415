"""BM25 over jieba tokens: a tantivy index in the search sidecar (``index.sidecar``).

Each chunk is indexed by its jieba ``cut_for_search`` tokens, lowercased and without
punctuation, split on whitespace only (tantivy does not segment CJK itself).  A query is
a disjunction of its terms, scored by tantivy's BM25 (k1=1.2, b=0.75) and cut to the
top n with block-max WAND, so a query reads the blocks that can still enter the top n
rather than every posting of every term.  SQLite FTS5's bm25(), used before, scored every
chunk holding any query term (~155 ms a query at 3k documents, growing with the corpus).

The index lives in ``<home>/kw/`` (segments memory-mapped by readers; a sync commits new
segments and tantivy merges them in the background of the writer, which waits for them).
Each chunk carries ``kid`` (the sidecar's ``kwmap`` rowid, a fast field), ``doc_id`` and
``chunk_id`` (raw terms, for deletes, filters and lookups) and ``passage``, the stored JSON of
what a search result shows of it (text, section path, page, span): fetching ten results from
DuckDB scanned the chunk ids of every chunk and the texts of every document (0.5–1 s at 10k
documents), from here it is a term lookup and a block read.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

# Function words and question words that carry no topic in a search query.
STOPWORDS = frozenset("""
的 了 和 与 及 或 等 是 在 对 为 将 把 被 从 向 以 于 由 其 之 而 并 也 都 又 就 有 无 个 这 那 该 此
哪些 哪个 哪里 什么 怎么 怎样 如何 多少 几个 是否 有没有 有无 吗 呢 啊 吧 请问 关于 有关 以及 还有 一下
我们 你们 他们 它们 各 每 所 中 上 下 内 外 要 会 能 可 可以 应 应当 进行 情况 方面 问题 相关 哪 谁
""".split())
PUNCT = re.compile(r"^[\W_]+$")
KW_DIR = "kw"
WRITER_HEAP = 64_000_000  # bytes of tantivy's indexing buffer (one thread: the machine is shared)
_OPEN: dict[str, object] = {}  # "kw folder:inode" → tantivy.Index, opened once per process
_OPEN_LOCK = threading.Lock()


class FTSError(Exception):
    pass


def tokens(text: str) -> str:
    """jieba search tokens joined by spaces: what the keyword index holds for a chunk."""
    return " ".join(t for t in chunk_segmenter(len(text)).cut_for_search(text) if t.strip())


# Loading jieba's full dictionary costs 0.7-1 CPU-s; cutting with the memory-mapped copy costs
# about 7 µs more per character.  A process that cuts little (`cnpolicy ingest one.pdf`, the
# first documents of a worker) uses the mapped copy; past this many characters the full one
# pays for itself and is loaded.  The cuts are the same either way.
MAPPED_CUT_CHARS = 100_000
_cut_chars = 0


def chunk_segmenter(chars: int):
    """The jieba Tokenizer for ``chars`` more characters of chunk text (see MAPPED_CUT_CHARS)."""
    global _cut_chars
    _cut_chars += chars
    if _cut_chars > MAPPED_CUT_CHARS:
        from corpus.segment import jieba

        return jieba().dt
    return query_segmenter()


def index_terms(tokens_text: str) -> str:
    """The terms a chunk is indexed under: its tokens lowercased, punctuation dropped (the
    query side, ``query_tokens``, does the same)."""
    return " ".join(t for t in tokens_text.lower().split() if not PUNCT.match(t))


def query_tokens(text: str) -> list[str]:
    """The query's search terms: jieba tokens minus stopwords and punctuation, in order, once each.
    Cut by the memory-mapped copy of jieba's dictionary when jieba is not loaded yet (a cold
    search: loading its 500k-word dictionary costs 0.5–3 s; the cuts are the same)."""
    out: list[str] = []
    for t in query_segmenter().cut_for_search(text):
        t = t.strip().lower()
        if t and not PUNCT.match(t) and t not in STOPWORDS and t not in out and " " not in t:
            out.append(t)
    return out


# --- jieba's dictionary, memory-mapped --------------------------------------------------------------
DICT_MAGIC = b"CNJB1\0\0\0"


class MappedFreq:
    """jieba's word → frequency table read from a file of sorted UTF-8 keys (offsets, counts,
    bytes), looked up by binary search: opening it costs nothing, a lookup a few µs.  Offers
    the three operations jieba's Tokenizer uses on ``FREQ``: ``in``, ``[]`` and ``get``."""

    def __init__(self, path: Path):
        import mmap

        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        head = self._map[:24]
        if head[:8] != DICT_MAGIC:
            raise ValueError(f"{path}: not a cnpolicy jieba dictionary")
        n, self.total = int.from_bytes(head[8:16], "little"), int.from_bytes(head[16:24], "little")
        view = memoryview(self._map)
        self._n, self._memo = n, {}
        self._offsets = view[24:24 + 4 * (n + 1)].cast("I")
        self._counts = view[24 + 4 * (n + 1):24 + 4 * (2 * n + 1)].cast("I")
        self._blob = view[24 + 4 * (2 * n + 1):]

    def _find(self, key: str) -> int:
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._search(key)
            if len(self._memo) > 100_000:  # queries are short: a bounded memo of what they asked
                self._memo.clear()
        return found

    def _search(self, key: str) -> int:
        kb, offsets, blob = key.encode(), self._offsets, self._blob
        lo, hi = 0, self._n
        while lo < hi:
            mid = (lo + hi) // 2
            probe = bytes(blob[offsets[mid]:offsets[mid + 1]])
            if probe < kb:
                lo = mid + 1
            elif probe > kb:
                hi = mid
            else:
                return mid
        return -1

    def __contains__(self, key: str) -> bool:
        return self._find(key) >= 0

    def __getitem__(self, key: str) -> int:
        i = self._find(key)
        if i < 0:
            raise KeyError(key)
        return self._counts[i]

    def get(self, key: str, default=None):
        i = self._find(key)
        return self._counts[i] if i >= 0 else default


def write_mapped_freq(freq: dict[str, int], total: int, path: Path) -> None:
    import array
    import os

    keys = sorted(freq)
    blobs = [k.encode() for k in keys]
    offsets = array.array("I", [0])
    for b in blobs:
        offsets.append(offsets[-1] + len(b))
    counts = array.array("I", [min(int(freq[k]), 2**32 - 1) for k in keys])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(DICT_MAGIC + len(keys).to_bytes(8, "little") + int(total).to_bytes(8, "little"))
        f.write(offsets.tobytes())
        f.write(counts.tobytes())
        f.write(b"".join(blobs))
    tmp.replace(path)


def _mapped_dict_path() -> Path:
    """Per jieba dictionary (path, size, mtime) in the user cache."""
    import hashlib

    import jieba as _jieba

    from index import cache_root

    dict_file = Path(_jieba.dt.dictionary or Path(_jieba.__file__).with_name(_jieba.DEFAULT_DICT_NAME))
    stat = dict_file.stat()
    key = f"{dict_file.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{_jieba.__version__}"
    return cache_root() / f"jieba-{hashlib.sha1(key.encode()).hexdigest()[:12]}.freq"


_SEGMENTER = None


def prepare_query_dict() -> None:
    """Write the memory-mapped dictionary if this machine has none yet (run by ``index.refresh``,
    so that the first cold search after an ingest does not pay for it)."""
    if not _mapped_dict_path().exists():
        query_segmenter()


def query_segmenter():
    """A jieba Tokenizer for queries: the loaded one if jieba is initialised already (an ingest,
    a server), else one over the memory-mapped dictionary, written once from the full one."""
    global _SEGMENTER
    import jieba as _jieba

    if _jieba.dt.initialized:
        return _jieba.dt
    if _SEGMENTER is not None:
        return _SEGMENTER
    path = _mapped_dict_path()
    try:
        freq = MappedFreq(path)
    except (OSError, ValueError):
        from corpus.segment import jieba

        full = jieba().dt
        try:
            write_mapped_freq(full.FREQ, full.total, path)
        except OSError:  # no writable cache: the loaded dictionary serves
            pass
        return full
    tk = _jieba.Tokenizer()
    tk.FREQ, tk.total, tk.initialized = freq, freq.total, True
    _SEGMENTER = tk
    return tk


# --- the tantivy index -----------------------------------------------------------------------------
def kw_dir(home: Path) -> Path:
    return home / KW_DIR


def _schema():
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("tokens", tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field("doc_id", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("chunk_id", tokenizer_name="raw", index_option="basic")
    sb.add_unsigned_field("kid", fast=True)
    sb.add_bytes_field("passage", stored=True, indexed=False)
    return sb.build()


def open_index(home: Path, create: bool = False):
    """The keyword index of this sidecar (cached per process), or None when there is none and
    ``create`` is False."""
    import tantivy

    path = kw_dir(home)
    try:
        key = f"{path}:{path.stat().st_ino}"  # a folder made anew (reindex) is another index
    except OSError:
        key = str(path)
    with _OPEN_LOCK:
        index = _OPEN.get(key)
        if index is not None and (path / "meta.json").exists():
            return index
        _OPEN.pop(key, None)
        if not (path / "meta.json").exists():
            if not create:
                return None
            path.mkdir(parents=True, exist_ok=True)
            key = f"{path}:{path.stat().st_ino}"
            index = tantivy.Index(_schema(), path=str(path), reuse=False)
        else:
            index = tantivy.Index.open(str(path))
        index.config_reader(reload_policy="manual")
        _OPEN[key] = index
        return index


PASSAGE_FIELDS = ("chunk_id", "doc_id", "section_path", "page", "char_start", "char_end", "text")


def write(home: Path, add: list[tuple], remove_docs: list[str]) -> None:
    """One commit: drop every chunk of ``remove_docs`` and of the added chunks' documents (so a
    retried add never leaves two copies), then add (kid, doc_id, tokens, passage) rows, where
    passage is a dict of ``PASSAGE_FIELDS`` (or None)."""
    import json

    import tantivy

    index = open_index(home, create=True)
    writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
    try:
        for doc_id in sorted(set(remove_docs) | {r[1] for r in add}):
            writer.delete_documents_by_term("doc_id", doc_id)
        for kid, doc_id, text, *rest in add:
            passage = rest[0] if rest else None
            doc = tantivy.Document()
            doc.add_unsigned("kid", kid)
            doc.add_text("doc_id", doc_id)
            doc.add_text("tokens", index_terms(text))
            if passage:
                doc.add_text("chunk_id", passage["chunk_id"])
                doc.add_bytes("passage", json.dumps(passage, ensure_ascii=False).encode())
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()  # merges finish under the sync lock, never half-done
    except BaseException:
        try:
            writer.rollback()
        except Exception:  # the writer may already be gone; tantivy's last commit stands
            pass
        raise


def clear(home: Path) -> None:
    """Forget every chunk: the folder goes (the next write makes it anew, with this schema);
    readers that mapped its files keep them until they reopen."""
    import shutil

    path = kw_dir(home)
    with _OPEN_LOCK:
        for key in [k for k in _OPEN if k.rsplit(":", 1)[0] == str(path)]:
            del _OPEN[key]
    shutil.rmtree(path, ignore_errors=True)


def count(home: Path) -> int | None:
    """Chunks the keyword index holds now (None: no index)."""
    index = open_index(home)
    if index is None:
        return None
    index.reload()
    return index.searcher().num_docs


def top(home: Path, terms: list[str], n: int, doc_ids: set[str] | None = None) -> list[tuple[int, float]]:
    """Top-n (kid, BM25 score) for any of the terms, optionally only within some documents."""
    import tantivy

    index = open_index(home)
    if index is None or not terms:
        return []
    index.reload()  # a sync may have committed since: see its segments
    schema = index.schema
    query = tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "tokens", t, index_option="freq")) for t in terms])
    if doc_ids is not None:
        keep = tantivy.Query.const_score_query(tantivy.Query.term_set_query(schema, "doc_id", sorted(doc_ids)), 0.0)
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, keep)])
    searcher = index.searcher()
    hits = searcher.search(query, n, count=False).hits  # count=False keeps block-max WAND's pruning
    if not hits:
        return []
    kids = searcher.fast_field_values("kid", [a for _, a in hits])
    return [(int(k), float(s)) for (s, _), k in zip(hits, kids)]


def stored_passages(home: Path, chunk_ids: list[str]) -> dict[str, dict]:
    """chunk_id → its stored passage (``PASSAGE_FIELDS``), for the ids the index holds."""
    import json

    import tantivy

    index = open_index(home)
    if index is None or not chunk_ids:
        return {}
    index.reload()
    searcher = index.searcher()
    query = tantivy.Query.term_set_query(index.schema, "chunk_id", sorted(set(chunk_ids)))
    out = {}
    for _, address in searcher.search(query, len(set(chunk_ids)), count=False).hits:
        blob = searcher.doc(address).get_first("passage")
        if blob:
            p = json.loads(bytes(blob))
            out[p["chunk_id"]] = p
    return out


# --- what callers use ------------------------------------------------------------------------------
def exists(con) -> bool:
    """True when the keyword index can answer for this store (brought up to date first);
    False when it is missing and cannot be built here (e.g. a read-only folder)."""
    from index.sidecar import SidecarError, ensure, home_of

    try:
        ensure(con)
        return True
    except SidecarError:
        return (kw_dir(home_of(con)) / "meta.json").exists()  # stale but present: answer from it


def build(con) -> None:
    """Rebuild the keyword and dense indexes from scratch (``cnpolicy reindex``)."""
    from index import reindex

    reindex(con)


def bm25(con, tokens: list[str], n: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
    """Top-n (chunk_id, score) by BM25, optionally only within some documents."""
    from index.sidecar import SidecarError, chunk_ids, ensure, home_of

    if not tokens:
        return []
    try:
        home = ensure(con)
    except SidecarError:  # stale and read-only: answer from what is there, if anything
        home = home_of(con)
    if doc_ids is not None and not doc_ids:
        return []
    hits = top(home, [t.lower() for t in tokens], n, doc_ids)
    names = chunk_ids(home, [k for k, _ in hits])
    ranked = [(names[k], s) for k, s in hits if k in names]  # a kid without a row: its document was just removed
    ranked.sort(key=lambda t: (-t[1], t[0]))
    return ranked
