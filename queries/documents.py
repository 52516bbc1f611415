"""Stored documents: the filterable list and one document with its sections and counts.

    documents(con, Filters.parse(region="山东", level="county"), sort="period")
    document(con, "9202bd")          # id, unique id prefix or file name
"""
from __future__ import annotations

from extractors.registry import tables as fact_tables
from queries.filters import Filters, NotFound, find_document, has_column
from queries.targets import Page, paged_select

COLUMNS = ("doc_id", "source_file", "title", "issuer", "doc_number", "issue_date", "region", "province",
           "prefecture", "county", "admin_code", "admin_level", "period", "period_start", "period_end", "kind",
           "file_type", "n_pages", "n_chars")
STRUCTURE = ("sections", "chunks")  # counted beside the fact tables
SORTS = {"file": "d.source_file", "title": "d.title", "region": "d.region", "province": "d.province",
         "level": "d.admin_level", "kind": "d.kind", "period": "d.period_start", "issue_date": "d.issue_date"}


def facts() -> tuple[str, ...]:
    """The fact tables, as the registry declares them (a plugin's table included)."""
    return tuple(fact_tables())


def counted() -> tuple[str, ...]:
    """The tables a document's counts (``n_<table>``) cover: the fact tables, sections, chunks."""
    return (STRUCTURE[0], *facts(), *STRUCTURE[1:])


def sorts() -> dict[str, str]:
    """Sort names → SQL: the metadata columns and every count."""
    return {**SORTS, **{name: f"n_{name}" for name in counted()}}


def _stored_tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def _select(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _count_sql(con, table: str, f: Filters, stored: set[str]) -> tuple[str, list]:
    """A correlated count of ``table`` rows of document d (facts at the confidence threshold);
    NULL for a declared table the database does not hold (one made before its plugin)."""
    if table not in stored:
        return f"NULL::BIGINT AS n_{table}", []
    if table in facts() and f.min_confidence > 0 and has_column(con, table, "confidence"):
        return (f"(SELECT count(*) FROM {table} x WHERE x.doc_id = d.doc_id AND "
                f"(x.confidence IS NULL OR x.confidence >= ?)) AS n_{table}", [f.min_confidence])
    return f"(SELECT count(*) FROM {table} x WHERE x.doc_id = d.doc_id) AS n_{table}", []


def documents_page(con, filters: Filters | None = None, sort: str | None = None, descending: bool = False,
                   limit=None, offset: int = 0, **filter_values) -> Page:
    """``documents`` as one page (``limit`` from ``offset``, in SQL) and the number of matches."""
    from queries.filters import FilterError

    f = Filters.of(filters, **filter_values)
    known = sorts()
    if sort not in (None, "", *known):
        raise FilterError("sort", f"unknown sort {sort!r}: use one of {', '.join(known)}")
    where, params = f.document_sql(con)
    stored = _stored_tables(con)
    counts, count_params = zip(*(_count_sql(con, t, f, stored) for t in counted()))
    direction = "DESC" if descending else "ASC"
    order = f"{known[sort or 'file']} {direction} NULLS LAST, d.source_file, d.doc_id"
    return paged_select(con, f"{', '.join('d.' + c for c in COLUMNS)}, {', '.join(counts)}",
                        f"FROM documents d WHERE {' AND '.join(where) or 'TRUE'}", order, params, None, limit,
                        offset, select_params=[p for ps in count_params for p in ps])


def documents(con, filters: Filters | None = None, sort: str | None = None, descending: bool = False,
              limit=None, offset: int = 0, **filter_values) -> list[dict]:
    """Documents matching the shared filters, each with its metadata and fact counts
    (``n_targets`` …, one per registry table).  ``sort`` is one of ``sorts()`` (default: file name)."""
    return documents_page(con, filters, sort, descending, limit, offset, **filter_values).rows


def document(con, ref: str, text: bool = False) -> dict:
    """One document (by id, unique id prefix or file name): metadata, the section tree and
    fact counts; ``text`` adds the original text.  Raises ``NotFound``."""
    doc_id = find_document(con, ref)
    cols = ", ".join(COLUMNS) + (", raw_text" if text else "")
    doc = _select(con, f"SELECT {cols} FROM documents WHERE doc_id = ?", [doc_id])[0]
    doc["sections"] = _select(con, "SELECT section_id, parent_id, level, number, title, kind, path, page_start, "
                                   "page_end, raw_start, raw_end FROM sections WHERE doc_id = ? ORDER BY ord",
                              [doc_id])
    stored = _stored_tables(con)
    doc["counts"] = {t: con.execute(f"SELECT count(*) FROM {t} WHERE doc_id = ?", [doc_id]).fetchone()[0]
                     if t in stored else None for t in counted()}
    return doc


__all__ = ["documents", "documents_page", "document", "NotFound", "SORTS", "sorts", "facts", "counted"]
