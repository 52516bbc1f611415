"""Machine instructions per extracted document, counted by valgrind's callgrind: a figure
that other work on the machine does not move (wall and CPU time here swing ±10-25% with
the host's load, more than most changes to the extractors).

    .venv/bin/python bench/instructions.py [--docs 20] [--repo .]

The five samples are analysed and extracted once (warm), then ``--docs`` new Documents
(as bench/extract.py makes them) are extracted with callgrind counting; only that loop is
counted (``callgrind_control -i on/off`` around it).  Needs valgrind (Debian: ``apt-get
install valgrind``); ~20 s.  The hash seed is fixed (it moved the figure by ~0.2%), so the
same code counts the same to a few thousand instructions.  Instructions are not time: a regex scan runs more of them a
second than the interpreter, so use this to compare two versions of the code, and
bench/extract.py for the rate.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract import positive  # noqa: E402  (bench/extract.py: the same counts refused the same way)


def _text_caches() -> list:
    """The extractors' and corpus's bounded lru_caches (keyed by a line, a name, a number as
    written: what a stream of new documents mostly misses), not the unbounded ones that hold
    loaded vocabularies, nor the pipeline's."""
    found = []
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in ("extractors", "corpus"):
            for obj in vars(module).values():
                info = getattr(obj, "cache_info", None)
                if info is not None and (info().maxsize or 0) >= 256 and obj not in found:
                    found.append(obj)
    return found


def _counted(repo: Path, docs: int, cold: bool = False) -> None:
    """The child, run under callgrind: warm up, then count ``docs`` extractions (``cold``:
    each after clearing _text_caches)."""
    sys.path[:0] = [str(repo), str(repo / "bench")]
    os.chdir(repo)
    from extract import new_document

    from extractors.base import default_nlp, extract
    from pipeline.process import analyse

    samples = [analyse(str(p)) for p in sorted((repo / "corpus" / "samples").glob("*.txt"))]
    default_nlp()
    for d in samples:
        extract(new_document(d))
    fresh = [new_document(samples[i % len(samples)]) for i in range(docs)]
    caches = _text_caches() if cold else []
    control = ["callgrind_control", "-i"]
    subprocess.run([*control, "on", str(os.getpid())], capture_output=True, check=True)
    for d in fresh:
        for cache in caches:
            cache.cache_clear()
        extract(d)
    subprocess.run([*control, "off", str(os.getpid())], capture_output=True, check=True)


def count(repo: Path, docs: int, cold: bool = False) -> float:
    """Millions of instructions per document."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--cache-sim=no",
             f"--callgrind-out-file={tmp}/callgrind.out", sys.executable, __file__, "--child",
             "--repo", str(repo), "--docs", str(docs), *(["--cold"] if cold else [])],
            capture_output=True, text=True, cwd=tmp, env={**os.environ, "PYTHONHASHSEED": "0"})
    found = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or not found or int(found.group(1)) == 0:
        tail = "\n".join(out.stderr.splitlines()[-8:])
        raise SystemExit(f"bench/instructions.py: callgrind counted nothing (exit {out.returncode}):\n{tail}")
    return int(found.group(1)) / docs / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=positive, default=20, help="documents counted (default 20: the samples ×4)")
    ap.add_argument("--repo", type=Path, default=ROOT, help="the checkout to count (default: this one)")
    ap.add_argument("--cold", action="store_true",
                    help="clear the caches keyed by text before each document: the samples repeat, an ingest's documents do not")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return _counted(args.repo.resolve(), args.docs, args.cold)
    if not (args.repo / "extractors" / "base.py").is_file():
        ap.error(f"--repo {args.repo}: not a cnpolicy checkout (no extractors/base.py)")
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        raise SystemExit("bench/instructions.py needs valgrind: apt-get install valgrind")
    print(f"{count(args.repo.resolve(), args.docs, args.cold):.2f} M instructions a document "
          f"({args.docs} extractions of the samples{', caches cleared' if args.cold else ''}, callgrind)")


if __name__ == "__main__":
    main()
