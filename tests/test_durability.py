"""Durability: readers and writers wait for each other instead of failing with DuckDB's lock
error; a killed ingest leaves no worker behind and its rerun ends with exactly one copy of
every document, all searchable; a worker killed for memory costs only its own file."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.ingest import ingest_files

ROOT = Path(__file__).resolve().parents[1]


def plans(folder: Path, n: int) -> list[str]:
    out = []
    for i in range(n):
        p = folder / f"p{i:03d}.txt"
        p.write_text(f"某县应急预案第{i}号\n一、总体要求\n加强灾害监测预警能力建设，编号{i * 7 + 3}。\n"
                     f"二、主要目标\n到2025年，建成应急物资储备库{i + 2}个。\n", encoding="utf-8")
        out.append(str(p))
    return out


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("holding", flush=True)
time.sleep(float(sys.argv[3]))
"""


def hold(db: Path, mode: str, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), mode, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_a_reader_waits_for_the_writer_and_gives_up_with_a_clear_message(tmp_path):
    from pipeline.store import StoreBusy, connect

    db = tmp_path / "l.duckdb"
    ingest_files(plans(tmp_path, 1), db, extract=False, embed=False)
    writer = hold(db, "rw", 1.5)
    t0 = time.monotonic()
    con = connect(db, read_only=True, wait=20)  # waits for the writer to let go
    assert time.monotonic() - t0 > 0.5 and con.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    con.close()
    writer.wait()
    writer = hold(db, "rw", 5)
    with pytest.raises(StoreBusy, match=rf"in use by process {writer.pid} for more than 0 s"):
        connect(db, read_only=True, wait=0.3)
    writer.kill()
    writer.wait()


def test_an_ingest_while_a_reader_holds_the_database_waits_then_succeeds(tmp_path):
    db = tmp_path / "s.duckdb"
    files = plans(tmp_path, 3)
    ingest_files(files[:1], db, extract=False, embed=False)
    reader = hold(db, "ro", 1.5)  # like `serve` answering a request
    report = ingest_files(files, db, extract=False, embed=False)
    assert [r["status"] for r in report] == ["unchanged", "stored", "stored"]
    reader.wait()


def _descendants_alive(marker: str) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if marker.encode() in (d / "cmdline").read_bytes() and (d / "stat").read_text().split()[2] != "Z":
                    out.append(int(d.name))
            except OSError:
                pass
    return out


N_KILL_FILES = 48

def _sigint_as_a_terminal_sends_it() -> None:
    """The ingest gets SIGINT's default disposition, unblocked.  A shell that ran the tests in
    the background leaves it ignored, and a library in the test process may have blocked it
    (masks survive exec): either way the ingest would never see Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


# The first files take 0.2 s each; every later one waits until the first batch is indexed (the
# test's cue to send the signal), then takes 0.2 s: however loaded the machine, seconds of work
# are left when the signal lands (fixed sleeps let a loaded machine finish before the cue).
INGEST = """
import os, sys, time
import pipeline.ingest as ingest
from pipeline.process import process_file
INDEXED = sys.argv[2] + ".search/index.sqlite"
def slow(path, *args, **kw):
    if int(os.path.basename(path)[1:4]) >= 4:
        deadline = time.monotonic() + 30
        while not os.path.exists(INDEXED) and time.monotonic() < deadline:
            time.sleep(0.05)
    time.sleep(0.2)
    return process_file(path, *args, **kw)
