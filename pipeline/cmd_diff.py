"""`cnpolicy diff OLD NEW` — what changed between two versions of a plan."""
from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli import DB_OPTION, app

FORMATS = ("rich", "json", "md", "html")


def records_from_file(path: str):
    """Analyse and extract a file (no embeddings) into the stored-row shape the diff reads."""
    from pipeline.process import process_file
    from queries.diff import DocRecords

    res = process_file(str(path), extract=True, embed=False)
    if res.error:
        raise ValueError(f"{path}: {res.error}")
    return DocRecords.from_rows(res.rows, label=str(path).replace("\\", "/").rsplit("/", 1)[-1])


def load_side(ref: str, db: Path, con_holder: dict):
    """A file path is analysed on the spot; anything else is an ingested document id
    (or unique id prefix, or stored file name) read from the database."""
    from queries.diff import records_from_db
    from queries.filters import NotFound, find_document

    if Path(ref).is_file():
        return records_from_file(ref)
    if "con" not in con_holder:
        from pipeline.store import StoreError, connect

        try:
            con_holder["con"] = connect(db, read_only=True)
        except StoreError as e:  # name what the user typed, not only the missing database
            raise ValueError(f"'{ref}' is not a file, and it cannot be a stored document id: {e}") from e
    con = con_holder["con"]
    try:
        doc_id = find_document(con, ref)
    except NotFound as e:
        raise ValueError(f"'{ref}' is not a file, and in {db}: {e}") from None
    return records_from_db(con, doc_id)


@app.command()
def diff(
    old: str = typer.Argument(..., help="Old version: a file path or an ingested doc id (prefix ok)."),
    new: str = typer.Argument(..., help="New version: a file path or an ingested doc id."),
    fmt: str = typer.Option("rich", "--format", "-f", help="rich | json | md | html"),
    out: Path = typer.Option(None, "--out", "-o", help="Write the report to this file (html needs it or prints)."),
    limit: int = typer.Option(30, "--limit", help="Text changes shown in the terminal report."),
    shared: bool = typer.Option(None, "--shared/--no-shared",
                                help="Show indicators both plans set (default: when the plans differ widely)."),
    db: Path = DB_OPTION,
) -> None:
    """Diff a new plan against an old one, by structure and by meaning.

    Reports targets tightened or loosened, projects and lead departments changed, sections
    added, moved or renamed, and word-level text edits inside aligned paragraphs — each
    with quotes from both sides.

    Examples:
      [bold]cnpolicy diff old.txt new.txt[/bold]
      [bold]cnpolicy diff fae757d5 new.docx --format html --out diff.html[/bold]
      [bold]cnpolicy diff a.pdf b.pdf --format json > diff.json[/bold]   (schema: queries/DIFF.md)
    """
    from rich.console import Console

    from pipeline.store import StoreError
    from queries import diff_render
    from queries.diff import diff_records

    err = Console(stderr=True, soft_wrap=True)  # error lines stay whole
    if fmt not in FORMATS:
        err.print(f"[red]error:[/red] unknown format '{fmt}' (choose {', '.join(FORMATS)})")
        raise typer.Exit(2)
    holder: dict = {}
    try:
        a, b = load_side(old, db, holder), load_side(new, db, holder)
    except (ValueError, StoreError) as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2)
    finally:
        if "con" in holder:
            holder["con"].close()
    result = diff_records(a, b)
    if fmt == "rich":
        console = Console(record=bool(out), width=160 if out else None)
        diff_render.render_terminal(result, console, text_limit=limit, shared=shared)
        if out:
            out.write_text(console.export_text(), encoding="utf-8")
        return
    text = {"json": diff_render.to_json, "md": diff_render.to_markdown, "html": diff_render.to_html}[fmt](result)
    if out:
        out.write_text(text, encoding="utf-8")
        err.print(f"wrote {out} ({result.summary['n_changes']} changes)")
    else:
        typer.echo(text)
