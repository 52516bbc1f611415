"""The web app in a real browser: Debian's chromium, headless, driven by Playwright against
`cnpolicy serve` on 127.0.0.1 over the ingested samples.  Every request to another host is
recorded and blocked; each test asserts there was none.  Skipped only where chromium or
Playwright is not installed (`make test` installs both)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from web_server import CHROMIUM, chromium, ingest_samples, running_server

pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)

INDICATOR = "亿元GDP生产安全事故死亡率"
PAGES = ["/", "/targets", "/tasks", "/projects", "/deadlines", "/compare", f"/compare?indicator={INDICATOR}",
         "/search?q=应急避难场所", "/ask?q=应急管理局牵头的任务有哪些？", "/diff"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = ingest_samples(tmp_path_factory.mktemp("webui") / "samples.duckdb")
    with running_server(db) as (client, base):
        docs = client.get("/api/documents", params={"limit": 100}).json()["items"]
        yield base, docs


@pytest.fixture(scope="module")
def browser(server):
    foreign: list[str] = []
    with chromium(foreign) as open_page:
        page = open_page(1280)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page, foreign, errors, open_page


@pytest.fixture()
def page(browser):
    page, foreign, errors, _ = browser
    yield page
    assert not foreign, f"requests left 127.0.0.1: {foreign}"
    assert not errors, f"JavaScript errors: {errors}"


def _plan(docs) -> dict:
    return max((d for d in docs if d["kind"] == "plan"), key=lambda d: d["n_chars"])


def test_every_page_opens_with_chinese_text(server, page):
    base, _ = server
    for path in PAGES:
        response = page.goto(base + path)
        assert response.status == 200, path
        assert re.search(r"[\u4e00-\u9fff]", page.inner_text("h1")), path
        assert page.locator("link[rel=stylesheet]").count() == 1


def test_filter_and_sort_documents(server, page):
    base, docs = server
    page.goto(base + "/")
    page.select_option("select[name=level]", "county")
    page.click("form.filters button")
    page.wait_for_url(re.compile(r"level=county"))
    levels = page.locator("table.docs tbody tr td:nth-child(4)").all_inner_texts()
    assert levels and set(levels) <= {"县", "区"} and len(levels) < len(docs)
    page.click("table.docs th >> text=指标")
    page.wait_for_url(re.compile(r"sort=targets"))
    counts = [int(x) for x in page.locator("table.docs tbody tr td:nth-child(7)").all_inner_texts()]
    assert counts == sorted(counts)


def test_click_a_fact_and_see_its_quote_highlighted(server, page):
    base, docs = server
    page.goto(f"{base}/doc/{_plan(docs)['doc_id']}")
    item = page.locator(".fact-list a[data-jump^='t-']").nth(2)
    anchor = item.get_attribute("data-jump")
    item.click()
    marks = page.locator(f"mark.active[data-f~='{anchor}']")
    assert marks.count() >= 1
    marks.first.wait_for(state="visible")
    assert page.locator(".fact-list li.active a").get_attribute("data-jump") == anchor
    box, view = marks.first.bounding_box(), page.viewport_size
    assert 0 <= box["y"] <= view["height"], "the quote was not scrolled into view"
    page.locator(".kinds input[data-kind=targets]").uncheck()
    assert page.locator(".fact-list li[data-kind=targets]").first.is_hidden()


def test_a_table_row_opens_its_quote_in_context(server, page):
    base, _ = server
    page.goto(base + "/targets")
    page.fill("input[name=indicator]", INDICATOR)
    page.click("form.filters button")
    page.wait_for_url(re.compile(r"indicator="))
    link = page.locator("td.c-quote a").first
    quote = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/doc/\w+\?hl=\d+-\d+#cited"))
    cited = page.locator("mark.cited")
    assert "".join(cited.all_inner_texts()).replace(" ", "") == quote.replace(" ", "")
    assert 0 <= cited.first.bounding_box()["y"] <= page.viewport_size["height"]


def test_download_targets_as_csv(server, page, tmp_path):
    base, _ = server
    page.goto(f"{base}/targets?indicator={INDICATOR}")
    with page.expect_download() as info:
        page.click("text=CSV")
    path = tmp_path / "targets.csv"
    info.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("region,") and INDICATOR in text


def test_run_a_comparison_and_follow_a_bar(server, page):
    base, _ = server
    page.goto(base + "/compare")
    page.fill("input[name=indicator]", INDICATOR)
    page.click("form.filters button")
    bars = page.locator("a.bar-row")
    assert bars.count() >= 3
    assert page.locator(".rank").all_inner_texts()[:3] == ["1", "2", "3"]
    assert "越低越好" in page.inner_text(".direction")
    bars.first.click()
    page.wait_for_url(re.compile(r"#cited"))
    assert page.locator("mark.cited").count() >= 1


def test_ask_answers_with_citations_that_open_the_quote(server, page):
    base, _ = server
    page.goto(base + "/ask")
    page.fill("input[name=q]", "哪些县市的人均应急避难场所面积目标是2.5平方米？")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".answer .text")
    assert "2.5" in page.inner_text(".answer .text")
    page.locator("a.cite").first.click()
    page.wait_for_url(re.compile(r"/doc/"))
    assert page.locator("mark.cited").count() >= 1


def test_diff_two_documents(server, page):
    base, docs = server
    plans = [d["doc_id"] for d in docs if d["kind"] == "plan"]
    page.goto(base + "/diff")
    page.select_option("select[name=old]", plans[0])
    page.select_option("select[name=new]", plans[1])
    page.click("form.filters button")
    frame = page.frame_locator("iframe.report")
    assert "规划对照" in frame.locator("h1").inner_text()


def test_narrow_window_has_no_sideways_overflow(server, browser):
    base, docs = server
    _, foreign, _, open_page = browser
    narrow = open_page(420)
    for path in PAGES + [f"/doc/{_plan(docs)['doc_id']}"]:
        narrow.goto(base + path)
        overflow = narrow.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than a 420px window"
    assert not foreign


def test_api_docs_work_offline(server, page):
    base, _ = server
    page.goto(base + "/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=30_000)
    assert "/api/docs" in page.url
