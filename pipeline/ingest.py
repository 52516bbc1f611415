"""Orchestration: process files (in parallel if asked) and store them with one batched writer.

1. Files whose content hash is already stored are skipped before any processing (a resumed
   ingest only does what is left).
2. Workers (a process pool, or Ray tasks with ``engine="ray"``) run the pure ``process_file``.
   A worker that dies (killed for memory) costs only its file: the file is retried alone and
   then refused by name; the rest of the batch goes on.  Workers die with the parent (Linux
   PDEATHSIG, and a watcher thread elsewhere), so a killed ingest leaves no process behind.
3. The single writer stores results in batches (``BATCH_DOCS`` documents or ``BATCH_SECONDS``),
   one transaction each, and adds each committed batch to the search indexes.  It keeps the
   database open between batches (closing forces a checkpoint, whose cost grows with the
   table) unless a reader asked for its turn (``pipeline.store.wanted_file``): then it closes
   after the batch and the reader (``serve``, ``ask``) gets in.  DuckDB checkpoints on its own
   when the WAL passes ``CHECKPOINT_THRESHOLD``.
4. ``index.refresh`` runs at the end of every ingest, even one that stored nothing, so an
   interrupted index update is finished by the rerun.  A lone file's ingest runs it while the
   worker processes the file instead, and at the end only if something could have changed.
"""
from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from pipeline.process import Result, process_file

# --- settings from the environment -----------------------------------------------------------------
# A bad value never fails at import (that would be a traceback in every command): it is noted,
# the default stands in, and ``check_settings`` refuses the ingest before any file is touched.
_BAD_SETTINGS: list[str] = []
_SIZE = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?)?B", re.IGNORECASE)


def _setting(name: str, default, parse, expected: str):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return parse(raw)
    except ValueError:
        _BAD_SETTINGS.append(f"${name}={raw!r} is not {expected}")
        return default


def _positive(kind):
    def parse(raw: str):
        value = kind(raw)
        if value <= 0:
            raise ValueError(raw)
        return value
    return parse


def _size(raw: str) -> str:
    if not _SIZE.fullmatch(raw):
        raise ValueError(raw)
    return raw


BATCH_DOCS = _setting("CNPOLICY_BATCH_DOCS", 32, _positive(int), "a whole number of documents above 0")
BATCH_SECONDS = _setting("CNPOLICY_BATCH_SECONDS", 3.0, _positive(float), "a number of seconds above 0")
CHECKPOINT_THRESHOLD = _setting("CNPOLICY_CHECKPOINT_THRESHOLD", "64MB", _size, "a size such as 64MB")
WRITER_MEMORY = _setting("CNPOLICY_WRITER_MEMORY", "1GB", _size, "a size such as 1GB")  # the writer's DuckDB buffer pool


class SettingError(ValueError):
    """An ingest setting from the environment that cannot be used; the message names it."""


def check_settings() -> None:
    if _BAD_SETTINGS:
        raise SettingError("; ".join(_BAD_SETTINGS))
END_CHECKPOINT_BYTES = 4 * 2**20  # at the end of an ingest, checkpoint only a WAL bigger than this
WORKER_DIED = "the worker processing this file died (killed, e.g. for using too much memory); not stored"


# --- workers -------------------------------------------------------------------------------------
def _die_with_parent(parent: int) -> None:
    """Pool initializer: never outlive the ingest that started us."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _pool(workers: int):
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent, initargs=(os.getpid(),))


def _pool_results(files: list[str], workers: int, extract: bool, embed: bool) -> Iterator[Result]:
    """Results as they finish.  A broken pool (a worker killed) is replaced; the files that
    were in flight are retried one at a time, and the one that kills its worker is refused."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    pending, suspects = deque(files), []
    while pending:
        pool, inflight = _pool(workers), {}
        try:
            while pending or inflight:
                while pending and len(inflight) < 2 * workers:
                    path = pending.popleft()
                    inflight[pool.submit(process_file, path, extract, embed)] = path
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                broken = False
                for fut in done:
                    path = inflight.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        suspects.append(path)
                        broken = True
                if broken:
                    suspects.extend(inflight.values())
                    inflight.clear()
                    break
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    for path in suspects:
        yield _alone(path, extract, embed)


