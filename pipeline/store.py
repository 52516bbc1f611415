"""The DuckDB store: one database file is the product (datasette / sqlite-utils style).

One writer, batched: ``write_batch`` stores many documents in one transaction (a failure
leaves the database as it was before the batch, and the batch is retried document by
document so that one bad document cannot sink the others).  No table has an index: DuckDB
rewrites an ART index at every checkpoint, which made each commit cost more as the store
grew (0.7 s at 1k documents); uniqueness of ``doc_id`` is kept by the single writer, which
checks the stored ids first.

DuckDB lets one process open a file for writing and then nobody else, so ``connect`` waits
(with a message) while another process holds the file, instead of failing with DuckDB's lock
error, and says it is waiting by touching ``<db>.wanted``: the ingest writer, which otherwise
keeps its connection between batches (closing checkpoints, and a checkpoint rewrites the
table's open row group — 3 s at 1k documents, growing), lets go after its current batch.
"""
from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipeline.schema import DERIVED_TABLES, DOC_TABLES, TABLES, columns

DEFAULT_DB = "cnpolicy.duckdb"
LOCK_WAIT = float(os.environ.get("CNPOLICY_LOCK_WAIT", "120"))  # seconds to wait for another process
STORAGE_VERSION = "v1.3.0"  # the oldest DuckDB format with ZSTD for long strings (see _create_file)
# Only the breakpoints (offset_runs) are written; every reader decodes them with
# corpus.model.stored_offsets.  True writes the old per-character list as well (7.7 KB a
# document on disk), for tools that read documents.offsets directly.
WRITE_OFFSET_LIST = False
LOCK_MESSAGE = re.compile(r"Could not set lock|Conflicting lock", re.IGNORECASE)


class StoreError(Exception):
    pass


class StoreBusy(StoreError):
    """Another process held the database for longer than we were willing to wait."""


def _holder(message: str) -> str:
    m = re.search(r"PID (\d+)", message)
    return f"process {m.group(1)}" if m else "another process"


def wanted_file(path: str | Path) -> Path:
    return Path(f"{path}.wanted")


def _ask_for_turn(path: str) -> None:
    try:
        wanted_file(path).touch()
    except OSError:  # a read-only folder: the writer lets go at the end anyway
        pass


def _open(path: str, read_only: bool, wait: float | None) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, retried while another process holds the file's lock."""
    wait = LOCK_WAIT if wait is None else wait
    start = time.monotonic()
    deadline, delay, told = start + wait, 0.02, False
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.Error as e:
            if not LOCK_MESSAGE.search(str(e)):
                raise StoreError(f"{path}: cannot open database: {e}") from e
            _ask_for_turn(path)
            left = deadline - time.monotonic()
            if left <= 0:
                raise StoreBusy(f"{path}: in use by {_holder(str(e))} for more than {wait:.0f} s "
                                f"(an ingest, `serve` or another query; set CNPOLICY_LOCK_WAIT to wait longer)") from e
            if not told and not read_only and time.monotonic() - start > 1:
                print(f"note: {path} is in use by {_holder(str(e))}; waiting up to {wait:.0f} s", file=sys.stderr)
                told = True
            time.sleep(min(delay, max(left, 0.01)))
            delay = min(delay * 1.5, 0.5)


def connect(path: str | Path = DEFAULT_DB, read_only: bool = False, wait: float | None = None
            ) -> duckdb.DuckDBPyConnection:
    """A connection; read-only ones need an existing file.  Waits up to ``wait`` seconds
    (default $CNPOLICY_LOCK_WAIT, 120) while another process writes."""
    path = str(path)
    if read_only:
        if path != ":memory:" and not Path(path).exists():
            raise StoreError(f"{path}: no such database — run `cnpolicy ingest` first")
        return _open(path, True, wait)
    if path != ":memory:" and not Path(path).exists():
        _create_file(path)
    con = _open(path, False, wait)
    create_schema(con)
    return con


