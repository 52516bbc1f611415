"""Search latency at 10k-document scale, measured inside the index code path (no pipeline ingest).

    .venv/bin/python bench/search_scale.py --source A.duckdb [B.duckdb ...] --docs 10000 --out /tmp/x

Builds a synthetic store from the chunks of real ingested databases (e.g. the real eval
documents and the seed samples): each synthetic chunk joins the first sentences of one real
chunk to the last sentences of another, with its numbers changed, and its vector is the same
blend of the two real USE vectors plus a little noise (unit length again).  ``--chunks`` per
document (default 90, ~400 characters each).  Then it indexes the store through
``index.sidecar`` (a full sync = ``cnpolicy reindex``, then a batch of ``--add`` documents
through the writer's ``index_batch``), and prints:

- build time of the full sync, time to add the batch and one document, index size by part;
- keyword (``index.fts.bm25``) and dense (``DenseIndex.search``) p50/p95 over the queries,
  dense recall@10 against an exact float32 scan, for a few nprobe values;
- hybrid p50/p95 through ``queries.search.search`` (query encoding included);
- with ``--fts5``: the same chunks in an SQLite FTS5 table (the previous engine), its p50/p95
  and the top-10 overlap with tantivy;
- the cold cost of opening the indexes and answering one query in a fresh process, and of a
  whole cold ``cnpolicy search``.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = [
    "人均应急避难场所面积", "安全生产事故死亡率下降", "森林火灾受害率", "应急物资储备库建设", "森林防火阻隔带",
    "危险化学品重大危险源监测", "基层应急救援队伍", "灾害预警信息发布", "应急广播体系", "安全生产执法检查",
    "防汛抗旱物资储备", "网格员职责", "道路交通万车死亡率", "亿元国内生产总值生产安全事故死亡率", "地震监测台网",
    "城市内涝治理", "消防救援站建设", "工矿商贸就业人员十万人生产安全事故死亡率", "自然灾害综合风险普查",
    "应急管理信息化", "洪涝灾害防御", "地质灾害隐患点搬迁", "应急避难场所建设标准", "安全生产责任制落实",
    "企业安全生产标准化", "化工园区安全整治", "尾矿库风险管控", "燃气管道老化更新改造", "高层建筑消防安全",
    "应急救援装备现代化", "航空应急救援能力", "综合减灾示范社区", "灾害信息员队伍", "应急预案体系建设",
    "应急演练", "救灾物资调运时间", "受灾群众基本生活得到有效救助", "年均因灾直接经济损失占国内生产总值比例",
    "防灾减灾宣传教育", "安全文化建设", "应急管理综合行政执法改革", "矿山安全生产", "建筑施工安全",
    "校园安全风险防控", "水上交通安全", "特种设备安全监管", "重点行业领域安全风险", "防汛抗旱指挥体系",
    "气象灾害监测预警", "生命线工程抗震设防", "社会应急力量", "应急管理人才培养", "如何提高基层应急能力？",
    "哪些地区的森林覆盖率目标最高", "2025年安全生产目标",
]
SENTENCE_END = re.compile(r"(?<=[。；！？\n])")
DIGITS = re.compile(r"\d+(?:\.\d+)?")


def pct(times: list[float]) -> tuple[float, float]:
    ms = sorted(t * 1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


def show(name: str, times: list[float]) -> None:
    p50, p95 = pct(times)
    print(f"  {name:<34} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   (n={len(times)})", flush=True)


# --- the synthetic store -------------------------------------------------------------------------
def source_chunks(paths: list[str]):
    """(sentences of each real chunk as (text, tokens), vectors, documents' metadata rows)."""
    import duckdb

    from index.embed import unpack
    from index.fts import tokens
    from index.meta import chunk_text

    chunks, vecs, docs, model = [], [], [], None
    for p in paths:
        con = duckdb.connect(p, read_only=True)
        rows = con.execute(f"SELECT {chunk_text(con)}, c.vec FROM chunks c JOIN documents d USING (doc_id) "
                           "WHERE c.vec IS NOT NULL").fetchall()
        for text, vec in rows:
            parts = [s for s in SENTENCE_END.split(text or "") if s.strip()]
            if parts:
                chunks.append([(s, tokens(s)) for s in parts])
                vecs.append(vec)
        docs += con.execute("SELECT title, region, province, admin_level, kind, period_start, period_end "
                            "FROM documents").fetchall()
        model = model or con.execute("SELECT value FROM index_meta WHERE key = 'embedding_model'").fetchone()[0]
        con.close()
    return chunks, unpack(vecs), docs, json.loads(model)


def blend(rng, chunks, vecs, n: int, noise: float):
    """n synthetic chunks: (text, tokens) and unit vectors."""
    a = rng.integers(0, len(chunks), n)
    b = rng.integers(0, len(chunks), n)
    w = rng.uniform(0.5, 0.8, n).astype(np.float32)
    out = []
    for i in range(n):
        ca, cb = chunks[a[i]], chunks[b[i]]
        head = ca[: max(1, (len(ca) + 1) // 2)]
        tail = cb[len(cb) // 2:] if len(cb) > 1 else []
        parts = head + tail
        num = str(int(rng.integers(1, 500)))
        text = DIGITS.sub(num, "".join(s for s, _ in parts))
        toks = DIGITS.sub(num, " ".join(t for _, t in parts))
        out.append((text, toks))
    v = w[:, None] * vecs[a] + (1 - w)[:, None] * vecs[b]
    v += rng.normal(0, noise, v.shape).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return out, v


def make_store(db: Path, sources: list[str], n_docs: int, per_doc: int, seed: int, noise: float):
    """Write the synthetic DuckDB; returns (all unit vectors in chunk order, chunk ids, tokens by chunk_id)."""
    import duckdb
    import pyarrow as pa

    from index import meta
    from index.embed import pack

    rng = np.random.default_rng(seed)
    chunks, vecs, docs, model = source_chunks(sources)
    print(f"source: {len(chunks)} real chunks, {len(docs)} documents, model {model['name']}", flush=True)
    con = duckdb.connect(str(db))
    con.execute(f"ATTACH '{sources[0]}' AS src (READ_ONLY)")
    con.execute("CREATE TABLE documents AS SELECT * FROM src.documents LIMIT 0")
    con.execute("CREATE TABLE chunks AS SELECT * FROM src.chunks LIMIT 0")
    con.execute("DETACH src")
    meta.put(con, "embedding_model", model)
    all_vecs, ids = [], []
    step = 500
    for d0 in range(0, n_docs, step):
        nd = min(step, n_docs - d0)
        texts, v = blend(rng, chunks, vecs, nd * per_doc, noise)
        meta_rows = [docs[int(rng.integers(0, len(docs)))] for _ in range(nd)]
        doc_ids = [f"syn{d0 + i:06d}" for i in range(nd)]
        dt = pa.table({"doc_id": doc_ids, "source_file": [f"{d}.txt" for d in doc_ids],
                       "title": [m[0] for m in meta_rows], "region": [m[1] for m in meta_rows],
                       "province": [m[2] for m in meta_rows], "admin_level": [m[3] for m in meta_rows],
                       "kind": [m[4] for m in meta_rows], "period_start": [m[5] for m in meta_rows],
                       "period_end": [m[6] for m in meta_rows]})  # noqa: F841 — read by DuckDB
        con.execute("INSERT INTO documents (doc_id, source_file, title, region, province, admin_level, kind, "
                    "period_start, period_end) SELECT * FROM dt")
        cids = [f"{doc_ids[j // per_doc]}-{j % per_doc:03d}" for j in range(nd * per_doc)]
        ct = pa.table({"chunk_id": cids, "doc_id": [doc_ids[j // per_doc] for j in range(nd * per_doc)],
                       "ord": [j % per_doc for j in range(nd * per_doc)],
                       "section_path": ["规划 > 主要任务"] * len(cids),
                       "text": [t for t, _ in texts], "tokens": [k for _, k in texts],
                       "vec": pa.array([pack(x) for x in v], type=pa.binary())})  # noqa: F841
        con.execute("INSERT INTO chunks (chunk_id, doc_id, ord, section_path, text, tokens, vec) SELECT * FROM ct")
        all_vecs.append(v.astype(np.float16))
        ids += cids
        print(f"  stored {d0 + nd} documents", end="\r", flush=True)
    print()
    con.close()
    return np.concatenate(all_vecs), ids


# --- measurements --------------------------------------------------------------------------------
def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size


def query_vectors() -> tuple[np.ndarray, float]:
    from index.embedders import encode_queries, get_embedder

    t = time.perf_counter()
    emb = get_embedder(None)
    load = time.perf_counter() - t
    return encode_queries(emb, QUERIES), load


def exact_top(all_vecs: np.ndarray, ids: list[str], q: np.ndarray, k: int = 10) -> list[list[str]]:
    """Top-k by an exact float32 scan (the reference for recall)."""
    out = []
    scores = np.zeros((len(q), len(all_vecs)), np.float32)
    for i in range(0, len(all_vecs), 100_000):
        scores[:, i:i + 100_000] = q @ all_vecs[i:i + 100_000].astype(np.float32).T
    for row in scores:
        top = np.argpartition(-row, k)[:k]
        out.append([ids[j] for j in top[np.argsort(-row[top])]])
    return out


def bench_dense(con, qv: np.ndarray, truth: list[list[str]]) -> None:
    from index import faiss_index

    vi = faiss_index.load(con)
    default = faiss_index.NPROBE
    for nprobe in sorted({8, 16, 32, default, 64, 128}):
        faiss_index.NPROBE = nprobe
        for v in qv[:3]:
            vi.search(v, 50)
        times, rec = [], []
        for v, t in zip(qv, truth):
            s = time.perf_counter()
            hits = vi.search(v, 50)
            times.append(time.perf_counter() - s)
            rec.append(len({c for c, _ in hits[:10]} & set(t)) / 10)
        mark = " (default)" if nprobe == default else ""
        show(f"dense nprobe {nprobe}{mark}: recall@10 {np.mean(rec):.3f}", times)
    faiss_index.NPROBE = default


def bench_keyword(con, rounds: int = 2) -> dict[str, list[str]]:
    from index import fts

    toks = {q: fts.query_tokens(q) for q in QUERIES}
    for q in QUERIES[:5]:
        fts.bm25(con, toks[q], 50)
    times, top = [], {}
    for _ in range(rounds):
        for q in QUERIES:
            s = time.perf_counter()
            hits = fts.bm25(con, toks[q], 50)
            times.append(time.perf_counter() - s)
            top[q] = [c for c, _ in hits[:10]]
    show("keyword (tantivy, top 50)", times)
    return top


def bench_fts5(db: Path, top: dict[str, list[str]], rounds: int = 2) -> None:
    """The previous engine on the same chunks: FTS5 over the stored tokens, SQLite's bm25()."""
    import duckdb

    from index import fts

    path = db.parent / "fts5.sqlite"
    path.unlink(missing_ok=True)
    sql = sqlite3.connect(str(path), isolation_level=None)
    sql.execute("CREATE VIRTUAL TABLE kw USING fts5(tokens, tokenize = \"unicode61 remove_diacritics 0 tokenchars '.'\")")
    sql.execute("CREATE TABLE kwmap (rowid INTEGER PRIMARY KEY, chunk_id TEXT)")
    con = duckdb.connect(str(db), read_only=True)
    t = time.perf_counter()
    cur = con.execute("SELECT chunk_id, tokens FROM chunks")
    i = 0
    sql.execute("BEGIN")
    while batch := cur.fetchmany(50_000):
        sql.executemany("INSERT INTO kwmap VALUES (?, ?)", [(i + j, r[0]) for j, r in enumerate(batch)])
        sql.executemany("INSERT INTO kw (rowid, tokens) VALUES (?, ?)", [(i + j, r[1]) for j, r in enumerate(batch)])
        i += len(batch)
    sql.execute("COMMIT")
    con.close()
    print(f"  FTS5 build {time.perf_counter() - t:.1f} s, {size_of(path) / 2**20:.0f} MB", flush=True)
    times, overlap, tied = [], [], []
    for _ in range(rounds):
        for q in QUERIES:
            expr = fts_expression(fts.query_tokens(q))
            s = time.perf_counter()
            rows = sql.execute("SELECT m.chunk_id FROM kw JOIN kwmap m ON m.rowid = kw.rowid WHERE kw MATCH ? "
                               "ORDER BY bm25(kw), m.chunk_id LIMIT 50", [expr]).fetchall()
            times.append(time.perf_counter() - s)
            mine = set(top.get(q, []))
            theirs = {r[0] for r in rows[:10]}
            if theirs:
                overlap.append(len(mine & theirs) / len(theirs))
                tied.append(tie_aware(sql, expr, mine))
    show("keyword (FTS5 bm25, top 50)", times)
    print(f"  top-10 overlap tantivy vs FTS5: mean {np.mean(overlap):.3f}, min {min(overlap):.2f}; counting ties "
          f"(a tantivy hit scoring at least FTS5's 10th): mean {np.mean(tied):.3f}, min {min(tied):.2f}", flush=True)
    sql.close()


def tie_aware(sql, expr: str, mine: set[str]) -> float:
    """Share of tantivy's top 10 that FTS5 scores at least as high as its own 10th hit (the
    synthetic chunks repeat real sentences, so many score the same and either order is right)."""
    rows = sql.execute("SELECT m.chunk_id, bm25(kw) FROM kw JOIN kwmap m ON m.rowid = kw.rowid WHERE kw MATCH ? "
                       "ORDER BY bm25(kw) LIMIT 2000", [expr]).fetchall()
    if len(rows) < 10 or not mine:
        return 1.0
    tenth = rows[9][1]
    good = {c for c, s in rows if s <= tenth + 1e-9}
    return len(mine & good) / len(mine)


def fts_expression(terms: list[str]) -> str:
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def bench_composed(con, qv: np.ndarray, rounds: int = 2) -> None:
    """Hybrid as index/ serves it: query cut, BM25 top 50, dense top 50 (vector given), fusion,
    the 10 results' fields by ``index.passage_rows``; and the vector's encoding on its own."""
    from index import faiss_index, fts, passage_rows
    from index.embedders import encode_queries, get_embedder

    dense = faiss_index.load(con)
    emb = get_embedder(None)
    rows_t, total, enc, cpu = [], [], [], []
    for _ in range(rounds):
        for q, v in zip(QUERIES, qv):
            s, c = time.perf_counter(), time.process_time()
            lexical = fts.bm25(con, fts.query_tokens(q), 50)
            semantic = dense.search(v, 50)
            fused: dict[str, float] = {}
            for hits in (lexical, semantic):
                for rank, (cid, _) in enumerate(hits, 1):
                    fused[cid] = fused.get(cid, 0.0) + 1 / (60 + rank)
            top = sorted(fused, key=lambda c: -fused[c])[:10]
            r = time.perf_counter()
            rows = passage_rows(con, top)
            e = time.perf_counter()
            assert len(rows) == len(top)
            rows_t.append(e - r)
            total.append(e - s)
            cpu.append(time.process_time() - c)
            s = time.perf_counter()
            encode_queries(emb, [q])
            enc.append(time.perf_counter() - s)
    show("result fields (index.passage_rows, 10)", rows_t)
    show("hybrid in index/ (no encoding)", total)
    show("  the same, CPU time", cpu)
    show("query encoding (embedder, helper D)", enc)
    show("hybrid in index/ + encoding", [a + b for a, b in zip(total, enc)])


def bench_hybrid(db: Path, rounds: int = 2) -> None:
    import duckdb

    from queries.search import search

    con = duckdb.connect(str(db), read_only=True)
    for q in QUERIES[:5]:
        search(con, q, k=10)
    for mode in ("hybrid", "bm25", "dense"):
        times = []
        for _ in range(rounds):
            for q in QUERIES:
                s = time.perf_counter()
                search(con, q, k=10, mode=mode)
                times.append(time.perf_counter() - s)
        show(f"queries.search {mode} (k=10)", times)
    con.close()


COLD = """
import sys, time
t0 = time.perf_counter()
import duckdb, numpy as np
sys.path.insert(0, {root!r})
from index import fts, faiss_index
con = duckdb.connect({db!r}, read_only=True)
t1 = time.perf_counter()
hits = fts.bm25(con, fts.query_tokens("人均应急避难场所面积"), 50)
t2 = time.perf_counter()
v = np.random.default_rng(0).normal(size=512).astype("float32"); v /= np.linalg.norm(v)
d = faiss_index.load(con).search(v, 50)
t3 = time.perf_counter()
hwm = [ln.split()[1] for ln in open("/proc/self/status") if ln.startswith("VmHWM")][0]  # ru_maxrss survives exec
print(f"{{t1-t0:.3f}} {{t2-t1:.3f}} {{t3-t2:.3f}} {{int(hwm) // 1024}} {{len(hits)}} {{len(d)}}")
"""


def bench_cold(db: Path) -> None:
    out = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT), db=str(db))],
                         capture_output=True, text=True, check=True).stdout.split()
    print(f"  cold process: imports+open {out[0]} s, first keyword query (jieba load included) {out[1]} s, "
          f"first dense query {out[2]} s, peak RSS {out[3]} MB ({out[4]}/{out[5]} hits)", flush=True)
    cli = str(Path(sys.executable).with_name("cnpolicy"))
    for mode in ("bm25", "hybrid"):
        s = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", cli, "search", "森林火灾受害率", "--db", str(db), "-k", "5",
                            "--mode", mode], capture_output=True, text=True)
        wall = time.perf_counter() - s
        rss = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "?"
        print(f"  cold `cnpolicy search --mode {mode}`: {wall:.2f} s wall, peak RSS {int(rss) // 1024 if rss.isdigit() else rss} MB"
              f"{'' if r.returncode == 0 else ' (exit ' + str(r.returncode) + ': ' + r.stderr[-300:] + ')'}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", nargs="+", required=True, help="ingested DuckDB files whose chunks are recombined")
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--chunks", type=int, default=90, help="chunks per document")
    ap.add_argument("--add", type=int, default=100, help="documents added as one batch after the build")
    ap.add_argument("--out", default="/tmp/cnpolicy-search-scale")
    ap.add_argument("--noise", type=float, default=0.01, help="per-dimension noise on blended vectors")
    ap.add_argument("--fts5", action="store_true", help="also time SQLite FTS5 on the same chunks")
    ap.add_argument("--reuse", action="store_true", help="keep the store of a previous run (the index is rebuilt)")
    ap.add_argument("--keep-index", action="store_true", help="with --reuse: keep its index too")
    args = ap.parse_args()

    import duckdb

    from index import reindex
    from index.sidecar import home_of, index_batch, store_fingerprint

    out = Path(args.out)
    db = out / "scale.duckdb"
    if not args.reuse:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        t = time.perf_counter()
        all_vecs, ids = make_store(db, args.source, args.docs + args.add + 1, args.chunks, 0, args.noise)
        np.save(out / "vecs.npy", all_vecs)
        (out / "ids.json").write_text(json.dumps(ids))
        print(f"synthetic store: {args.docs + args.add + 1} documents, {len(ids)} chunks, "
              f"{time.perf_counter() - t:.0f} s, {size_of(db) / 2**20:.0f} MB", flush=True)
    all_vecs, ids = np.load(out / "vecs.npy"), json.loads((out / "ids.json").read_text())
    con = duckdb.connect(str(db))
    home = home_of(con)
    extra = [f"syn{i:06d}" for i in range(args.docs, args.docs + args.add + 1)]
    if not args.keep_index:
        # index the first args.docs documents as a full sync, then add the rest the writer's way
        con.execute("CREATE TABLE held_docs AS SELECT * FROM documents WHERE doc_id IN (SELECT unnest(?))", [extra])
        con.execute("CREATE TABLE held_chunks AS SELECT * FROM chunks WHERE doc_id IN (SELECT unnest(?))", [extra])
        con.execute("DELETE FROM chunks WHERE doc_id IN (SELECT unnest(?))", [extra])
        con.execute("DELETE FROM documents WHERE doc_id IN (SELECT unnest(?))", [extra])
        t = time.perf_counter()
        c0 = time.process_time()
        done = reindex(con)
        print(f"full index build (reindex) of {done['added']} documents: {time.perf_counter() - t:.1f} s wall, "
              f"{time.process_time() - c0:.1f} s CPU", flush=True)
        for name, batch in ((f"{args.add} documents", extra[:args.add]), ("1 document", extra[args.add:])):
            before = store_fingerprint(con)
            con.execute("INSERT INTO documents SELECT * FROM held_docs WHERE doc_id IN (SELECT unnest(?))", [batch])
            con.execute("INSERT INTO chunks SELECT * FROM held_chunks WHERE doc_id IN (SELECT unnest(?))", [batch])
            t = time.perf_counter()
            index_batch(con, batch, before)
            print(f"add a batch of {name} (index_batch): {time.perf_counter() - t:.2f} s", flush=True)
        con.execute("DROP TABLE held_docs")
        con.execute("DROP TABLE held_chunks")
    con.close()
    parts = {"keyword (tantivy kw/)": home / "kw", "bookkeeping (index.sqlite)": home / "index.sqlite",
             "dense segments": None}
    dense = sum(f.stat().st_size for f in home.glob("seg-*.faiss")) + sum(f.stat().st_size for f in home.glob("ivf-*"))
    print("index size: " + ", ".join(f"{k} {(size_of(p) if p else dense) / 2**20:.0f} MB" for k, p in parts.items()))
    sq = sqlite3.connect(str(home / "index.sqlite"))
    print("dense segments (vectors): " + " ".join(str(r[0]) for r in sq.execute("SELECT n FROM segments ORDER BY seg")))
    sq.close()

    con = duckdb.connect(str(db), read_only=True)
    print("warm, one process:", flush=True)
    top = bench_keyword(con)
    qv, load = query_vectors()
    truth = exact_top(all_vecs, ids, qv)
    bench_dense(con, qv, truth)
    bench_composed(con, qv)
    con.close()
    if args.fts5:
        bench_fts5(db, top)
    bench_hybrid(db)
    print(f"  (query embedder load in this process: {load:.2f} s)")
    print("cold:", flush=True)
    bench_cold(db)


if __name__ == "__main__":
    main()
