"""The HTTP API: a real uvicorn server (`cnpolicy serve`) on a free local port, over the
ingested samples, queried with httpx.  Read-only: writes are refused, the file is unchanged."""
from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from pipeline.ingest import ingest_files

    db = tmp_path_factory.mktemp("api") / "samples.duckdb"
    files = sorted(str(p) for p in (ROOT / "corpus" / "samples").glob("*.txt"))
    assert all(r["status"] == "stored" for r in ingest_files(files, db, embed=False))
    before = _digest(db)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from pipeline.cli import app; app()", "serve", "--db", str(db),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        for _ in range(150):  # up to ~30 s for the server to start
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode())
            try:
                client.get("/openapi.json")
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield client, db, before
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)


def test_openapi_lists_endpoints(server):
    client, *_ = server
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/documents", "/documents/{doc_id}", "/targets", "/projects", "/responsibilities", "/compare",
              "/search", "/ask"):
        assert p in paths


def test_documents_and_pagination(server):
    client, *_ = server
    page = client.get("/documents", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 1 and len(page["items"]) == 2
    assert "raw_text" not in page["items"][0]
    doc_id = page["items"][0]["doc_id"]
    doc = client.get(f"/documents/{doc_id}").json()
    assert doc["doc_id"] == doc_id and doc["sections"] and "targets" in doc["counts"]


def test_targets_by_concept_and_level(server):
    client, *_ = server
    page = client.get("/targets", params={"indicator": "亿元GDP生产安全事故死亡率", "level": "county",
                                          "value": 0.01, "limit": 100}).json()
    assert {r["region"] for r in page["items"]} == {"临清市", "山亭区"}
    assert all(r["quote"] and r["source_file"] for r in page["items"])
    all_rows = client.get("/targets", params={"limit": 500}).json()
    paged = client.get("/targets", params={"limit": 10, "offset": 10}).json()
    assert paged["total"] == all_rows["total"] and paged["items"] == all_rows["items"][10:20]


def test_compare_ask_search(server):
    client, *_ = server
    rows = client.get("/compare", params={"indicator": "森林火灾受害率", "year": 2025}).json()["items"]
    assert [r["region"] for r in rows] == ["临清市", "山亭区"]
    answer = client.get("/ask", params={"q": "哪些县市的人均应急避难场所面积目标是2.5平方米？"}).json()
    assert answer["regions"] == ["临清市"] and answer["rows"][0]["quote"]
    hits = client.get("/search", params={"q": "应急物资储备", "k": 3}).json()["items"]
    assert 0 < len(hits) <= 3
    assert client.get("/projects").status_code == 200
    assert client.get("/responsibilities", params={"department": "市应急局"}).status_code == 200


def test_errors_are_json_4xx(server):
    client, *_ = server
    r = client.get("/documents/nope")
    assert r.status_code == 404 and "nope" in r.json()["detail"]
    r = client.get("/targets", params={"limit": 0})
    assert r.status_code == 422 and r.json()["detail"]
    assert client.get("/targets", params={"limit": 100000}).status_code == 422
    assert client.get("/compare").status_code == 422  # indicator is required
    assert client.get("/targets", params={"comparator": "about"}).status_code == 422


def test_read_only(server):
    client, db, before = server
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert client.request(method, "/targets").status_code == 405
        assert client.request(method, "/documents/x").status_code == 405
    assert _digest(db) == before