def _create_file(path: str) -> None:
    """An empty database file in a storage format with compressed strings.  DuckDB writes new
    files in its oldest readable format, which stores a 45 KB document text uncompressed;
    from v1.3.0 on long strings are ZSTD-compressed (texts are most of the store).  The file
    keeps its format, so later plain connections write it the same way; a file made by an
    older cnpolicy keeps the old format."""
    try:
        con = duckdb.connect()
        con.execute(f"ATTACH '{path.replace(chr(39), chr(39) * 2)}' AS new_store (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.close()
    except duckdb.Error as e:
        if Path(path).exists():  # another process created it meanwhile: use that one
            return
        raise StoreError(f"{path}: cannot create database: {e}") from e


@contextmanager
def reading(path: str | Path = DEFAULT_DB) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection, closed on leaving (the API and web pages hold
    one per request, so an ingest can take the lock between them)."""
    con = connect(path, read_only=True)
    try:
        yield con
    finally:
        con.close()


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    for name, cols in TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols.strip().rstrip(',')})")
        _add_missing_columns(con, name)
    _create_derived(con)


def _create_derived(con: duckdb.DuckDBPyConnection) -> None:
    """The derived lookup tables (``schema.DERIVED_TABLES``); a database from before one gets
    it filled from its facts once."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                                      "current_database() AND schema_name = 'main'").fetchall()}
    for name, (source, cols) in DERIVED_TABLES.items():
        if name in have or source not in have:
            continue
        con.execute(f"CREATE TABLE {name} AS SELECT DISTINCT {', '.join(cols)} FROM {source}")


def _update_derived(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Add the names these new fact rows bring to the derived tables fed by ``table``."""
    for name, (source, cols) in DERIVED_TABLES.items():
        if source != table or not rows:
            continue
        import pyarrow as pa

        seen = {tuple(r.get(c) for c in cols) for r in rows}
        fresh = pa.table({c: [k[i] for k in seen] for i, c in enumerate(cols)})  # noqa: F841 — read by DuckDB
        con.execute(f"INSERT INTO {name} SELECT {', '.join(cols)} FROM fresh EXCEPT SELECT {', '.join(cols)} FROM {name}")


def _add_missing_columns(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """A database made by an older cnpolicy gains the columns added since (as NULLs)."""
    have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    for part in TABLES[table].replace("\n", " ").split(","):
        words = part.split()
        if words and words[0] not in have and "PRIMARY" not in words and "DEFAULT" not in words:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {words[0]} {' '.join(words[1:])}")


def has_document(con: duckdb.DuckDBPyConnection, doc_id: str) -> bool:
    return con.execute("SELECT 1 FROM documents WHERE doc_id = ?", [doc_id]).fetchone() is not None


def stored_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT doc_id FROM documents").fetchall()}


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    import pyarrow as pa

    cols = [c for c in columns(table) if c != "ingested_at"]
    data = {c: [r.get(c) for r in rows] for c in cols}
    arrow = pa.table(data)  # noqa: F841 — read by DuckDB's replacement scan below
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM arrow")
    _update_derived(con, table, rows)


def compact_rows(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """What is stored for one document, without what can be rebuilt: chunk tokens (the keyword
    index gets them from the writer, ``reindex`` re-cuts them: 73 KB of a 330 KB document),
    chunk texts (each is ``documents.text`` sliced by its text_start/text_end: 44 KB of a
    document; ``index.meta.chunk_text`` reads either), and the offset map, which is stored as
    breakpoints (``offset_runs``, see ``corpus.model.offset_runs``; NULL for the identity)
    instead of one integer per character (62 KB logical).
    The caller's rows are left as they were (the changed rows are copies)."""
    from corpus.model import offset_runs

    doc = dict(rows["documents"][0])
    offsets = doc.get("offsets")
    doc["offset_runs"] = offset_runs(offsets) if offsets else doc.get("offset_runs")
    doc["offsets"] = offsets if WRITE_OFFSET_LIST and doc["offset_runs"] else None
    chunks = []
    for chunk in rows.get("chunks", []):
        chunk = {**chunk, "tokens": None}
        if chunk.get("text_start") is not None:
            chunk["text"] = None
        chunks.append(chunk)
    return {**rows, "documents": [doc, *rows["documents"][1:]], "chunks": chunks}


def row_tables() -> tuple[str, ...]:
    """Tables that hold one document's rows (read at call time: plugins may add tables)."""
    return ("documents", *DOC_TABLES)


def check_tables(tables, allowed=None) -> None:
    """Rows for a table the store does not have are a bug upstream: refuse them by name
    rather than drop them silently."""
    allowed = row_tables() if allowed is None else tuple(allowed)
    unknown = sorted(set(tables) - set(allowed))
    if unknown:
        raise StoreError(f"rows for unknown table(s) {', '.join(map(repr, unknown))}; "
                         f"the store has {', '.join(allowed)}")


def _write_many(con: duckdb.DuckDBPyConnection, docs: list[dict[str, list[dict]]], replace: bool) -> None:
    for rows in docs:
        check_tables(rows)
    ids = [d["documents"][0]["doc_id"] for d in docs]
    if replace:
        delete_documents(con, ids)
    merged: dict[str, list[dict]] = {}
    for rows in docs:
        for table in row_tables():
            merged.setdefault(table, []).extend(rows.get(table, []))
    for table, rows in merged.items():
        _insert(con, table, rows)


def write_batch(con: duckdb.DuckDBPyConnection, docs: list[dict[str, list[dict]]], replace: bool = False,
                known: set[str] | None = None) -> dict[str, str | None]:
    """Store documents (each ``{table: rows}``) in one transaction; returns doc_id → None
    (stored), "unchanged" (already there, not replacing) or an error text.  On a failing batch
    each document is retried alone, so the error is pinned to the document that caused it."""
    known = stored_ids(con) if known is None else known
    out: dict[str, str | None] = {}
    todo = []
    for rows in docs:
        doc_id = rows["documents"][0]["doc_id"]
        if (doc_id in known and not replace) or doc_id in out:
            out[doc_id] = "unchanged"
        else:
            todo.append(compact_rows(rows))
            out[doc_id] = None
    if not todo:
        return out
    try:
        _transaction(con, lambda: _write_many(con, todo, replace))
    except Exception as e:
        if interrupted(e):
            raise KeyboardInterrupt from e
        if len(todo) == 1:
            raise
        for rows in todo:  # one document at a time: the one that fails is named, the rest stored
            doc_id = rows["documents"][0]["doc_id"]
            try:
                _transaction(con, lambda r=rows: _write_many(con, [r], replace))
            except Exception as e:
                if interrupted(e):
                    raise KeyboardInterrupt from e
                out[doc_id] = f"not stored: {type(e).__name__}: {e}"
    known.update(d for d, v in out.items() if v is None)
    return out


def interrupted(e: BaseException) -> bool:
    """DuckDB answers a Ctrl-C that lands during a query with RuntimeError("Query
    interrupted") instead of KeyboardInterrupt; code that carries on after errors must stop."""
    return isinstance(e, RuntimeError) and "interrupted" in str(e).lower()


def _transaction(con: duckdb.DuckDBPyConnection, work) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        work()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def write_document(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict]], replace: bool = False) -> bool:
    """Store one document's rows atomically. Returns False if it was already stored."""
    doc_id = rows["documents"][0]["doc_id"]
    result = write_batch(con, [rows], replace=replace, known={doc_id} if has_document(con, doc_id) else set())
    return result[doc_id] is None


def delete_documents(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> None:
    for table in (*DOC_TABLES, "documents"):
        con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))", [doc_ids])


def delete_document(con: duckdb.DuckDBPyConnection, doc_id: str) -> None:
    delete_documents(con, [doc_id])


def replace_facts(con: duckdb.DuckDBPyConnection, doc_id: str, facts: dict[str, list[dict]]) -> None:
    """Swap one document's extracted facts (re-extraction) in one transaction."""
    check_tables(facts, DOC_TABLES)

    def work():
        for table, rows in facts.items():
            con.execute(f"DELETE FROM {table} WHERE doc_id = ?", [doc_id])
            _insert(con, table, rows)

    _transaction(con, work)
