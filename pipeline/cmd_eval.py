"""`cnpolicy eval` — precision, recall, F1 and field accuracy against gold annotations."""
from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from extractors.registry import DEFAULT_MIN_CONFIDENCE
from pipeline.cli import DB_OPTION, app

console = Console()


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


@app.command("eval")
def eval_command(
    gold: Path = typer.Option(..., "--gold", help="Folder with any of documents/targets/projects/responsibilities/"
                              "deadlines .jsonl, and not_targets.jsonl (things that must not be extracted)."),
    db: Path = DB_OPTION,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Per document: misses, extras, not-target hits, wrong fields."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    min_confidence: float = typer.Option(DEFAULT_MIN_CONFIDENCE, "--min-confidence", min=0.0, max=1.0,
                                         help="Score only records with at least this confidence."),
    include_all: bool = typer.Option(False, "--all", help="Score every stored record, whatever its confidence."),
) -> None:
    """Score the extracted records in --db against gold annotations.

    Ingest the gold's documents first, then e.g.:
    [bold]cnpolicy eval --gold ../shared/eval/gold --verbose[/bold]
    Record types without a gold file are not scored.  Borderline gold records are neither
    rewarded nor punished; a record matching not_<type>.jsonl is a false positive.
    """
    from pipeline.evaluate import evaluate, summary
    from pipeline.store import StoreError, connect

    threshold = None if include_all else min_confidence
    con = None
    try:
        con = connect(db, read_only=True)
        report = evaluate(con, gold, min_confidence=threshold)
    except (StoreError, FileNotFoundError) as e:
        Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(2)
    finally:
        if con is not None:
            con.close()
    if as_json:
        print(json.dumps(summary(report, details=verbose), ensure_ascii=False, indent=1, default=str))
        return
    if report["missing_docs"]:
        console.print(f"[yellow]not in the database (ingest them first):[/yellow] {', '.join(report['missing_docs'])}")
    console.print("records scored: " + ("all" if threshold is None else f"confidence ≥ {threshold:g} (or none)")
                  + (f"; no gold for: {', '.join(report['unscored'])}" if report["unscored"] else "")
                  + (f"; not record files (not scored): {', '.join(report['other_files'])}" if report["other_files"] else ""))
    _print_types(report)
    _print_per_doc(report)
    _print_metadata(report)
    if verbose:
        _print_details(report)


def _print_types(report: dict) -> None:
    from extractors import registry

    t = Table(title="Extraction vs gold")
    for c in ("type", "gold", "pred", "tp", "precision", "recall", "F1", "not-gold hit", "field accuracy"):
        t.add_column(c)
    for kind, s in report["types"].items():
        acc = "  ".join(f"{f} {_pct(s.accuracy(f))}" for f in registry.get(kind).scored)
        hit = f"{len(s.forbidden)}/{s.not_gold}" if s.not_gold else "—"
        t.add_row(kind, str(s.gold), str(s.pred), str(s.tp), _pct(s.precision), _pct(s.recall),
                  f"[bold]{_pct(s.f1)}[/bold]", hit, acc)
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
    if not meta["n"]:
        return
    seen = meta.get("annotated", {})
    acc = "  ".join(f"{f} {_pct(v)}" + (f" ({seen[f]})" if seen.get(f, meta["n"]) != meta["n"] else "")
                    for f, v in meta["accuracy"].items())
    console.print(f"[bold]documents[/bold] ({meta['n']}; a field's count in brackets where fewer are annotated): {acc}")


def _print_details(report: dict) -> None:
    """Misses, extras, not-gold hits and wrong fields, grouped by document."""
    from extractors import registry

    for d, per in report["per_doc"].items():
        lines = []
        for kind, s in per.items():
            key = registry.get(kind).key
            for g in s.misses:
                lines.append(f"[red]MISS[/red]  {kind} {_show(g.get(key))} = {_show(g.get('value', ''))} | {_show(g.get('quote'))}")
            hit = {id(p) for _, p in s.forbidden}
            for ng, p in s.forbidden:
                lines.append(f"[bold red]NOT-{kind[:-1].upper()}[/bold red] {_show(p.get(key))} = {_show(p.get('value', ''))}"
                             f" | {_show(p.get('quote'))}  (not_{kind}: {_show(ng.get(key))})")
            for p in s.extras:
                if id(p) not in hit:
                    lines.append(f"[yellow]EXTRA[/yellow] {kind} {_show(p.get(key))} = {_show(p.get('value', ''))}"
                                 f"{_conf(p)} | {_show(p.get('quote'))}")
            for g, p, bad in s.wrong:
                diffs = ", ".join(f"{f}: gold {g.get(f)!r} got {p.get(f)!r}" for f in bad)
                lines.append(f"[magenta]WRONG[/magenta] {kind} {_show(g.get(key))}: {escape(diffs)}")
        if lines:
            console.print(f"[bold]── {escape(d)}[/bold]")
            for line in lines:
                console.print("  " + line)
    for w in report["documents"]["wrong"]:
        console.print(f"[magenta]WRONG[/magenta] document {escape(w['doc'][:40])} {w['field']}: "
                      f"gold {escape(repr(w['gold']))} got {escape(repr(w['got']))}")


def _show(x) -> str:
    return escape(" ".join(str(x if x is not None else "").split()))


def _conf(p: dict) -> str:
    c = p.get("confidence")
    return "" if c is None else f" (conf {c:.2f})"
