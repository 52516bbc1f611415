"""Query verbs: `targets`, `projects`, `responsibilities`, `compare`, `ask`, `serve`.

Each prints a rich table (or JSON with --json) whose rows cite their document, section,
page and quote.  Heavy imports happen inside the verbs.
"""
from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pipeline.cli import DB_OPTION, app

console = Console()
err = Console(stderr=True)

JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")
LEVEL_HELP = "county (县级: counties, county-level cities, districts) | prefecture | province | district"


def _open(db: Path):
    from pipeline.store import StoreError, connect

    try:
        return connect(db, read_only=True)
    except StoreError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2)


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _level_filters(level: str | None) -> dict:
    if not level:
        return {}
    if level in ("county", "county-level", "县", "县级"):
        return {"county_level": True}
    return {"admin_level": level}


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list):
        return "、".join(map(str, v))
    return str(v)


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"


def _table(title: str, rows: list[dict], columns: list[tuple[str, str]]) -> Table:
    """A table of rows; columns empty in every row are left out (narrow terminals)."""
    columns = [(k, label) for k, label in columns if any(r.get(k) not in (None, "", []) for r in rows)] or columns
    table = Table(title=title, show_lines=False, title_justify="left")
    for key, label in columns:
        table.add_column(label, overflow="fold", max_width=48 if key in ("quote", "text") else None)
    for r in rows:
        table.add_row(*[_short(_cell(r.get(key))) if key == "text" else _cell(r.get(key)) for key, _ in columns])
    return table


TARGET_COLUMNS = [("region", "region"), ("indicator", "indicator"), ("target", "target"), ("year", "year"),
                  ("attribute", "attr"), ("source_file", "document"), ("page", "page"), ("quote", "quote")]


@app.command()
def targets(
    indicator: str = typer.Option(None, "--indicator", "-i", help="Indicator concept (aliases and wordings match)."),
    region: list[str] = typer.Option(None, "--region", "-r", help="Region, prefecture or province (repeatable)."),
    level: str = typer.Option(None, "--level", help=LEVEL_HELP),
    year: int = typer.Option(None, "--year", help="Target year."),
    value: float = typer.Option(None, "--value", help="Target value (compared across units with --unit)."),
    unit: str = typer.Option(None, "--unit", help="Unit of --value: 平方米, %, ‰, 万元 …"),
    limit: int = typer.Option(None, "--limit", "-n", min=1, help="At most this many rows."),
    as_json: bool = JSON_OPTION,
    db: Path = DB_OPTION,
) -> None:
    """Quantitative targets with citations, filtered by indicator concept, region, level and year.

    Example: [bold]cnpolicy targets --indicator 避难场所面积 --level county[/bold]
    """
    from queries.compare import format_target
    from queries.targets import query_targets

    con = _open(db)
    rows = query_targets(con, indicator=indicator, region=region or None, year=year, value=value, unit=unit,
                         limit=limit, **_level_filters(level))
    if as_json:
        return _print_json(rows)
    for r in rows:
        r["target"] = format_target(r)
    total = len(query_targets(con, indicator=indicator, region=region or None, year=year, value=value, unit=unit,
                              **_level_filters(level))) if limit else len(rows)
    console.print(_table(f"{len(rows)} of {total} targets", rows, TARGET_COLUMNS))


@app.command()
def projects(
    region: list[str] = typer.Option(None, "--region", "-r", help="Region (repeatable)."),
    name: str = typer.Option(None, "--name", help="Words in the project name, section or category."),
    limit: int = typer.Option(None, "--limit", "-n", min=1),
    as_json: bool = JSON_OPTION,
    db: Path = DB_OPTION,
) -> None:
    """Key projects (重点工程, 专栏 items) with their section and citation.

    Example: [bold]cnpolicy projects --region 临清市[/bold]
    """
    from queries.targets import list_projects

    rows = list_projects(_open(db), region=region or None, name=name, limit=limit)
    if as_json:
        return _print_json(rows)
    console.print(_table(f"{len(rows)} projects", rows, [
        ("region", "region"), ("name", "project"), ("section_path", "section"), ("investment", "万元"),
        ("source_file", "document"), ("page", "page")]))


