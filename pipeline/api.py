"""Read-only JSON API over one database (FastAPI): ``create_api(db_path)``.

Every endpoint answers from the ``queries`` functions the CLI uses, with the same shared
filters (``queries.filters.Filters``), so ``/targets?region=宁夏&level=county`` and
``cnpolicy targets --region 宁夏 --level county --json`` give the same rows.

Every request opens the DuckDB file with ``read_only=True`` and closes it after, so the
server never writes.  Lists are paginated: ``{total, limit, offset, items}``.  A
wrong-typed or unknown value, or a parameter the endpoint does not take, answers 422 with
a message naming it; an unknown document 404; a missing database 503 — always JSON.
OpenAPI at ``/openapi.json``; its pages ``/docs`` (Swagger UI) and ``/redoc`` use assets
shipped in the ``fastapi-offline`` package, so they work without a network.
``cnpolicy serve`` mounts this app at ``/api`` (next to the web pages at ``/``).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from queries.filters import KIND_HELP, LEVEL_HELP, FilterError, Filters, NotFound, region_notes

MAX_LIMIT = 500
LIMIT = Query(50, ge=1, le=MAX_LIMIT, description=f"Page size (1–{MAX_LIMIT}).")
OFFSET = Query(0, ge=0, description="Rows to skip.")
ASSETS = "/docs-assets"


def _listed(page, limit: int, offset: int, con, filters: Filters) -> dict:
    """A ``queries`` Page (rows already cut by LIMIT/OFFSET in SQL, total counted) as the answer."""
    rows, total = page
    answer = {"total": total, "limit": limit, "offset": offset, "items": rows}
    if not total and (notes := region_notes(con, filters)):
        answer["notes"] = notes
    return answer


# --- the shared filters as query parameters ---------------------------------------------------
def document_filters(
    region: list[str] | None = Query(None, description="Region, full or short name (宁夏, 内蒙古, 温州市); "
                                     "repeatable, any matches."),
    province: list[str] | None = Query(None, description="Province, full or short name; repeatable."),
    level: str | None = Query(None, description=LEVEL_HELP),
    kind: list[str] | None = Query(None, description=f"Document kind: {KIND_HELP} (or its label: 规划, 行动方案 …)."),
    period: str | None = Query(None, description="Plan period: 十四五, 14五 or 2021-2025."),
    year: int | None = Query(None, ge=1949, le=2100, description="A fact's own year (target, deadline); on "
                             "documents and passages: the plan's period covers it."),
) -> Filters:
    try:
        return Filters.parse(region=region, province=province, level=level, kind=kind, period=period, year=year)
    except FilterError as e:
        raise HTTPException(422, str(e)) from None


def fact_filters(
    base: Filters = Depends(document_filters),
    doc: str | None = Query(None, description="One document: id, unique id prefix or file name."),
    min_confidence: float | None = Query(None, ge=0, le=1, description="Facts at or above this confidence "
                                         "(default 0.5)."),
    include_all: bool = Query(False, description="Every fact, however unsure (min_confidence 0)."),
) -> Filters:
    try:
        return Filters.of(base, doc=doc, min_confidence=min_confidence, include_all=include_all)
    except FilterError as e:
        raise HTTPException(422, str(e)) from None


def _query_params(dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_params(sub)
    return names


async def known_parameters(request: Request) -> None:
    """A misspelt parameter (levl=county) is an error, not a filter silently dropped."""
    route = request.scope.get("route")
    if route is None or not hasattr(route, "dependant"):
        return
    allowed = _query_params(route.dependant)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise HTTPException(422, f"unknown parameter {', '.join(map(repr, unknown))}: this endpoint takes "
                                 f"{', '.join(sorted(allowed)) or 'no parameters'}")


# --- offline docs ---------------------------------------------------------------------------------
def _assets_dir() -> str:
    import fastapi_offline

    return str(Path(fastapi_offline.__file__).parent / "static")


def _add_docs(app: FastAPI) -> None:
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    app.mount(ASSETS, StaticFiles(directory=_assets_dir()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(openapi_url=f"{root}/openapi.json", title="cnpolicy API",
                                   swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
                                   swagger_ui_parameters={"validatorUrl": None})

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_redoc_html(openapi_url=f"{root}/openapi.json", title="cnpolicy API",
                              redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
                              redoc_favicon_url=f"{root}{ASSETS}/favicon.png", with_google_fonts=False)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FilterError)
    async def bad_filter(request: Request, exc: FilterError):  # noqa: ARG001
        return JSONResponse(status_code=422, content={"detail": str(exc), "parameter": exc.param})

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):  # noqa: ARG001
        return JSONResponse(status_code=404, content={"detail": str(exc).strip("'\"")})

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, exc: ValueError):  # noqa: ARG001
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):  # noqa: ARG001
        problems = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path"))
            given = f" (got {e['input']!r})" if e.get("input") not in (None, {}) else ""
            problems.append(f"{where}: {e.get('msg', 'invalid')}{given}")
        from fastapi.encoders import jsonable_encoder

        return JSONResponse(status_code=422, content={"detail": "; ".join(problems),
                                                      "errors": jsonable_encoder(exc.errors())})


# --- the app ------------------------------------------------------------------------------------------
def create_api(db_path: str | Path) -> FastAPI:
    """The JSON API serving ``db_path`` read-only (mount it, e.g. at /api, or serve it alone)."""
    db = str(db_path)
    app = FastAPI(title="cnpolicy API", version="0.2.0", docs_url=None, redoc_url=None,
                  dependencies=[Depends(known_parameters)],
                  description="Targets, projects, responsibilities, deadlines and passages of Chinese "
                              "emergency-management plans, each with its citation (document, section, page, "
                              "quote). Read-only. The same filters as the `cnpolicy` command line.")
    app.state.db = db
    _add_docs(app)
    _add_error_handlers(app)

    def connection() -> Iterator:
        from pipeline.store import StoreError, reading

        try:
            with reading(db) as con:
                yield con
        except StoreError as e:
            raise HTTPException(503, str(e)) from e

    @app.get("/documents", summary="Stored documents with their metadata and fact counts")
    def documents(f: Filters = Depends(document_filters),
                  sort: str | None = Query(None, description="file | title | region | province | level | kind | "
                                           "period | issue_date | targets | projects | responsibilities | "
                                           "deadlines | sections | chunks"),
                  desc: bool = False, limit: int = LIMIT, offset: int = OFFSET, con=Depends(connection)):
        from queries.documents import documents_page

        return _listed(documents_page(con, f, sort=sort, descending=desc, limit=limit, offset=offset), limit, offset,
                       con, f)

    @app.get("/documents/{doc_id}", summary="One document (id, unique id prefix or file name): metadata, "
                                            "sections and fact counts")
    def document(doc_id: str, text: bool = Query(False, description="Include the full original text."),
                 con=Depends(connection)):
        from queries.documents import document as run

        return run(con, doc_id, text=text)

    @app.get("/targets", summary="Quantitative targets, matched by indicator concept")
    def targets(indicator: str | None = None, f: Filters = Depends(fact_filters),
                attribute: str | None = Query(None, description="约束性 (binding) | 预期性 (expected)."),
                value: float | None = None, unit: str | None = None,
                value_min: float | None = Query(None, description="Value at least (in unit when given)."),
                value_max: float | None = Query(None, description="Value at most (in unit when given)."),
                comparator: str | None = Query(None, pattern="^(<=|<|>=|>|=|decrease_by|increase_by|range)$"),
                limit: int = LIMIT, offset: int = OFFSET, con=Depends(connection)):
        from queries.targets import targets_page

        f = Filters.of(f, attribute=attribute, value_min=value_min, value_max=value_max,
                       unit=unit if value is None else None)
        return _listed(targets_page(con, indicator=indicator, value=value, unit=unit, comparator=comparator,
                                    filters=f, limit=limit, offset=offset), limit, offset, con, f)

    @app.get("/projects", summary="Key projects (重点工程); total counts every match")
    def projects(name: str | None = None, f: Filters = Depends(fact_filters),
                 investment_min: str | None = Query(None, description="Investment at least: 5000 (万元) or 1亿元."),
                 investment_max: str | None = Query(None, description="Investment at most: 万元 or 1亿元."),
                 limit: int = LIMIT, offset: int = OFFSET, con=Depends(connection)):
        from queries.targets import projects_page

        f = Filters.of(f, investment_min=investment_min, investment_max=investment_max)
        return _listed(projects_page(con, name=name, filters=f, limit=limit, offset=offset), limit, offset, con, f)

    @app.get("/responsibilities", summary="Tasks with lead and supporting departments")
    def responsibilities(department: str | None = None,
                         role: str | None = Query(None, pattern="^(lead|support)$"),
                         f: Filters = Depends(fact_filters), limit: int = LIMIT, offset: int = OFFSET,
                         con=Depends(connection)):
        from queries.targets import responsibilities_page

        return _listed(responsibilities_page(con, department=department, role=role, filters=f, limit=limit,
                                             offset=offset), limit, offset, con, f)

    @app.get("/deadlines", summary="Dated commitments (到2025年底前…)")
    def deadlines(what: str | None = None, f: Filters = Depends(fact_filters), limit: int = LIMIT,
                  offset: int = OFFSET, con=Depends(connection)):
        from queries.targets import deadlines_page

        return _listed(deadlines_page(con, what=what, filters=f, limit=limit, offset=offset), limit, offset, con, f)

    @app.get("/compare", summary="One indicator across regions for one plan period, most ambitious first")
    def compare(indicator: str = Query(..., min_length=1), f: Filters = Depends(fact_filters),
                attribute: str | None = Query(None, description="约束性 (binding) | 预期性 (expected)."),
                all_periods: bool = Query(False, description="Rank plans of every period together."),
                limit: int = LIMIT, offset: int = OFFSET, con=Depends(connection)):
        """``period`` picks the plan period (default: the one most plans share); ``year`` the
        target year compared (default: the year most plans state)."""
        from queries.compare import comparison

        result = comparison(con, indicator, year=f.year, filters=Filters.of(f, attribute=attribute),
                            all_periods=all_periods, limit=limit, offset=offset)  # ranked and paged before rows are read
        page = (result.pop("rows"), result.pop("total"))
        return {**_listed(page, limit, offset, con, f), **result}

    @app.get("/search", summary="Passages ranked by hybrid (BM25 + embedding) search")
    def search(q: str = Query(..., min_length=1, max_length=1000), k: int = Query(10, ge=1, le=100),
               mode: str = Query("hybrid", pattern="^(hybrid|bm25|dense)$"),
               f: Filters = Depends(document_filters), con=Depends(connection)):
        from queries.search import search as run

        return {"query": q, "items": run(con, q, k, mode=mode, filters=f)}

    @app.get("/ask", summary="Answer a question with citations (says so when the corpus does not hold it)")
    def ask(q: str = Query(..., min_length=1, max_length=500), con=Depends(connection)):
        from queries.ask import ask as run

        return run(con, q)

    @app.get("/diff", summary="Diff two ingested plans: targets tightened/loosened, sections moved/renamed, "
                              "text edits (schema: queries/DIFF.md)")
    def diff(old: str = Query(..., description="old document: doc id, unique id prefix or stored file name"),
             new: str = Query(..., description="new document: doc id, unique id prefix or stored file name"),
             fmt: str = Query("json", alias="format", pattern="^(json|html|md)$"), con=Depends(connection)):
        from queries.diff import diff_records, records_from_db
        from queries.diff_render import to_html, to_markdown
        from queries.filters import find_document

        result = diff_records(*(records_from_db(con, find_document(con, ref)) for ref in (old, new)))
        if fmt == "html":
            return HTMLResponse(to_html(result))
        if fmt == "md":
            return PlainTextResponse(to_markdown(result), media_type="text/markdown; charset=utf-8")
        return result.to_dict()

    return app
