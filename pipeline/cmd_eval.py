"""`cnpolicy eval` — precision, recall, F1 and field accuracy against gold annotations."""
from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pipeline.cli import DB_OPTION, app

console = Console()


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


@app.command("eval")
def eval_command(
    gold: Path = typer.Option(..., "--gold", help="Folder with documents/targets/projects/responsibilities/deadlines .jsonl."),
    db: Path = DB_OPTION,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List misses, extras and wrong fields."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Score the extracted records in --db against gold annotations.

    Ingest the gold's documents first, then e.g.:
    [bold]cnpolicy eval --gold ../shared/eval/gold --verbose[/bold]
    Borderline gold records are neither rewarded nor punished.
    """
    from pipeline.evaluate import FIELDS, evaluate, summary
    from pipeline.store import StoreError, connect

    try:
        con = connect(db, read_only=True)
        report = evaluate(con, gold)
    except (StoreError, FileNotFoundError) as e:
        Console(stderr=True).print(f"[red]error:[/red] {e}")
        raise typer.Exit(2)
    if as_json:
        print(json.dumps(summary(report), ensure_ascii=False, indent=1))
        return
    if report["missing_docs"]:
        console.print(f"[yellow]not in the database (ingest them first):[/yellow] {', '.join(report['missing_docs'])}")
    _print_types(report, FIELDS)
    _print_per_doc(report)
    _print_metadata(report)
    if verbose:
        _print_details(report)


def _print_types(report: dict, fields: dict) -> None:
    t = Table(title="Extraction vs gold")
    for c in ("type", "gold", "pred", "tp", "precision", "recall", "F1", "field accuracy"):
        t.add_column(c)
    for kind, s in report["types"].items():
        acc = "  ".join(f"{f} {_pct(s.accuracy(f))}" for f in fields[kind])
        t.add_row(kind, str(s.gold), str(s.pred), str(s.tp), _pct(s.precision), _pct(s.recall),
                  f"[bold]{_pct(s.f1)}[/bold]", acc)
    console.print(t)


def _print_per_doc(report: dict) -> None:
    t = Table(title="F1 per document (tp/gold/pred)")
    kinds = list(report["types"])
    t.add_column("document")
    for k in kinds:
        t.add_column(k)
    for d, per in report["per_doc"].items():
        t.add_row(d, *[f"{_pct(per[k].f1)} ({per[k].tp}/{per[k].gold}/{per[k].pred})" for k in kinds])
    console.print(t)


def _print_metadata(report: dict) -> None:
    meta = report["documents"]
    acc = "  ".join(f"{f} {_pct(v)}" for f, v in meta["accuracy"].items())
    console.print(f"[bold]documents[/bold] ({meta['n']}): {acc}")


def _print_details(report: dict) -> None:
    from pipeline.evaluate import KEY_FIELD

    for kind, s in report["types"].items():
        key = KEY_FIELD[kind]
        for g in s.misses:
            console.print(f"[red]MISS[/red] {kind} {g['doc'][:3]} {g.get(key)} = {g.get('value', '')} | {g.get('quote')}")
        for p in s.extras:
            console.print(f"[yellow]EXTRA[/yellow] {kind} {p.get(key)} = {p.get('value', '')} | {p.get('quote')}")
        for g, p, bad in s.wrong:
            diffs = ", ".join(f"{f}: gold {g.get(f)!r} got {p.get(f)!r}" for f in bad)
            console.print(f"[magenta]WRONG[/magenta] {kind} {g.get(key)}: {diffs}")
    for w in report["documents"]["wrong"]:
        console.print(f"[magenta]WRONG[/magenta] document {w['doc'][:3]} {w['field']}: gold {w['gold']!r} got {w['got']!r}")
