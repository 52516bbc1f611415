"""The researchers' web app: server-rendered pages over one database, opened read-only.

    from pipeline.web.app import create_app
    uvicorn.run(create_app("cnpolicy.duckdb"), host="127.0.0.1", port=8000)

Pages: / (documents), /doc/{id} (text with every fact highlighted), /targets, /tasks,
/projects, /deadlines (tables with CSV/XLSX download), /compare, /search, /ask, /diff.
The JSON API is mounted under /api.  Every asset is served from ``static/``: no page
fetches anything from another host.  Rows come from ``queries/``; ``data.py`` holds the
few reads the query library lacks.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from pipeline.web import charts, data, export, highlight

HERE = Path(__file__).parent
PAGE_SIZE = 100
MAX_BARS = 60  # a chart of more plans is unreadable; the table below and the CSV have them all
LEVEL_ZH = {"national": "全国", "province": "省", "prefecture": "地市", "county": "县", "district": "区"}
LEVELS = {"national": "全国（国家级）", "province": "省级", "prefecture": "地市级", "county": "县级（含县级市、区）", "district": "市辖区"}
FILTER_PARAMS = ("region", "province", "level", "kind", "period", "year", "attribute", "min_confidence", "doc",
                 "value_min", "value_max", "unit", "investment_min", "investment_max")
KIND_ZH = {"targets": "指标", "projects": "项目", "responsibilities": "任务分工", "deadlines": "时限"}


class PageError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# --- small helpers the templates use ----------------------------------------------------------
def cite_url(row: dict) -> str:
    """The quote of a row in its document's text: /doc/ID?hl=START-END#cited."""
    doc = row.get("doc_id")
    if row.get("char_start") is None or row.get("char_end") is None:
        return f"/doc/{doc}"
    return f"/doc/{doc}?hl={row['char_start']}-{row['char_end']}#cited"


def doc_kind_labels() -> dict[str, str]:
    """Document kinds → short Chinese labels (queries/data/filter_words.json), for lists and menus."""
    from queries.filters import kinds, words

    labels = words()["kind_labels"]
    return {k: labels.get(k, k) for k in (*kinds(), *labels)}


def period_label(start, end) -> str:
    """2021, 2025 → 2021-2025 (十四五); '' without a start year."""
    from queries.filters import period_label as label

    return label((start, end or start)) if start else ""


def _text(params, name: str, max_len: int = 200) -> str | None:
    value = (params.get(name) or "").strip()
    if len(value) > max_len:
        raise PageError(422, f"{name}: too long ({len(value)} characters, at most {max_len})")
    return value or None


def _int(params, name: str, lo: int = 0, hi: int = 10**9) -> int | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if not value.lstrip("-").isdigit() or not lo <= int(value) <= hi:
        raise PageError(422, f"{name}: must be a whole number from {lo} to {hi}, got '{value}'")
    return int(value)


def _choice(params, name: str, allowed) -> str | None:
    value = _text(params, name)
    if value and value not in allowed:
        raise PageError(422, f"{name}: unknown value '{value}', use one of {', '.join(allowed)}")
    return value


def _span(params) -> tuple[int, int] | None:
    value = _text(params, "hl")
    if not value:
        return None
    a, _, b = value.partition("-")
    if not (a.isdigit() and b.isdigit()) or int(a) >= int(b):
        raise PageError(422, f"hl: must be START-END character offsets, got '{value}'")
    return int(a), int(b)


def filters_of(params, drop: tuple[str, ...] = ()):
    """The shared filters (``queries.filters.Filters``) from a page's query string; a value
    they cannot read raises their FilterError, answered with a 422 page."""
    from queries.filters import Filters

    raw = {k: params.get(k) for k in FILTER_PARAMS if k not in drop and params.get(k)}
    raw["include_all"] = params.get("include_all") in ("1", "true", "on")
    return Filters.parse(**raw)


def _paginate(rows: list, params) -> tuple[list, dict]:
    pager = _page_of(params, len(rows))
    start = (pager["page"] - 1) * PAGE_SIZE
    return rows[start:start + PAGE_SIZE], pager


