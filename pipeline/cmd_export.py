"""`cnpolicy export` — every table to Parquet, CSV or JSONL for other systems."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from pipeline.cli import DB_OPTION, app

console = Console()
err = Console(stderr=True)

# Fact tables are exported with their document's region columns and original file name,
# so one exported file stands on its own.
DOC_COLUMNS = "d.source_file, d.region, d.province, d.prefecture, d.county, d.admin_level, d.period, d.kind AS doc_kind"
EXPORTS = {
    "documents": "SELECT * EXCLUDE (raw_text, text, offsets) FROM documents ORDER BY source_file",
    "sections": f"SELECT {DOC_COLUMNS}, s.* FROM sections s JOIN documents d USING (doc_id) ORDER BY d.source_file, s.ord",
    "chunks": f"SELECT {DOC_COLUMNS}, c.* EXCLUDE (embedding, tokens) FROM chunks c JOIN documents d USING (doc_id) ORDER BY d.source_file, c.ord",
    "targets": f"SELECT {DOC_COLUMNS}, t.* FROM targets t JOIN documents d USING (doc_id) ORDER BY d.source_file, t.char_start",
    "projects": f"SELECT {DOC_COLUMNS}, p.* FROM projects p JOIN documents d USING (doc_id) ORDER BY d.source_file, p.char_start",
    "responsibilities": f"SELECT {DOC_COLUMNS}, r.* FROM responsibilities r JOIN documents d USING (doc_id) ORDER BY d.source_file, r.char_start",
    "deadlines": f"SELECT {DOC_COLUMNS}, x.* FROM deadlines x JOIN documents d USING (doc_id) ORDER BY d.source_file, x.char_start",
}
FORMATS = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv, HEADER true)", "jsonl": "(FORMAT json)"}


@app.command()
def export(
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write into (created if missing)."),
    fmt: str = typer.Option("parquet", "--format", "-f", help="parquet | csv | jsonl"),
    tables: list[str] = typer.Option(None, "--table", "-t", help="Only these tables (repeatable)."),
    db: Path = DB_OPTION,
) -> None:
    """Write every table to Parquet, CSV or JSONL files, one file per table.

    Tables: documents, sections, chunks, targets, projects, responsibilities, deadlines;
    fact tables carry their document's file name and region columns.
    Example: [bold]cnpolicy export --out out/ --format csv[/bold]"""
    from pipeline.store import StoreError, connect

    if fmt not in FORMATS:
        err.print(f"[red]error:[/red] unknown format '{fmt}' (choose parquet, csv or jsonl)")
        raise typer.Exit(2)
    unknown = [t for t in tables or [] if t not in EXPORTS]
    if unknown:
        err.print(f"[red]error:[/red] unknown table(s) {', '.join(unknown)} (choose from {', '.join(EXPORTS)})")
        raise typer.Exit(2)
    try:
        con = connect(db, read_only=True)
    except StoreError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2)
    out.mkdir(parents=True, exist_ok=True)
    for name in tables or EXPORTS:
        path = out / f"{name}.{fmt}"
        con.execute(f"COPY ({EXPORTS[name]}) TO '{path.as_posix()}' {FORMATS[fmt]}")
        n = con.execute(f"SELECT count(*) FROM ({EXPORTS[name]})").fetchone()[0]
        console.print(f"{name:<17} {n:>6} rows → {path}")
