"""The web pages at the HTTP level (Starlette's TestClient, no browser): every page answers,
bad filters answer 422 with a message, facts are highlighted exactly at their quotes,
downloads are complete, no page refers to another host, the database is never written."""
from __future__ import annotations

import csv
import hashlib
import io
import re

import pytest

from web_server import ingest_samples

pytest.importorskip("jinja2")
from fastapi.testclient import TestClient  # noqa: E402

from pipeline.web import highlight  # noqa: E402

INDICATOR = "亿元GDP生产安全事故死亡率"  # stated by four of the five samples


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from pipeline.web.app import create_app

    db = ingest_samples(tmp_path_factory.mktemp("web") / "samples.duckdb")
    before = _digest(db)
    with TestClient(create_app(str(db))) as client:
        yield client, db
    assert _digest(db) == before, "a page wrote to the database"


@pytest.fixture(scope="module")
def docs(site):
    client, _ = site
    return client.get("/api/documents", params={"limit": 100}).json()["items"]


def _plan(docs) -> dict:
    return max((d for d in docs if d["kind"] == "plan"), key=lambda d: d["n_chars"])


PAGES = ["/", "/?level=county&sort=targets&desc=1", "/targets", f"/targets?indicator={INDICATOR}", "/tasks",
         "/projects", "/deadlines", "/compare", f"/compare?indicator={INDICATOR}", "/search?q=应急避难场所",
         "/ask?q=哪些县市的人均应急避难场所面积目标是2.5平方米？", "/diff"]


@pytest.mark.parametrize("path", PAGES)
def test_page_answers_html_with_local_assets_only(site, path):
    client, _ = site
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    refs = re.findall(r'(?:src|href|action)="([^"]*)"', r.text)
    assert refs and all(not re.match(r"(?:[a-z]+:)?//", ref) for ref in refs), [
        ref for ref in refs if re.match(r"(?:[a-z]+:)?//", ref)]


@pytest.mark.parametrize("path, words", [
    ("/?level=city", "level"), ("/targets?level=city", "level"), ("/targets?year=abc", "year"),
    ("/tasks?role=boss", "role"), ("/projects?investment_min=lots", "investment_min"),
    ("/compare?indicator=x&period=someday", "period"), ("/?sort=colour", "sort"), ("/?kind=poem", "kind"),
    ("/doc/e87?hl=9-3", "hl"), ("/search?q=" + "长" * 1200, "q")])
def test_bad_parameter_answers_422_naming_it(site, path, words):
    client, _ = site
    r = client.get(path)
    assert r.status_code == 422
    assert words in r.text and "Traceback" not in r.text


