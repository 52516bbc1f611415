"""`cnpolicy` — the command line.  Verbs read like sentences:

    cnpolicy ingest corpus/samples          # files and folders → cnpolicy.duckdb
    cnpolicy documents                      # what is stored
    cnpolicy targets --indicator 避难场所     # structured queries
    cnpolicy ask "哪些县的人均应急避难场所面积目标是2.5平方米？"

Each verb lives in its own module (``VERBS``) and registers itself on ``app``.  A run of
one verb imports only that verb's module (a cold `cnpolicy search` does not load the ingest
pipeline, the extractors or the web server); `--help`, an unknown verb and anything that
reads ``app.registered_commands`` (the tests, typer's CliRunner) load every verb.
"""
from __future__ import annotations

import importlib
import os
import sys

import typer

from pipeline.cli_coerce import install as _plain_option_values

_plain_option_values()  # option values without pydantic where typer's coercion is not needed

# verb → the module that registers it (tests/test_cli.py checks this against the modules)
VERBS = {
    "ingest": "pipeline.cmd_ingest", "reindex": "pipeline.cmd_reindex", "eval": "pipeline.cmd_eval",
    "export": "pipeline.cmd_export", "documents": "pipeline.cmd_query", "targets": "pipeline.cmd_query",
    "projects": "pipeline.cmd_query", "responsibilities": "pipeline.cmd_query",
    "deadlines": "pipeline.cmd_query", "compare": "pipeline.cmd_query", "search": "pipeline.cmd_search",
    "ask": "pipeline.cmd_ask", "diff": "pipeline.cmd_diff", "serve": "pipeline.cmd_serve",
}
MODULES = tuple(dict.fromkeys(VERBS.values()))  # in the order `--help` lists the verbs
# Verbs whose numpy products are one query's few rows: OpenBLAS starting a thread per core costs
# ~50 ms CPU of a cold `search` (and its threads spin after each product) for no gain there.
ONE_BLAS_THREAD = ("search",)


def modules_for(argv: list[str]) -> tuple[str, ...]:
    """The verb modules a command line needs: its verb's, or all of them (no verb, --help,
    a misspelt verb: the message lists every verb)."""
    verb = next((a for a in argv if not a.startswith("-")), None)
    return (VERBS[verb],) if verb in VERBS else MODULES


class _VerbsOnDemand(typer.Typer):
    """A Typer app whose verb modules are imported when its commands are first read."""

    def __init__(self, **options) -> None:
        self._only: tuple[str, ...] = MODULES
        self._loading = False
        super().__init__(**options)

    @property
    def registered_commands(self) -> list:
        if not self._loading:  # the verb modules' own @app.command() calls land in the list
            self._loading = True
            try:
                for module in self._only:
                    importlib.import_module(module)
            finally:
                self._loading = False
        return self._commands

    @registered_commands.setter
    def registered_commands(self, commands: list) -> None:
        self._commands = commands

    def __call__(self, *args, **kwargs):
        if not args and "args" not in kwargs:  # the console script: sys.argv names the verb
            self._only = modules_for(sys.argv[1:])
            _one_blas_thread_for(sys.argv[1:])
        return super().__call__(*args, **kwargs)


def _one_blas_thread_for(argv: list[str]) -> None:
    """One OpenBLAS thread for a query verb's process, unless the environment says otherwise
    (read when numpy loads, which the console script has not done yet)."""
    verb = next((a for a in argv if not a.startswith("-")), None)
    if verb in ONE_BLAS_THREAD and "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


app = _VerbsOnDemand(
    name="cnpolicy",
    help="Ingest Chinese policy plans into DuckDB, extract targets/projects/responsibilities/"
    "deadlines with citations, search, compare, ask and diff.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


@app.callback()
def _group() -> None:
    # A callback keeps `cnpolicy VERB` a group of verbs when only one verb is loaded (typer
    # runs an app of one command as that command).
    pass


DB_OPTION = typer.Option("cnpolicy.duckdb", "--db", help="DuckDB database file.", envvar="CNPOLICY_DB")

if __name__ == "__main__":  # `python -m pipeline.cli`: run the app of the imported module
    from pipeline.cli import app as registered

    registered()
