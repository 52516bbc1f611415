"""The version of a store's files, and values remembered per version (no numpy here: the
filters import this, and a cold search should not pay for numpy).

The version of a store is the identity, size and times of its file and its write-ahead log:
DuckDB appends every commit to the log (an UPDATE too) and a checkpoint rewrites the file, so
any committed change gives a new version.  An in-memory database has no version."""
from __future__ import annotations

import os
import threading
import weakref

_PATHS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def store_path(con) -> str | None:
    """The file of this connection's database (None: in memory), remembered per connection."""
    try:
        return _PATHS[con]
    except (KeyError, TypeError):
        pass
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    path = row[0] if row and row[0] and not str(row[0]).startswith(":memory:") else None
    try:
        _PATHS[con] = path
    except TypeError:  # a connection type without weak references: asked each time
        pass
    return path


def store_version(path: str | None) -> tuple | None:
    """(inode, size, mtime, ctime) of the database file and of its write-ahead log (None when
    there is none); None when the file cannot be read."""
    if not path:
        return None
    out = []
    for name in (path, f"{path}.wal"):
        try:
            s = os.stat(name)
        except FileNotFoundError:
            out.append(None)
            continue
        except OSError:
            return None
        out.append((s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns))
    return tuple(out) if out[0] is not None else None


_LOCK = threading.Lock()
_MEMO: dict[tuple[str, str], tuple[tuple, object]] = {}
MEMO_SIZE = 1024


def versioned(con, name: str, build):
    """``build()``, remembered under this store's path and ``name`` while its files are unchanged
    (one value per store and name); computed afresh for an in-memory database, or when a commit
    lands while it is built."""
    path = store_path(con)
    version = store_version(path)
    if version is None:
        return build()
    found = _MEMO.get((path, name))
    if found is not None and found[0] == version:
        return found[1]
    value = build()
    if store_version(path) == version:
        with _LOCK:
            if len(_MEMO) >= MEMO_SIZE:  # many different filters asked: start again
                _MEMO.clear()
            _MEMO[(path, name)] = (version, value)
    return value
