"""`GET /diff?old=ID&new=ID` — the diff of two ingested plans as JSON (schema: DIFF.md).

Include it in an app with ``app.include_router(router)``.  The database is
``app.state.db`` when the app sets it, else $CNPOLICY_DB, else cnpolicy.duckdb; it is
opened read-only per request, so the API never blocks or alters ingestion.
"""
from __future__ import annotations

import os

from fastapi import APIRouter, HTTPException, Query, Request

router = APIRouter()


def _db_path(request: Request) -> str:
    from pipeline.store import DEFAULT_DB

    return getattr(request.app.state, "db", None) or os.environ.get("CNPOLICY_DB") or DEFAULT_DB


@router.get("/diff", summary="Diff two ingested plans: targets tightened/loosened, sections moved/renamed, text edits")
def get_diff(request: Request,
             old: str = Query(..., description="old document: doc id, unique id prefix or stored file name"),
             new: str = Query(..., description="new document: doc id, unique id prefix or stored file name"),
             fmt: str = Query("json", alias="format", pattern="^(json|html|md)$")):
    from fastapi.responses import HTMLResponse, PlainTextResponse

    from pipeline.store import StoreError, connect
    from queries.diff import diff_records, records_from_db, resolve_doc_id
    from queries.diff_render import to_html, to_markdown

    try:
        con = connect(_db_path(request), read_only=True)
    except StoreError as e:
        raise HTTPException(status_code=503, detail=str(e)) from e
    try:
        sides = []
        for ref in (old, new):
            doc_id = resolve_doc_id(con, ref)
            if doc_id is None:
                raise HTTPException(status_code=404, detail=f"no single stored document matches '{ref}'")
            sides.append(records_from_db(con, doc_id))
    finally:
        con.close()
    result = diff_records(*sides)
    if fmt == "html":
        return HTMLResponse(to_html(result))
    if fmt == "md":
        return PlainTextResponse(to_markdown(result), media_type="text/markdown; charset=utf-8")
    return result.to_dict()
