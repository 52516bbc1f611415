"""Growth benchmark: ingest generated corpora of several sizes and print what grows.

    .venv/bin/python bench/scale.py --sizes 1000 3000 10000 [--workers 2] [--real ../shared/eval/real/docs]
    .venv/bin/python bench/scale.py --sizes 100 300 --no-extract   # the writer and indexes, quickly

For each size N: writes N documents with scripts/make_bench_corpus.py (seed plans re-issued by
other regions, numbers perturbed; plus the real documents of ``--real`` when given), ingests
them with the CLI in a subprocess, and prints one row: ingest docs/s, source text MB, DuckDB MB
and its ratio to the source text, search index MB (``<db>.search/``), peak RSS (the largest
single process of the ingest, from wait4), the wall time of `cnpolicy ingest` of one more
document, warm p50/p95 of targets / compare / ask / hybrid search (one process, ``--rounds``),
and a cold CLI `search`.  ``--bytes`` adds where the store's bytes go (logical sizes per column).
Each size gets its own folder under ``--out`` (kept: rerun with ``--reuse`` to skip the ingest).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

CLI = [sys.executable, "-m", "pipeline.cli"]


def run_measured(cmd: list[str]) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS MB of the largest process, exit code, CPU seconds of the process and
    the workers it waited for) of a subprocess.  CPU seconds are what a shared machine distorts least."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(proc.stderr.read().decode()[-2000:], file=sys.stderr)
    return wall, usage.ru_maxrss / 1024, code, usage.ru_utime + usage.ru_stime


def size_mb(path: Path) -> float:
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20
    return path.stat().st_size / 2**20 if path.exists() else 0.0


def quantiles(times: list[float]) -> tuple[float, float]:
    ms = sorted(t * 1000 for t in times)
    return ms[len(ms) // 2], ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


PAGE = 50  # rows of a page of targets, as the HTTP API's default limit


def warm(con, rounds: int) -> dict[str, tuple[float, float]]:
    """p50/p95 ms of each query kind in this (warm) process; a kind that cannot import is skipped."""
    import query as qbench

    from queries.search import search

    kinds = {"hybrid": (lambda q: search(con, q, k=10), [(q,) for q in qbench.SEARCHES])}
    calls = {"targets": ("queries.targets", "targets_page", qbench.INDICATORS,
                         lambda f, a: f(con, indicator=a, limit=PAGE)),  # what the API and web pages ask for
             "targets-all": ("queries.targets", "query_targets", qbench.INDICATORS,
                             lambda f, a: f(con, indicator=a)),  # every matching row as Python dicts
             "compare": ("queries.compare", "compare", qbench.INDICATORS, lambda f, a: f(con, a)),  # every plan
             "compare-page": ("queries.compare", "compare", qbench.INDICATORS,
                              lambda f, a: f(con, a, limit=PAGE)),  # the first page, as a screen shows it
             # structured questions (a table of targets) apart from the passage one, a hybrid search
             "ask": ("queries.ask", "ask", qbench.QUESTIONS[:-1], lambda f, a: f(con, a)),
             "ask-passages": ("queries.ask", "ask", qbench.QUESTIONS[-1:], lambda f, a: f(con, a))}
    for name, (module, fn, args, call) in calls.items():
        f = qbench.optional(module, fn)
        if f:
            kinds[name] = ((lambda a, f=f, call=call: call(f, a)), [(a,) for a in args])
    out = {}
    for name, (fn, args) in kinds.items():
        try:
            walls, cpus = timed_cpu(fn, args, rounds)
            out[name] = (*quantiles(walls), *quantiles(cpus))
        except Exception as e:  # a query module mid-change: report, keep measuring the rest
            print(f"  {name}: failed: {type(e).__name__}: {e}", file=sys.stderr)
    return out


def timed_cpu(fn, args_list: list[tuple], rounds: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (all of this process's threads: DuckDB runs several) per call,
    after one warming call; CPU is the steadier figure on a shared machine."""
    fn(*args_list[0])
    walls, cpus = [], []
    for _ in range(rounds):
        for args in args_list:
            t0, c0 = time.perf_counter(), time.process_time()
            fn(*args)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
    return walls, cpus


