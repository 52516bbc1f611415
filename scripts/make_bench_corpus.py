"""A synthetic benchmark corpus: the seed plans re-issued by other real regions, numbers perturbed.

    .venv/bin/python scripts/make_bench_corpus.py [--n 1000] [--out /tmp/cnpolicy-bench] [--no-ingest]

Each document is one seed with its region names (the region and the prefecture/province above
it, full and short forms) replaced by those of another real unit of the same level from the
gazetteer (corpus/data/admin_divisions.csv), and its quantities (numbers with a decimal point
or a unit after them) scaled by a random factor, so that every file has different content
(a different doc_id) and the targets differ from region to region.  Files go to
``<out>/docs``; then ``cnpolicy ingest <out>/docs --db <out>/bench.duckdb --workers 2``.
For benchmarks only: the text is not a real plan.
"""
from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

UNITS = "%|％|‰|万|亿|元|㎡|m2|平方米|人|个|支|处|座|所|家|小时|公里|吨|台|套"
QUANTITY = re.compile(rf"(?<![\d.])(?:\d+\.\d+(?![\d.])|\d+(?=\s*(?:{UNITS})))")  # decimals, or a unit follows


def seed_regions(path: Path) -> list[tuple[str, str]]:
    """The seed's own place names, most specific first: (level, full name)."""
    from pipeline.process import analyse

    meta = analyse(str(path)).meta
    names = []
    for level in ("county", "prefecture", "province"):
        if meta.get(level):
            names.append((level, meta[level]))
    if meta.get("region") and all(meta["region"] != n for _, n in names):
        names.insert(0, (meta.get("admin_level") or "county", meta["region"]))
    return names


def units_by_level() -> dict[str, list]:
    from corpus.regions import _units

    out: dict[str, list] = {}
    for u in _units().values():
        if u.current:
            out.setdefault(u.level, []).append(u)
    return out


def chain(unit) -> dict[str, str]:
    """level → name for a unit and the units above it."""
    from corpus.regions import ancestors

    return {u.level: u.name for u in [unit, *ancestors(unit)]}


def replacements(seed_names: list[tuple[str, str]], target) -> list[tuple[str, str]]:
    """(old, new) pairs, full names before short ones, longest first."""
    from corpus.regions import short_name

    new = chain(target)
    new.setdefault("county", new.get("district", ""))
    pairs = []
    for level, old in seed_names:
        lvl = "county" if level in ("county", "district") else level
        if new.get(lvl):
            pairs.append((old, new[lvl]))
            if short_name(old) != old and short_name(new[lvl]) != new[lvl]:
                pairs.append((short_name(old), short_name(new[lvl])))
    return sorted(pairs, key=lambda p: -len(p[0]))


def swap_names(text: str, pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return text
    table = dict(pairs)
    pattern = re.compile("|".join(re.escape(old) for old, _ in pairs))
    return pattern.sub(lambda m: table[m.group()], text)


def perturb(text: str, rng: random.Random) -> str:
    """Scale quantities by 0.8–1.25, keeping their number of decimals."""
    def scale(m: re.Match) -> str:
        s = m.group(0)
        decimals = len(s.split(".")[1]) if "." in s else 0
        if not decimals and 1949 <= int(s) <= 2100:  # a year
            return s
        v = float(s) * rng.uniform(0.8, 1.25)
        return f"{v:.{decimals}f}" if decimals else str(max(1, round(v)))
    return QUANTITY.sub(scale, text)


def make(n: int, docs: Path, seed: int = 0) -> list[Path]:
    rng = random.Random(seed)
    seeds = sorted((ROOT / "corpus" / "samples").glob("*.txt"))
    names = {p: seed_regions(p) for p in seeds}
    levels = units_by_level()
    docs.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(n):
        src = seeds[i % len(seeds)]
        level = names[src][0][0] if names[src] else "county"
        pool = levels.get(level) or levels["county"]
        target = rng.choice(pool)
        text = swap_names(src.read_text(encoding="utf-8"), replacements(names[src], target))
        text = perturb(text, rng) + f"\n（基准测试文本 {i:05d}）\n"  # unique content, unique doc_id
        out = docs / f"bench_{i:05d}_{target.code}.txt"
        out.write_text(text, encoding="utf-8")
        written.append(out)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="documents to write (default 1000)")
    ap.add_argument("--out", default="/tmp/cnpolicy-bench", help="folder for docs/ and bench.duckdb")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-ingest", action="store_true", help="only write the files")
    args = ap.parse_args()
    out = Path(args.out)
    t0 = time.perf_counter()
    files = make(args.n, out / "docs")
    print(f"wrote {len(files)} documents to {out / 'docs'} in {time.perf_counter() - t0:.1f} s")
    if args.no_ingest:
        return
    db = out / "bench.duckdb"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest", str(out / "docs"), "--db", str(db),
                    "--workers", str(args.workers), "--quiet"], cwd=ROOT, check=True)
    print(f"ingested into {db} in {time.perf_counter() - t0:.1f} s ({args.workers} workers)")


if __name__ == "__main__":
    main()