# --- fact tables: what each shows, filters and exports ---------------------------------------------
TABLES = {
    "targets": {"title": "目标指标 Targets", "columns": [
        ("region", "地区"), ("admin_level", "层级"), ("indicator", "指标"), ("target", "目标"), ("year", "年份"),
        ("attribute", "属性"), ("quote", "原文")],
        "export": ["region", "province", "admin_level", "title", "period", "source_file", "doc_id", "indicator",
                   "canonical_indicator", "value", "value_max", "unit", "comparator", "year", "attribute",
                   "category", "quote", "page", "section_path", "char_start", "char_end", "confidence"]},
    "tasks": {"title": "任务分工 Tasks", "columns": [
        ("region", "地区"), ("admin_level", "层级"), ("task", "任务"), ("lead", "牵头单位"), ("support", "配合单位"),
        ("quote", "原文")],
        "export": ["region", "admin_level", "title", "period", "source_file", "doc_id", "task", "lead", "support",
                   "lead_canonical", "support_canonical", "quote", "page", "section_path", "char_start",
                   "char_end", "confidence"]},
    "projects": {"title": "重点工程 Projects", "columns": [
        ("region", "地区"), ("admin_level", "层级"), ("name", "项目"), ("investment", "投资（万元）"),
        ("category", "类别"), ("quote", "原文")],
        "export": ["region", "admin_level", "title", "period", "source_file", "doc_id", "name", "summary",
                   "investment", "category", "quote", "page", "section_path", "char_start", "char_end",
                   "confidence"]},
    "deadlines": {"title": "时限要求 Deadlines", "columns": [
        ("region", "地区"), ("admin_level", "层级"), ("what", "事项"), ("when", "时限"), ("quote", "原文")],
        "export": ["region", "admin_level", "title", "period", "source_file", "doc_id", "what", "year", "month",
                   "relative", "quote", "page", "section_path", "char_start", "char_end", "confidence"]},
}
COMPARE_EXPORT = ["rank", "region", "admin_level", "title", "period", "source_file", "doc_id", "indicator",
                  "canonical_indicator", "target", "value", "value_max", "unit", "comparator", "year", "attribute",
                  "direction", "quote", "page", "section_path", "char_start", "char_end", "confidence"]


def _when(r: dict) -> str:
    year = f"{r['year']}年" if r.get("year") else ""
    month = f"{r['month']}月" if r.get("month") else ""
    return f"{year}{month}{r.get('relative') or ''}"


def _table_rows(con, name: str, params, limit=None, offset: int = 0):
    """One page of a fact table under the page's filters (every row without ``limit``), the
    number of matches and the filters shown, through the query library."""
    from queries.targets import deadlines_page, projects_page, responsibilities_page, targets_page

    f = filters_of(params)
    shown = {"region": _text(params, "region"), "level": f.level, "year": f.year, "attribute": f.attribute,
             "doc": f.doc, "include_all": f.min_confidence == 0,
             **{k: _text(params, k) for k in ("value_min", "value_max", "unit", "investment_min", "investment_max")}}
    if name == "targets":
        shown["indicator"] = _text(params, "indicator")
        rows, total = targets_page(con, indicator=shown["indicator"], filters=f, limit=limit, offset=offset)
    elif name == "tasks":
        shown.update(department=_text(params, "department"), role=_text(params, "role"))
        rows, total = responsibilities_page(con, department=shown["department"], role=shown["role"], filters=f,
                                            limit=limit, offset=offset)
    elif name == "projects":
        shown["name"] = _text(params, "name")
        rows, total = projects_page(con, name=shown["name"], filters=f, limit=limit, offset=offset)
    else:
        shown["what"] = _text(params, "what")
        rows, total = deadlines_page(con, what=shown["what"], filters=f, limit=limit, offset=offset)
        rows = [{**r, "when": _when(r)} for r in rows]
    return rows, total, shown


