"""The query verbs as a new user meets them: tables fit 80 columns, every table verb has
--json and the shared filters, bad values are a message and exit 2 (never a traceback),
regions match by short name, `ask ""` and out-of-corpus questions are answered plainly."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from pipeline.cli import app

ROOT = Path(__file__).resolve().parents[1]
TABLE_VERBS = {"documents": [], "targets": [], "projects": [], "responsibilities": [], "deadlines": [],
               "compare": ["亿元GDP生产安全事故死亡率"]}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from pipeline.ingest import ingest_files

    path = tmp_path_factory.mktemp("cli") / "samples.duckdb"
    files = sorted(str(p) for p in (ROOT / "corpus" / "samples").glob("*.txt"))
    assert all(r["status"] == "stored" for r in ingest_files(files, path, embed=False))
    return str(path)


def run(db, *args, columns: int = 80):
    return CliRunner().invoke(app, [*args, "--db", db], env={"COLUMNS": str(columns)})


def widest(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)


# --- widths -----------------------------------------------------------------------------------
@pytest.mark.parametrize("verb", ["documents", "targets"])
def test_columns_80_in_a_real_process(db, verb):
    """The issue's check as written: `COLUMNS=80 cnpolicy documents` and `targets`."""
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", verb, "--db", db], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "COLUMNS": "80"}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("\n") > 3 and widest(out.stdout) <= 80, out.stdout


@pytest.mark.parametrize("columns", [60, 80, 100, 160])
@pytest.mark.parametrize("verb", list(TABLE_VERBS))
def test_tables_fit_the_terminal(db, verb, columns):
    res = run(db, verb, *TABLE_VERBS[verb], columns=columns)
    assert res.exit_code == 0, res.output
    assert widest(res.output) <= columns, res.output


def test_tables_shorten_ids_titles_and_file_names(db):
    res = run(db, "documents")
    full = json.loads(run(db, "documents", "--json").output)
    assert full[0]["doc_id"][:8] in res.output and full[0]["doc_id"] not in res.output
    assert "…" in res.output  # long titles and file names end with an ellipsis
    wide = run(db, "documents", columns=200).output
    assert all(d["title"] in wide for d in full if len(d["title"]) <= 20)


