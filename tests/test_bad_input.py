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
from pipeline.ingest import ingest_files

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
