"""Shared by the browser tests and scripts/screenshots.py: the samples database, a real
`cnpolicy serve` on a free 127.0.0.1 port, and a headless chromium page that records (and
blocks) every request to another host."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
LOCAL = {"127.0.0.1"}


def ingest_samples(db: Path) -> Path:
    """corpus/samples ingested (without embeddings: search is then BM25 alone) into ``db``."""
    from pipeline.ingest import ingest_files

    files = sorted(str(p) for p in (ROOT / "corpus" / "samples").glob("*.txt"))
    report = ingest_files(files, db, embed=False)
    bad = [r for r in report if r["status"] != "stored"]
    if bad:
        raise RuntimeError(f"samples did not ingest: {bad}")
    return db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(db: Path, timeout: float = 60.0):
    """`cnpolicy serve --db DB` in a subprocess; yields (httpx client, base URL)."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from pipeline.cli import app; app()", "serve", "--db", str(db),
                             "--port", str(port), "--host", "127.0.0.1"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=base, timeout=60)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"cnpolicy serve exited: {proc.stderr.read().decode(errors='replace')}")
            try:
                client.get("/static/app.css")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cnpolicy serve did not answer on {base} within {timeout:.0f} s")
                time.sleep(0.2)
        yield client, base
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def chromium(foreign: list[str]):
    """Headless Debian chromium; yields ``open_page(width, height=900)``, which makes a page
    of that size.  Every request to a host other than 127.0.0.1 is appended to ``foreign``
    and aborted, so nothing leaves the machine."""
    from playwright.sync_api import sync_playwright

    def guard(route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL:
            foreign.append(url)
            return route.abort()
        return route.continue_()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        contexts = []

        def open_page(width: int, height: int = 900):
            context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                          accept_downloads=True)
            contexts.append(context)
            context.route("**/*", guard)
            page = context.new_page()
            page.set_default_timeout(30_000)
            return page

        try:
            yield open_page
        finally:
            for context in contexts:
                context.close()
            browser.close()


@contextmanager
def browser_page(width: int, foreign: list[str], height: int = 900):
    """One chromium page ``width`` CSS pixels wide (see ``chromium``)."""
    with chromium(foreign) as open_page:
        yield open_page(width, height)
