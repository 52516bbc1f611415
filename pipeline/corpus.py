"""The Python API: one object over one database file.

    from pipeline import Corpus

    c = Corpus("cnpolicy.duckdb")
    c.ingest(["corpus/samples"])
    c.targets(indicator="人均应急避难场所面积", county_level=True)
    c.compare("亿元GDP生产安全事故死亡率")
    c.ask("哪些县市的人均应急避难场所面积目标是2.5平方米？")["text"]
    c.df("targets", region="义乌市")          # pandas DataFrame, if pandas is installed

Every method returns plain lists of dicts (rows with their citation fields), which
``pandas.DataFrame(rows)`` takes as they are.  Reads open the file read-only.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path


class Corpus:
    def __init__(self, db: str | Path = "cnpolicy.duckdb"):
        self.db = str(db)

    def __repr__(self) -> str:
        return f"Corpus({self.db!r})"

    @contextmanager
    def _read(self):
        from pipeline.store import connect

        con = connect(self.db, read_only=True)
        try:
            yield con
        finally:
            con.close()

    # --- writing ----------------------------------------------------------------------
    def ingest(self, paths, workers: int = 1, force: bool = False, extract: bool = True,
               embed: bool = True) -> list[dict]:
        """Ingest files and folders (str, Path or a list of them); one report row per file."""
        from pipeline.cmd_ingest import expand_paths
        from pipeline.ingest import ingest_files

        if isinstance(paths, (str, Path)):
            paths = [paths]
        files, _ = expand_paths([Path(p) for p in paths])
        return ingest_files(files, self.db, workers=workers, force=force, extract=extract, embed=embed)

    # --- reading ----------------------------------------------------------------------
    def documents(self) -> list[dict]:
        with self._read() as con:
            cur = con.execute("SELECT * EXCLUDE (raw_text, text, offsets) FROM documents ORDER BY source_file")
            names = [c[0] for c in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]

    def targets(self, **filters) -> list[dict]:
        """Filters of ``queries.targets.query_targets``: indicator, value, unit, comparator, year,
        region, province, admin_level, county_level, kind, attribute, doc_id, limit."""
        from queries.targets import query_targets

        with self._read() as con:
            return query_targets(con, **filters)

    def projects(self, **filters) -> list[dict]:
        from queries.targets import list_projects

        with self._read() as con:
            return list_projects(con, **filters)

    def responsibilities(self, **filters) -> list[dict]:
        from queries.targets import list_responsibilities

        with self._read() as con:
            return list_responsibilities(con, **filters)

    def compare(self, indicator: str, year: int | None = None, **filters) -> list[dict]:
        from queries.compare import compare

        with self._read() as con:
            return compare(con, indicator, year=year, **filters)

    def ask(self, question: str) -> dict:
        from queries.ask import ask

        with self._read() as con:
            return ask(con, question)

    def search(self, query: str, k: int = 10, **filters) -> list[dict]:
        from queries.search import search

        with self._read() as con:
            return search(con, query, k, **filters)

    def df(self, what: str, *args, **filters):
        """Any list method above as a pandas DataFrame: ``c.df("targets", region="义乌市")``."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("Corpus.df needs pandas (pip install pandas); the list methods do not") from e
        if what == "ask":
            return pd.DataFrame(self.ask(*args)["rows"])
        return pd.DataFrame(getattr(self, what)(*args, **filters))
