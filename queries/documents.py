"""Stored documents: the filterable list and one document with its sections and counts.

    documents(con, Filters.parse(region="山东", level="county"), sort="period")
    document(con, "9202bd")          # id, unique id prefix or file name
"""
from __future__ import annotations

from queries.filters import Filters, NotFound, find_document, has_column

COLUMNS = ("doc_id", "source_file", "title", "issuer", "doc_number", "issue_date", "region", "province",
           "prefecture", "county", "admin_code", "admin_level", "period", "period_start", "period_end", "kind",
           "file_type", "n_pages", "n_chars")
COUNTED = ("sections", "targets", "projects", "responsibilities", "deadlines", "chunks")
FACTS = ("targets", "projects", "responsibilities", "deadlines")
SORTS = {"file": "d.source_file", "title": "d.title", "region": "d.region", "province": "d.province",
         "level": "d.admin_level", "kind": "d.kind", "period": "d.period_start", "issue_date": "d.issue_date",
         **{name: f"n_{name}" for name in COUNTED}}


def _select(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _count_sql(con, table: str, f: Filters) -> tuple[str, list]:
    """A correlated count of ``table`` rows of document d (facts at the confidence threshold)."""
    if table in FACTS and f.min_confidence > 0 and has_column(con, table, "confidence"):
        return (f"(SELECT count(*) FROM {table} x WHERE x.doc_id = d.doc_id AND "
                f"(x.confidence IS NULL OR x.confidence >= ?)) AS n_{table}", [f.min_confidence])
    return f"(SELECT count(*) FROM {table} x WHERE x.doc_id = d.doc_id) AS n_{table}", []


def documents(con, filters: Filters | None = None, sort: str | None = None, descending: bool = False,
              **filter_values) -> list[dict]:
    """Documents matching the shared filters, each with its metadata and fact counts
    (``n_targets`` …).  ``sort`` is one of SORTS (default: file name)."""
    from queries.filters import FilterError

    f = Filters.of(filters, **filter_values)
    if sort not in (None, "", *SORTS):
        raise FilterError("sort", f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    where, params = f.document_sql(con)
    counts, count_params = zip(*(_count_sql(con, t, f) for t in COUNTED))
    order = SORTS.get(sort or "file")
    direction = "DESC" if descending else "ASC"
    sql = (f"SELECT {', '.join('d.' + c for c in COLUMNS)}, {', '.join(counts)} FROM documents d "
           f"WHERE {' AND '.join(where) or 'TRUE'} ORDER BY {order} {direction} NULLS LAST, d.source_file")
    return _select(con, sql, [p for ps in count_params for p in ps] + params)


def document(con, ref: str, text: bool = False) -> dict:
    """One document (by id, unique id prefix or file name): metadata, the section tree and
    fact counts; ``text`` adds the original text.  Raises ``NotFound``."""
    doc_id = find_document(con, ref)
    cols = ", ".join(COLUMNS) + (", raw_text" if text else "")
    doc = _select(con, f"SELECT {cols} FROM documents WHERE doc_id = ?", [doc_id])[0]
    doc["sections"] = _select(con, "SELECT section_id, parent_id, level, number, title, kind, path, page_start, "
                                   "page_end, raw_start, raw_end FROM sections WHERE doc_id = ? ORDER BY ord",
                              [doc_id])
    doc["counts"] = {t: con.execute(f"SELECT count(*) FROM {t} WHERE doc_id = ?", [doc_id]).fetchone()[0]
                     for t in COUNTED}
    return doc


__all__ = ["documents", "document", "NotFound", "SORTS"]
