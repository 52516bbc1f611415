"""`cnpolicy search`'s work, and its command line read without typer.

``run`` is the verb: the typer command (``pipeline.cmd_search``) calls it, and so does
``pipeline.cli.main`` for a plain command line (``search QUERY`` and the verb's own options),
which ``parse`` reads exactly as typer would; importing typer and building its command cost
~0.1 s of a cold search (typer's import, and the kinds vocabulary its --kind help text reads).
Any line ``parse`` is not sure of (``--help``, an unknown option, a value typer would refuse
or convert, a second query word) is left to typer, so help and every error read as before.
``tests/test_cli.py`` checks that both readings give the same parameters.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

PASSAGE_CHARS = 300
VERB = "search"

# flag → parameter of ``run`` (what pipeline.cmd_search declares to typer)
OPTIONS = {"-k": "k", "--k": "k", "-r": "region", "--region": "region", "--province": "province",
           "--level": "level", "--kind": "kind", "--period": "period", "--year": "year", "--mode": "mode",
           "--model": "model", "--db": "db"}
FLAGS = {"--json": "as_json"}
MANY = ("region", "province", "kind")  # repeatable: a list, None when not given
INTEGERS = ("k", "year")
DEFAULTS = {"k": 10, "region": None, "province": None, "level": None, "kind": None, "period": None, "year": None,
            "mode": "hybrid", "model": None, "as_json": False, "db": "cnpolicy.duckdb"}
ENVVARS = {"db": "CNPOLICY_DB", "model": "CNPOLICY_EMBED_MODEL"}  # an empty value counts as unset, as in click


class _Typers(Exception):
    """This command line is for typer to read."""


def parse(argv: list[str]) -> dict | None:
    """``run``'s parameters from ``argv`` (the words after the program name), or None when
    the line is not a plain search typer would accept as it is."""
    if not argv or argv[0] != VERB or any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None  # (a shell-completion request is typer's too)
    try:
        given, query = _read(argv[1:])
    except _Typers:
        return None
    if query is None:
        return None
    params = dict(DEFAULTS)
    for name, env in ENVVARS.items():
        params[name] = os.environ.get(env) or params[name]
    params.update(given)
    params["db"] = Path(params["db"])
    return {"query": query, **params}


def _read(words: list[str]) -> tuple[dict, str | None]:
    given: dict = {}
    query = None
    i = 0
    while i < len(words):
        word = words[i]
        if word in FLAGS:
            given[FLAGS[word]] = True
        elif word.startswith("--"):
            flag, eq, value = word.partition("=")
            if flag not in OPTIONS:
                raise _Typers  # --help, a misspelt option, --json=…, "--"
            if not eq:
                i, value = i + 1, _next(words, i + 1)
            _take(given, OPTIONS[flag], value)
        elif word.startswith("-"):
            flag, value = word[:2], word[2:]  # -k 5, -k5, -r 临清市, -r临清市
            if flag not in OPTIONS:
                raise _Typers
            if not value:
                i, value = i + 1, _next(words, i + 1)
            _take(given, OPTIONS[flag], value)
        elif query is None:
            query = word
        else:
            raise _Typers  # a second argument: typer's message
        i += 1
    return given, query


def _next(words: list[str], i: int) -> str:
    if i >= len(words) or words[i].startswith("-"):
        raise _Typers  # a missing value, or one that looks like an option
    return words[i]


def _take(given: dict, name: str, value: str) -> None:
    if name in INTEGERS:
        if not (value.isascii() and value.isdigit()):
            raise _Typers  # typer converts or refuses it, with its own message
        value = int(value)
    if name in MANY:
        given.setdefault(name, []).append(value)
    else:
        given[name] = value  # a repeated option: the last one counts, as in click


def main(params: dict) -> int:
    """Run a search read by ``parse``, with the exit statuses typer gives."""
    try:
        run(**params)
    except KeyboardInterrupt:
        print("\nAborted.", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `cnpolicy search … | head`: stop quietly
        sys.stdout = open(os.devnull, "w")
        return 1
    return 0


# --- the verb ------------------------------------------------------------------------------------
def run(query: str, k: int = 10, region: list[str] | None = None, province: list[str] | None = None,
        level: str | None = None, kind: list[str] | None = None, period: str | None = None, year: int | None = None,
        mode: str = "hybrid", model: str | None = None, as_json: bool = False, db: Path = Path("cnpolicy.duckdb")) -> None:
    """Search and print the passages (panels, or JSON)."""
    from pipeline import cli_common as c
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
        print_results(results, query)


def passage(text: str, words: list[str]):
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


def print_results(results: list[dict], query: str) -> None:
    """Panels; titles, section paths and the query are shown as they are (rich Text, never read
    as markup or emoji codes: a file name with "[/b]" raised MarkupError, ":fire:" became 🔥)."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    console = Console()
    if not results:
        console.print(Text.assemble("no passage matches ", (query, "bold")))
        return
    for i, r in enumerate(results, 1):
        where = " · ".join(str(x) for x in (r["region"], r["title"] or r["source_file"]) if x)
        page = f" · p.{r['page']}" if r.get("page") else ""
        subtitle = f"{r['section_path'] or '(no section)'}{page} · score {r['score']:.4f}"
        console.print(Panel(passage(r["text"] or "", r["highlights"]), title=Text.assemble((f"{i}. {where}", "bold")),
                            title_align="left", subtitle=Text(subtitle), subtitle_align="left"))
