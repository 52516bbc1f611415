"""Read-only HTTP API over one database (FastAPI; OpenAPI schema at /openapi.json).

Every request opens the DuckDB file with ``read_only=True`` and closes it after, so the
server can never write and several servers may share one file.  Lists are paginated:
``{total, limit, offset, items}``.  Bad parameters answer 422 with a message, unknown ids
404, a missing database 503 — always JSON.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse

MAX_LIMIT = 500
LIMIT = Query(50, ge=1, le=MAX_LIMIT, description=f"Page size (1–{MAX_LIMIT}).")
OFFSET = Query(0, ge=0, description="Rows to skip.")
LEVEL = Query(None, description="county (县级: counties, county-level cities, districts) | prefecture | province")
DOCUMENT_LIST = ("doc_id, source_file, title, issuer, doc_number, issue_date, region, province, prefecture, county, "
                 "admin_code, admin_level, period, period_start, period_end, kind, file_type, n_pages, n_chars")


def _page(items: list, limit: int, offset: int) -> dict:
    return {"total": len(items), "limit": limit, "offset": offset, "items": items[offset:offset + limit]}


def _level(level: str | None) -> dict:
    if not level:
        return {}
    if level in ("county", "县级"):
        return {"county_level": True}
    return {"admin_level": level}


def _rows(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def create_app(db: str) -> FastAPI:
    """The application serving ``db`` read-only."""
    app = FastAPI(title="cnpolicy", version="0.1.0",
                  description="Targets, projects, responsibilities and passages of Chinese emergency-management "
                              "plans, each with its citation (document, section, page, quote). Read-only.")
    app.state.db = db  # routers included below (diff) read the path from here

    def connection() -> Iterator:
        import duckdb

        if not Path(db).exists():
            raise HTTPException(503, f"database {Path(db).name} does not exist")
        try:
            con = duckdb.connect(db, read_only=True)
        except duckdb.Error as e:
            raise HTTPException(503, f"cannot open database: {e}") from e
        try:
            yield con
        finally:
            con.close()

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, exc: ValueError):  # noqa: ARG001
        return JSONResponse(status_code=400, content={"detail": str(exc)})

    @app.get("/documents", summary="Stored documents with their metadata")
    def documents(region: str | None = None, kind: str | None = None, limit: int = LIMIT, offset: int = OFFSET,
                  con=Depends(connection)):
        where, params = [], []
        if region:
            where.append("(region = ? OR province = ? OR prefecture = ? OR county = ?)")
            params += [region] * 4
        if kind:
            where.append("kind = ?")
            params.append(kind)
        sql = f"SELECT {DOCUMENT_LIST} FROM documents {'WHERE ' + ' AND '.join(where) if where else ''} " \
              f"ORDER BY source_file"
        return _page(_rows(con, sql, params), limit, offset)

    @app.get("/documents/{doc_id}", summary="One document: metadata, sections and fact counts")
    def document(doc_id: str, text: bool = Query(False, description="Include the full original text."),
                 con=Depends(connection)):
        rows = _rows(con, f"SELECT {DOCUMENT_LIST}{', raw_text' if text else ''} FROM documents WHERE doc_id = ?",
                     [doc_id])
        if not rows:
            raise HTTPException(404, f"no document with id '{doc_id}'")
        doc = rows[0]
        doc["sections"] = _rows(con, "SELECT section_id, level, number, title, path, page_start, page_end "
                                     "FROM sections WHERE doc_id = ? ORDER BY ord", [doc_id])
        doc["counts"] = {t: con.execute(f"SELECT count(*) FROM {t} WHERE doc_id = ?", [doc_id]).fetchone()[0]
                         for t in ("targets", "projects", "responsibilities", "deadlines", "chunks")}
        return doc

    @app.get("/targets", summary="Quantitative targets, matched by indicator concept")
    def targets(indicator: str | None = None, region: list[str] | None = Query(None), level: str | None = LEVEL,
                year: int | None = None, value: float | None = None, unit: str | None = None,
                comparator: str | None = Query(None, pattern="^(<=|<|>=|>|=|decrease_by|increase_by|range)$"),
                attribute: str | None = None, doc_id: str | None = None, limit: int = LIMIT, offset: int = OFFSET,
                con=Depends(connection)):
        from queries.targets import query_targets

        rows = query_targets(con, indicator=indicator, region=region, year=year, value=value, unit=unit,
                             comparator=comparator, attribute=attribute, doc_id=doc_id, **_level(level))
        return _page(rows, limit, offset)

    @app.get("/projects", summary="Key projects (重点工程)")
    def projects(region: list[str] | None = Query(None), level: str | None = LEVEL, name: str | None = None,
                 doc_id: str | None = None, limit: int = LIMIT, offset: int = OFFSET, con=Depends(connection)):
        from queries.targets import list_projects

        return _page(list_projects(con, region=region, name=name, doc_id=doc_id, **_level(level)), limit, offset)

    @app.get("/responsibilities", summary="Tasks with lead and supporting departments")
    def responsibilities(region: list[str] | None = Query(None), level: str | None = LEVEL,
                         department: str | None = None, role: str | None = Query(None, pattern="^(lead|support)$"),
                         doc_id: str | None = None, limit: int = LIMIT, offset: int = OFFSET,
                         con=Depends(connection)):
        from queries.targets import list_responsibilities

        rows = list_responsibilities(con, region=region, department=department, role=role, doc_id=doc_id,
                                     **_level(level))
        return _page(rows, limit, offset)

    @app.get("/compare", summary="One indicator across regions, most ambitious first")
    def compare(indicator: str = Query(..., min_length=1), year: int | None = None, level: str | None = LEVEL,
                limit: int = LIMIT, offset: int = OFFSET, con=Depends(connection)):
        from queries.compare import compare as run

        return _page(run(con, indicator, year=year, **_level(level)), limit, offset)

    @app.get("/search", summary="Passages ranked by hybrid (BM25 + embedding) search")
    def search(q: str = Query(..., min_length=1), k: int = Query(10, ge=1, le=100), region: str | None = None,
               level: str | None = LEVEL, con=Depends(connection)):
        from queries.search import search as run

        lvl = level if level and level not in ("county", "县级") else None
        return {"query": q, "items": run(con, q, k, region=region, admin_level=lvl)}

    @app.get("/ask", summary="Answer a question with citations")
    def ask(q: str = Query(..., min_length=1, max_length=500), con=Depends(connection)):
        from queries.ask import ask as run

        return run(con, q)

    from queries.api_diff import router as diff_router  # the diff route lives with the diff engine

    app.include_router(diff_router)
    return app
