"""`cnpolicy search`: hybrid passage search with the matched words highlighted.

The options as typer reads them; the work is ``pipeline.cli_search.run`` (which
``pipeline.cli.main`` also runs for a plain command line without loading typer)."""
from __future__ import annotations

from pathlib import Path

import typer

from pipeline import cli_common as c
from pipeline.cli import DB_OPTION, app


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
    from pipeline import cli_search

    cli_search.run(query, k=k, region=region, province=province, level=level, kind=kind, period=period, year=year,
                   mode=mode, model=model, as_json=as_json, db=db)
