"""`cnpolicy export` — every table to Parquet, CSV, JSONL or one XLSX workbook.

The fact tables come from the extractor registry, so a plugin's table is exported too.
Each fact row carries its document's file name, title, region columns and period, then
its own columns (confidence and reasons among them).  Facts below the default confidence
threshold are left out unless ``--all``.  In CSV, list columns are JSON arrays
(``["市应急局","市公安局"]``), so a program reads them back without guessing.

Other code that has rows to hand a person (a comparison, a query result) calls
:func:`write_rows` to write them as CSV, JSONL, Parquet or XLSX the same way.
"""
from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from extractors.registry import DEFAULT_MIN_CONFIDENCE
from pipeline.cli import DB_OPTION, app

console = Console()
err = Console(stderr=True, soft_wrap=True)

# Fact tables are exported with their document's file name, title, region columns and
# period, so one exported file stands on its own.
DOC_COLUMNS = ("d.source_file, d.title AS doc_title, d.region, d.province, d.prefecture, d.county, "
               "d.admin_level, d.period, d.period_start, d.period_end, d.kind AS doc_kind")
# Columns of the document tables that are for machines (full texts, offset maps, vectors).
NOT_EXPORTED = {"documents": ("raw_text", "text", "offsets"), "chunks": ("embedding", "vec", "tokens")}
STRUCTURE_EXPORTS = {
    "documents": "SELECT * {exclude} FROM documents ORDER BY source_file",
    "sections": f"SELECT {DOC_COLUMNS}, s.* FROM sections s JOIN documents d USING (doc_id) ORDER BY d.source_file, s.ord",
    "chunks": f"SELECT {DOC_COLUMNS}, c.* {{exclude}} {{replace}} FROM chunks c JOIN documents d USING (doc_id) "
              "ORDER BY d.source_file, c.ord",
}
FORMATS = ("parquet", "csv", "jsonl", "xlsx")
XLSX_MAX_WIDTH = 60
XLSX_MAX_CELL = 32767  # Excel's limit on characters in one cell


class ExportError(Exception):
    pass


def export_queries(con, min_confidence: float | None = DEFAULT_MIN_CONFIDENCE) -> dict[str, str]:
    """table → the SELECT that exports it; fact tables from the registry."""
    from extractors import registry

    out = {n: q.format(exclude=_exclude(con, n), replace=_replace(con, n)) for n, q in STRUCTURE_EXPORTS.items()}
    for name in registry.tables():
        # A database from before the confidence column has nothing to filter on.
        keep = "" if min_confidence is None or "confidence" not in _columns(con, name) else \
            f" WHERE (x.confidence IS NULL OR x.confidence >= {float(min_confidence)!r})"
        out[name] = (f"SELECT {DOC_COLUMNS}, x.* FROM {name} x JOIN documents d USING (doc_id){keep} "
                     "ORDER BY d.source_file, x.char_start")
    return out


def export_tables(con, out: Path, fmt: str, tables: list[str] | None = None,
                  min_confidence: float | None = DEFAULT_MIN_CONFIDENCE) -> list[tuple[str, int, Path]]:
    """Write the tables; returns (table, rows, path) for each.  XLSX: one workbook, a sheet per table."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}' (choose {', '.join(FORMATS)})")
    queries = export_queries(con, min_confidence)
    unknown = [t for t in tables or [] if t not in queries]
    if unknown:
        raise ExportError(f"unknown table(s) {', '.join(unknown)} (choose from {', '.join(queries)})")
    names = [n for n in queries if not tables or n in tables]
    present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    names = [n for n in names if n in present]  # an older database may lack a plugin's table
    out.mkdir(parents=True, exist_ok=True)
    done = []
    if fmt == "xlsx":
        path = out / "cnpolicy.xlsx"
        sheets = {n: _fetch(con, queries[n]) for n in names}
        write_xlsx(path, sheets)
        return [(n, len(rows), path) for n, (_, rows) in sheets.items()]
    for name in names:
        path = out / f"{name}.{fmt}"
        sql = _csv_select(con, queries[name]) if fmt == "csv" else queries[name]
        options = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv, HEADER true)", "jsonl": "(FORMAT json)"}[fmt]
        con.execute(f"COPY ({sql}) TO '{_sql_path(path)}' {options}")
        n = con.execute(f"SELECT count(*) FROM ({queries[name]})").fetchone()[0]
        done.append((name, n, path))
    return done


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}


def _replace(con, table: str) -> str:
    """REPLACE clause: a chunk's text is the slice of its document's text by its span (the
    store no longer keeps a copy per chunk; ``index.meta.chunk_text`` also reads old stores)."""
    if table != "chunks" or not _columns(con, "chunks"):  # an older database may lack the table
        return ""
    from index.meta import chunk_text

    return f"REPLACE ({chunk_text(con)} AS text)"


def _exclude(con, table: str) -> str:
    """EXCLUDE clause for the machine-only columns this database actually has."""
    have = _columns(con, table)
    drop = [c for c in NOT_EXPORTED.get(table, ()) if c in have]
    return f"EXCLUDE ({', '.join(drop)})" if drop else ""


def _sql_path(path: Path) -> str:
    return path.as_posix().replace("'", "''")


def _csv_select(con, sql: str) -> str:
    """The same rows with every list column as a JSON array (CSV has no lists)."""
    cols = con.execute(f"DESCRIBE ({sql})").fetchall()
    parts = [f'to_json("{c}") AS "{c}"' if t.endswith("[]") else f'"{c}"' for c, t, *_ in cols]
    return f"SELECT {', '.join(parts)} FROM ({sql})"


def _fetch(con, sql: str) -> tuple[list[str], list[tuple]]:
    cur = con.execute(sql)
    return [c[0] for c in cur.description], cur.fetchall()


def write_rows(path: str | Path, rows: list[dict], sheet: str = "data", columns: list[str] | None = None) -> Path:
    """Write a list of dicts (e.g. a comparison) by the file's suffix: .csv (lists as JSON
    arrays), .jsonl, .parquet or .xlsx (frozen header, fitted column widths)."""
    path = Path(path)
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    fmt = path.suffix.lstrip(".").lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        write_xlsx(path, {sheet: (columns, [tuple(r.get(c) for c in columns) for r in rows])})
    elif fmt == "csv":
        import csv

        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(columns)
            for r in rows:
                w.writerow([_csv_cell(r.get(c)) for c in columns])
    elif fmt == "jsonl":
        with path.open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False, default=str) + "\n")
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({c: [r.get(c) for r in rows] for c in columns}), path)
    else:
        raise ExportError(f"{path}: unknown format '{path.suffix}' (use .csv, .jsonl, .parquet or .xlsx)")
    return path


def _csv_cell(v):
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return "" if v is None else v


def write_xlsx(path, sheets: dict[str, tuple[list[str], list]]) -> None:
    """One sheet per table: bold frozen header, autofilter, widths fitted to the content.
    ``path`` is a file name or a binary file object (e.g. ``io.BytesIO`` for a download);
    rows are tuples in column order; lists become JSON, control characters (PDF debris)
    that Excel refuses become spaces."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)  # streams rows: a 100k-row chunks sheet stays small in memory
    bold = Font(bold=True)
    for name, (cols, rows) in sheets.items():
        ws = wb.create_sheet(_sheet_title(name))
        cleaned = [[_xlsx_cell(v) for v in row] for row in rows]
        # Widths are set before any row is written (write-only sheets), so measure first.
        widths = [_display_width(c) for c in cols]
        for values in cleaned:
            for i, v in enumerate(values):
                if v is not None and widths[i] < XLSX_MAX_WIDTH:
                    widths[i] = max(widths[i], _display_width(str(v)))
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = min(XLSX_MAX_WIDTH, w + 2)
        ws.freeze_panes = "A2"
        if cols:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(rows) + 1}"
        header = []
        for c in cols:
            cell = WriteOnlyCell(ws, value=c)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for values in cleaned:
            ws.append(values)
    if not sheets:
        wb.create_sheet("empty")
    wb.save(path)


