"""Ingest speed: load + normalise per file type, and the pdfplumber baseline.

    .venv/bin/python bench/ingest.py [--seconds 1.5]

Corpus: the committed fixtures plus, when a CJK font is installed, PDF/DOCX/HTML
renderings of all five seeds (built into a temp folder with scripts/make_fixtures.py).
Each measurement repeats the whole set until ``--seconds`` have passed.  Baseline:
pdfplumber ``extract_text`` on every page of the same PDFs; the char counts of both are
printed so that the ratio compares like with like.  Peak memory: tracemalloc, measured
in a separate untimed pass.  Non-PDF "pages" are 1,500 characters of text.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from corpus.loaders import load  # noqa: E402
from corpus.normalise import normalise  # noqa: E402

FIX = ROOT / "tests" / "fixtures"
CHARS_PER_PAGE = 1500


def corpus(tmp: Path) -> dict[str, list[Path]]:
    files = {"pdf": [FIX / "plan.pdf"], "docx": [FIX / "plan.docx"], "html": [FIX / "notice.html"],
             "txt": sorted((ROOT / "corpus" / "samples").glob("*.txt"))}
    try:
        import make_fixtures as mf

        mf._font()
    except SystemExit:
        print("(no CJK font: fixtures only)")
        return files
    for p in files["txt"]:
        content = mf.blocks(p.read_text(encoding="utf-8"))
        mf.build_pdf(tmp / f"{p.stem}.pdf", content)
        mf.build_docx(tmp / f"{p.stem}.docx", content)
        mf.build_html(tmp / f"{p.stem}.html", content, encoding="utf-8")
        files["pdf"].append(tmp / f"{p.stem}.pdf")
        files["docx"].append(tmp / f"{p.stem}.docx")
        files["html"].append(tmp / f"{p.stem}.html")
    return files


def repeat(fn, paths: list[Path], seconds: float) -> tuple[float, int, list]:
    """(seconds per pass, passes, results of the last pass)."""
    n, t0 = 0, time.perf_counter()
    while True:
        out = [fn(p) for p in paths]
        n += 1
        if time.perf_counter() - t0 >= seconds:
            return (time.perf_counter() - t0) / n, n, out


def ours(path: Path):
    return normalise(load(path))


def pdfplumber_text(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def peak_mib(fn, paths: list[Path]) -> float:
    tracemalloc.start()
    for p in paths:
        fn(p)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def visible(s: str) -> int:
    return len(re.sub(r"\s", "", s))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=1.5, help="minimum time per measurement")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = corpus(Path(tmp))
        for paths in files.values():  # warm imports and caches
            ours(paths[0])
        pdfplumber_text(files["pdf"][0])
        rows = []
        for kind, paths in files.items():
            mb = sum(p.stat().st_size for p in paths) / 1e6
            sec, n, docs = repeat(ours, paths, args.seconds)
            pages = sum(len(d.pages) for d in docs) if kind == "pdf" else sum(len(d.text) for d in docs) / CHARS_PER_PAGE
            rows.append((f"{kind} load+normalise", len(paths), pages, mb, sec, n, peak_mib(ours, paths),
                         sum(visible(d.raw_text) for d in docs)))
            if kind == "pdf":
                base_sec, bn, texts = repeat(pdfplumber_text, paths, args.seconds)
                rows.append(("pdf pdfplumber baseline", len(paths), pages, mb, base_sec, bn,
                             peak_mib(pdfplumber_text, paths), sum(visible(t) for t in texts)))
                ratio, ours_chars, base_chars = base_sec / sec, rows[-2][-1], rows[-1][-1]
    print(f"{'what':<26}{'files':>6}{'pages':>8}{'MB':>7}{'pages/s':>10}{'MB/s':>8}{'passes':>7}{'peak MiB':>9}{'chars':>9}")
    for what, nf, pages, mb, sec, n, peak, chars in rows:
        print(f"{what:<26}{nf:>6}{pages:>8.0f}{mb:>7.2f}{pages / sec:>10.0f}{mb / sec:>8.2f}{n:>7}{peak:>9.1f}{chars:>9}")
    print(f"PDF speed-up over pdfplumber: {ratio:.1f}x (goal >= 10x); visible chars ours/pdfplumber: "
          f"{ours_chars}/{base_chars} = {ours_chars / base_chars:.3f}")
    import resource

    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
