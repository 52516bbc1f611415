"""The search engines under index/: tantivy BM25 top-k and the dense segments (flat and IVF),
on small synthetic stores written straight into DuckDB (no pipeline, no model)."""
import math
import shutil
import threading
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pytest

from index import fts, meta, sidecar
from index.embed import pack
from index.faiss_index import load as load_dense

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["应急", "避难", "场所", "面积", "森林", "火灾", "受害率", "安全", "生产", "事故", "死亡率", "下降",
         "物资", "储备", "预警", "信息", "发布", "队伍", "建设", "基层", "监测", "隐患", "排查", "治理"]


def make_store(path, n_docs: int, per_doc: int, dim: int = 32, seed: int = 0):
    """A store of n_docs × per_doc chunks with random token texts and random unit vectors."""
    rng = np.random.default_rng(seed)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE documents (doc_id VARCHAR, text VARCHAR, ingested_at TIMESTAMP DEFAULT current_timestamp)")
    con.execute("CREATE TABLE chunks (chunk_id VARCHAR, doc_id VARCHAR, ord INTEGER, section_path VARCHAR, "
                "text VARCHAR, tokens VARCHAR, vec BLOB)")
    meta.put(con, "embedding_model", {"name": "test-model", "path": None, "dim": dim})
    vecs = {}
    for d in range(n_docs):
        add_doc(con, f"d{d:04d}", per_doc, rng, dim, vecs)
    return con, vecs


def add_doc(con, doc_id, per_doc, rng, dim, vecs):
    con.execute("INSERT INTO documents (doc_id) VALUES (?)", [doc_id])
    for i in range(per_doc):
        words = list(rng.choice(WORDS, size=int(rng.integers(3, 12))))
        v = rng.normal(size=dim).astype(np.float32)
        v /= np.linalg.norm(v)
        cid = f"{doc_id}-{i:03d}"
        vecs[cid] = v
        con.execute("INSERT INTO chunks VALUES (?, ?, ?, NULL, ?, ?, ?)",
                    [cid, doc_id, i, "".join(words), " ".join(words), pack(v)])


def bm25_reference(con, terms, k1=1.2, b=0.75):
    """BM25 as tantivy computes it (Lucene's idf), by brute force over every chunk."""
    docs = {cid: Counter(t.split()) for cid, t in con.execute("SELECT chunk_id, tokens FROM chunks").fetchall()}
    n = len(docs)
    avg = sum(sum(c.values()) for c in docs.values()) / n
    df = {t: sum(1 for c in docs.values() if t in c) for t in terms}
    scores = {}
    for cid, c in docs.items():
        length = sum(c.values())
        s = sum(math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) * c[t] * (k1 + 1) / (c[t] + k1 * (1 - b + b * length / avg))
                for t in terms if c[t])
        if s:
            scores[cid] = s
    return scores


def test_keyword_top_k_is_bm25(tmp_path):
    con, _ = make_store(tmp_path / "s.duckdb", 30, 20)
    terms = ["森林", "火灾", "死亡率"]
    hits = fts.bm25(con, terms, 10)
    ref = bm25_reference(con, terms)
    best = sorted(ref.values(), reverse=True)[:10]
    assert [round(s, 3) for _, s in hits] == pytest.approx([round(s, 3) for s in best], rel=2e-3)
    assert all(ref[c] == pytest.approx(s, rel=2e-3) for c, s in hits)


def test_keyword_filter_delete_and_replace(tmp_path):
    con, _ = make_store(tmp_path / "s.duckdb", 10, 10)
    some = {"d0001", "d0003"}
    hits = fts.bm25(con, ["应急", "预警"], 50, some)
    assert hits and {c.split("-")[0] for c, _ in hits} <= some
    con.execute("DELETE FROM chunks WHERE doc_id = 'd0001'")
    con.execute("DELETE FROM documents WHERE doc_id = 'd0001'")
    assert not any(c.startswith("d0001") for c, _ in fts.bm25(con, WORDS, 500))
    # replace a document the writer's way: its old chunks go, the new ones come, never twice
    before = sidecar.store_fingerprint(con)
    con.execute("DELETE FROM chunks WHERE doc_id = 'd0002'")
    con.execute("UPDATE documents SET ingested_at = current_timestamp + INTERVAL 1 SECOND WHERE doc_id = 'd0002'")
    con.execute("INSERT INTO chunks VALUES ('d0002-new', 'd0002', 0, NULL, '独特词', '独特词', NULL)")
    sidecar.index_batch(con, ["d0002"], before)
    assert [c for c, _ in fts.bm25(con, ["独特词"], 10)] == ["d0002-new"]
    assert not any(c.startswith("d0002-0") for c, _ in fts.bm25(con, WORDS, 500))
    assert fts.count(sidecar.home_of(con)) == 8 * 10 + 1