def test_document_by_prefix_redirects_and_unknown_is_404(site, docs):
    client, _ = site
    doc_id = _plan(docs)["doc_id"]
    r = client.get(f"/doc/{doc_id[:6]}", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == f"/doc/{doc_id}"
    assert client.get("/doc/zzzzzz").status_code == 404


def _marked(html: str, anchor: str) -> str:
    """The text of every <mark> piece that belongs to one fact, in order."""
    pieces = re.findall(r'<mark [^>]*data-f="([^"]*)"[^>]*>(.*?)</mark>', html, flags=re.S)
    import html as h
    return "".join(h.unescape(text) for ids, text in pieces if anchor in ids.split())


def test_document_highlights_every_fact_exactly_at_its_quote(site, docs):
    client, db = site
    import duckdb

    doc_id = _plan(docs)["doc_id"]
    html = client.get(f"/doc/{doc_id}").text
    con = duckdb.connect(str(db), read_only=True)
    try:
        raw = con.execute("SELECT raw_text FROM documents WHERE doc_id = ?", [doc_id]).fetchone()[0]
        facts = con.execute("SELECT 't-' || target_id, char_start, char_end FROM targets WHERE doc_id = ? UNION ALL "
                            "SELECT 'r-' || resp_id, char_start, char_end FROM responsibilities WHERE doc_id = ?",
                            [doc_id, doc_id]).fetchall()
    finally:
        con.close()
    assert facts
    for anchor, start, end in facts:
        assert f'id="{anchor}"' in html
        assert f'data-jump="{anchor}"' in html
        assert _marked(html, anchor) == raw[start:end]


def test_low_confidence_facts_are_drawn_differently():
    facts = [{"kind": "targets", "anchor": "t-1", "char_start": 0, "char_end": 4, "low": True},
             {"kind": "projects", "anchor": "p-1", "char_start": 6, "char_end": 8, "low": False}]
    html = highlight.render("0123456789", facts)
    assert 'class="fact k-targets low" data-f="t-1">0123</mark>' in html
    assert 'class="fact k-projects" data-f="p-1">67</mark>' in html


def test_overlapping_facts_and_cited_span_cut_the_text_once():
    facts = [{"kind": "responsibilities", "anchor": "r-1", "char_start": 0, "char_end": 10},
             {"kind": "targets", "anchor": "t-1", "char_start": 3, "char_end": 6}]
    html = highlight.render("abcdefghij<>", facts, cited=(3, 6))
    assert re.sub(r"<[^>]+>", "", html) == "abcdefghij&lt;&gt;"
    assert '<mark class="fact k-targets cited" data-f="r-1 t-1">def</mark>' in html
    assert html.count('id="cited"') == 1


def test_targets_csv_has_every_row_with_title_and_period(site):
    client, _ = site
    page = client.get(f"/targets?indicator={INDICATOR}").text
    total = int(re.search(r"<small>(\d+) 条</small>", page).group(1))
    r = client.get(f"/targets?indicator={INDICATOR}&format=csv")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    body = r.content.decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads UTF-8 Chinese only with the BOM
    rows = list(csv.DictReader(io.StringIO(body[1:])))
    assert len(rows) == total > 0
    assert all(row["title"] and row["period"] and row["quote"] for row in rows)


def test_tasks_csv_writes_departments_as_json_arrays(site):
    import json

    client, _ = site
    rows = list(csv.DictReader(io.StringIO(client.get("/tasks?format=csv").content.decode("utf-8")[1:])))
    assert rows and all(isinstance(json.loads(row["lead"]), list) for row in rows)


def test_xlsx_download_opens_with_a_frozen_header(site):
    from openpyxl import load_workbook

    client, _ = site
    r = client.get("/projects?format=xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.active
    assert ws.freeze_panes == "A2" and ws["A1"].value == "region" and ws.max_row > 1


def test_compare_ranks_and_links_every_bar_to_its_quote(site):
    client, _ = site
    html = client.get(f"/compare?indicator={INDICATOR}").text
    bars = re.findall(r'<a class="bar-row" href="([^"]+)"', html)
    assert len(bars) >= 3
    assert all(re.match(r"/doc/\w+\?hl=\d+-\d+#cited", b) for b in bars)
    assert "越低越好" in html and "2021-2025" in html


def test_filters_narrow_the_document_list(site, docs):
    client, _ = site
    county = client.get("/?level=county").text
    n_all = len(docs)
    n_county = county.count('<td class="title">')
    assert 0 < n_county < n_all


def test_diff_report_renders_two_documents(site, docs):
    client, _ = site
    plans = [d["doc_id"] for d in docs if d["kind"] == "plan"][:2]
    page = client.get(f"/diff?old={plans[0]}&new={plans[1]}")
    assert page.status_code == 200 and "/diff/report?" in page.text
    report = client.get(f"/diff/report?old={plans[0]}&new={plans[1]}")
    assert report.status_code == 200 and "规划对照" in report.text


def test_api_is_mounted_under_api(site):
    client, _ = site
    assert client.get("/api/targets", params={"indicator": INDICATOR}).json()["total"] >= 3


def test_trend_chart_links_every_period_to_its_quote():
    from pipeline.web.charts import trend_svg

    rows = [{"doc_id": "a", "char_start": 1, "char_end": 9}, {"doc_id": "b", "char_start": 5, "char_end": 7}]
    points = [{"period": "2016-2020 (十三五)", "value": 0.05, "label": "≤0.05", "row": rows[0]},
              {"period": "2021-2025 (十四五)", "value": 0.01, "label": "≤0.01", "row": rows[1]}]
    svg = trend_svg(points, lambda r: f"/doc/{r['doc_id']}?hl={r['char_start']}-{r['char_end']}#cited")
    assert svg.startswith("<svg") and "<polyline" in svg
    assert 'href="/doc/a?hl=1-9#cited"' in svg and 'href="/doc/b?hl=5-7#cited"' in svg
    assert "十三五" in svg and "≤0.01" in svg


def test_bars_keep_changes_apart_from_absolute_targets():
    from pipeline.web.charts import bar_groups

    rows = [{"value": 0.01, "unit": "", "comparator": "<="}, {"value": 0.02, "unit": "", "comparator": "<="},
            {"value": 10, "unit": "%", "comparator": "decrease_by"}]
    groups = bar_groups(rows)
    assert [len(g["bars"]) for g in groups] == [2, 1]
    assert groups[0]["bars"][1]["pct"] == 100.0 and groups[0]["bars"][0]["pct"] == 50.0


def test_comparison_exports_as_a_table(site):
    client, _ = site
    r = client.get(f"/compare?indicator={INDICATOR}&format=csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8")[1:])))
    assert [row["rank"] for row in rows] == [str(i) for i in range(1, len(rows) + 1)] and len(rows) >= 3
    assert all(row["title"] and row["period"] and row["target"] for row in rows)


def test_recent_rows_are_reused_until_the_database_changes(tmp_path):
    from pipeline.web.app import RecentRows

    db = tmp_path / "x.duckdb"
    db.write_bytes(b"1")
    calls = []
    recent = RecentRows(str(db), size=2)
    assert recent.get(("t", "q"), lambda: calls.append(1) or [1]) == [1]
    assert recent.get(("t", "q"), lambda: calls.append(1) or [2]) == [1] and len(calls) == 1
    import os
    os.utime(db, ns=(1, 1))  # another ingest rewrote the file
    assert recent.get(("t", "q"), lambda: calls.append(1) or [3]) == [3] and len(calls) == 2


def test_xlsx_export_turns_control_characters_into_spaces():
    """PDF debris (a vertical tab, a form feed) would make openpyxl refuse the cell; the web
    download uses ``cnpolicy export``'s writer, which writes them as spaces."""
    from openpyxl import load_workbook

    from pipeline.web import export

    body = export.to_xlsx([{"quote": "到2025年\x0b完成\x0c建设", "lead": ["市应急局", "市发改委"]}], ["quote", "lead"],
                          "targets")
    ws = load_workbook(io.BytesIO(body)).active
    assert ws["A2"].value == "到2025年 完成 建设" and ws["B2"].value == '["市应急局", "市发改委"]'
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold


def test_document_list_labels_kinds_and_pages_count_every_match(site, docs):
    client, _ = site
    html = client.get("/").text
    assert '<td class="inl" data-label="类型">规划</td>' in html  # the kind's label, not "plan"
    assert f"{len(docs)} 份" in html
    api = client.get("/api/targets", params={"limit": 1, "offset": 100}).json()
    page2 = client.get("/targets?page=2").text  # rows 101-200, cut in SQL; the header counts them all
    assert f"{api['total']} 条" in page2 and api["total"] > 100
    assert f"/doc/{api['items'][0]['doc_id']}?hl={api['items'][0]['char_start']}-" in page2
