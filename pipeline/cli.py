"""`cnpolicy` — the command line.  Verbs read like sentences:

    cnpolicy ingest corpus/samples          # files and folders → cnpolicy.duckdb
    cnpolicy documents                      # what is stored
    cnpolicy targets --indicator 避难场所     # structured queries
    cnpolicy ask "哪些县的人均应急避难场所面积目标是2.5平方米？"

Each verb lives in its own module (``VERBS``) and registers itself on ``app``.  A run of
one verb imports only that verb's module (a cold `cnpolicy search` does not load the ingest
pipeline, the extractors or the web server); `--help`, an unknown verb and anything that
reads ``app.registered_commands`` (the tests, typer's CliRunner) load every verb.

``main`` is the entry point (the console script, `python -m pipeline.cli`).  A plain search
line runs without typer (``pipeline.cli_search``: typer's import and command building were
~0.1 s of a cold search); the Typer ``app`` (``pipeline.cli_app``) is made on first use.
"""
from __future__ import annotations

import os
import sys

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


def one_blas_thread_for(argv: list[str]) -> None:
    """One OpenBLAS thread for a query verb's process, unless the environment says otherwise
    (read when numpy loads, which the console script has not done yet)."""
    verb = next((a for a in argv if not a.startswith("-")), None)
    if verb in ONE_BLAS_THREAD and "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main():
    """The console script and `python -m pipeline.cli`: a plain search line
    (``pipeline.cli_search.parse``) runs without typer, everything else through ``app``."""
    argv = sys.argv[1:]
    one_blas_thread_for(argv)
    from pipeline import cli_search

    params = cli_search.parse(argv)
    if params is not None:
        return cli_search.main(params)
    from pipeline.cli import app  # (the module's own, also when this file runs as __main__)

    return app()


def __getattr__(name: str):
    """``app`` and ``DB_OPTION``, made with typer on first use (``pipeline.cli_app``)."""
    if name in ("app", "DB_OPTION"):
        from pipeline import cli_app

        return getattr(cli_app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":  # `python -m pipeline.cli`
    sys.exit(main())