def _alone(path: str, extract: bool, embed: bool) -> Result:
    from concurrent.futures.process import BrokenProcessPool

    pool = _pool(1)
    try:
        return pool.submit(process_file, path, extract, embed).result()
    except BrokenProcessPool:
        return Result(path=path, error=WORKER_DIED)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class Ahead:
    """One file processed in a forked worker while this process opens the store and loads the
    writer's libraries (DuckDB, pyarrow, faiss, tantivy): a one-file ingest on two cores takes
    the longer of the two instead of their sum.  The worker dies with us (``_die_with_parent``)
    and is killed when the file turns out to be stored already; a worker that dies costs only
    its file, as in the pool."""

    def __init__(self, path: str, extract: bool, embed: bool):
        import multiprocessing

        self.path = path
        ctx = multiprocessing.get_context("fork")  # no pickling of the function: tests patch it
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_process_ahead, args=(child, os.getpid(), process_file, path, extract, embed),
                                 daemon=True)
        self._proc.start()
        child.close()

    def result(self) -> Result:
        try:
            res = self._conn.recv()
        except (EOFError, OSError):
            res = Result(path=self.path, error=WORKER_DIED)
        self.stop()
        return res

    def stop(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()
        self._conn.close()


def _process_ahead(conn, parent: int, process, path: str, extract: bool, embed: bool) -> None:
    _die_with_parent(parent)
    conn.send(process(path, extract, embed))
    conn.close()


# Libraries whose thread pools a forked child inherits dead (a session made before the fork
# would hang in it); a fresh CLI has loaded none of them, a long-lived process may have.
_NO_FORK_AFTER = ("onnxruntime", "torch")


def _fork_is_safe() -> bool:
    """Only a single-threaded process forks (another thread may hold a lock the child would
    wait on for ever), and only before a library of ``_NO_FORK_AFTER`` has been loaded."""
    return threading.active_count() == 1 and not any(m in sys.modules for m in _NO_FORK_AFTER)


def _ahead(files: list[str], workers: int, engine: str, extract: bool, embed: bool) -> Ahead | None:
    """A worker started at once for a lone file, where a second core can take it."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    if engine != "pool" or len(files) != 1 or cores < 2:
        return None
    if not _fork_is_safe():
        return None
    return Ahead(files[0], extract, embed)


def _warm_writer(db: str | Path, embed: bool) -> None:
    """Import what storing and indexing a result will need, while the worker processes it."""
    import pyarrow  # noqa: F401 — write_batch's tables

    from index import fts, sidecar

    if embed:
        import faiss  # noqa: F401 — the new dense segment
    fts.open_index(sidecar.home_of_db(db))  # tantivy's module and the index's meta, cached


def _results(files: list[str], workers: int, extract: bool, embed: bool, engine: str = "pool",
             address: str | None = None, ahead: Ahead | None = None) -> Iterator[Result]:
    if ahead is not None and files == [ahead.path]:
        yield ahead.result()
        return
    if engine == "ray":
        from pipeline.ray_engine import ray_results

        yield from ray_results(files, extract, embed, address=address)
        return
    if workers <= 1 or len(files) <= 1:
        for f in files:
            yield process_file(f, extract, embed)
        return
    yield from _pool_results(files, workers, extract, embed)


# --- skipping what is stored ---------------------------------------------------------------------
def content_id(path: str) -> str | None:
    """The doc_id a file would get (hash of its bytes), or None if it cannot be read."""
    from corpus.loaders import file_hash

    try:
        return file_hash(Path(path).read_bytes())
    except OSError:
        return None  # the loader reports it by name


# --- the writer ----------------------------------------------------------------------------------
class Writer:
    """Buffers results and stores them in batches, each in one transaction, then indexes them."""

    def __init__(self, db: str | Path, force: bool, known: set[str], embed: bool, model: str | None):
        self.db, self.force, self.known, self.embed, self.model = db, force, known, embed, model
        self.batch: list[Result] = []
        self.since = time.monotonic()
        self.status: dict[str, dict] = {}  # path → report fields set at flush
        self.index_errors: list[str] = []
        self.con = None
        self._before: dict | None = None  # the store's fingerprint read ahead (``prepare``)
        self._settled, self._settled_model = False, None  # indexes refreshed ahead (``prepare``)
        self._lock = threading.Lock()  # flush and the watcher's close never overlap
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        """Between batches (workers busy on a long file), let a waiting reader in at once."""
        while not self._stop.wait(0.2):
            if self._lock.acquire(blocking=False):
                try:
                    self.yield_if_wanted(pause=False)
                finally:
                    self._lock.release()

    def held(self):
        """The connection stays this writer's (the watcher does not close it) inside this block."""
        return self._lock

    def close(self) -> None:
        """Stop watching; checkpoint if the WAL has grown big (readers would replay it), close."""
        self._stop.set()
        with self._lock:
            wal = Path(f"{self.db}.wal")
            if self.con is not None and wal.exists() and wal.stat().st_size > END_CHECKPOINT_BYTES:
                self.con.execute("CHECKPOINT")
            self.yield_if_wanted(force=True)

    def connection(self):
        from pipeline.store import connect, wanted_file

        if self.con is None:
            wanted_file(self.db).unlink(missing_ok=True)
            self.con = connect(self.db)
            # our own wait for the lock asked for a turn too; a reader still waiting asks again
            wanted_file(self.db).unlink(missing_ok=True)
            # Checkpoints when due, not at every close: a checkpoint rewrites the table's open row
            # group (2 s at 1k documents), closing without one takes 0.16 s and a reader replays
            # the small WAL on open (0.12 s for one document's).
            self.con.execute("PRAGMA disable_checkpoint_on_shutdown")
            self.con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
            # DuckDB keeps the blocks it has read or written cached up to 80% of the machine's
            # memory, so a long ingest's RSS grew with the store; a batch needs far less.
            self.con.execute(f"SET memory_limit = '{WRITER_MEMORY}'")
        return self.con

    def yield_if_wanted(self, force: bool = False, pause: bool = True) -> None:
        """Close (checkpointing) when a reader waits for the file, or at the end."""
        from pipeline.store import wanted_file

        if self.con is not None and (force or wanted_file(self.db).exists()):
            self.con.close()
            self.con, self._before = None, None  # another writer may get in: read it again
            self._settled = False
            if pause and not force:
                time.sleep(0.3)  # the waiting reader retries within this

    def prepare(self) -> None:
        """While a worker runs: finish any index update a kill interrupted (so the end of the
        ingest has nothing left to do: at 10k documents that check alone reads every vector,
        0.5 s), and read the store's fingerprint, which the first batch needs."""
        from index import refresh, stored_model
        from pipeline.store import interrupted

        with self._lock:
            con = self.connection()
            try:
                refresh(con, embed=self.embed, model=self.model)
                self._settled, self._settled_model = True, stored_model(con)
            except Exception as e:  # the final refresh tries again and reports it
                if interrupted(e):
                    raise KeyboardInterrupt from e
            self._before = _fingerprint(con)

    def settled(self) -> bool:
        """Nothing for a final refresh to do: one ran before this ingest's batches, each batch
        was indexed as it was committed, the connection was held throughout (no other writer
        got in), and the embedding model recorded then is still the one recorded."""
        from index import stored_model

        return (self._settled and not self.index_errors and self.con is not None
                and stored_model(self.con) == self._settled_model)

    def add(self, res: Result) -> None:
        self.batch.append(res)
        if len(self.batch) >= BATCH_DOCS or time.monotonic() - self.since >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        batch, self.batch, self.since = self.batch, [], time.monotonic()
        if not batch:
            return
        with self._lock:
            self._flush(batch)

    def _flush(self, batch: list[Result]) -> None:
        from pipeline.store import write_batch

        tokens = {c["chunk_id"]: c.get("tokens") for r in batch for c in r.rows.get("chunks", [])}
        con = self.connection()
        try:
            before, self._before = self._before or _fingerprint(con), None  # nobody writes between
            self._note_model(con, batch)
            out = write_batch(con, [r.rows for r in batch], replace=self.force, known=self.known)
            for r in batch:
                verdict = out[r.doc_id]
                self.status[r.path] = ({"status": "stored"} if verdict is None else
                                       {"status": "unchanged"} if verdict == "unchanged" else
                                       {"status": "error", "reason": verdict})
            self._index([d for d, v in out.items() if v is None], con, before, tokens)
        except BaseException:
            self.yield_if_wanted(force=True)
            raise
        self.yield_if_wanted()

    def _note_model(self, con, batch: list[Result]) -> None:
        """Record the embedding model with the first vectors, so the index knows what it holds."""
        from index import note_model

        vec = next((c.get("vec") for r in batch for c in r.rows.get("chunks", []) if c.get("vec")), None)
        if self.embed and vec is not None:
            note_model(con, self.model, len(vec) - 4)

    def _index(self, doc_ids: list[str], con, before: dict | None, tokens: dict[str, str]) -> None:
        from index.sidecar import index_batch
        from pipeline.store import interrupted

        if not doc_ids:
            return
        try:
            index_batch(con, doc_ids, before, tokens)
        except Exception as e:  # the store is committed; the next reader or the final refresh repairs
            if interrupted(e):  # Ctrl-C landed in one of the index's DuckDB queries: stop
                raise KeyboardInterrupt from e
            self.index_errors.append(f"{type(e).__name__}: {e}")


def _fingerprint(con) -> dict | None:
    from index.sidecar import store_fingerprint

    return store_fingerprint(con)


def ingest_files(files: list[str], db: str | Path, workers: int = 1, force: bool = False,
                 extract: bool = True, embed: bool = True, progress: bool = False,
                 model: str | None = None, engine: str = "pool", address: str | None = None,
                 meanwhile=None) -> list[dict]:
    """Process and store files; return one report row per file (in the order given).
    ``meanwhile``: the caller's own preparation (no arguments), run while a lone file's worker
    processes it (else at once)."""
    check_settings()  # before the database file is created or opened
    ahead = _ahead(files, workers, engine, extract, embed)  # forked before any thread or connection
    try:
        with CtrlC() as ctrl_c:
            return _ingest(files, db, force, extract, embed, progress, model, engine, address, workers, ahead,
                           meanwhile, ctrl_c)
    finally:
        if ahead is not None:
            ahead.stop()


class CtrlC:
    """Ctrl-C remembered as well as raised.  Python raises KeyboardInterrupt wherever the main
    thread runs Python code next, which may be inside a native library's call that clears the
    exception and carries on: ``con.execute`` imports a module lazily (caught here: the
    interrupt landed in importlib under DuckDB's ``execute``, which took the failed import for
    "not installed"), and 1 multi-file ingest in 5 ran to the end and exited 0.  ``check``
    raises it again at the writer's next step.  A caller's own SIGINT handler (or SIG_IGN) is
    left alone."""

    def __init__(self):
        self.pressed = False
        self._previous = None

    def __enter__(self) -> "CtrlC":
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            self._previous = signal.signal(signal.SIGINT, self._note)
        return self

    def _note(self, signum, frame) -> None:
        self.pressed = True
        raise KeyboardInterrupt

    def check(self) -> None:
        if self.pressed:
            raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _ingest(files, db, force, extract, embed, progress, model, engine, address, workers, ahead,
            meanwhile, ctrl_c: CtrlC) -> list[dict]:
    from pipeline.store import stored_ids

    writer = Writer(db, force, set(), embed, model)
    try:
        with writer.held():  # the watcher thread must not close the connection mid-query
            known = writer.known = stored_ids(writer.connection())
    except BaseException:
        writer.close()
        raise
    rows: dict[str, dict] = {}
    todo, first_by_id = [], {}
    for f in files:
        doc_id = content_id(f)
        if doc_id and doc_id in first_by_id:
            rows[f] = {"file": f, "seconds": 0.0, "doc_id": doc_id, "status": "error",
                       "reason": f"duplicate of {Path(first_by_id[doc_id]).name} (same content)"}
            continue
        if doc_id:
            first_by_id[doc_id] = f
        if doc_id in known and not force:
            rows[f] = {"file": f, "seconds": 0.0, "doc_id": doc_id, "status": "unchanged"}
        else:
            todo.append(f)
    if ahead is not None:
        if todo:
            _warm_writer(db, embed)
            writer.prepare()
        else:  # stored already: its worker's work is not needed
            ahead.stop()
    if meanwhile is not None:
        meanwhile()
    bar = _progress(progress)
    task = bar.add_task("ingesting", total=len(todo)) if bar else None
    try:
        if bar:
            bar.start()
        for res in _results(todo, workers, extract, embed, engine, address, ahead):
            ctrl_c.check()
            rows[res.path] = _describe(res)
            if not res.error:
                writer.add(res)
            if bar:
                bar.update(task, advance=1, description=Path(res.path).name[:40])
        writer.flush()
        ctrl_c.check()
        from index import refresh

        with writer.held():  # finishes any index update a kill interrupted, on the writer's connection
            if not writer.settled():
                refresh(writer.connection(), embed=embed, model=model)
        ctrl_c.check()
    finally:
        writer.close()
        if bar:
            bar.stop()
    for path, st in writer.status.items():
        rows[path].update(st)
    return [rows[f] for f in files if f in rows]


def _describe(res: Result) -> dict:
    row = {"file": res.path, "seconds": res.seconds, "doc_id": res.doc_id, "warnings": list(res.warnings)}
    if res.error:
        return {**row, "status": "error", "reason": res.error}
    doc = res.rows["documents"][0]
    return {**row, "status": "pending", "region": doc.get("region"), "kind": doc.get("kind"),
            "sections": len(res.rows.get("sections", [])), "targets": len(res.rows.get("targets", []))}


def _progress(enabled: bool):
    if not enabled:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), transient=True)
