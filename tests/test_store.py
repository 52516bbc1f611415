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
