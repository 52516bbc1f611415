"""Search indexes that grow with the store: adding documents touches only them, replaced and
deleted documents leave both indexes, a missing or stale index is repaired by the next reader,
`cnpolicy reindex` rebuilds from DuckDB, and compact vectors keep flat search's neighbours."""
import sqlite3
from pathlib import Path

import duckdb
import numpy as np
import pytest

from pipeline.ingest import ingest_files
from queries.search import search

WORDS = ["地震", "森林", "防汛", "危化品", "矿山", "消防", "气象", "地质", "交通", "海洋"]


def plan(folder: Path, i: int) -> str:
    """A tiny plan with one word no other plan has (its topic) and a number that differs."""
    w = WORDS[i % len(WORDS)]
    p = folder / f"plan{i:02d}.txt"
    p.write_text(f"某县{w}应急预案（第{i}版）\n一、总体要求\n加强{w}灾害监测预警能力建设。\n"
                 f"二、主要目标\n到2025年，建成{w}应急物资储备库{i + 2}个。\n", encoding="utf-8")
    return str(p)


def sidecar(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{db}.search/index.sqlite")


def covered(db: Path) -> set[str]:
    if not Path(f"{db}.search/index.sqlite").exists():
        return set()
    return {r[0] for r in sidecar(db).execute("SELECT doc_id FROM covered")}


def stored(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT doc_id FROM documents").fetchall()}


def test_adding_documents_indexes_only_the_new_ones(tmp_path, monkeypatch):
    from index import sidecar as sc

    db = tmp_path / "a.duckdb"
    ingest_files([plan(tmp_path, 0), plan(tmp_path, 1)], db, extract=False, embed=False)
    assert covered(db) == stored(db) and len(covered(db)) == 2
    added: list[list[str]] = []
    real = sc._add
    monkeypatch.setattr(sc, "_add", lambda con, sql, home, ids, *rest: (added.append(ids), real(con, sql, home, ids, *rest)))
    report = ingest_files([plan(tmp_path, 0), plan(tmp_path, 3)], db, extract=False, embed=False)
    assert [r["status"] for r in report] == ["unchanged", "stored"]
    assert added == [[report[1]["doc_id"]]]  # O(new documents), not O(corpus)
    hits = search(str(db), "危化品", k=3, mode="bm25")
    assert hits and hits[0]["doc_id"] == report[1]["doc_id"]


def test_deleted_and_replaced_documents_leave_both_indexes(tmp_path):
    from pipeline.store import delete_documents

    db = tmp_path / "d.duckdb"
    files = [plan(tmp_path, i) for i in range(3)]
    report = ingest_files(files, db, extract=False)
    gone = report[0]["doc_id"]
    assert search(str(db), "地震", k=1, mode="dense")[0]["doc_id"] == gone
    report = ingest_files(files[:1], db, extract=False, force=True)  # replaced: old rows go, new ones come
    assert report[0]["status"] == "stored"
    n = sidecar(db).execute("SELECT count(*) FROM vectors WHERE doc_id = ?", [gone]).fetchone()[0]
    with duckdb.connect(str(db), read_only=True) as con:
        assert n == con.execute("SELECT count(*) FROM chunks WHERE doc_id = ?", [gone]).fetchone()[0] > 0
    with duckdb.connect(str(db)) as con:  # deleted behind the index's back: the next search notices
        delete_documents(con, [gone])
    for mode in ("bm25", "dense", "hybrid"):
        assert all(h["doc_id"] != gone for h in search(str(db), "地震灾害监测", k=5, mode=mode)), mode
    assert gone not in covered(db)
    assert sidecar(db).execute("SELECT count(*) FROM vectors WHERE doc_id = ?", [gone]).fetchone()[0] == 0
    assert sidecar(db).execute("SELECT count(*) FROM kwmap WHERE doc_id = ?", [gone]).fetchone()[0] == 0


def test_missing_index_is_rebuilt_and_reindex_rebuilds_from_duckdb(tmp_path):
    import shutil

    from typer.testing import CliRunner

    from index.meta import SLICED_TEXT
    from pipeline.cli import app

    db = tmp_path / "m.duckdb"
    ingest_files([plan(tmp_path, i) for i in range(3)], db, extract=False, embed=False)
    shutil.rmtree(f"{db}.search")
    assert search(str(db), "森林", k=1)[0]["text"].count("森林")  # rebuilt by the search itself
    run = CliRunner().invoke(app, ["reindex", "--db", str(db)])
    assert run.exit_code == 0 and "indexed 3 documents" in run.output, run.output
    assert CliRunner().invoke(app, ["reindex", "--check", "--db", str(db)]).exit_code == 0
    with duckdb.connect(str(db)) as con:
        con.execute(f"DELETE FROM chunks WHERE chunk_id IN (SELECT c.chunk_id FROM chunks c JOIN documents d USING (doc_id) "
                    f"WHERE {SLICED_TEXT} LIKE '%森林%')")  # chunk texts may be slices of the document's
    check = CliRunner().invoke(app, ["reindex", "--check", "--db", str(db)])
    assert check.exit_code == 1 and "out of date" in check.output
    assert all("森林" not in h["text"] for h in search(str(db), "森林", k=5))


def test_an_interrupted_index_update_is_finished_by_the_rerun(tmp_path, monkeypatch):
    """Killed after the batch committed but before its index update: the rerun stores nothing
    (every file is unchanged) yet leaves every stored chunk searchable."""
    import pipeline.ingest as ingest_mod
    from index import sidecar as sc

    db = tmp_path / "k.duckdb"
    files = [plan(tmp_path, i) for i in range(4)]
    monkeypatch.setattr(sc, "index_batch", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    monkeypatch.setattr(ingest_mod.Writer, "_index", lambda self, ids, con, before, tokens: sc.index_batch(con, ids, before, tokens))
    with pytest.raises(KeyboardInterrupt):
        ingest_files(files, db, extract=False, embed=False)
    assert len(stored(db)) == 4 and not covered(db) - stored(db)
    monkeypatch.undo()
    report = ingest_files(files, db, extract=False, embed=False)
    assert {r["status"] for r in report} == {"unchanged"}
    assert covered(db) == stored(db)
    for i in range(4):
        assert WORDS[i] in search(str(db), WORDS[i] + "灾害", k=1, mode="bm25")[0]["text"]


@pytest.mark.parametrize("embed", [False, True])
def test_a_lone_file_finishes_an_interrupted_index_update_while_its_worker_runs(tmp_path, monkeypatch, embed):
    """A one-file ingest refreshes the indexes while the file's worker runs and skips the final
    refresh when nothing could have changed since: the index a kill left behind is whole after
    it, the new file is searchable, and a lone file into a new store records its model."""
    import pipeline.ingest as ingest_mod
    from index import sidecar as sc
    from index import stored_model

    db = tmp_path / "k.duckdb"
    files = [plan(tmp_path, i) for i in range(4)]
    monkeypatch.setattr(sc, "index_batch", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    monkeypatch.setattr(ingest_mod.Writer, "_index", lambda self, ids, con, before, tokens: sc.index_batch(con, ids, before, tokens))
    with pytest.raises(KeyboardInterrupt):
        ingest_files(files[:3], db, extract=False, embed=embed)
    monkeypatch.undo()
    assert not covered(db) and len(stored(db)) == 3
    monkeypatch.setattr(ingest_mod, "_fork_is_safe", lambda: True)  # this test process may have loaded anything
    refreshes = []
    real_refresh = ingest_mod.Writer.settled
    monkeypatch.setattr(ingest_mod.Writer, "settled", lambda self: refreshes.append(real_refresh(self)) or refreshes[-1])
    [row] = ingest_files(files[3:], db, extract=False, embed=embed)
    assert row["status"] == "stored" and refreshes == [True]  # the final refresh was not needed
    assert covered(db) == stored(db) and len(stored(db)) == 4
    for i in range(4):
        assert WORDS[i] in search(str(db), WORDS[i] + "灾害", k=1, mode="bm25")[0]["text"]
    if embed:
        with duckdb.connect(str(db), read_only=True) as con:
            assert stored_model(con) and con.execute("SELECT count(*) FROM chunks WHERE vec IS NULL").fetchone()[0] == 0
    new = tmp_path / "new.duckdb"
    [row] = ingest_files(files[:1], new, extract=False, embed=embed)
    assert row["status"] == "stored" and covered(new) == stored(new)
    if embed:  # the refresh ahead recorded the model the worker embeds with: nothing was left for the end
        with duckdb.connect(str(new), read_only=True) as con:
            assert stored_model(con) and con.execute("SELECT count(*) FROM chunks WHERE vec IS NULL").fetchone()[0] == 0


def test_segments_stay_few_as_batches_arrive(tmp_path, monkeypatch):
    import pipeline.ingest as ingest_mod

    monkeypatch.setattr(ingest_mod, "BATCH_DOCS", 1)
    db = tmp_path / "s.duckdb"
    ingest_files([plan(tmp_path, i) for i in range(8)], db, extract=False)
    segs = sidecar(db).execute("SELECT count(*), sum(n) FROM segments").fetchone()
    with duckdb.connect(str(db), read_only=True) as con:
        n = con.execute("SELECT count(vec) FROM chunks").fetchone()[0]
    assert segs[1] == n and segs[0] <= 4  # 8 one-document segments merged like a binary counter
    for i in range(8):
        assert WORDS[i] in search(str(db), f"{WORDS[i]}应急物资储备库", k=1, mode="dense")[0]["text"]


def test_compact_vectors_keep_the_neighbours_of_flat_float32():
    """int8 in DuckDB → float16 segments vs exact float32: top-10 overlap on real chunk texts."""
    import faiss

    from index.embed import pack, unpack
    from index.embedders import get_embedder
    from index.sidecar import _new_index
    from pipeline.process import analyse

    text = analyse(sorted(Path("corpus/samples").glob("*.txt"))[0]).text
    passages = [p for p in text.split("\n") if len(p) > 15][:160]
    exact = get_embedder("use-m3").encode(passages)
    flat = faiss.IndexFlatIP(exact.shape[1])
    flat.add(exact)
    compact = _new_index(exact.shape[1])
    compact.add_with_ids(unpack([pack(v) for v in exact]), np.arange(len(exact), dtype=np.int64))
    queries = exact[:40]
    _, a = flat.search(queries, 10)
    _, b = compact.search(queries, 10)
    overlap = np.mean([len(set(x) & set(y)) / 10 for x, y in zip(a, b)])
    assert overlap >= 0.95, overlap


def test_reindex_of_a_missing_database_names_it_and_creates_nothing(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    db = tmp_path / "nope.duckdb"
    res = CliRunner().invoke(app, ["reindex", "--db", str(db)])
    assert res.exit_code == 2 and "no such database" in res.output
    assert not list(tmp_path.iterdir())  # no database, no index folder