def format_warm(w: dict) -> str:
    return "  ".join(f"{k} {v[0]:.0f}/{v[1]:.0f}" + (f" (CPU {v[2]:.0f}/{v[3]:.0f})" if len(v) > 2 else "")
                     for k, v in w.items())


def peak_rss_mb() -> float:
    """This process's peak resident memory since the last reset (VmHWM; ru_maxrss otherwise)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's resident memory now (ru_maxrss is the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def byte_breakdown(db: Path) -> None:
    """Logical bytes per stored part, per document (what the file size is made of)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    n = con.execute("SELECT count(*) FROM documents").fetchone()[0] or 1
    have = {r[0] for r in con.execute("DESCRIBE documents").fetchall()}
    parts = {
        "documents.raw_text": "SELECT sum(strlen(raw_text)) FROM documents",
        "documents.text": "SELECT sum(strlen(text)) FROM documents",
        "documents.offsets (4 B each)": "SELECT 4 * sum(len(offsets)) FROM documents",
        "documents.offset_runs (4 B each)": "SELECT 4 * sum(len(offset_runs)) FROM documents"
        if "offset_runs" in have else "SELECT 0",
        "chunks.text": "SELECT sum(strlen(text)) FROM chunks",
        "chunks.tokens": "SELECT sum(strlen(tokens)) FROM chunks",
        "chunks.vec": "SELECT sum(octet_length(vec)) FROM chunks",
        "sections (ids, paths, titles)": "SELECT sum(strlen(coalesce(path, '')) + strlen(coalesce(title, ''))"
                                         " + strlen(section_id) + 40) FROM sections",
    }
    version = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    src = con.execute("SELECT sum(strlen(raw_text)) FROM documents").fetchone()[0] or 1
    print(f"  bytes per document (logical, {n} documents; file {size_mb(db) * 2**20 / n / 1024:.0f} KB/doc = "
          f"{size_mb(db) * 2**20 / src:.2f}× the source text; format {version.get('storage_version', 'v0.10 (default)')}):")
    for name, sql in parts.items():
        v = con.execute(sql).fetchone()[0] or 0
        print(f"    {name:<32} {v / n / 1024:8.1f} KB")
    print(f"    texts compressed one document at a time (zlib 6, no cross-document repeats): "
          f"{_texts_compressed(con) / n / 1024:.1f} KB (a generated corpus repeats its seeds, which DuckDB's "
          f"ZSTD also exploits; a corpus of distinct plans gets about this)")
    con.close()


def _texts_compressed(con, sample: int = 200) -> float:
    """raw_text + text compressed document by document (a sample, scaled to all documents)."""
    import zlib

    n = con.execute("SELECT count(*) FROM documents").fetchone()[0] or 1
    rows = con.execute(f"SELECT raw_text, text FROM documents USING SAMPLE {min(sample, n)} ROWS").fetchall()
    size = sum(len(zlib.compress((t or "").encode(), 6)) for r in rows for t in r)
    return size * n / max(len(rows), 1)


