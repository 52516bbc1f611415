"""`cnpolicy serve`: the web pages at / (pipeline.web, when installed) and the JSON API at /api."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import typer

from pipeline import cli_common as c
from pipeline.cli import DB_OPTION, app

API_PREFIX = "/api"


def create_server(db: str):
    """The app `serve` runs: pipeline.web.app.create_app(db) when that module exists (it
    mounts the API at /api itself), else the API alone under /api; `/docs` always opens
    the API's offline documentation."""
    from fastapi import FastAPI
    from fastapi.responses import RedirectResponse

    from pipeline.api import create_api

    if importlib.util.find_spec("pipeline.web.app") is not None:
        from pipeline.web.app import create_app

        server = create_app(db)
    else:
        server = FastAPI(title="cnpolicy", docs_url=None, redoc_url=None, openapi_url=None)

        @server.get("/", include_in_schema=False)
        def home():
            return RedirectResponse(f"{API_PREFIX}/docs")
    paths = {getattr(r, "path", None) for r in server.router.routes}
    if API_PREFIX not in paths:
        server.mount(API_PREFIX, create_api(db))
    for name in ("docs", "redoc", "openapi.json"):
        if f"/{name}" not in paths:
            server.add_api_route(f"/{name}", _redirect(f"{API_PREFIX}/{name}"), include_in_schema=False)
    return server


def _redirect(target: str):
    from fastapi.responses import RedirectResponse

    def go():
        return RedirectResponse(target)
    return go


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port."),
    db: Path = DB_OPTION,
) -> None:
    """Serve the database read-only: web pages at /, JSON API at /api (docs at /docs, offline).

    Example: [bold]cnpolicy serve --port 8000[/bold] (after `make demo`: cnpolicy.duckdb), then
    curl 'http://127.0.0.1:8000/api/targets?indicator=避难场所&limit=5'
    """
    import uvicorn

    if not Path(db).exists():
        c.fail(f"{db}: no such database — run `cnpolicy ingest` first")
    uvicorn.run(create_server(str(db)), host=host, port=port, log_level="info")
