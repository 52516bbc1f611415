"""Render time of every web page on one database: the first view, and the median of --runs more.

    .venv/bin/python scripts/bench_web.py --db /tmp/cnpolicy-bench/bench.duckdb

In-process (Starlette's TestClient), so the figure is the server's work for one request,
query and template included, without the network.  CPU time (all threads of the process)
is printed beside wall time: on a busy machine it is the steadier figure.  The document page is the longest plan.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pages(client) -> list[tuple[str, str]]:
    docs = client.get("/api/documents", params={"limit": 500}).json()["items"]
    plans = sorted((d for d in docs if d.get("kind") == "plan"), key=lambda d: -(d.get("n_chars") or 0)) or docs
    first, second = plans[0]["doc_id"], plans[min(1, len(plans) - 1)]["doc_id"]
    indicator = "亿元GDP生产安全事故死亡率"
    return [("documents", "/"), ("documents (county, by targets)", "/?level=county&sort=targets&desc=1"),
            ("document", f"/doc/{first}"), ("targets", "/targets"),
            ("targets (indicator)", f"/targets?indicator={indicator}"), ("tasks", "/tasks"),
            ("projects", "/projects"), ("deadlines", "/deadlines"), ("compare (picker)", "/compare"),
            ("compare", f"/compare?indicator={indicator}"),
            ("compare + trend", f"/compare?indicator={indicator}&trend={plans[0].get('region') or ''}"),
            ("search", "/search?q=应急避难场所建设"), ("ask", "/ask?q=哪些县市的人均应急避难场所面积目标是2.5平方米？"),
            ("diff (picker)", f"/diff?old={first}&new={second}"), ("diff report", f"/diff/report?old={first}&new={second}"),
            ("targets CSV", "/targets?format=csv")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from fastapi.testclient import TestClient

    from pipeline.web.app import create_app

    with TestClient(create_app(args.db)) as warm:  # imports and the query library's caches, as in a running server
        for _, path in pages(warm):
            warm.get(path)
    with TestClient(create_app(args.db)) as client:  # a new app: its table rows are not kept yet
        n = client.get("/api/documents", params={"limit": 1}).json()["total"]
        print(f"{n} documents in {args.db}")
        for name, path in pages(client):
            t, c = time.perf_counter(), time.process_time()
            r = client.get(path)  # the first view: the query runs (tables keep their rows for paging after)
            first = ((time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000)
            wall, cpu = [], []
            for _ in range(args.runs):
                t, c = time.perf_counter(), time.process_time()
                r = client.get(path)
                wall.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            print(f"{name:32s} first {first[0]:6.0f} ms wall {first[1]:5.0f} ms CPU | again {statistics.median(wall):6.0f} "
                  f"ms wall {statistics.median(cpu):5.0f} ms CPU  (status {r.status_code}, {len(r.content) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