def test_a_retried_add_leaves_one_copy(tmp_path):
    """A kill between the keyword commit and the bookkeeping commit makes the rerun add the
    same document again: the keyword index still holds it once."""
    con, _ = make_store(tmp_path / "s.duckdb", 3, 5)
    home = sidecar.ensure(con)
    fts.write(home, [(10_000 + i, "d0000", "应急 避难") for i in range(5)], [])  # the keyword commit of the try
    sql = sidecar.open_sqlite(home)  # ... whose bookkeeping commit never happened
    sql.execute("DELETE FROM covered WHERE doc_id = 'd0000'")
    sql.execute("DELETE FROM kwmap WHERE doc_id = 'd0000'")
    sql.execute("DELETE FROM state WHERE key = 'fingerprint'")
    sql.close()
    sidecar.ensure(con)
    assert fts.count(home) == 15
    assert len(fts.bm25(con, WORDS, 100)) == 15


def test_lost_keyword_folder_and_old_layout_are_rebuilt(tmp_path):
    con, _ = make_store(tmp_path / "s.duckdb", 4, 5)
    home = sidecar.ensure(con)
    shutil.rmtree(home / fts.KW_DIR)
    fts._OPEN.clear()
    assert len(fts.bm25(con, WORDS, 100)) == 20
    sql = sidecar.open_sqlite(home)
    sql.execute("DELETE FROM state WHERE key = 'layout'")  # what a layout-1 (FTS5) folder looks like
    sql.close()
    assert len(fts.bm25(con, WORDS, 100)) == 20
    assert sidecar.state(sidecar.open_sqlite(home), "layout") == sidecar.LAYOUT


def test_readers_answer_while_a_sync_writes(tmp_path):
    con, vecs = make_store(tmp_path / "s.duckdb", 20, 10)
    home = sidecar.ensure(con)
    errors, answers = [], []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            try:
                answers.append(len(fts.top(home, ["应急", "安全"], 10)))
            except Exception as e:  # noqa: BLE001 — the test reports it
                errors.append(e)

    t = threading.Thread(target=read)
    t.start()
    rng = np.random.default_rng(1)
    for d in range(20, 30):
        before = sidecar.store_fingerprint(con)
        add_doc(con, f"d{d:04d}", 10, rng, 32, vecs)
        sidecar.index_batch(con, [f"d{d:04d}"], before)
    stop.set()
    t.join()
    assert not errors and answers and min(answers) == 10
    assert fts.count(home) == 300


@pytest.fixture
def small_ivf(monkeypatch):
    monkeypatch.setattr(sidecar, "IVF_FROM", 1500)
    monkeypatch.setattr(sidecar, "IVF_LISTS", 16)
    monkeypatch.setattr(sidecar, "IVF_TRAIN", 1000)
    monkeypatch.setattr(sidecar, "MAX_SEGMENT", 100_000)
    monkeypatch.setattr("index.faiss_index.NPROBE", 12)  # random 32-d vectors are IVF's worst case


def segments(con):
    home = sidecar.home_of(con)
    sql = sidecar.open_sqlite(home)
    rows = sql.execute("SELECT seg, n FROM segments ORDER BY seg").fetchall()
    sql.close()
    return [(n, sidecar.is_ivf(sidecar.load_segment(home, s))) for s, n in rows]


def exact(vecs, q, k=10, keep=None):
    ids = [c for c in vecs if keep is None or keep(c)]
    m = np.stack([vecs[c] for c in ids])
    order = np.argsort(-(m @ q))[:k]
    return [ids[i] for i in order]


