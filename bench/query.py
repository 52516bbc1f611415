"""Query latency on a benchmark database, in one warm process, plus index build and cold `ask`.

    .venv/bin/python scripts/make_bench_corpus.py          # 1,000 documents → /tmp/cnpolicy-bench
    .venv/bin/python bench/query.py --db /tmp/cnpolicy-bench/bench.duckdb

Prints p50/p95 (ms) for structured queries (targets, compare, ask — the query engine's
functions, skipped with a note when not importable) and hybrid/BM25/dense search, the time to
build the fts and faiss indexes from scratch (on a copy of the database), and the time of a
cold `cnpolicy ask` subprocess.  Goals (issue 12, at 10k documents): structured p95 < 20 ms,
hybrid p95 < 50 ms.  Warm structured queries use the in-process target index
(queries/target_index.py), built by the second query of a store version (that query pays ~0.5 s at 10k).
"""
from __future__ import annotations

import argparse
import importlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEARCHES = ["人均避难场所面积", "应急物资储备库建设", "森林防火阻隔带", "危险化学品重大危险源监测",
            "基层应急救援队伍", "灾害预警信息发布", "应急广播体系", "安全生产执法检查", "防汛抗旱物资储备",
            "网格员职责"]
QUESTIONS = ["哪些县的人均应急避难场所面积目标是2.5平方米？", "各地森林火灾受害率目标是多少？",
             "道路交通万车死亡率目标", "如何加强基层应急队伍建设？"]
INDICATORS = ["人均避难场所面积", "森林火灾受害率", "道路交通万车死亡率", "亿元GDP生产安全事故死亡率"]


def percentiles(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ms)})"


def timed(fn, args_list: list[tuple], rounds: int) -> list[float]:
    fn(*args_list[0])  # warm: caches, extension load, model
    times = []
    for _ in range(rounds):
        for args in args_list:
            t0 = time.perf_counter()
            fn(*args)
            times.append(time.perf_counter() - t0)
    return times


def optional(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        print(f"{module}.{name:<14} skipped: {e}")
        return None


def structured(con, rounds: int) -> None:
    """The kinds of bench/scale.py's warm(): a page of 50 (what the API and web pages ask for) and
    every row as Python dicts."""
    targets_page = optional("queries.targets", "targets_page")
    if targets_page:
        print(f"{'targets page':<16}", percentiles(timed(lambda i: targets_page(con, indicator=i, limit=50),
                                                         [(i,) for i in INDICATORS], rounds)))
    query_targets = optional("queries.targets", "query_targets")
    if query_targets:
        print(f"{'targets (all)':<16}", percentiles(timed(lambda i: query_targets(con, indicator=i),
                                                          [(i,) for i in INDICATORS], rounds)))
    compare = optional("queries.compare", "compare")
    if compare:
        print(f"{'compare page':<16}", percentiles(timed(lambda i: compare(con, i, limit=50),
                                                         [(i,) for i in INDICATORS], rounds)))
        print(f"{'compare (all)':<16}", percentiles(timed(lambda i: compare(con, i), [(i,) for i in INDICATORS],
                                                          rounds)))
    ask = optional("queries.ask", "ask")
    if ask:
        print(f"{'ask':<16}", percentiles(timed(lambda q: ask(con, q), [(q,) for q in QUESTIONS], rounds)))


def searches(con, rounds: int) -> None:
    from queries.search import search

    for mode in ("hybrid", "bm25", "dense"):
        print(f"{'search ' + mode:<16}", percentiles(timed(lambda q: search(con, q, k=10, mode=mode),
                                                           [(q,) for q in SEARCHES], rounds)))
    print(f"{'search+filter':<16}", percentiles(timed(lambda q: search(con, q, k=10, admin_level="county"),
                                                      [(q,) for q in SEARCHES], rounds)))


def index_build(db: str) -> None:
    """Keyword + dense indexes from scratch on a copy (embeddings are already stored)."""
    from index import refresh
    from pipeline.store import connect

    with tempfile.TemporaryDirectory() as tmp:
        copy = str(Path(tmp) / "copy.duckdb")
        shutil.copy(db, copy)
        if Path(f"{db}.wal").exists():  # the writer checkpoints only when due: the WAL is part of the store
            shutil.copy(f"{db}.wal", f"{copy}.wal")
        con = connect(copy)
        con.execute("DELETE FROM index_meta")  # forget what was built
        con.close()
        t0 = time.perf_counter()
        con = connect(copy)
        refresh(con)
        con.close()
        total = time.perf_counter() - t0
        con = connect(copy, read_only=True)
        n = con.execute("SELECT count(*) FROM chunks").fetchone()[0]
        con.close()
    print(f"{'index build':<16} {total:7.1f} s for {n} chunks (tantivy + faiss segments, embeddings already stored)")


def cold_ask(db: str) -> None:
    exe = Path(sys.executable).parent / "cnpolicy"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pipeline.cli"]
    for question in (QUESTIONS[0], QUESTIONS[-1]):  # a structured answer, and passages (loads the embedder)
        t0 = time.perf_counter()
        run = subprocess.run(cmd + ["ask", question, "--db", db, "--json"], capture_output=True, text=True)
        status = "ok" if run.returncode == 0 else f"exit {run.returncode}: {run.stderr.strip()[-200:]}"
        print(f"{'cold ask':<16} {time.perf_counter() - t0:7.2f} s  {question}  ({status})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="/tmp/cnpolicy-bench/bench.duckdb")
    ap.add_argument("--rounds", type=int, default=3, help="repetitions of each query set")
    ap.add_argument("--no-build", action="store_true", help="skip the index build timing")
    args = ap.parse_args()
    from pipeline.store import connect

    con = connect(args.db, read_only=True)
    docs, chunks = con.execute("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks)").fetchone()
    print(f"{args.db}: {docs} documents, {chunks} chunks")
    structured(con, args.rounds)
    searches(con, args.rounds)
    con.close()
    if not args.no_build:
        index_build(args.db)
    cold_ask(args.db)


if __name__ == "__main__":
    main()
