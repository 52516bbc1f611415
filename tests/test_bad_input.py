"""Bad files in a batch: each is reported by name with its reason, the good files are
stored, the CLI exits non-zero, and what the database already held is untouched."""
import re
import shutil
from pathlib import Path

import duckdb

from pipeline.schema import TABLES
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from corpus.model import LoadError
from pipeline.ingest import ingest_files
from tests.test_queries import con  # noqa: F401 — the hand-made database fixture

FIX = Path("tests/fixtures")
SEEDS = sorted(Path("corpus/samples").glob("*.txt"))

BAD = {  # fixture -> words the reason must contain
    "corrupt.pdf": "not a valid PDF",
    "encrypted.pdf": "encrypted PDF (password required)",
    "scanned.pdf": "no text layer (scanned/image-only PDF)",  # OCR is tested in test_ocr.py
    "empty.txt": "empty file",
    "notes.xyz": "unsupported file type '.xyz' (supported:",
    "garbage.txt": "cannot decode text: not UTF-8/GB18030/UTF-16",
    "old_word.doc": "convert it to .docx",
}
GOOD = ["plan.pdf", "plan.docx", "notice.html", "plan_gbk.txt"]


def snapshot(db) -> dict[str, list]:
    """Every row of every stored table, sorted: equal snapshots mean an unchanged database.
    Search-index bookkeeping (derived, rebuilt after each batch) is left out."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()
            if r[0] in TABLES]
        return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables}
    finally:
        con.close()


@pytest.fixture()
def batch(tmp_path, monkeypatch):
    """A database holding two seeds, and a folder of files to ingest into it.
    OCR is off here (it is slow on CPU and has its own tests in test_ocr.py)."""
    monkeypatch.setenv("CNPOLICY_OCR", "never")
    db = tmp_path / "c.duckdb"
    report = ingest_files([str(p) for p in SEEDS[:2]], db, extract=False, embed=False)
    assert [r["status"] for r in report] == ["stored", "stored"]
    files = tmp_path / "in"
    files.mkdir()
    for name in list(BAD) + GOOD:
        shutil.copy(FIX / name, files / name)
    shutil.copy(FIX / "plan.docx", files / "plan_copy.docx")  # same bytes, other name
    shutil.copy(SEEDS[0], files / SEEDS[0].name)  # already stored
    return db, files


def test_only_bad_files_leave_the_database_unchanged(batch):
    db, files = batch
    before = snapshot(db)
    paths = [str(files / n) for n in BAD] + [str(files / "missing.pdf")]
    report = ingest_files(paths, db, extract=False, embed=False)
    assert all(r["status"] == "error" for r in report)
    reasons = {Path(r["file"]).name: r["reason"] for r in report}
    for name, words in BAD.items():
        assert words in reasons[name], (name, reasons[name])
    assert reasons["missing.pdf"] == "no such file"
    assert snapshot(db) == before


def test_mixed_batch_stores_good_files_and_reports_bad_ones(batch):
    db, files = batch
    before = snapshot(db)
    paths = [str(files / n) for n in GOOD + ["plan_copy.docx", SEEDS[0].name] + list(BAD)]
    report = {Path(r["file"]).name: r for r in ingest_files(paths, db, extract=False, embed=False)}
    assert all(report[n]["status"] == "stored" for n in GOOD)
    assert report["plan_copy.docx"]["status"] == "error"
    assert "duplicate of plan.docx" in report["plan_copy.docx"]["reason"]
    assert report[SEEDS[0].name]["status"] == "unchanged"
    for name, words in BAD.items():
        assert report[name]["status"] == "error" and words in report[name]["reason"]
    after = snapshot(db)
    con = duckdb.connect(str(db), read_only=True)
    types = dict(con.execute("SELECT source_file, file_type FROM documents").fetchall())
    con.close()
    assert types == {SEEDS[0].name: "txt", SEEDS[1].name: "txt", "plan.pdf": "pdf", "plan.docx": "docx",
                     "notice.html": "html", "plan_gbk.txt": "txt"}
    for table, rows in before.items():  # the documents already stored are untouched
        assert set(rows) <= set(after[table]), table


def test_cli_reports_bad_files_and_exits_nonzero(batch, monkeypatch):
    db, files = batch
    monkeypatch.setenv("COLUMNS", "300")
    before = snapshot(db)
    args = ["ingest", *[str(files / n) for n in BAD], "--db", str(db), "--no-extract", "--no-embed", "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    out = re.sub(r"\s*\n\s*", " ", result.output + (getattr(result, "stderr", "") or ""))
    for name, words in BAD.items():
        assert re.search(re.escape(name) + r": (?:(?!error: ).)*" + re.escape(words), out), name
    assert snapshot(db) == before

    good = CliRunner().invoke(app, ["ingest", str(files / "plan.docx"), str(files / "corrupt.pdf"),
                                    "--db", str(db), "--no-extract", "--no-embed", "-q"])
    assert good.exit_code == 1
    assert "1 stored" in good.output


def test_bad_ingest_settings_are_named_and_refused_before_the_database_is_touched(batch, tmp_path):
    """Settings are read from the environment when the module loads, so a subprocess: a bad
    value is named with what was expected, the exit code is 2, nothing stored changes and no
    new database file is created."""
    import os
    import subprocess
    import sys

    db, files = batch
    before = snapshot(db)
    env = {**os.environ, "CNPOLICY_WRITER_MEMORY": "lots", "CNPOLICY_BATCH_DOCS": "0", "COLUMNS": "300"}
    for target in (db, tmp_path / "new.duckdb"):
        run = subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest", str(files / "plan.docx"),
                              "--db", str(target), "--no-extract", "--no-embed", "-q"],
                             env=env, capture_output=True, text=True, timeout=120)
        out = " ".join((run.stdout + run.stderr).split())
        assert run.returncode == 2, out
        assert "$CNPOLICY_WRITER_MEMORY='lots' is not a size such as 1GB" in out
        assert "$CNPOLICY_BATCH_DOCS='0' is not a whole number" in out
        assert "Traceback" not in out
    assert snapshot(db) == before
    assert not (tmp_path / "new.duckdb").exists()


# --- damaged and hostile inputs (issue 12 point 8): a bounded result or a named refusal ---
def _process(path):
    from pipeline.process import process_file

    return process_file(str(path), extract=False, embed=False, ocr="never")


def test_a_few_invalid_bytes_are_replaced_with_a_warning(tmp_path):
    data = bytearray((FIX / "plan_utf8.txt").read_bytes())
    for at in (100, 900, 2000):  # three flipped bytes inside CJK characters
        data[at] ^= 0xFF
    bad = tmp_path / "flipped.txt"
    bad.write_bytes(bytes(data))
    res = _process(bad)
    assert res.error is None
    assert any(re.fullmatch(r"\d+ invalid byte\(s\) replaced with U\+FFFD \(decoded as utf-8\)", w) for w in res.warnings)
    doc = res.rows["documents"][0]
    assert doc["encoding"] == "utf-8" and "\ufffd" in doc["raw_text"]


def test_html_nested_beyond_the_recursion_limit(tmp_path):
    import sys

    depth = sys.getrecursionlimit() * 3
    page = tmp_path / "deep.html"
    page.write_text("<html><body>" + "<div>" * depth + "<p>应急管理规划</p>" + "</div>" * depth + "</body></html>",
                    encoding="utf-8")
    from corpus.loaders import load

    assert load(page).raw_text == "应急管理规划\n"


def test_a_line_of_half_a_million_characters_is_bounded(tmp_path):
    import time

    from corpus.normalise import LONG_LINE, normalise_text

    line = "推进应急管理体系和能力现代化，全面提升防灾减灾救灾能力。" * 2000  # 56k characters, one line
    t0 = time.perf_counter()
    t = normalise_text("第一章 总则\n" + line + "\n")
    assert time.perf_counter() - t0 < 10
    assert max(len(x) for x in t.text.split("\n")) <= LONG_LINE
    raw = "第一章 总则\n" + line + "\n"
    assert all(raw[o] == ch for ch, o in zip(t.text, t.offsets) if ch != "\n")  # every character traceable
    no_commas = normalise_text("甲乙丙丁" * 5000).text  # no punctuation at all: hard breaks
    assert max(len(x) for x in no_commas.split("\n")) <= LONG_LINE


def _docx_with(tmp_path, name, edit):
    import zipfile

    src = zipfile.ZipFile(FIX / "plan.docx")
    out = tmp_path / name
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            z.writestr(item.filename, edit(item.filename, data))
    return out


def test_docx_merged_cell_error_costs_one_table_layout_not_the_document(tmp_path):
    """python-docx raises ValueError("no tr above topmost tr") on a vMerge in a first row."""
    def vmerge(name, data):
        return data.replace(b"<w:tc><w:tcPr>", b"<w:tc><w:tcPr><w:vMerge/>", 1) if name == "word/document.xml" else data

    from corpus.loaders import load

    doc = load(_docx_with(tmp_path, "vmerge.docx", vmerge))
    assert len(doc.tables) == 2 and doc.tables[0].rows[0] == ["序号", "指标名称", "预期值", "指标属性"]


def test_docx_zip_bomb_refused_before_unpacking(tmp_path):
    def bomb(name, data):
        return data + b" " * (40 * 2**20) if name == "word/document.xml" else data  # 40 MB of spaces

    res = _process(_docx_with(tmp_path, "bomb.docx", bomb))
    assert res.error and "a zip bomb" in res.error


def test_size_limits_refuse_by_name(tmp_path, monkeypatch):
    import corpus.loaders as loaders

    big = tmp_path / "big.txt"
    big.write_text("应急管理。" * 300_000, encoding="utf-8")  # 4.5 MB
    monkeypatch.setattr(loaders, "MAX_MB_TEXT", 2)
    assert _process(big).error == "file too large (4 MB; the limit for .txt is 2 MB)"
    monkeypatch.setattr(loaders, "MAX_MB_TEXT", 100)
    monkeypatch.setattr(loaders, "MAX_CHARS", 1_000_000)
    assert _process(big).error == "text too long (1,500,000 characters; the limit is 1,000,000): split the file"


def test_five_thousand_blank_pages_refused_quickly(tmp_path):
    import time

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(5000):
        pdf.new_page(595, 842)
    path = tmp_path / "blank.pdf"
    pdf.save(str(path))
    t0 = time.perf_counter()
    res = _process(path)
    assert time.perf_counter() - t0 < 30
    assert res.error == "no text layer (scanned/image-only PDF); OCR not run (--ocr never)"
    from corpus.loaders import load

    with pytest.raises(LoadError, match="no text in PDF: the pages are blank or hold only graphics"):
        load(path, ocr="auto")


def test_reader_library_failures_become_named_errors(tmp_path, monkeypatch):
    from corpus.loaders import html

    def boom(path, data):
        raise KeyError("charset")

    monkeypatch.setattr(html, "load_bytes", boom)
    res = _process(FIX / "notice.html")
    assert res.error == "damaged HTML file: the HTML reader failed (KeyError)"


@pytest.mark.parametrize("call", ["targets_page", "list_projects", "comparison", "ask"])
@pytest.mark.parametrize("bad", [dict(limit=-1), dict(limit="10"), dict(limit=True), dict(offset=-5)])
def test_bad_page_arguments_of_the_python_api_are_named(con, call, bad):  # noqa: F811
    """A wrong limit/offset of a library call is a FilterError naming it (was DuckDB's binder
    error, or silently an empty or whole answer)."""
    from queries.ask import ask
    from queries.compare import comparison
    from queries.filters import FilterError
    from queries.targets import list_projects, targets_page

    if call == "ask" and "offset" in bad:
        pytest.skip("ask takes no offset")
    fn = {"targets_page": lambda **kw: targets_page(con, indicator="亿元GDP生产安全事故死亡率", **kw),
          "list_projects": lambda **kw: list_projects(con, **kw),
          "comparison": lambda **kw: comparison(con, "亿元GDP生产安全事故死亡率", **kw),
          "ask": lambda **kw: ask(con, "哪些县的人均应急避难场所面积目标是2.5平方米？", **kw)}[call]
    name = next(iter(bad))
    with pytest.raises(FilterError, match=rf"^{name}: a whole number"):
        fn(**bad)
    fn(limit=2)  # a good page still answers


@pytest.mark.parametrize("script, args, message", [
    ("extract.py", ["--repeat", "0"], "argument --repeat: '0' is not ≥ 1"),
    ("extract.py", ["--docs", "abc"], "argument --docs: 'abc' is not a whole number"),
    ("scale.py", ["--kill-late", "-1"], "argument --kill-late: '-1' is not ≥ 0"),
    ("scale.py", ["--rounds", "x"], "argument --rounds: 'x' is not a whole number"),
    ("instructions.py", ["--docs", "0"], "argument --docs: '0' is not ≥ 1"),
    ("instructions.py", ["--repo", "/nonexistent"], "--repo /nonexistent: not a cnpolicy checkout"),
])
def test_bad_counts_given_to_the_benchmarks_are_named(script, args, message):
    """A benchmark refuses a count it cannot use before any work (``--repeat 0`` had ended in
    an UnboundLocalError after setting up)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, f"bench/{script}", *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_the_instruction_count_without_valgrind_says_what_to_install():
    """bench/instructions.py on a machine without valgrind: one line naming the package, no
    traceback."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PATH": os.path.dirname(sys.executable)}  # no valgrind on it
    proc = subprocess.run([sys.executable, "bench/instructions.py", "--docs", "1"], capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode == 1 and "needs valgrind: apt-get install valgrind" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