def cold_search(db: Path) -> float:
    # bytecode as an install leaves it (`make install` compiles it), also where PYTHONDONTWRITEBYTECODE is set
    subprocess.run([sys.executable, "-m", "compileall", "-q", "corpus", "extractors", "index", "queries", "pipeline"],
                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    walls = []
    for _ in range(COLD_RUNS):  # the median of a few: one run on a shared machine is noise
        t0 = time.perf_counter()
        subprocess.run(CLI + ["search", "人均避难场所面积", "--db", str(db), "-k", "5"], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t0)
    return sorted(walls)[len(walls) // 2]


COLD_RUNS = 5
ADDS = 3


def one_size(n: int, args) -> dict:
    import make_bench_corpus as mbc

    folder = Path(args.out) / f"n{n}"
    docs, db = folder / "docs", folder / "bench.duckdb"
    if not args.reuse:
        shutil.rmtree(folder, ignore_errors=True)
        mbc.make(n, docs)
    sources = [str(docs)] + ([args.real] if args.real else [])
    flags = ["--workers", str(args.workers), "-q"] + (["--no-extract"] if args.no_extract else []) \
        + (["--no-embed"] if args.no_embed else [])
    row: dict = {"n": n}
    if not args.reuse or not db.exists():
        wall, rss, code, cpu = run_measured(CLI + ["ingest", *sources, "--db", str(db), *flags])
        row.update(ingest_s=wall, rss_mb=rss, code=code, ingest_cpu_s=cpu, load=os.getloadavg()[2])
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row["docs"] = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        row["src_mb"] = con.execute("SELECT sum(strlen(raw_text)) FROM documents").fetchone()[0] / 2**20
    row["db_mb"], row["index_mb"] = size_mb(db), size_mb(Path(f"{db}.search"))
    extra = folder / "extra"
    shutil.rmtree(extra, ignore_errors=True)
    adds = []  # three documents the store does not hold yet, one `cnpolicy ingest` each
    # seeded by the store's size, so a --reuse run adds new documents, not the last run's again
    for one in mbc.make(n + ADDS, extra, seed=n + 17 + row["docs"])[-ADDS:]:
        wall, _, _, cpu = run_measured(CLI + ["ingest", str(one), "--db", str(db), *flags])
        adds.append((wall, cpu))
    row["add_one_s"] = min(w for w, _ in adds)  # the least disturbed by other work on the machine
    row["add_one_cpu_s"] = sorted(c for _, c in adds)[len(adds) // 2]
    row["cold_search_s"] = cold_search(db)
    with duckdb.connect(str(db), read_only=True) as con:
        row["warm"] = warm(con, args.rounds)
    if args.bytes:
        byte_breakdown(db)
    return row


def _clone(res, i: int):
    """A copy of a processed seed under a new doc_id (every id that embeds the old one follows)."""
    import copy
    import hashlib

    new_id = hashlib.sha256(f"{res.doc_id}:{i}".encode()).hexdigest()[:16]
    out = copy.copy(res)
    out.path, out.doc_id = f"{res.path}#{i}", new_id
    out.rows = {t: [{k: (v.replace(res.doc_id, new_id) if isinstance(v, str) else v) for k, v in r.items()}
                    for r in rows] for t, rows in res.rows.items()}
    return out


def writer_only(args) -> None:
    """The single writer and the index updates alone, on clones of the processed seeds: per-document
    processing is a pure function of the file (constant per document), so the writer is what could
    grow with the store.  Prints docs/s for each tenth of the run and the time of one more document.
    Byte sizes are not representative here (clones repeat the seeds' chunk texts)."""
    import pipeline.ingest as ingest_mod
    import pipeline.store as store_mod
    from pipeline.process import process_file

    spent = {"store": 0.0, "index": 0.0}  # CPU-s of the writer's two parts, to tell which one grows

    def charged(fn, part):
        def run(*a, **k):
            c0 = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                spent[part] += time.process_time() - c0
        return run

    store_mod.write_batch = charged(store_mod.write_batch, "store")  # read by Writer._flush at each call
    ingest_mod.Writer._index = charged(ingest_mod.Writer._index, "index")

    seeds = [process_file(str(p)) for p in sorted((ROOT / "corpus" / "samples").glob("*.txt"))]
    base_rss = rss_mb()  # the models loaded to process the seeds: not the writer's
    try:  # peak RSS from here on (Linux: writing 5 resets VmHWM), so it is the writer's peak over this baseline
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    print(f"writer-only: seeds processed in this process, RSS {base_rss:.0f} MB before the writer; "
          f"rates are docs/s wall and docs per CPU-second of this process", flush=True)
    for n in args.sizes:
        folder = Path(args.out) / f"writer{n}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        db = folder / "w.duckdb"
        writer = ingest_mod.Writer(db, False, set(), True, None)
        tenth, rates, cpu_rates, split = max(1, n // 10), [], [], []
        t0 = last = time.perf_counter()
        c0 = last_cpu = time.process_time()  # CPU of all threads: robust when the machine is shared
        for i in range(n):
            writer.add(_clone(seeds[i % len(seeds)], i))
            if (i + 1) % tenth == 0:
                writer.flush()
                now, cpu = time.perf_counter(), time.process_time()
                rates.append(tenth / (now - last))
                cpu_rates.append(tenth / max(cpu - last_cpu, 1e-9))
                split.append(f"{spent['store'] * 1000 / tenth:.0f}+{spent['index'] * 1000 / tenth:.0f}")
                spent.update(store=0.0, index=0.0)
                last, last_cpu = now, cpu
        writer.flush()
        writer.close()  # the end of the bulk ingest (checkpoints its WAL)
        total, total_cpu = time.perf_counter() - t0, time.process_time() - c0
        t1, c1 = time.perf_counter(), time.process_time()  # then one more document, as `cnpolicy ingest one.pdf` stores it
        writer = ingest_mod.Writer(db, False, set(), True, None)
        writer.add(_clone(seeds[0], n + 1))
        writer.flush()
        writer.close()
        add_one, add_one_cpu = time.perf_counter() - t1, time.process_time() - c1
        assert not writer.index_errors, writer.index_errors
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            src = con.execute("SELECT sum(strlen(raw_text)) FROM documents").fetchone()[0] / 2**20
        print(f"writer-only n={n}: {n / total:.1f} docs/s wall, {n / total_cpu:.1f} docs per CPU-s "
              f"({total:.0f} s wall, {total_cpu:.0f} CPU-s); per tenth "
              f"(docs per CPU-s): {' '.join(f'{r:.0f}' for r in cpu_rates)}; wall: {' '.join(f'{r:.0f}' for r in rates)}; "
              f"CPU ms per document, store+index: {' '.join(split)}; "
              f"add one document {add_one * 1000:.0f} ms wall, {add_one_cpu * 1000:.0f} ms CPU; "
              f"DuckDB {size_mb(db):.0f} MB ({size_mb(db) / src:.2f}× the {src:.0f} MB source text), "
              f"index {size_mb(Path(f'{db}.search')):.0f} MB; "
              f"peak RSS {peak_rss_mb():.0f} MB (now {rss_mb():.0f})",
              flush=True)
        if args.cli_add:  # what a person waits for: the CLI, its model loads, processing and the writer
            import make_bench_corpus as mbc

            one = mbc.make(1, folder / "extra", seed=n + 17)[-1]
            c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall, rss, code, _ = run_measured(CLI + ["ingest", str(one), "--db", str(db), "-q"])
            c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
            print(f"   `cnpolicy ingest` of one more file: {wall:.1f} s wall, {cpu:.1f} CPU-s, peak RSS {rss:.0f} MB "
                  f"(exit {code})", flush=True)
        if args.bytes:
            byte_breakdown(db)
        if args.queries:
            with duckdb.connect(str(db), read_only=True) as con:
                print("   warm p50/p95 ms:", format_warm(warm(con, args.rounds)), flush=True)
            print(f"   cold CLI search {cold_search(db):.2f} s", flush=True)


def _killed_ingest(cmd: list[str], env: dict, marker: str, late: bool, clean: float, rng) -> tuple[float, bool]:
    """Start an ingest and kill -9 it: ``late``, during the final index refresh (the pool's
    workers have gone), else at a random moment of a ``clean``-second ingest.  Returns when it
    was killed and whether it had finished before."""
    import signal

    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    if late:
        at = _when_workers_are_gone(proc, marker, rng.uniform(0.1, 0.45))
    else:
        at = rng.uniform(0.3, 1.0) * clean
        time.sleep(at)
    finished = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return at, finished


def _when_workers_are_gone(proc, marker: str, delay: float) -> float:
    """Wait until the ingest's pool workers have come and gone (every file is processed: the
    writer is storing the last batch and refreshing the indexes), then ``delay`` more seconds;
    returns the seconds since the start."""
    t0, seen = time.perf_counter(), False
    while proc.poll() is None:
        workers = [p for p in _alive_with(marker) if p != proc.pid]
        if workers:
            seen = True
        elif seen:
            break
        time.sleep(0.02)
    time.sleep(delay)
    return time.perf_counter() - t0


def _alive_with(marker: str) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if marker.encode() in (d / "cmdline").read_bytes() and (d / "stat").read_text().split()[2] != "Z":
                    out.append(int(d.name))
            except OSError:
                pass
    return out


def kill_trials(args) -> None:
    """kill -9 an ingest (2 workers, batches of 2) at a random moment, N times: count orphan
    workers, then rerun and check one copy of every document and every chunk in the keyword and
    dense indexes."""
    import random
    import sqlite3

    import duckdb
    import make_bench_corpus as mbc

    folder = Path(args.out) / "kill"
    shutil.rmtree(folder, ignore_errors=True)
    files = mbc.make(args.kill_docs, folder / "docs")
    env = {**os.environ, "CNPOLICY_BATCH_DOCS": "2"}
    rng = random.Random(7)
    code = "import sys; from pipeline.ingest import ingest_files; " \
           "ingest_files(sys.argv[1].split(','), sys.argv[2], workers=2, extract=False)"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, ",".join(map(str, files)), str(folder / "clean.duckdb")], cwd=ROOT, env=env,
                   check=True, stderr=subprocess.DEVNULL)
    clean = time.perf_counter() - t0
    print(f"kill trials: {len(files)} documents, a clean ingest takes {clean:.1f} s")
    for trial in range(args.kill_trials):
        db = folder / f"t{trial}.duckdb"
        marker = f"killtrial-{os.getpid()}-{trial}"
        late = trial < args.kill_late
        for attempt in range(5):  # an ingest that finished before its kill is no trial: again, sooner
            shutil.rmtree(f"{db}.search", ignore_errors=True)
            for f in (db, Path(f"{db}.wal")):
                f.unlink(missing_ok=True)
            at, finished = _killed_ingest([sys.executable, "-c", code, ",".join(map(str, files)), str(db), marker],
                                          env, marker, late, clean, rng)
            if not finished:
                break
            clean = min(clean, at) * 0.8  # the machine got faster than the clean run
        time.sleep(2.0)
        orphans = _alive_with(marker)
        with duckdb.connect(str(db)) as con:
            before = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        subprocess.run([sys.executable, "-c", code, ",".join(map(str, files)), str(db)], cwd=ROOT, env=env, check=True,
                       stderr=subprocess.DEVNULL)
        with duckdb.connect(str(db), read_only=True) as con:
            n, distinct = con.execute("SELECT count(*), count(DISTINCT doc_id) FROM documents").fetchone()
            chunks = {r[0] for r in con.execute("SELECT chunk_id FROM chunks").fetchall()}
            with_vec = {r[0] for r in con.execute("SELECT chunk_id FROM chunks WHERE vec IS NOT NULL").fetchall()}
        side = sqlite3.connect(f"{db}.search/index.sqlite")
        kw = {r[0] for r in side.execute("SELECT chunk_id FROM kwmap")}
        dense = {r[0] for r in side.execute("SELECT chunk_id FROM vectors")}
        ok = n == distinct == len(files) and kw == chunks and dense == with_vec == chunks and not orphans
        phase = ("finished before the kill, 5 times" if finished else
                 "index refresh (all stored)" if before == len(files) else "storing")
        print(f"  trial {trial}: killed at {at:.1f} s ({phase}) with {before} stored; orphans {len(orphans)}; after rerun "
              f"{n} documents ({distinct} distinct), keyword index {len(kw)}/{len(chunks)} chunks, dense "
              f"{len(dense)}/{len(with_vec)} → {'ok' if ok else 'FAILED'}", flush=True)
        shutil.rmtree(f"{db}.search", ignore_errors=True)


def print_row(r: dict) -> None:
    rate = f"{r['docs'] / r['ingest_s']:.2f}" if r.get("ingest_s") else "reused"
    warm = format_warm(r["warm"])
    print(f"| {r['docs']:>6} | {rate:>7} | {r['src_mb']:7.1f} | {r['db_mb']:7.1f} ({r['db_mb'] / r['src_mb']:.1f}×) "
          f"| {r['index_mb']:7.1f} | {r.get('rss_mb', 0):6.0f} | {r['add_one_s']:6.1f} | {r['cold_search_s']:5.2f} "
          f"| {warm} |", flush=True)
    print(f"|        | add one document: {r['add_one_s']:.1f} s wall (min of {ADDS}), "
          f"{r['add_one_cpu_s']:.1f} CPU-s (median) |", flush=True)
    if r.get("ingest_cpu_s"):
        print(f"|        | ingest {r['ingest_s']:.0f} s wall, {r['ingest_cpu_s']:.0f} CPU-s: "
              f"{r['docs'] / r['ingest_cpu_s']:.2f} docs per CPU-s; 15-min load average {r['load']:.1f} |", flush=True)


def main() -> None:
    from extract import positive  # bench/extract.py: a whole number, refused by name otherwise

    whole = partial(positive, least=0)  # (≥ 0)

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=positive, nargs="+", default=[1000, 3000, 10000])
    ap.add_argument("--workers", type=positive, default=2)
    ap.add_argument("--out", default="/tmp/cnpolicy-scale")
    ap.add_argument("--real", default=None, help="a folder of real documents added to every corpus")
    ap.add_argument("--rounds", type=positive, default=3, help="repetitions of each warm query set")
    ap.add_argument("--no-extract", action="store_true")
    ap.add_argument("--no-embed", action="store_true")
    ap.add_argument("--bytes", action="store_true", help="print where the store's bytes go")
    ap.add_argument("--reuse", action="store_true", help="keep existing corpora and databases")
    ap.add_argument("--writer-only", action="store_true", help="time the writer and index updates alone "
                    "(clones of the processed seeds, no worker processes)")
    ap.add_argument("--queries", action="store_true", help="with --writer-only: query latency too")
    ap.add_argument("--cli-add", action="store_true", help="with --writer-only: time `cnpolicy ingest` of one more "
                    "file into each store (a cold process: model loads, processing, the writer)")
    ap.add_argument("--kill-trials", type=whole, default=0, help="kill -9 an ingest this many times (see kill_trials)")
    ap.add_argument("--kill-docs", type=positive, default=30)
    ap.add_argument("--kill-late", type=whole, default=4, help="of the kill trials, this many aimed at the final index refresh")
    args = ap.parse_args()
    if args.kill_trials:
        return kill_trials(args)
    if args.writer_only:
        return writer_only(args)
    print(f"workers {args.workers}, cpus {os.cpu_count()}, extract {not args.no_extract}, embed {not args.no_embed}; "
          f"warm p50/p95 ms")
    print("|   docs |   doc/s | src MB  | DuckDB MB       | idx MB  | RSS MB | add 1 s | cold s | warm p50/p95 ms |")
    print("|-------:|--------:|--------:|----------------:|--------:|-------:|--------:|-------:|:----------------|")
    for n in args.sizes:
        print_row(one_size(n, args))
    print(f"(this process: peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