def test_big_segments_become_ivf_with_high_recall(tmp_path, small_ivf):
    con, vecs = make_store(tmp_path / "s.duckdb", 10, 100)  # 1,000 vectors: one flat segment
    sidecar.ensure(con)
    assert segments(con) == [(1000, False)]
    rng = np.random.default_rng(2)
    for d in range(10, 40):  # batches of one document, merging as a binary counter
        before = sidecar.store_fingerprint(con)
        add_doc(con, f"d{d:04d}", 100, rng, 32, vecs)
        sidecar.index_batch(con, [f"d{d:04d}"], before)
    segs = segments(con)
    assert sum(n for n, _ in segs) == 4000 and any(ivf for _, ivf in segs)
    assert all(ivf for n, ivf in segs if n >= 1500) and all(not ivf for n, ivf in segs if n < 1500)
    dense = load_dense(con)
    qs = rng.normal(size=(30, 32)).astype(np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    recall = np.mean([len({c for c, _ in dense.search(q, 10)} & set(exact(vecs, q))) / 10 for q in qs])
    assert recall >= 0.9
    # a filter and a deletion reach inside the inverted files
    q = qs[0]
    within = {c for c, _ in dense.search(q, 10, {"d0005"})}
    assert all(c.startswith("d0005") for c in within)  # every list is probed under a filter: exact up to float16
    assert len(within & set(exact(vecs, q, keep=lambda c: c.startswith("d0005")))) >= 9
    con.execute("DELETE FROM chunks WHERE doc_id < 'd0020'")
    con.execute("DELETE FROM documents WHERE doc_id < 'd0020'")
    left = {c: v for c, v in vecs.items() if c >= "d0020"}
    hits = load_dense(con).search(q, 10)
    assert len(hits) == 10 and all(c >= "d0020" for c, _ in hits)
    assert sum(n for n, _ in segments(con)) == 2000  # worn segments were rewritten without the dead
    recall = np.mean([len({c for c, _ in load_dense(con).search(q, 10)} & set(exact(left, q))) / 10 for q in qs])
    assert recall >= 0.9


def test_memory_mapped_jieba_dictionary_cuts_like_jieba(tmp_path):
    """Cold searches segment the query over a memory-mapped copy of jieba's dictionary: the
    same cuts as jieba itself (sentences from a seed plan and typical questions)."""
    import jieba as _jieba

    from corpus.segment import jieba

    full = jieba().dt
    fts.write_mapped_freq(full.FREQ, full.total, tmp_path / "d.freq")
    mapped = _jieba.Tokenizer()
    freq = fts.MappedFreq(tmp_path / "d.freq")
    mapped.FREQ, mapped.total, mapped.initialized = freq, freq.total, True
    sample = sorted((ROOT / "corpus" / "samples").glob("*.txt"))[0].read_text(encoding="utf-8")
    lines = [ln for ln in sample.splitlines() if ln.strip()][:40]
    lines += ["人均应急避难场所面积", "如何提高基层应急能力？", "2025年森林火灾受害率控制在0.9‰以内"]
    for line in lines:
        assert list(mapped.cut_for_search(line)) == list(full.cut_for_search(line))
    assert "应急" in freq and freq.get("不存在的词语甲乙") is None and freq["应急"] == full.FREQ["应急"]


def test_query_dictionary_and_model_weights_share_one_cache_folder(tmp_path, monkeypatch):
    """$CNPOLICY_CACHE moves every derived model file (a read-only home needs it)."""
    from index import cache_root, fts
    from index.embedders import _use_cache_dir

    monkeypatch.setenv("CNPOLICY_CACHE", str(tmp_path / "c"))
    assert cache_root() == tmp_path / "c"
    assert fts._mapped_dict_path().parent == tmp_path / "c"
    assert _use_cache_dir()[1].parent == tmp_path / "c"


def test_fingerprint_counts_vectors_as_count_vec(tmp_path):
    """The fingerprint counts vectors without reading them (NULLs from the column's statistics):
    the number is count(vec)'s whether none, some or all are NULL, through updates too."""
    con, _ = make_store(tmp_path / "s.duckdb", 4, 5)

    def vectors():
        return sidecar.store_fingerprint(con)["vectors"]

    assert vectors() == con.execute("SELECT count(vec) FROM chunks").fetchone()[0] == 20
    con.execute("UPDATE chunks SET vec = NULL WHERE doc_id = 'd0001'")
    assert vectors() == 15
    con.execute("UPDATE chunks SET vec = NULL")
    assert vectors() == 0
    con.execute("UPDATE chunks SET vec = ?::BLOB WHERE chunk_id = 'd0002-001'", [b"x" * 8])
    assert vectors() == 1
    con.close()
    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)  # statistics as a reader sees them
    assert vectors() == con.execute("SELECT count(vec) FROM chunks").fetchone()[0] == 1


