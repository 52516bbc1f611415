"""The DuckDB store: one database file is the product (datasette / sqlite-utils style).

One writer.  Each document is written in its own transaction, so a failure leaves the
database exactly as it was before that document.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.schema import DOC_TABLES, TABLES, columns

DEFAULT_DB = "cnpolicy.duckdb"


class StoreError(Exception):
    pass


def connect(path: str | Path = DEFAULT_DB, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = str(path)
    if read_only:
        if path != ":memory:" and not Path(path).exists():
            raise StoreError(f"{path}: no such database — run `cnpolicy ingest` first")
        try:
            return duckdb.connect(path, read_only=True)
        except duckdb.Error as e:
            raise StoreError(f"{path}: cannot open database: {e}") from e
    try:
        con = duckdb.connect(path)
    except duckdb.Error as e:
        raise StoreError(f"{path}: cannot open database: {e}") from e
    create_schema(con)
    return con


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    for name, cols in TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols.strip().rstrip(',')})")
        _add_missing_columns(con, name)


def _add_missing_columns(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """A database made by an older cnpolicy gains the columns added since (as NULLs)."""
    have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    for part in TABLES[table].replace("\n", " ").split(","):
        words = part.split()
        if words and words[0] not in have and "PRIMARY" not in words and "DEFAULT" not in words:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {words[0]} {' '.join(words[1:])}")


def has_document(con: duckdb.DuckDBPyConnection, doc_id: str) -> bool:
    return con.execute("SELECT 1 FROM documents WHERE doc_id = ?", [doc_id]).fetchone() is not None


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    import pyarrow as pa

    cols = [c for c in columns(table) if c != "ingested_at"]
    data = {c: [r.get(c) for r in rows] for c in cols}
    arrow = pa.table(data)  # noqa: F841 — read by DuckDB's replacement scan below
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM arrow")


def write_document(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict]], replace: bool = False) -> bool:
    """Store one document's rows atomically. Returns False if it was already stored."""
    doc_id = rows["documents"][0]["doc_id"]
    con.execute("BEGIN TRANSACTION")
    try:
        if has_document(con, doc_id):
            if not replace:
                con.execute("ROLLBACK")
                return False
            delete_document(con, doc_id)
        _insert(con, "documents", rows["documents"])
        for table in DOC_TABLES:
            _insert(con, table, rows.get(table, []))
        con.execute("COMMIT")
        return True
    except Exception:
        con.execute("ROLLBACK")
        raise


def delete_document(con: duckdb.DuckDBPyConnection, doc_id: str) -> None:
    for table in DOC_TABLES:
        con.execute(f"DELETE FROM {table} WHERE doc_id = ?", [doc_id])
    con.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])


def replace_facts(con: duckdb.DuckDBPyConnection, doc_id: str, facts: dict[str, list[dict]]) -> None:
    """Swap one document's extracted facts (re-extraction) in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        for table, rows in facts.items():
            con.execute(f"DELETE FROM {table} WHERE doc_id = ?", [doc_id])
            _insert(con, table, rows)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