# --- --json and the shared filters ----------------------------------------------------------------
@pytest.mark.parametrize("verb", list(TABLE_VERBS))
def test_every_table_verb_has_json_and_the_shared_filters(db, verb):
    res = run(db, verb, *TABLE_VERBS[verb], "--region", "山东", "--level", "county", "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert isinstance(rows, list)
    assert all(r.get("province") in (None, "山东省") for r in rows)
    assert all(r["admin_level"] in ("county", "district") for r in rows)


def test_region_short_names(db):
    full = json.loads(run(db, "targets", "--region", "四川省", "--json").output)
    for name in ("四川", "遂宁", "遂宁市", "船山"):
        assert json.loads(run(db, "targets", "--region", name, "--json").output) == full, name
    assert full


def test_documents_filters_and_sort(db):
    rows = json.loads(run(db, "documents", "--kind", "plan", "--period", "十四五", "--sort", "targets", "--desc",
                          "--json").output)
    assert rows and all(r["kind"] == "plan" and r["period"] == "2021-2025" for r in rows)
    assert [r["n_targets"] for r in rows] == sorted((r["n_targets"] for r in rows), reverse=True)


def test_projects_investment_filter_is_a_count(db):
    res = run(db, "projects", "--region", "船山区", "--min-investment", "1亿元", "--count")
    assert res.exit_code == 0 and res.output.strip().isdigit()
    assert int(run(db, "projects", "--region", "船山区", "--count").output) > 0


def test_compare_says_which_period(db):
    res = run(db, "compare", "亿元GDP生产安全事故死亡率", columns=120)
    assert res.exit_code == 0 and "2021-2025 (十四五)" in res.output


# --- errors are messages ------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["targets", "--level", "city"], "unknown level 'city'"),
    (["search", "避难", "--level", "town"], "unknown level 'town'"),
    (["documents", "--kind", "novel"], "unknown kind 'novel'"),
    (["targets", "--period", "soon"], "period"),
    (["targets", "--doc", "nosuchdoc"], "no stored document matches 'nosuchdoc'"),
    (["projects", "--min-investment", "lots"], "is not an amount"),
    (["ask", ""], "empty question"),
    (["ask", "   "], "empty question"),
])
def test_bad_values_are_a_message_and_exit_2(db, args, message):
    res = run(db, *args)
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_missing_database_is_a_message(tmp_path):
    res = CliRunner().invoke(app, ["targets", "--db", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 2 and "no such database" in res.output


def test_ask_says_when_the_corpus_does_not_hold_the_answer(db):
    res = run(db, "ask", "成都市的道路交通万车死亡率目标是多少？", "--json")
    answer = json.loads(res.output)
    assert answer["outside_corpus"] and "成都市" in answer["text"]
    res = run(db, "ask", "明天天气怎么样？", "--json")
    assert json.loads(res.output)["outside_corpus"]
    inside = json.loads(run(db, "ask", "哪些县市的人均应急避难场所面积目标是2.5平方米？", "--json").output)
    assert not inside.get("outside_corpus") and inside["regions"] == ["临清市"]


# --- the table fitter on its own ---------------------------------------------------------------
def test_short_file_keeps_start_and_extension_in_cells():
    from pipeline.cli_common import short_file

    assert short_file("000_fc45d8a9daaaf44a.txt", 18) == "000_fc45d…f44a.txt"
    cut = short_file("龙陵县综合防灾减灾规划2016-2020年.docx", 18)
    assert cut.startswith("龙陵") and cut.endswith(".docx") and "…" in cut and cell_len(cut) <= 18


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_wide_characters_never_overflow(width):
    from rich.console import Console

    from pipeline.cli_common import table

    rows = [{"doc_id": "9202bdcfbd7b708c", "title": "龙陵县“十四五”综合防灾减灾救灾规划（2021—2025年）",
             "region": "宁夏回族自治区", "period": "2021-2025", "source_file": "龙陵县综合防灾减灾规划.docx",
             "quote": "城市、县城常住人口人均应急避难场所面积不低于2.5平方米" * 3}] * 3
    cols = [("doc_id", "doc", "id"), ("title", "title", "title"), ("region", "region", "name"),
            ("period", "period", "keep"), ("source_file", "file", "file"), ("quote", "quote", "text")]
    console = Console(width=width, record=True, file=open(os.devnull, "w"))
    console.print(table("3 rows", rows, cols, width=width))
    text = console.export_text()
    assert widest(text) <= width, text
    if width >= 60:  # narrower than that, the widest columns give way too
        assert "9202bdcf" in text and "2021-2025" in text


def test_a_region_no_document_is_about_gets_a_note(db):
    res = run(db, "targets", "--region", "临青市")
    assert res.exit_code == 0 and "no stored document is about '临青市'" in res.output and "临清市" in res.output


# --- a verb imports only what it needs ---------------------------------------------------------
def test_the_verb_table_names_every_registered_verb_and_its_module():
    from pipeline.cli import VERBS

    owners = {(c.name or c.callback.__name__): c.callback.__module__ for c in app.registered_commands}
    assert owners == VERBS


def test_a_search_run_loads_only_its_verb_module():
    """`cnpolicy search` (the console script: argv names the verb) imports neither the other
    verbs, nor the ingest pipeline, nor spaCy; its help still works."""
    code = ("import sys; sys.argv = ['cnpolicy', 'search', '--help']\n"
            "from pipeline.cli import app\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('pipeline.cmd_', 'pipeline.ingest', "
            "'pipeline.process', 'spacy'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "COLUMNS": "100"})
    assert out.returncode == 0, out.stderr
    assert "Find passages by meaning" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "['pipeline.cmd_search']"


def test_help_and_a_misspelt_verb_list_every_verb():
    from pipeline.cli import VERBS

    for args in (["--help"], ["serch", "x"]):
        out = subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, capture_output=True,
                             text=True, env={**os.environ, "COLUMNS": "100"})
        text = out.stdout + out.stderr
        if args == ["--help"]:
            assert out.returncode == 0 and all(verb in text for verb in VERBS), text
        else:
            assert out.returncode == 2 and "Did you mean 'search'" in text, text


def test_plain_option_values_skip_pydantic_and_others_keep_typers_messages(tmp_path):
    """str, int, bool, Path and list[str] options are converted without pydantic (a cold
    search does not import it); a value the direct path does not take, and annotations it
    does not handle, get typer's own coercion and error messages."""
    import typer

    from pipeline.cli_coerce import install

    assert install()
    demo = typer.Typer()
    seen = {}

    @demo.command()
    def go(name: str, k: int = typer.Option(10, "-k"), where: Path = typer.Option("x.db", "--db"),
           tag: list[str] = typer.Option(None, "--tag"), flag: bool = typer.Option(False, "--flag"),
           n: int = typer.Option(None, "-n", min=1), ratio: float = typer.Option(0.5, "--ratio")):
        seen.update(name=name, k=k, where=where, tag=tag, flag=flag, n=n, ratio=ratio)

    res = CliRunner().invoke(demo, ["名字", "-k", "7", "--db", str(tmp_path / "a.db"), "--tag", "a", "--tag", "b",
                                    "--flag", "-n", "3", "--ratio", "0.25"])
    assert res.exit_code == 0, res.output
    assert seen == {"name": "名字", "k": 7, "where": tmp_path / "a.db", "tag": ["a", "b"], "flag": True, "n": 3,
                    "ratio": 0.25}
    assert isinstance(seen["where"], Path)
    for args, message in ((["x", "-k", "abc"], "valid integer"), (["x", "-k", "٣"], "valid integer"),
                          (["x", "-n", "0"], "greater than or equal to 1")):
        res = CliRunner().invoke(demo, args)
        assert res.exit_code == 2 and message in res.output, res.output
    res = CliRunner().invoke(demo, ["x", "-k", "-4"])
    assert res.exit_code == 0 and seen["k"] == -4
    code = ("import sys; sys.argv = ['cnpolicy', 'search', '避难', '--db', sys.argv[1], '-k', '3']\n"
            "from pipeline.cli import app\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print('pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "none.duckdb")], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout + out.stderr


def test_a_search_process_runs_one_blas_thread_unless_told_otherwise():
    """A cold search multiplies one query's rows: the console script asks OpenBLAS for one
    thread before numpy loads (~50 ms CPU less); a value in the environment is kept, and
    other verbs are left alone."""
    code = ("import os, sys; sys.argv = ['cnpolicy', *sys.argv[1:]]\n"
            "from pipeline.cli import app\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print(os.environ.get('OPENBLAS_NUM_THREADS'))")

    def threads(*args, **env):
        base = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
        out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                             env={**base, **env})
        return out.stdout.strip().splitlines()[-1]

    assert threads("search", "--help") == "1"
    assert threads("search", "--help", OPENBLAS_NUM_THREADS="2") == "2"
    assert threads("documents", "--help") == "None"


# --- a plain search line without typer (pipeline.cli_search) -------------------------------------
PLAIN_LINES = [
    ["search", "避难"], ["search", "人均 避难", "-k", "3"], ["search", "-k5", "避难"], ["search", "避难", "--k=7"],
    ["search", "避难", "-r", "临清市", "--region", "山东", "-r宁夏"], ["search", "避难", "--region=温州市"],
    ["search", "避难", "--province", "山东", "--kind", "plan", "--kind", "规划", "--level", "county"],
    ["search", "避难", "--period", "十四五", "--year", "2023", "--mode", "bm25", "--mode", "dense"],
    ["search", "避难", "--json", "--model", "use-m3", "--db", "other.duckdb"], ["search", "--json", "避难", "--json"],
    ["search", "", "--db=x.duckdb"],
]
TYPERS_LINES = [  # help, errors and conversions stay typer's
    ["search", "--help"], ["search", "避难", "--help"], ["search"], ["search", "a", "b"], ["search", "避难", "-k", "abc"],
    ["search", "避难", "-k", "-4"], ["search", "避难", "-k", "٣"], ["search", "避难", "--json=1"], ["search", "避难", "-k"],
    ["search", "避难", "--bogus"], ["search", "避难", "-x"], ["search", "避难", "--", "-k"], ["search", "-", "避难"],
    ["ask", "避难"], ["--help"], [],
]


def _typers_reading(args: list[str], monkeypatch) -> dict:
    from pipeline import cli_search

    seen = {}
    monkeypatch.setattr(cli_search, "run", lambda query, **kw: seen.update(query=query, **kw))
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return seen


@pytest.mark.parametrize("env", [{}, {"CNPOLICY_DB": "env.duckdb", "CNPOLICY_EMBED_MODEL": "e5-small-q4"},
                                 {"CNPOLICY_DB": ""}])
def test_a_plain_search_line_reads_as_typer_reads_it(env, monkeypatch):
    from pipeline.cli_search import parse

    for name in ("CNPOLICY_DB", "CNPOLICY_EMBED_MODEL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for args in PLAIN_LINES:
        assert parse(args) == _typers_reading(args, monkeypatch), args
    for args in TYPERS_LINES:
        assert parse(args) is None, args


def test_the_plain_reading_knows_every_option_of_the_search_verb():
    """The flags, envvars and defaults pipeline.cli_search reads are exactly those the typer
    command declares."""
    from typer.main import get_command

    from pipeline import cli_search

    command = get_command(app).commands["search"]
    declared = {flag: p.name for p in command.params for flag in p.opts}
    assert declared.pop("query") == "query"
    assert declared == {**cli_search.OPTIONS, **cli_search.FLAGS}
    assert {p.name: p.envvar for p in command.params if p.envvar} == cli_search.ENVVARS
    # and the same defaults (a line that gives an option reads it; one that does not, these)
    assert {p.name: p.default for p in command.params if p.name != "query"} == cli_search.DEFAULTS


def test_a_plain_search_runs_without_typer_and_prints_what_typer_prints(db):
    code = ("import sys; sys.argv = ['cnpolicy', *sys.argv[1:]]\n"
            "from pipeline.cli import main\n"
            "code = main()\n"
            "print('typer' in sys.modules, code, file=sys.stderr)")
    for extra in (["--json"], []):
        args = ["search", "应急避难场所", "-k", "3", "--db", db, *extra]
        out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "COLUMNS": "80"})
        assert out.stderr.strip().splitlines()[-1] == "False 0", out.stderr
        typers = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
        assert typers.exit_code == 0 and out.stdout == typers.output and out.stdout.strip()
    bad = subprocess.run([sys.executable, "-m", "pipeline.cli", "search", "避难", "--db", db, "--level", "town"],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown level 'town'" in bad.stderr and "Traceback" not in bad.stderr


def test_search_panels_show_titles_and_sections_as_they_are(capsys, monkeypatch):
    """Document strings are not rich markup: a file name with brackets, a closing tag or an
    emoji code prints literally (it raised MarkupError, or lost its brackets)."""
    from pipeline.cli_search import print_results

    monkeypatch.setenv("COLUMNS", "120")
    hit = {"region": "山东省", "title": None, "source_file": "通知[2021]12号 a[/b]c :fire:.pdf", "page": 3,
           "section_path": "一、[red]总则", "score": 0.0164, "text": "人均避难场所面积", "highlights": ["避难"]}
    print_results([hit], "x")
    out = capsys.readouterr().out
    assert "通知[2021]12号 a[/b]c :fire:.pdf" in out and "一、[red]总则 · p.3 · score 0.0164" in out
    print_results([], "[b]避难")
    assert "no passage matches [b]避难" in capsys.readouterr().out
