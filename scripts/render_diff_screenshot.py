"""Render a diff's HTML report in headless Chromium and save a PNG, to look at it.

    .venv/bin/python scripts/render_diff_screenshot.py                  # seed 001 vs a revised copy
    .venv/bin/python scripts/render_diff_screenshot.py OLD NEW --png out.png

Without arguments it builds a revised copy of a seed with the test helpers
(tightened/loosened targets, renamed, moved and inserted sections).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus/samples/001_499b4550a0abc965.txt"  # has targets, structure and 牵头单位


def revised_copy(src: Path, dest: Path) -> Path:
    """A realistic revision of ``src`` (see tests/diff_pairs.py)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import diff_pairs as dp

    text, _ = dp.revise_all(src.read_text(encoding="utf-8"))
    dest.write_text(text, encoding="utf-8")
    return dest


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("no chromium found: apt-get install -y chromium")


def screenshot(html_path: Path, png: Path, width: int = 1400, height: int = 1800) -> None:
    profile = tempfile.mkdtemp(prefix="chromium-")
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
           f"--screenshot={png}", f"--window-size={width},{height}", html_path.resolve().as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    shutil.rmtree(profile, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old", nargs="?", help="old file (default: seed 001)")
    ap.add_argument("new", nargs="?", help="new file (default: a revised copy of OLD)")
    ap.add_argument("--html", default="/tmp/cnpolicy_diff.html")
    ap.add_argument("--png", default="/tmp/cnpolicy_diff.png")
    ap.add_argument("--height", type=int, default=1800)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from pipeline.cmd_diff import records_from_file
    from queries.diff import diff_records
    from queries.diff_render import to_html

    old = Path(args.old) if args.old else SEED
    new = Path(args.new) if args.new else revised_copy(old, Path(tempfile.gettempdir()) / f"revised_{old.name}")
    html = Path(args.html)
    html.write_text(to_html(diff_records(records_from_file(str(old)), records_from_file(str(new)))), encoding="utf-8")
    screenshot(html, Path(args.png), height=args.height)
    print(f"{html} → {args.png}")


if __name__ == "__main__":
    main()
