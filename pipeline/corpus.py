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

    # --- reading: the queries functions, with the shared filters (queries.filters.Filters) --
    # Every method takes the filters as keywords: region (full or short name), province,
    # level, kind, period, year, attribute, min_confidence / include_all, doc (id, prefix or
    # file name), value_min/value_max/unit, investment_min/investment_max — or filters=Filters(...).
    def documents(self, sort: str | None = None, **filters) -> list[dict]:
        """Stored documents with metadata and fact counts (n_targets …)."""
        from queries.documents import documents

        with self._read() as con:
            return documents(con, sort=sort, **filters)

    def document(self, ref: str, text: bool = False) -> dict:
        """One document by id, unique id prefix or file name: metadata, sections, counts."""
        from queries.documents import document

        with self._read() as con:
            return document(con, ref, text=text)

    def targets(self, indicator: str | None = None, **filters) -> list[dict]:
        """Targets matched by indicator concept; also value/comparator/unit (``query_targets``)."""
        from queries.targets import query_targets

        with self._read() as con:
            return query_targets(con, indicator=indicator, **filters)

    def projects(self, name: str | None = None, **filters) -> list[dict]:
        from queries.targets import list_projects

        with self._read() as con:
            return list_projects(con, name=name, **filters)

    def responsibilities(self, department: str | None = None, role: str | None = None, **filters) -> list[dict]:
        from queries.targets import list_responsibilities

        with self._read() as con:
            return list_responsibilities(con, department=department, role=role, **filters)

    def deadlines(self, what: str | None = None, **filters) -> list[dict]:
        from queries.targets import list_deadlines

        with self._read() as con:
            return list_deadlines(con, what=what, **filters)

    def compare(self, indicator: str, year: int | None = None, all_periods: bool = False, **filters) -> list[dict]:
        """One row per plan for one plan period (``comparison`` says which period)."""
        from queries.compare import compare

        with self._read() as con:
            return compare(con, indicator, year=year, all_periods=all_periods, **filters)

    def comparison(self, indicator: str, year: int | None = None, all_periods: bool = False, **filters) -> dict:
        """{indicator, period, period_label, periods, direction, year, rows}."""
        from queries.compare import comparison

        with self._read() as con:
            return comparison(con, indicator, year=year, all_periods=all_periods, **filters)

    def ask(self, question: str) -> dict:
        from queries.ask import ask

        with self._read() as con:
            return ask(con, question)

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters=None, **kw) -> list[dict]:
        """Passages; filters region, province, level (or admin_level), kind, period, year."""
        from queries.filters import Filters
        from queries.search import search

        level = kw.pop("admin_level", None) or kw.pop("level", None)
        with self._read() as con:
            return search(con, query, k, mode=mode, filters=Filters.of(filters, level=level, **kw))

    def diff(self, old: str, new: str) -> dict:
        """The diff of two stored documents (id, prefix or file name) as JSON (queries/DIFF.md)."""
        from queries.diff import diff_records, records_from_db
        from queries.filters import find_document

        with self._read() as con:
            return diff_records(*(records_from_db(con, find_document(con, ref)) for ref in (old, new))).to_dict()

    def df(self, what: str, *args, **filters):
        """Any list method above as a pandas DataFrame: ``c.df("targets", region="义乌市")``."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("Corpus.df needs pandas (pip install pandas); the list methods do not") from e
        if what == "ask":
            return pd.DataFrame(self.ask(*args)["rows"])
        return pd.DataFrame(getattr(self, what)(*args, **filters))