def _sheet_title(name: str) -> str:
    bad = set('[]:*?/\\')
    return "".join("_" if ch in bad else ch for ch in name)[:31] or "sheet"


def _display_width(s: str) -> int:
    """Columns a string takes in Excel: CJK characters are two wide."""
    first = s.split("\n", 1)[0]
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in first[:XLSX_MAX_WIDTH])


def _xlsx_cell(v):
    """A value openpyxl accepts: lists as JSON, no control characters, within Excel's cell limit."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(v, (list, tuple, dict)):
        v = json.dumps(v, ensure_ascii=False, default=str)
    if isinstance(v, str):
        v = ILLEGAL_CHARACTERS_RE.sub(" ", v)
        if len(v) > XLSX_MAX_CELL:
            v = v[: XLSX_MAX_CELL - 1] + "…"
    elif hasattr(v, "tzinfo") and getattr(v, "tzinfo", None) is not None:
        v = v.replace(tzinfo=None)  # Excel has no time zones
    return v


@app.command()
def export(
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write into (created if missing)."),
    fmt: str = typer.Option("parquet", "--format", "-f", help="parquet | csv | jsonl | xlsx (one workbook, a sheet per table)"),
    tables: list[str] = typer.Option(None, "--table", "-t", help="Only these tables (repeatable)."),
    min_confidence: float = typer.Option(DEFAULT_MIN_CONFIDENCE, "--min-confidence", min=0.0, max=1.0,
                                         help="Export facts with at least this confidence."),
    include_all: bool = typer.Option(False, "--all", help="Export every stored fact, whatever its confidence."),
    db: Path = DB_OPTION,
) -> None:
    """Write every table to Parquet, CSV or JSONL files (one per table) or one XLSX workbook.

    Tables: documents, sections, chunks and every fact table (targets, projects,
    responsibilities, deadlines, plus any registered by an extractor plugin); fact rows
    carry their document's file name, title, region columns and period, and their
    confidence and reasons.  CSV list columns are JSON arrays.
    Example: [bold]cnpolicy export --out out/ --format xlsx[/bold]"""
    from pipeline.store import StoreError, connect

    if fmt not in FORMATS:
        err.print(f"[red]error:[/red] unknown format '{escape(fmt)}' (choose {', '.join(FORMATS)})")
        raise typer.Exit(2)
    try:
        con = connect(db, read_only=True)
    except StoreError as e:
        err.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(2)
    try:
        done = export_tables(con, out, fmt, tables, None if include_all else min_confidence)
    except ExportError as e:
        err.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(2)
    except OSError as e:
        err.print(f"[red]error:[/red] cannot write to {escape(str(out))}: {escape(e.strerror or str(e))}")
        raise typer.Exit(1)
    finally:
        con.close()
    for name, n, path in done:
        console.print(f"{name:<17} {n:>6} rows → {escape(str(path))}")
    if not include_all:
        console.print(f"facts with confidence ≥ {min_confidence:g} (or none recorded); --all exports every fact")