@app.command()
def responsibilities(
    region: list[str] = typer.Option(None, "--region", "-r", help="Region (repeatable)."),
    department: str = typer.Option(None, "--department", "-d", help="Lead or supporting department."),
    lead_only: bool = typer.Option(False, "--lead", help="Only tasks the department leads."),
    limit: int = typer.Option(None, "--limit", "-n", min=1),
    as_json: bool = JSON_OPTION,
    db: Path = DB_OPTION,
) -> None:
    """Tasks with their lead (牵头) and supporting (负责/配合) departments.

    Example: [bold]cnpolicy responsibilities --department 市应急局 --lead[/bold]
    """
    from queries.targets import list_responsibilities

    rows = list_responsibilities(_open(db), region=region or None, department=department,
                                 role="lead" if lead_only else None, limit=limit)
    if as_json:
        return _print_json(rows)
    console.print(_table(f"{len(rows)} tasks", rows, [
        ("region", "region"), ("task", "task"), ("lead", "lead"), ("support", "support"),
        ("source_file", "document"), ("page", "page")]))


@app.command("compare")
def compare_cmd(
    indicator: str = typer.Argument(..., help="Indicator concept, e.g. 亿元GDP生产安全事故死亡率."),
    year: int = typer.Option(None, "--year", help="Compare this target year (default: the year most plans state)."),
    level: str = typer.Option(None, "--level", help=LEVEL_HELP),
    plot: Path = typer.Option(None, "--plot", help="Also draw a bar chart to this PNG file."),
    as_json: bool = JSON_OPTION,
    db: Path = DB_OPTION,
) -> None:
    """One indicator across regions, one row per plan, most ambitious first.

    Example: [bold]cnpolicy compare "亿元GDP生产安全事故死亡率" --plot compare.png[/bold]
    """
    from queries.compare import compare, plot as draw

    rows = compare(_open(db), indicator, year=year, **_level_filters(level))
    if as_json:
        return _print_json(rows)
    if not rows:
        err.print(f"no targets found for indicator '{indicator}'")
        raise typer.Exit(1)
    direction = {"lower_is_better": "lower is better", "higher_is_better": "higher is better"}.get(
        rows[0].get("direction") or "", "direction unknown")
    console.print(_table(f"{indicator} — {len(rows)} plans ({direction})", rows, [
        ("rank", "#"), ("region", "region"), ("target", "target"), ("year", "year"), ("indicator", "as written"),
        ("source_file", "document"), ("page", "page"), ("quote", "quote")]))
    if plot:
        for w in draw(rows, indicator, str(plot)):
            err.print(f"[yellow]warning:[/yellow] {w}")
        console.print(f"chart → {plot}")


@app.command()
def ask(
    question: str = typer.Argument(..., help="A question in Chinese."),
    as_json: bool = JSON_OPTION,
    db: Path = DB_OPTION,
) -> None:
    """Answer a question from the extracted tables (else from passages), citing each source.

    Example: [bold]cnpolicy ask "哪些县市的人均应急避难场所面积目标是2.5平方米？"[/bold]
    """
    from queries.ask import ask as answer

    result = answer(_open(db), question)
    if as_json:
        return _print_json(result)
    console.print(f"[bold]{result['text']}[/bold]")
    if result["answer_type"] == "passages":
        console.print("[dim](no structured answer: best matching passages)[/dim]")
    rows = result["rows"] or result.get("passages") or []
    if result["rows"] == [] and rows:
        console.print("[dim]Nearest passages (context, not an answer):[/dim]")
    quote_key = "quote" if rows and "quote" in rows[0] else "text"
    console.print(_table("citations", rows[:30], [
        ("region", "region"), ("source_file", "document"), ("section_path", "section"), ("page", "page"),
        (quote_key, "quote")]))


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port."),
    db: Path = DB_OPTION,
) -> None:
    """Serve the database read-only over HTTP (OpenAPI docs at /docs).

    Example: [bold]cnpolicy serve --db samples.duckdb --port 8000[/bold], then
    curl 'http://127.0.0.1:8000/targets?indicator=避难场所&limit=5'
    """
    import uvicorn

    from queries.api import create_app

    if not Path(db).exists():
        err.print(f"[red]error:[/red] {db}: no such database — run `cnpolicy ingest` first")
        raise typer.Exit(2)
    uvicorn.run(create_app(str(db)), host=host, port=port, log_level="info")
