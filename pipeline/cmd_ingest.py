"""`cnpolicy ingest` (the `documents` listing lives in pipeline/cmd_query.py)."""
from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli import DB_OPTION, app


class _LazyConsole:
    """A rich Console made when first used: importing rich before a one-file ingest's worker
    starts would delay the worker (~0.08 s); ``load`` makes it while the worker runs."""

    def __init__(self, **options) -> None:
        self._options, self._console = options, None

    def load(self):
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def reset(self) -> None:
        """Forget the console: the next use reads the terminal's width (and $COLUMNS) anew."""
        self._console = None

    def __getattr__(self, name: str):
        return getattr(self.load(), name)


console = _LazyConsole()
err = _LazyConsole(stderr=True, soft_wrap=True)  # error lines must stay whole for grep and logs


def _load_consoles() -> None:
    console.load()
    err.load()


def expand_paths(paths: list[Path]) -> tuple[list[str], list[str]]:
    """Files named directly, plus supported files found under folders (sorted).
    Returns (files, notes about skipped files)."""
    from corpus.loaders import SUPPORTED

    files: list[str] = []
    skipped = 0
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not f.name.startswith("."):
                    if f.suffix.lower() in SUPPORTED:
                        files.append(str(f))
                    else:
                        skipped += 1
        else:
            files.append(str(p))  # missing or unsupported files are reported by the loader
    notes = [f"skipped {skipped} file(s) of unsupported types inside folders"] if skipped else []
    return files, notes


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files (PDF, DOCX, HTML, TXT) and folders to ingest."),
    db: Path = DB_OPTION,
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Documents processed in parallel (processes)."),
    force: bool = typer.Option(False, "--force", help="Re-process documents already stored (same content)."),
    extract: bool = typer.Option(True, "--extract/--no-extract", help="Run the extractors (targets, projects, …)."),
    embed: bool = typer.Option(True, "--embed/--no-embed", help="Compute chunk embeddings for semantic search."),
    model: str = typer.Option(None, "--model", envvar="CNPOLICY_EMBED_MODEL",
                              help="Embedding model: use-m3 (default) or a local sentence-transformers folder."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No per-file report."),
    ocr: str = typer.Option(None, "--ocr", envvar="CNPOLICY_OCR",
                            help="OCR of PDF pages without a usable text layer: auto (default), always, never."),
    engine: str = typer.Option("pool", "--engine", help="pool (processes on this machine) or ray "
                               "(Ray tasks: local, or the cluster at --address; pip install 'cnpolicy[ray]')."),
    address: str = typer.Option(None, "--address", help="Ray cluster address (e.g. ray://head:10001); "
                                "default: start Ray locally."),
) -> None:
    """Ingest files and folders: load → normalise → sections → metadata → chunks → extract → store.

    Documents are keyed by the hash of their bytes: ingesting the same file again is a
    no-op.  A bad file is reported by name with the reason; the rest of the batch is
    stored and the exit code is 1.  Example: [bold]cnpolicy ingest corpus/samples[/bold]
    """
    import os

    from pipeline.ingest import ingest_files

    console.reset()  # each run sizes its output to the terminal it has now
    err.reset()

    if model:  # worker processes inherit the environment, so they embed with the same model
        from index.embedders import EmbedderError, check_spec

        try:
            check_spec(model)
        except EmbedderError as e:
            err.print(f"[red]error:[/red] {e}")
            raise typer.Exit(2)
        os.environ["CNPOLICY_EMBED_MODEL"] = model
    if ocr:  # pool workers inherit the environment, so every loader uses the same mode
        if ocr.lower() not in ("auto", "always", "never"):
            err.print(f"[red]error:[/red] --ocr must be auto, always or never (got '{ocr}')")
            raise typer.Exit(2)
        os.environ["CNPOLICY_OCR"] = ocr.lower()
    if engine not in ("pool", "ray"):
        err.print(f"[red]error:[/red] --engine must be pool or ray (got '{engine}')")
        raise typer.Exit(2)
    if not quiet:
        os.environ["CNPOLICY_PROGRESS"] = "1"  # a per-page bar on stderr while a PDF is OCR'd
    files, notes = expand_paths(paths)
    for n in notes:
        err.print(f"[yellow]note:[/yellow] {n}")
    if not files:
        err.print("[red]error:[/red] no files to ingest")
        raise typer.Exit(2)
    try:
        report = ingest_files(files, db, workers=workers, force=force, extract=extract, embed=embed,
                              progress=not quiet, model=model, engine=engine, address=address,
                              meanwhile=_load_consoles)
    except Exception as e:  # the database itself failed: say so plainly
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2)
    if not quiet:
        print_report(report)
    failed = [r for r in report if r["status"] == "error"]
    stored = sum(r["status"] == "stored" for r in report)
    console.print(f"{stored} stored, {sum(r['status'] == 'unchanged' for r in report)} unchanged, "
                  f"{len(failed)} failed → {db}")
    if failed:
        for r in failed:
            err.print(f"[red]error:[/red] {r['file']}: {r['reason']}")
        raise typer.Exit(1)


def print_report(report: list[dict]) -> None:
    from rich.table import Table

    table = Table(title="Ingest report", show_lines=False)
    for col in ("file", "status", "region", "kind", "sections", "targets", "seconds"):
        table.add_column(col, overflow="fold")
    colors = {"stored": "green", "unchanged": "cyan", "error": "red", "duplicate": "yellow"}
    for r in report:
        status = r["status"] if r["status"] != "error" else f"error: {r['reason']}"
        table.add_row(Path(r["file"]).name, f"[{colors.get(r['status'], 'white')}]{status}[/]",
                      r.get("region") or "", r.get("kind") or "", str(r.get("sections", "")),
                      str(r.get("targets", "")), f"{r.get('seconds', 0):.2f}")
    console.print(table)
    print_warnings(report)


def print_warnings(report: list[dict]) -> None:
    """Each file's warnings (bytes repaired, PDF pages skipped, extraction notes) under its
    name, one per line, indented and wrapped to the terminal so 80 columns stay readable."""
    from rich.markup import escape
    from rich.padding import Padding

    noted = [r for r in report if r.get("warnings")]
    if not noted:
        return
    console.print(f"[yellow]warnings[/yellow] ({sum(len(r['warnings']) for r in noted)} in {len(noted)} file(s)):")
    for r in noted:
        console.print(Padding(f"[bold]{escape(Path(r['file']).name)}[/bold]", (0, 0, 0, 2), expand=False))
        for w in r["warnings"]:
            console.print(Padding(f"- {escape(str(w))}", (0, 0, 0, 4), expand=False))