ingest.process_file = slow
ingest.ingest_files(sys.argv[1].split(","), sys.argv[2], workers=2, extract=False, embed=False)
"""


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to find orphan workers")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_killed_ingest_leaves_no_workers_and_the_rerun_stores_each_document_once(tmp_path, sig):
    db = tmp_path / "k.duckdb"
    files = plans(tmp_path, N_KILL_FILES)
    marker = f"cnpolicy-kill-test-{os.getpid()}-{sig}"
    env = {**os.environ, "CNPOLICY_BATCH_DOCS": "2", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", INGEST, ",".join(files), str(db), marker], cwd=ROOT, env=env,
                            stderr=subprocess.DEVNULL, preexec_fn=_sigint_as_a_terminal_sends_it)
    deadline = time.monotonic() + 60
    while not Path(f"{db}.search/index.sqlite").exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)  # the first batch is in
    proc.send_signal(sig)
    code = proc.wait(timeout=30)
    assert code != 0, "the ingest finished before the signal: make it longer"
    time.sleep(2.5)  # workers notice within about a second
    assert _descendants_alive(marker) == [], f"exit {code}"
    report = ingest_files(files, db, extract=False, embed=False)
    assert all(r["status"] in ("stored", "unchanged") for r in report), report
    with duckdb.connect(str(db), read_only=True) as con:
        n, distinct = con.execute("SELECT count(*), count(DISTINCT doc_id) FROM documents").fetchone()
        assert n == distinct == N_KILL_FILES
        ids = {r[0] for r in con.execute("SELECT chunk_id FROM chunks").fetchall()}
    import sqlite3

    indexed = {r[0] for r in sqlite3.connect(f"{db}.search/index.sqlite").execute("SELECT chunk_id FROM kwmap")}
    assert indexed == ids  # every stored chunk is in the keyword index, nothing else


def _dies_on_bomb(path, extract=True, embed=True):
    from pipeline.process import process_file

    if "bomb" in Path(path).name:
        os.kill(os.getpid(), signal.SIGKILL)  # what the kernel's OOM killer does
    return process_file(path, extract, embed)


def test_a_worker_killed_for_memory_costs_only_its_file(tmp_path, monkeypatch):
    import pipeline.ingest as ingest_mod

    monkeypatch.setattr(ingest_mod, "process_file", _dies_on_bomb)
    files = plans(tmp_path, 4)
    bomb = tmp_path / "bomb.txt"
    bomb.write_text("某县应急预案\n一、总体要求\n这份文件让处理它的进程被杀掉。\n", encoding="utf-8")
    files.insert(1, str(bomb))
    report = ingest_files(files, tmp_path / "b.duckdb", workers=2, extract=False, embed=False)
    status = {Path(r["file"]).name: r["status"] for r in report}
    assert status.pop("bomb.txt") == "error" and set(status.values()) == {"stored"}
    assert "worker processing this file died" in next(r["reason"] for r in report if "bomb" in r["file"])


def test_readers_get_answers_while_an_ingest_runs(tmp_path):
    """The writer keeps the file between batches but lets go when a reader asks (<db>.wanted)."""
    from pipeline.store import connect
    from queries.search import search

    db = tmp_path / "r.duckdb"
    files = plans(tmp_path, 30)
    ingest_files(files[:1], db, extract=False, embed=False)
    env = {**os.environ, "CNPOLICY_BATCH_DOCS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", INGEST.replace("workers=2", "workers=1"), ",".join(files[1:]),
                             str(db), "reader-test"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    answered = 0
    try:
        while proc.poll() is None and answered < 3:
            con = connect(db, read_only=True, wait=60)
            try:
                answered += bool(search(con, "应急物资储备库", k=1, mode="bm25"))
            finally:
                con.close()
            time.sleep(0.2)
    finally:
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert answered >= 1
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 30


DUMP_ROWS = """
import json, sys
from pipeline.process import process_file
out = {}
for f in sys.argv[1:]:
    r = process_file(f, extract=True, embed=False)
    out[f] = {t: rows for t, rows in r.rows.items()}
