"""The HTTP API: a real uvicorn server (`cnpolicy serve`) on a free local port, over the
ingested samples, queried with httpx under /api.  Read-only: writes are refused, the file
is unchanged.  Every endpoint answers 422 to a bad parameter, and the same rows as the
CLI's --json for the same query."""
from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

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
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}/api", timeout=30)
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
    for p in ("/documents", "/documents/{doc_id}", "/targets", "/projects", "/responsibilities", "/deadlines",
              "/compare", "/search", "/ask", "/diff"):
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
    page = client.get("/compare", params={"indicator": "森林火灾受害率", "year": 2025}).json()
    assert [r["region"] for r in page["items"]] == ["临清市", "山亭区"]
    assert page["period_label"] and page["direction"] == "lower_is_better"
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


def test_id_prefix_and_file_name_open_a_document(server):
    client, *_ = server
    doc = client.get("/documents", params={"limit": 1}).json()["items"][0]
    for ref in (doc["doc_id"][:6], doc["source_file"]):
        assert client.get(f"/documents/{ref}").json()["doc_id"] == doc["doc_id"]


def test_docs_work_offline(server):
    """/docs and /redoc load every asset from this server (no CDN)."""
    import re

    client, *_ = server
    root = str(client.base_url).rsplit("/api", 1)[0]
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        urls = re.findall(r'(?:src|href)="([^"]+)"|url: ?[\'"]([^\'"]+)', html)
        urls = [a or b for a, b in urls]
        assert urls and all(u.startswith("/") for u in urls), urls
        for u in urls:
            assert httpx.get(root + u, timeout=30).status_code == 200, u
    assert httpx.get(root + "/docs", timeout=30, follow_redirects=True).status_code == 200


# --- 422 on every endpoint ----------------------------------------------------------------------
ENDPOINTS = {"/documents": {}, "/targets": {}, "/projects": {}, "/responsibilities": {}, "/deadlines": {},
             "/compare": {"indicator": "森林火灾受害率"}, "/search": {"q": "避难场所"}}
BAD = [{"level": "city"}, {"level": "town"}, {"kind": "novel"}, {"year": "twenty"}, {"period": "soon"},
       {"limit": "many"}, {"levl": "county"}]
FACT_BAD = [{"min_confidence": "2"}, {"min_confidence": "high"}, {"doc": "no-such-doc"}]


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_bad_parameters_answer_422_with_a_message(server, path):
    client, *_ = server
    facts = path not in ("/documents", "/search")
    for bad in BAD + (FACT_BAD if facts else []):
        if path == "/search" and "limit" in bad:
            bad = {"k": "many"}
        r = client.get(path, params={**ENDPOINTS[path], **bad})
        assert r.status_code == 422, (path, bad, r.text)
        name = next(iter(bad))
        assert name in r.json()["detail"], (path, bad, r.json())


def test_other_endpoints_answer_422(server):
    client, *_ = server
    assert client.get("/ask", params={"q": ""}).status_code == 422
    assert client.get("/ask", params={"q": "x" * 600}).status_code == 422
    assert client.get("/diff", params={"old": "a"}).status_code == 422
    assert client.get("/diff", params={"old": "a", "new": "b", "format": "pdf"}).status_code == 422
    assert client.get("/projects", params={"investment_min": "lots"}).status_code == 422
    assert client.get("/targets", params={"attribute": "soft"}).status_code == 422
    assert client.get("/responsibilities", params={"role": "boss"}).status_code == 422
    assert client.get("/documents", params={"sort": "colour"}).status_code == 422
    assert client.get("/documents/x", params={"txt": "1"}).status_code == 422


# --- the CLI and the API agree ------------------------------------------------------------------
QUERIES = [
    ("documents", ["--region", "山东", "--level", "county"], {"region": "山东", "level": "county"}),
    ("documents", ["--kind", "plan", "--period", "十四五"], {"kind": "plan", "period": "十四五"}),
    ("targets", ["--region", "山东", "--level", "county"], {"region": "山东", "level": "county"}),
    ("targets", ["--indicator", "亿元GDP生产安全事故死亡率", "--year", "2025"],
     {"indicator": "亿元GDP生产安全事故死亡率", "year": 2025}),
    ("targets", ["--region", "遂宁", "--attribute", "约束性"], {"region": "遂宁", "attribute": "约束性"}),
    ("projects", ["--region", "枣庄"], {"region": "枣庄"}),
    ("responsibilities", ["--department", "市应急局"], {"department": "市应急局"}),
    ("deadlines", ["--year", "2025"], {"year": 2025}),
    ("compare", ["亿元GDP生产安全事故死亡率"], {"indicator": "亿元GDP生产安全事故死亡率"}),
]


@pytest.mark.parametrize("verb, args, params", QUERIES, ids=[f"{q[0]}-{i}" for i, q in enumerate(QUERIES)])
def test_cli_and_http_return_the_same_rows(server, verb, args, params):
    import json

    from pipeline.cli import app

    client, db, _ = server
    run = CliRunner().invoke(app, [verb, *args, "--json", "--db", str(db)])
    assert run.exit_code == 0, run.output
    cli_rows = json.loads(run.output)
    page = client.get(f"/{verb}", params={**params, "limit": 500}).json()
    assert page["total"] == len(cli_rows) and page["items"] == cli_rows
    assert cli_rows, "the query should find something in the samples"


def test_cli_and_http_search_and_ask_agree(server):
    import json

    from pipeline.cli import app

    client, db, _ = server
    cli = CliRunner().invoke(app, ["search", "应急物资储备", "-k", "3", "--region", "山东", "--json", "--db", str(db)])
    http = client.get("/search", params={"q": "应急物资储备", "k": 3, "region": "山东"}).json()["items"]
    assert json.loads(cli.output) == http and http
    q = "临清市有多少项任务由市应急局牵头？"
    cli = CliRunner().invoke(app, ["ask", q, "--json", "--db", str(db)])
    assert json.loads(cli.output) == client.get("/ask", params={"q": q}).json()


def test_an_empty_answer_names_a_region_no_document_is_about(server):
    client, *_ = server
    page = client.get("/targets", params={"region": "临青市"}).json()
    assert page["total"] == 0 and "临清市" in page["notes"][0]
    assert "notes" not in client.get("/targets", params={"region": "临清"}).json()