def test_reader_connections_follow_a_rebuilt_index_and_writable_stores(tmp_path):
    """A search's kept SQLite connection is reopened when the index file is made anew; facts
    about the store are remembered only for read-only connections."""
    from index.faiss_index import has_embeddings

    con, _ = make_store(tmp_path / "s.duckdb", 3, 5)
    home = sidecar.ensure(con)
    first = sidecar.reader_sqlite(home)
    assert first is sidecar.reader_sqlite(home)
    assert first.execute("SELECT count(*) FROM kwmap").fetchone()[0] == 15
    shutil.rmtree(home)
    assert sidecar.reader_sqlite(home) is None and fts.bm25(con, ["应急"], 5)  # repaired by the search
    again = sidecar.reader_sqlite(home)
    assert again is not first and again.execute("SELECT count(*) FROM kwmap").fetchone()[0] == 15
    assert has_embeddings(con)
    con.execute("UPDATE chunks SET vec = NULL")
    assert not has_embeddings(con)  # a writable connection is asked again
    con.close()
    ro = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    calls = []
    assert sidecar.per_reader(ro, "k", lambda c: calls.append(1) or 7) == sidecar.per_reader(ro, "k", lambda c: 8) == 7
    assert calls == [1] and not has_embeddings(ro)


def test_a_document_filter_allows_exactly_its_vectors(tmp_path):
    """The dense filter's bitmap holds exactly the vec_ids of the kept documents, through
    removals and replacements, and a document whose ids are not one range is read id by id."""
    import json

    from index.faiss_index import allowed_bitmap

    con, _ = make_store(tmp_path / "s.duckdb", 8, 6)
    sidecar.ensure(con)
    before = sidecar.store_fingerprint(con)
    con.execute("DELETE FROM chunks WHERE doc_id = 'd0002'")
    con.execute("UPDATE documents SET ingested_at = current_timestamp + INTERVAL 1 SECOND WHERE doc_id = 'd0002'")
    for i in range(3):  # the replacement: three chunks, one vector each
        con.execute("INSERT INTO chunks VALUES (?, 'd0002', ?, NULL, '应急', '应急', ?)",
                    [f"d0002-new{i}", i, pack(np.ones(32, np.float32) / 32 ** 0.5)])
    sidecar.index_batch(con, ["d0002"], before)
    con.execute("DELETE FROM chunks WHERE doc_id = 'd0005'")
    con.execute("DELETE FROM documents WHERE doc_id = 'd0005'")
    home = sidecar.ensure(con)
    sql = sidecar.open_sqlite(home)
    sql.execute("UPDATE vectors SET vec_id = 10000 WHERE vec_id = (SELECT max(vec_id) FROM vectors WHERE doc_id = 'd0007')")

    def explicit(docs):
        return sorted(r[0] for r in sql.execute("SELECT vec_id FROM vectors WHERE doc_id IN (SELECT value FROM json_each(?))",
                                                [json.dumps(sorted(docs))]))

    for docs in ({"d0001"}, {"d0002", "d0003"}, {"d0005"}, {"d0007", "d0000"}, {f"d{i:04d}" for i in range(8)}):
        bitmap = allowed_bitmap(sql, docs)
        got = [] if bitmap is None else np.flatnonzero(np.unpackbits(bitmap, bitorder="little")).tolist()
        assert got == explicit(docs), docs
    hits = load_dense(con).search(np.ones(32, np.float32) / 32 ** 0.5, 5, {"d0002"})
    assert [c for c, _ in hits][:3] and all(c.startswith("d0002-new") for c, _ in hits)
    sql.close()