print(json.dumps(out, ensure_ascii=False, default=str, sort_keys=True))
"""


def test_rows_do_not_depend_on_hash_seed_or_document_order():
    """Pool and Ray workers are separate processes (own hash seeds) that each see their own
    subset of documents: the rows must come out the same whatever the seed and the order."""
    files = sorted(str(p) for p in Path("corpus/samples").glob("*.txt"))[:3]

    def dump(seed: str, order: list[str]) -> dict:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", DUMP_ROWS, *order], env=env, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)

    assert dump("1", files) == dump("2", files[::-1])


def test_ctrl_c_inside_a_duckdb_query_of_the_index_update_stops_the_ingest(tmp_path, monkeypatch):
    """DuckDB turns a SIGINT that lands mid-query into RuntimeError("Query interrupted"); the
    writer, which carries on after index errors, must stop on that one (it once swallowed the
    user's Ctrl-C and ran the ingest to the end)."""
    import index.sidecar as sidecar

    def interrupted_query(*args, **kw):
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr(sidecar, "index_batch", interrupted_query)
    with pytest.raises(KeyboardInterrupt):
        ingest_files(plans(tmp_path, 2), tmp_path / "i.duckdb", extract=False, embed=False)


SWALLOWING_LIBRARY = """
import signal, sys
import index.sidecar as sidecar
import pipeline.ingest as ingest
real = sidecar.index_batch
def swallows_ctrl_c(*args, **kw):  # a native call that runs Python code and clears its error
    try:
        signal.raise_signal(signal.SIGINT)
    except BaseException:
        pass
    return real(*args, **kw)
sidecar.index_batch = swallows_ctrl_c
ingest.ingest_files(sys.argv[1].split(","), sys.argv[2], workers=1, extract=False, embed=False)
"""


def test_a_ctrl_c_that_a_library_swallows_still_stops_the_ingest(tmp_path):
    """Python raises KeyboardInterrupt wherever the main thread next runs Python code, which
    can be inside a library that clears it (1 multi-file ingest in 5 ran to the end and exited
    0): the ingest remembers the Ctrl-C and stops at its next step, the batch committed."""
    db, files = tmp_path / "c.duckdb", plans(tmp_path, 6)
    env = {**os.environ, "CNPOLICY_BATCH_DOCS": "2", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", SWALLOWING_LIBRARY, ",".join(files), str(db)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, preexec_fn=_sigint_as_a_terminal_sends_it)
    assert proc.returncode != 0 and "KeyboardInterrupt" in proc.stderr, proc.stderr[-2000:]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 2  # the first batch, whole
    report = ingest_files(files, db, extract=False, embed=False)
    assert [r["status"] for r in report] == ["unchanged"] * 2 + ["stored"] * 4


def _tagged(path, extract=True, embed=True):
    from pipeline.process import process_file

    res = process_file(path, extract, embed)
    res.warnings.append(f"processed by {os.getpid()}")
    return res


def test_a_lone_file_is_processed_in_a_worker_while_the_store_opens(tmp_path, monkeypatch):
    """Two cores: the file's processing overlaps opening the store; the rows are the same, and
    a file already stored costs its worker's life, not a result."""
    import pipeline.ingest as ingest_mod

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: the file is processed in-process")
    monkeypatch.setattr(ingest_mod, "_fork_is_safe", lambda: True)  # this test process may have loaded anything
    monkeypatch.setattr(ingest_mod, "process_file", _tagged)
    from queries.search import search

    files = plans(tmp_path, 2)
    ahead, serial = tmp_path / "a.duckdb", tmp_path / "s.duckdb"
    [row] = ingest_files(files[:1], ahead, extract=True, embed=True)
    assert row["status"] == "stored" and row["warnings"] != [f"processed by {os.getpid()}"]
    ingest_files(files, serial, extract=True, embed=True)  # two files: in this process
    doc = row["doc_id"]
    queries = [f"SELECT * EXCLUDE (ingested_at) FROM documents WHERE doc_id = '{doc}'",
               f"SELECT * FROM sections WHERE doc_id = '{doc}' ORDER BY ALL",
               f"SELECT * FROM targets WHERE doc_id = '{doc}' ORDER BY ALL",
               f"SELECT * FROM chunks WHERE doc_id = '{doc}' ORDER BY chunk_id"]  # vectors too
    with duckdb.connect(str(ahead), read_only=True) as a, duckdb.connect(str(serial), read_only=True) as s:
        for q in queries:
            assert a.execute(q).fetchall() == s.execute(q).fetchall(), q
        assert a.execute("SELECT count(vec) FROM chunks").fetchone()[0] > 0
        hits = search(a, "应急物资储备库", k=3, mode="bm25")
        assert hits and {h["doc_id"] for h in hits} == {doc}
    [again] = ingest_files(files[:1], ahead, extract=False, embed=False)
    assert again["status"] == "unchanged"


def _dies(path, extract=True, embed=True):
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_lone_file_whose_worker_dies_is_refused_by_name(tmp_path, monkeypatch):
    """A killed worker (e.g. for memory) refuses its file by name; the ingest goes on."""
    import pipeline.ingest as ingest_mod

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: the file is processed in-process")
    monkeypatch.setattr(ingest_mod, "_fork_is_safe", lambda: True)
    monkeypatch.setattr(ingest_mod, "process_file", _dies)
    [row] = ingest_files(plans(tmp_path, 1), tmp_path / "d.duckdb", extract=False, embed=False)
    assert row["status"] == "error" and "worker processing this file died" in row["reason"]


def test_a_process_with_threads_or_thread_pools_processes_a_lone_file_itself(monkeypatch):
    import threading

    import pipeline.ingest as ingest_mod

    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(ingest_mod, "_NO_FORK_AFTER", ("a_module_nobody_loads",))
    assert ingest_mod._fork_is_safe()
    monkeypatch.setattr(ingest_mod, "_NO_FORK_AFTER", ("json",))  # loaded
    assert not ingest_mod._fork_is_safe()
    monkeypatch.setattr(ingest_mod, "_NO_FORK_AFTER", ())
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert not ingest_mod._fork_is_safe()
    assert ingest_mod._ahead(["one.txt"], 1, "pool", False, False) is None
