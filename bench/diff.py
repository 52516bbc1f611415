"""Time to diff two ~70 KB plans: seed 003 against a revised copy (tests/diff_pairs.py).

    .venv/bin/python bench/diff.py [--repeat 5]

Warm: one untimed run first loads jieba, spaCy and the extractors.  Two figures:
``diff`` is ``diff_records`` over already-extracted records (alignment, change
detection, word-level edits); ``end to end`` adds analysing and extracting both files
(what `cnpolicy diff FILE FILE` does after start-up).  Goal: diff < 1 s.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
SEED = ROOT / "corpus/samples/003_fae757d59f215b80.txt"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import diff_pairs as dp

    from pipeline.cmd_diff import records_from_file
    from queries.diff import diff_records
    from queries.diff_render import to_html, to_json

    text, planted = dp.revise_all(SEED.read_text(encoding="utf-8"))
    revised = Path(tempfile.mkdtemp()) / f"revised_{SEED.name}"
    revised.write_text(text, encoding="utf-8")
    old, new = records_from_file(str(SEED)), records_from_file(str(revised))  # warm-up
    d = diff_records(old, new)
    diff_t, html_t, e2e_t = [], [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        d = diff_records(old, new)
        diff_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        to_html(d), to_json(d)
        html_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        diff_records(records_from_file(str(SEED)), records_from_file(str(revised)))
        e2e_t.append(time.perf_counter() - t0)
    kb = (len(old.raw_text.encode()) + len(new.raw_text.encode())) / 1024
    print(f"plans: {SEED.name} vs revised copy ({kb:.0f} KB together, {len(planted)} planted edits, "
          f"{len(old.sections)}/{len(new.sections)} sections, {len(old.targets)}/{len(new.targets)} targets)")
    print(f"changes found: {d.summary['n_changes']}  {d.summary['by_kind']}")
    print(f"diff (records → Diff), median of {args.repeat}: {statistics.median(diff_t) * 1000:.1f} ms")
    print(f"render html + json, median:           {statistics.median(html_t) * 1000:.1f} ms")
    print(f"end to end (2 files analysed+extracted + diff), median: {statistics.median(e2e_t):.2f} s")


if __name__ == "__main__":
    main()
