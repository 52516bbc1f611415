"""`cnpolicy reindex`: rebuild the search indexes from the store (they are derived data)."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from pipeline.cli import DB_OPTION, app

console = Console()
err = Console(stderr=True, soft_wrap=True)


@app.command()
def reindex(db: Path = DB_OPTION,
            check: bool = typer.Option(False, "--check", help="Only say whether the indexes are up to date "
                                                              "(exit 1 if not); change nothing.")) -> None:
    """Rebuild the keyword (BM25) and dense indexes in [bold]<db>.search/[/bold] from the chunks
    stored in DuckDB.  Searches repair small differences themselves; use this after copying a
    database without its index folder, or to start the indexes over.  Reads DuckDB only, so it
    runs while `serve` is up.  Example: [bold]cnpolicy reindex --db cnpolicy.duckdb[/bold]"""
    from index import reindex as rebuild
    from index.sidecar import SidecarError, home_of, is_fresh, model_of, open_sqlite, store_fingerprint
    from pipeline.store import StoreError, connect

    try:
        if check:
            con = connect(db, read_only=True)
            try:
                home = home_of(con)
                sql = open_sqlite(home)
                fresh = is_fresh(sql, store_fingerprint(con), model_of(con))
                sql.close()
            finally:
                con.close()
            console.print(f"{home}: {'up to date' if fresh else 'out of date (searches repair it; or run reindex)'}")
            raise typer.Exit(0 if fresh else 1)
        con = connect(db, read_only=True)
        try:
            done = rebuild(con)
        finally:
            con.close()
    except (StoreError, SidecarError, OSError) as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2)
    console.print(f"indexed {done['added']} documents → {db}.search/")
