"""`cnpolicy ask`: a Chinese question answered from the tables (else passages), with citations."""
from __future__ import annotations

from pathlib import Path

import typer

from pipeline import cli_common as c
from pipeline.cli import DB_OPTION, app


@app.command()
def ask(
    question: str = typer.Argument(..., help="A question in Chinese."),
    as_json: bool = c.JSON_OPTION,
    db: Path = DB_OPTION,
) -> None:
    """Answer a question from the tables (else passages), citing each source; says when the corpus lacks it.

    Example: [bold]cnpolicy ask "哪些县市的人均应急避难场所面积目标是2.5平方米？"[/bold]
    """
    from queries.ask import AskError, ask as answer

    with c.reading(db) as con:
        try:
            result = answer(con, question)
        except AskError as e:
            c.fail(str(e))
    if as_json:
        return c.print_json(result)
    c.console.print(f"[bold]{result['text']}[/bold]", highlight=False)
    rows = result["rows"] or result.get("passages") or []
    if not rows:
        return
    if result.get("outside_corpus") or result["rows"] == []:
        c.console.print("[dim]Nearest passages (context, not an answer):[/dim]")
    elif result["answer_type"] == "passages":
        c.console.print("[dim](no structured answer: best matching passages)[/dim]")
    quote_key = "quote" if rows and "quote" in rows[0] else "text"
    c.print_table("citations", rows[:30], [
        ("region", "region", "name"), ("doc_id", "doc", "id"), ("section_path", "section", "title"),
        ("page", "p.", ""), (quote_key, "quote", "text")])