def _page_of(params, total: int) -> dict:
    page = _int(params, "page", 1) or 1
    return {"page": page, "pages": max(1, -(-total // PAGE_SIZE)), "total": total}


def _download(rows: list[dict], name: str, fmt: str) -> Response:
    columns = COMPARE_EXPORT if name == "compare" else TABLES[name]["export"]
    body = export.to_csv(rows, columns) if fmt == "csv" else export.to_xlsx(rows, columns, name)
    return Response(body, media_type=export.MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="cnpolicy-{name}.{fmt}"'})


# --- compare --------------------------------------------------------------------------------------
def _own_horizon(rows: list[dict]) -> list[dict]:
    """For a trend: each plan's statement for its own horizon (its period's last year), else its latest."""
    by_doc: dict[str, list[dict]] = {}
    for r in rows:
        by_doc.setdefault(r["doc_id"], []).append(r)
    out = []
    for doc_rows in by_doc.values():
        end = doc_rows[0].get("period_end")
        own = [r for r in doc_rows if r.get("year") == end]
        out.append((own or sorted(doc_rows, key=lambda r: r.get("year") or 0, reverse=True))[0])
    return out


def trend(con, indicator: str, region: str, f) -> list[dict]:
    """One point per plan of ``region`` stating ``indicator``, oldest period first."""
    from dataclasses import replace

    from queries.compare import format_target
    from queries.filters import Filters
    from queries.targets import query_targets

    f = replace(f, period=None, region=Filters.parse(region=region).region)
    points = [{"period": period_label(r.get("period_start"), r.get("period_end")) or (r.get("title") or "")[:12],
               "start": r.get("period_start") or 0, "value": r.get("value") or 0.0, "label": format_target(r),
               "row": r} for r in _own_horizon(query_targets(con, indicator=indicator, filters=f))]
    return sorted(points, key=lambda p: p["start"])


class RecentRows:
    """The last few row lists the tables asked for, kept while the database file is unchanged,
    so turning a page or downloading what is shown does not run the query again."""

    def __init__(self, db: str, size: int = 4):
        self.db, self.size = Path(db), size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, compute):
        try:
            key = (*key, self.db.stat().st_mtime_ns)
        except OSError:
            return compute()
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = compute()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


# --- the app ----------------------------------------------------------------------------------------
def create_app(db_path: str) -> FastAPI:
    """The web app over ``db_path`` (opened read-only on every request), with the JSON API under /api."""
    from queries.filters import NotFound

    db = str(db_path)
    app = FastAPI(title="cnpolicy", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(cite_url=cite_url, period_label=period_label, LEVEL_ZH=LEVEL_ZH,
                                 DOC_KIND_ZH=doc_kind_labels(),
                                 KIND_ZH=KIND_ZH, LEVELS=LEVELS, TABLES=TABLES)
    templates.env.filters["cell"] = _cell
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _mount_api(app, db)
    recent = RecentRows(db)

    @contextmanager
    def read():
        from pipeline.store import StoreError, reading

        try:
            with reading(db) as con:
                yield con
        except StoreError as e:
            raise PageError(503, str(e)) from e

    def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        context.setdefault("nav", template.split(".")[0])
        context["elapsed_ms"] = round((time.perf_counter() - request.state.t0) * 1000)
        return templates.TemplateResponse(request, template, context, status_code=status)

    @app.middleware("http")
    async def timer(request: Request, call_next):
        request.state.t0 = time.perf_counter()
        return await call_next(request)

    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError):
        return page(request, "error.html", exc.status, message=exc.message, nav="")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return page(request, "error.html", 404, message=str(exc), nav="")

    @app.exception_handler(ValueError)  # FilterError, SearchError: what was typed cannot be read
    async def bad_value(request: Request, exc: ValueError):
        return page(request, "error.html", 422, message=str(exc), nav="")

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        return page(request, "error.html", 422, message="; ".join(e.get("msg", "") for e in exc.errors()), nav="")

    @app.get("/", response_class=HTMLResponse)
    def documents(request: Request):
        from queries.documents import documents_page, sorts

        p = request.query_params
        f = filters_of(p)
        sort = _choice(p, "sort", sorts()) or "file"
        desc = p.get("desc") == "1"
        page_no = _int(p, "page", 1) or 1
        with read() as con:
            menus = data.choices(con)
            shown, total = documents_page(con, f, sort=sort, descending=desc, limit=PAGE_SIZE,
                                          offset=(page_no - 1) * PAGE_SIZE)
        pager = _page_of(p, total)
        form = {k: _text(p, k) for k in ("region", "province", "level", "kind", "period")}
        kind_menu = {k: f"{doc_kind_labels().get(k, k)} {k}" for k in menus["kind"]}
        return page(request, "documents.html", rows=shown, pg=pager, f=form, menus=menus, sort=sort,
                    kind_menu=kind_menu, desc=desc, query=_query(p, drop=("sort", "desc", "page")))

    @app.get("/doc/{ref}", response_class=HTMLResponse)
    def document(request: Request, ref: str):
        from queries.documents import document as read_document

        cited = _span(request.query_params)
        with read() as con:
            doc = read_document(con, ref, text=True)
            if doc["doc_id"] != ref:  # a prefix or a file name: one address per document
                query = f"?{request.query_params}" if request.query_params else ""
                return RedirectResponse(f"/doc/{doc['doc_id']}{query}", status_code=307)
            facts = data.facts(con, doc["doc_id"])
        text = doc.pop("raw_text") or ""
        sections = doc.pop("sections")
        body = highlight.render(text, facts, sections, cited)
        placed = {f["anchor"] for f in highlight.placed(facts, len(text))}
        counts = {k: sum(1 for f in facts if f["kind"] == k) for k in KIND_ZH}
        return page(request, "document.html", doc=doc, body=body, facts=facts, placed=placed, counts=counts,
                    tree=highlight.section_tree(sections), cited=cited, low_threshold=data.LOW_CONFIDENCE,
                    n_low=sum(1 for f in facts if f["low"]), nav="documents")

    def fact_table(name: str):
        from queries.compare import format_target

        def view(request: Request):
            p = request.query_params
            fmt = _choice(p, "format", ("csv", "xlsx"))
            page_no = _int(p, "page", 1) or 1
            # A download takes every row; a page only its own (LIMIT/OFFSET in SQL) and the count.
            limit, offset = (None, 0) if fmt else (PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
            with read() as con:
                key = (name, _query(p, drop=("page", "format")), limit, offset)
                rows, total, shown = recent.get(key, lambda: _table_rows(con, name, p, limit, offset))
                menus = {"indicators": [r["name"] for r in data.indicators(con)[:300]]} if name == "targets" else {}
            if fmt:
                return _download(rows, name, fmt)
            page_rows, pager = rows, _page_of(p, total)
            if name == "targets":  # formatted for the rows shown only: a corpus has tens of thousands
                page_rows = [{**r, "target": format_target(r)} for r in page_rows]
            return page(request, "table.html", name=name, spec=TABLES[name], rows=page_rows, pg=pager, f=shown,
                        menus=menus, query=_query(p, drop=("page", "format")), nav=name)
        view.__name__ = f"{name}_page"
        return view

    for name in TABLES:
        app.get(f"/{name}", response_class=HTMLResponse, response_model=None)(fact_table(name))

    @app.get("/compare", response_class=HTMLResponse)
    def compare_page(request: Request):
        from queries.compare import comparison

        p = request.query_params
        indicator = _text(p, "indicator")
        f = filters_of(p, drop=("year",))  # year here is the compared target year, not a plan filter
        year = _int(p, "year", 1949, 2100)
        all_periods = p.get("all_periods") in ("1", "on", "true")
        region = _text(p, "trend")
        fmt = _choice(p, "format", ("csv", "xlsx"))
        with read() as con:
            menu = data.indicators(con)
            result = comparison(con, indicator, year=year, filters=f, all_periods=all_periods) if indicator else None
            points = trend(con, indicator, region, f) if indicator and region and not fmt else []
        rows = result["rows"] if result else []
        if fmt:
            return _download(rows, "compare", fmt)
        regions = sorted({r["region"] for r in rows if r.get("region")})
        form = {k: _text(p, k) for k in ("region", "level", "period")}
        shown, pager = _paginate(rows, p)
        return page(request, "compare.html", indicator=indicator, year=year, form=form, region=region,
                    all_periods=all_periods, menu=menu, result=result, rows=shown, n_rows=len(rows), pg=pager,
                    groups=charts.bar_groups(rows[:MAX_BARS]), max_bars=MAX_BARS, regions=regions,
                    points=points, trend=charts.trend_svg(points, cite_url),
                    query=_query(p, drop=("page", "format")))

    @app.get("/search", response_class=HTMLResponse)
    def search_page(request: Request):
        from queries.search import search, split_highlights

        p = request.query_params
        q = _text(p, "q", 1000)
        k = _int(p, "k", 1, 100) or 10
        f = filters_of(p)
        with read() as con:
            hits = search(con, q, k, filters=f) if q else []
        for h in hits:
            h["pieces"] = split_highlights(h.get("text") or "", h.get("highlights") or [])
        form = {k: _text(p, k) for k in ("region", "level", "period", "kind")}
        return page(request, "search.html", q=q, hits=hits, form=form, k=k)

    @app.get("/ask", response_class=HTMLResponse)
    def ask_page(request: Request):
        from queries.ask import ask

        q = _text(request.query_params, "q", 500)
        with read() as con:
            result = ask(con, q) if q else None
        return page(request, "ask.html", q=q, result=result)

    @app.get("/diff", response_class=HTMLResponse)
    def diff_page(request: Request):
        from queries.documents import documents as list_documents
        from queries.filters import find_document

        p = request.query_params
        sides = {}
        with read() as con:
            menu = list_documents(con, sort="region")
            for name in ("old", "new"):
                ref = _text(p, name)
                sides[name] = find_document(con, ref) if ref else None
        report = f"/diff/report?{urlencode(sides)}" if all(sides.values()) else None
        return page(request, "diff.html", menu=menu, report=report, **sides)

    @app.get("/diff/report", response_class=HTMLResponse)
    def diff_report(request: Request):
        from queries.diff import diff_records, records_from_db
        from queries.diff_render import to_html
        from queries.filters import find_document

        p = request.query_params
        with read() as con:
            sides = [records_from_db(con, find_document(con, _text(p, name) or "")) for name in ("old", "new")]
        return HTMLResponse(to_html(diff_records(*sides)))

    return app


def _cell(v) -> str:
    if isinstance(v, (list, tuple)):
        return "、".join(str(x) for x in v)
    return "" if v is None else v


def _query(params, drop=()) -> str:
    """The current filters as a query string, less ``drop`` (for sort and page links)."""
    return urlencode([(k, v) for k, v in params.multi_items() if k not in drop and v])


def _mount_api(app: FastAPI, db: str) -> None:
    """The JSON API (``pipeline.api``) under /api, with its own 422/404 answers and OpenAPI page."""
    from pipeline.api import create_api

    app.mount("/api", create_api(db))
