"""Screenshots of every web page at a wide and a narrow window, for looking at them.

    .venv/bin/python scripts/screenshots.py --out shots/            # ingests corpus/samples
    .venv/bin/python scripts/screenshots.py --db samples.duckdb --out shots/ --widths 1280,420

Runs `cnpolicy serve` on a free 127.0.0.1 port, drives Debian's chromium headless
(Playwright with executable_path=/usr/bin/chromium; `make test` installs both) and saves
``<page>-<width>.png``: the top of each page, at most --max-height pixels of it.  Any request
to a host other than 127.0.0.1 is reported and makes the script exit 1.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from web_server import CHROMIUM, browser_page, ingest_samples, running_server  # noqa: E402


def pages(client) -> list[tuple[str, str, str | None]]:
    """(name, path, a fact anchor to click first) for every page, with ids taken from the database."""
    docs = client.get("/api/documents", params={"limit": 500}).json()["items"]
    plans = sorted((d for d in docs if d.get("kind") == "plan"), key=lambda d: -(d.get("n_chars") or 0)) or docs
    first, second = plans[0]["doc_id"], plans[min(1, len(plans) - 1)]["doc_id"]
    indicator = "亿元GDP生产安全事故死亡率"
    return [
        ("documents", "/", None),
        ("documents-filtered", "/?level=county&sort=targets&desc=1", None),
        ("document", f"/doc/{first}", "fact"),
        ("document-cited", f"/doc/{first}?hl=0-40#cited", None),
        ("targets", "/targets", None),
        ("targets-filtered", f"/targets?indicator={indicator}&level=prefecture", None),
        ("tasks", "/tasks", None),
        ("projects", "/projects", None),
        ("deadlines", "/deadlines", None),
        ("compare-picker", "/compare", None),
        ("compare", f"/compare?indicator={indicator}", None),
        ("compare-trend", f"/compare?indicator={indicator}&all_periods=1&trend=济宁市", None),
        ("search", "/search?q=应急避难场所建设", None),
        ("ask", "/ask?q=哪些县市的人均应急避难场所面积目标是2.5平方米？", None),
        ("diff", f"/diff?old={first}&new={second}", None),
        ("error-422", "/targets?level=city", None),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", help="database to serve (default: corpus/samples ingested into a temporary one)")
    ap.add_argument("--out", default="shots", help="folder for the PNG files")
    ap.add_argument("--widths", default="1280,420", help="window widths in CSS pixels, comma-separated")
    ap.add_argument("--max-height", type=int, default=2200, help="tallest part of a page kept, in pixels")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install -y chromium fonts-noto-cjk", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else ingest_samples(Path(tmp) / "samples.duckdb")
        with running_server(db) as (client, base):
            todo = pages(client)
            foreign: list[str] = []
            for width in (int(w) for w in args.widths.split(",")):
                with browser_page(width, foreign) as page:
                    for name, path, click in todo:
                        page.goto(base + path)
                        if click == "fact":
                            items = page.locator(".fact-list a[data-jump]")
                            if items.count():
                                items.nth(min(3, items.count() - 1)).click()
                                page.wait_for_timeout(300)
                        if path.endswith("#cited"):
                            page.wait_for_timeout(300)
                        target = out / f"{name}-{width}.png"
                        height = min(args.max_height, page.evaluate("document.documentElement.scrollHeight"))
                        full = click is None and "#" not in path
                        if full:
                            page.screenshot(path=str(target), full_page=True,
                                            clip={"x": 0, "y": 0, "width": width, "height": height})
                        else:
                            page.screenshot(path=str(target))
                        print(target)
    if foreign:
        print("requests that left 127.0.0.1:", *sorted(set(foreign)), sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
