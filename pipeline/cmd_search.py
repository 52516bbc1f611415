"""`cnpolicy search`: hybrid passage search with the matched words highlighted."""
from __future__ import annotations

from pathlib import Path

import typer

from pipeline import cli_common as c
from pipeline.cli import DB_OPTION, app

PASSAGE_CHARS = 300


def _passage(text: str, words: list[str]):
    """A rich Text of the passage (whitespace folded, cut near the first match) with matches in bold."""
    from rich.text import Text

    from queries.search import split_highlights

    text = " ".join(text.split())
    first = min((i for i in (text.find(w) for w in words) if i >= 0), default=0)
    start = max(0, first - PASSAGE_CHARS // 3)
    shown = ("…" if start else "") + text[start:start + PASSAGE_CHARS] + ("…" if start + PASSAGE_CHARS < len(text) else "")
    out = Text()
    for piece, hit in split_highlights(shown, words):
        out.append(piece, style="bold black on yellow" if hit else None)
    return out


def _print(results: list[dict], query: str) -> None:
    from rich.console import Console
    from rich.panel import Panel

    console = Console()
    if not results:
        console.print(f"no passage matches [bold]{query}[/bold]")
        return
    for i, r in enumerate(results, 1):
        where = " · ".join(str(x) for x in (r["region"], r["title"] or r["source_file"]) if x)
        page = f" · p.{r['page']}" if r.get("page") else ""
        subtitle = f"{r['section_path'] or '(no section)'}{page} · score {r['score']:.4f}"
        console.print(Panel(_passage(r["text"] or "", r["highlights"]), title=f"[bold]{i}. {where}[/bold]",
                            title_align="left", subtitle=subtitle, subtitle_align="left"))


@app.command("search")
def search_cmd(
    query: str = typer.Argument(..., help="Words or a question in Chinese."),
    k: int = typer.Option(10, "-k", "--k", help="How many passages."),
    region: list[str] = c.REGION, province: list[str] = c.PROVINCE, level: str = c.LEVEL, kind: list[str] = c.KIND,
    period: str = c.PERIOD,
    year: int = typer.Option(None, "--year", help="Only plans whose period covers this year."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid (BM25 + embeddings, fused) | bm25 | dense."),
    model: str = typer.Option(None, "--model", help="Embedding model: use-m3, or a local "
                              "sentence-transformers folder (default: the one the database was built with).",
                              envvar="CNPOLICY_EMBED_MODEL"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of panels."),
    db: Path = DB_OPTION,
) -> None:
    """Find passages by meaning and by words: region, document, section path, page, highlighted text.

    Example: [bold]cnpolicy search "人均避难场所面积" --region 临清市 -k 5[/bold]
    """
    from queries.search import SearchError, search

    f = c.filters(region=region, province=province, level=level, kind=kind, period=period, year=year)
    with c.reading(db) as con:
        try:
            results = search(con, query, k=k, mode=mode, model=model, filters=f)
        except SearchError as e:
            c.fail(str(e))
    if as_json:
        c.print_json(results)
    else:
        _print(results, query)
