"""The Typer app of `cnpolicy` (``pipeline.cli.app``), made when something first asks for it:
a verb module registering itself, `--help`, the tests.  ``pipeline.cli`` keeps the verb table
and the entry point, which a plain search line passes through without loading typer."""
from __future__ import annotations

import importlib
import sys

import typer

from pipeline.cli import MODULES, modules_for, one_blas_thread_for
from pipeline.cli_coerce import install as _plain_option_values

_plain_option_values()  # option values without pydantic where typer's coercion is not needed


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
            one_blas_thread_for(sys.argv[1:])
        return super().__call__(*args, **kwargs)


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
