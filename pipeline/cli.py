"""`cnpolicy` — the command line.  Verbs read like sentences:

    cnpolicy ingest corpus/samples          # files and folders → cnpolicy.duckdb
    cnpolicy documents                      # what is stored
    cnpolicy targets --indicator 避难场所     # structured queries
    cnpolicy ask "哪些县的人均应急避难场所面积目标是2.5平方米？"

Each verb lives in its own module and registers itself on ``app``; heavy libraries are
imported inside the verbs so that `cnpolicy --help` starts fast.
"""
from __future__ import annotations

import typer

app = typer.Typer(
    name="cnpolicy",
    help="Ingest Chinese policy plans into DuckDB, extract targets/projects/responsibilities/"
    "deadlines with citations, search, compare, ask and diff.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

DB_OPTION = typer.Option("cnpolicy.duckdb", "--db", help="DuckDB database file.", envvar="CNPOLICY_DB")


def _register() -> None:
    """Import the verb modules; each adds its commands to ``app``."""
    import importlib

    for module in ("pipeline.cmd_ingest", "pipeline.cmd_reindex", "pipeline.cmd_eval", "pipeline.cmd_export",
                   "pipeline.cmd_query", "pipeline.cmd_search", "pipeline.cmd_ask", "pipeline.cmd_diff",
                   "pipeline.cmd_serve"):
        importlib.import_module(module)


_register()

if __name__ == "__main__":  # `python -m pipeline.cli`: verbs registered on the imported module's app
    from pipeline.cli import app as registered

    registered()
