"""`ingest --engine ray` makes exactly the rows the process pool makes (local Ray, the samples)."""
from pathlib import Path

import duckdb
import pytest

from pipeline.ingest import ingest_files
from pipeline.schema import DOC_TABLES

pytest.importorskip("ray")
SAMPLES = sorted(str(p) for p in Path("corpus/samples").glob("*.txt"))


def rows(db: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] != "ingested_at"]
        return con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()


def test_ray_engine_stores_the_same_rows_as_the_pool(tmp_path, monkeypatch):
    monkeypatch.setenv("CNPOLICY_EMBED_THREADS", "1")
    monkeypatch.delenv("CNPOLICY_EMBED_MODEL", raising=False)  # the default model in both engines
    files = SAMPLES[:3]
    pool_db, ray_db = tmp_path / "pool.duckdb", tmp_path / "ray.duckdb"
    assert {r["status"] for r in ingest_files(files, pool_db, workers=2)} == {"stored"}
    report = ingest_files(files, ray_db, engine="ray")
    assert {r["status"] for r in report} == {"stored"}, report
    for table in ("documents", *DOC_TABLES):
        assert rows(pool_db, table) == rows(ray_db, table), table
