"""What every query verb shares: the filter options, error handling and tables that fit
the terminal (COLUMNS=80 → no line over 80: short ids, titles and file names cut with an
ellipsis, one line per row except the quote)."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich loads when a table or a console is first used
    from rich.table import Table


class _Lazy:
    """A rich Console made when first used in a command, so it reads COLUMNS and the
    streams of that run (not of the import)."""

    def __init__(self, **options):
        self.options = options

    def __getattr__(self, name):
        from rich.console import Console  # imported here: a --json run never loads rich

        return getattr(Console(**self.options), name)


console = _Lazy()
err = _Lazy(stderr=True, soft_wrap=True)  # error lines stay whole

def _options() -> dict:
    """The shared typer options (made once, when a verb module first asks for one: a plain
    search runs without typer, and --kind's help reads the kinds vocabulary)."""
    import typer

    from queries.filters import KIND_HELP, LEVEL_HELP

    return {
        "JSON_OPTION": typer.Option(False, "--json", help="Print JSON (every field, nothing cut) instead of a table."),
        "REGION": typer.Option(None, "--region", "-r", help="Region, full or short name (宁夏, 内蒙古, 温州市); repeatable."),
        "PROVINCE": typer.Option(None, "--province", help="Province, full or short name (山东, 广西); repeatable."),
        "LEVEL": typer.Option(None, "--level", help=LEVEL_HELP),
        "KIND": typer.Option(None, "--kind", help=f"Document kind: {KIND_HELP} (or its label: 规划, 行动方案 …); repeatable."),
        "PERIOD": typer.Option(None, "--period", help="Plan period: 十四五, 14五 or 2021-2025."),
        "YEAR": typer.Option(None, "--year", help="Year (a fact's own year; for documents: the period covers it)."),
        "ATTRIBUTE": typer.Option(None, "--attribute", help="约束性 (binding) | 预期性 (expected)."),
        "MIN_CONFIDENCE": typer.Option(None, "--min-confidence", help="Keep facts at or above this confidence "
                                       "(default 0.5)."),
        "ALL": typer.Option(False, "--all", help="Include every fact, however unsure (same as --min-confidence 0)."),
        "DOC": typer.Option(None, "--doc", help="One document: id, unique id prefix or file name."),
        "LIMIT": typer.Option(None, "--limit", "-n", min=1, help="At most this many rows."),
    }


OPTION_NAMES = ("JSON_OPTION", "REGION", "PROVINCE", "LEVEL", "KIND", "PERIOD", "YEAR", "ATTRIBUTE", "MIN_CONFIDENCE",
                "ALL", "DOC", "LIMIT")


def __getattr__(name: str):
    if name in OPTION_NAMES:
        made = _options()
        globals().update(made)  # one object per option, whoever asks
        return made[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fail(message: str, code: int = 2):
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    raise _exit(code)


def _exit(code: int) -> BaseException:
    """typer's Exit inside a typer command; SystemExit where typer is not loaded (a plain
    search, ``pipeline.cli_search``): the process ends with the same status either way."""
    typer = sys.modules.get("typer")
    return typer.Exit(code) if typer is not None else SystemExit(code)


@contextmanager
def reading(db: Path):
    """A read-only connection; any bad parameter or missing document becomes a message and
    exit status 2, never a traceback."""
    from pipeline.store import StoreError, connect
    from queries.filters import FilterError, NotFound

    try:
        con = connect(db, read_only=True)
    except StoreError as e:
        fail(str(e))
    try:
        yield con
    except (FilterError, NotFound) as e:
        fail(str(e).strip("'\""))
    finally:
        con.close()


def filters(**raw):
    """The shared ``Filters`` from the options (a bad value: message, exit 2)."""
    from queries.filters import FilterError, Filters

    try:
        return Filters.parse(**raw)
    except FilterError as e:
        fail(str(e))


def hint_unknown_regions(con, f, rows: list) -> None:
    """When nothing matches, say on stderr which asked regions no document is about."""
    from queries.filters import region_notes

    for note in ([] if rows else region_notes(con, f)):
        err.print(f"[yellow]note:[/yellow] {note}", highlight=False)


def print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


# --- tables that fit ---------------------------------------------------------------------------
def short_id(doc_id: str | None) -> str:
    return (doc_id or "")[:8]


def _cells_from_end(text: str, n: int) -> str:
    """The end of ``text`` that fits ``n`` terminal cells."""
    from rich.cells import set_cell_size

    return set_cell_size(text[::-1], n)[::-1].strip() if n > 0 else ""


def short_file(name: str | None, n: int = 18) -> str:
    """A file name cut in the middle to ``n`` terminal cells, keeping its start and its
    extension: 000_fc45…f44a.txt (wide characters count two cells)."""
    from rich.cells import cell_len, set_cell_size

    name = name or ""
    if cell_len(name) <= n:
        return name
    stem, dot, ext = name.rpartition(".")
    tail = (dot + ext) if dot and len(ext) <= 5 else ""
    head = stem if tail else name
    budget = max(1, n - cell_len(tail) - 1)
    back = budget // 3
    front = set_cell_size(head, budget - back).rstrip()
    return f"{front}…{_cells_from_end(head, back)}{tail}"


def cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "、".join(map(str, v))
    return " ".join(str(v).split())


# Column kinds: the widest a column may be, the narrowest it is squeezed to, and in which
# order columns give up width when the terminal is narrow (text first, ids never).
KEEP = 10 ** 6  # "keep": short fixed-form values (periods, levels, numbers) are never cut
CAPS = {"keep": KEEP, "id": 8, "file": 18, "title": 28, "name": 18, "text": 60, "": 14}
FLOORS = {"keep": KEEP, "id": 8, "file": 12, "title": 12, "name": 6, "text": 16, "": 4}
SQUEEZE = {"caps": ("text", "file", "title", "name", ""), "floors": ("text", "file", "name", "", "title")}
TEXT_LINES = 3  # a quote wraps to at most this many lines


def _widths(rows: list[list[str]], labels: list[str], kinds: list[str], width: int) -> list[int]:
    """Column widths within ``width``: each column's natural width; when that is too wide,
    columns shrink to their kind's cap, then towards its floor, in SQUEEZE order."""
    from rich.cells import cell_len

    widths = [max([cell_len(lab)] + [cell_len(r[i]) for r in rows]) for i, lab in enumerate(labels)]
    room = width - (len(widths) - 1)  # one space between columns
    for limits, order in ((CAPS, SQUEEZE["caps"]), (FLOORS, SQUEEZE["floors"])):
        for kind in order:
            for i, k in enumerate(kinds):
                excess = sum(widths) - room
                if excess <= 0:
                    return widths
                if k == kind and widths[i] > limits[k]:
                    widths[i] -= min(excess, widths[i] - max(limits[k], min(FLOORS[k], cell_len(labels[i]))))
    while sum(widths) > room and max(widths) > 1:  # a very narrow terminal: cut the widest
        widths[widths.index(max(widths))] -= 1
    return widths


def _fit(text: str, width: int, lines: int = 1) -> str:
    """``text`` within ``lines`` lines of ``width`` cells, with an ellipsis when cut."""
    from rich.cells import cell_len, set_cell_size

    limit = width * lines
    if cell_len(text) <= limit:
        return text
    return set_cell_size(text, limit - 1).rstrip() + "…"


def short_value(kind: str, v) -> str:
    return short_id(v) if kind == "id" else cell(v)


def _shaped(text: str, kind: str, width: int) -> str:
    if kind == "file":
        return short_file(text, width)
    return _fit(text, width, TEXT_LINES if kind == "text" else 1)


def table(title: str, rows: list[dict], columns: list[tuple[str, str, str]], width: int | None = None) -> Table:
    """A table of ``rows`` that fits ``width`` (the terminal's): columns (key, label, kind),
    those empty in every row left out; one line per row except ``text`` columns, which wrap
    to a few lines; anything cut ends with an ellipsis."""
    from rich.table import Table

    width = width or console.width
    shown = [c for c in columns if any(r.get(c[0]) not in (None, "", []) for r in rows)] or columns
    kinds = [k if k in CAPS else "" for _, _, k in shown]
    labels = [label for _, label, _ in shown]
    cells = [[short_value(k, r.get(key)) for (key, _, _), k in zip(shown, kinds)] for r in rows]
    widths = _widths(cells, labels, kinds, width)
    t = Table(title=_fit(title, width), title_justify="left", box=None, padding=(0, 1, 0, 0), pad_edge=False,
              header_style="bold", show_edge=False)
    for label, kind, w in zip(labels, kinds, widths):
        t.add_column(_fit(label, w), width=w, no_wrap=kind != "text", overflow="fold" if kind == "text" else "crop")
    for row in cells:
        t.add_row(*[_shaped(v, k, w) for v, w, k in zip(row, widths, kinds)])
    return t


def print_table(title: str, rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    if not rows:
        return console.print(f"{title} match", highlight=False)
    console.print(table(title, rows, columns), crop=True, highlight=False)
