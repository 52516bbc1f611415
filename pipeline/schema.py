"""DuckDB schema: the single source of truth.

Document tables (documents, sections, doc_tables, chunks) are declared here; the fact
tables come from the extractor registry (``extractors.registry``), so an extractor that
declares a table gets it created, stored, exported and scored without touching this file.

Every fact table carries provenance: doc_id, section_id, section_path, page,
char_start/char_end (span of the document's original text, so
``documents.raw_text[char_start:char_end] == quote``) and quote, plus the evidence
columns confidence, reasons, section_role and extra (JSON).  Chunks use the same
original-text spans; their text_start/text_end index ``documents.text``
(text == that slice).  Sections are structure over the normalised text: their
char_start/char_end index ``documents.text``, raw_start/raw_end the original.

``TABLES``, ``FACT_TABLES`` and ``DOC_TABLES`` are live views of the registry: a plugin
loaded after this module was imported still shows up in them."""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from extractors import registry

BASE_TABLES: dict[str, str] = {
    "documents": """
        doc_id VARCHAR, source_file VARCHAR, source_path VARCHAR, file_type VARCHAR,
        title VARCHAR, issuer VARCHAR, doc_number VARCHAR, issue_date VARCHAR,
        region VARCHAR, province VARCHAR, prefecture VARCHAR, county VARCHAR,
        admin_code VARCHAR, admin_level VARCHAR, period VARCHAR,
        period_start INTEGER, period_end INTEGER, kind VARCHAR,
        n_pages INTEGER, n_chars INTEGER, encoding VARCHAR, traditional BOOLEAN,
        meta JSON, raw_text VARCHAR, text VARCHAR, offsets INTEGER[],
        ingested_at TIMESTAMP DEFAULT current_timestamp, offset_runs INTEGER[]
    """,
    "sections": """
        doc_id VARCHAR, section_id VARCHAR, ord INTEGER, level INTEGER, number VARCHAR,
        title VARCHAR, kind VARCHAR, parent_id VARCHAR, path VARCHAR,
        char_start INTEGER, char_end INTEGER, raw_start INTEGER, raw_end INTEGER,
        page_start INTEGER, page_end INTEGER
    """,
    "doc_tables": """
        doc_id VARCHAR, table_id INTEGER, page_start INTEGER, page_end INTEGER,
        char_start INTEGER, char_end INTEGER, n_rows INTEGER, rows JSON
    """,
    "chunks": """
        chunk_id VARCHAR, doc_id VARCHAR, section_id VARCHAR, section_path VARCHAR, ord INTEGER,
        text VARCHAR, tokens VARCHAR, page INTEGER, page_end INTEGER,
        char_start INTEGER, char_end INTEGER, vec BLOB, text_start INTEGER, text_end INTEGER
    """,
}
STRUCTURE_TABLES = ("sections", "doc_tables", "chunks")

# Small lookup tables derived from a fact table, kept by the writer in the same transaction
# as the facts (``pipeline.store``): a query reads one of these instead of scanning every fact
# (``SELECT DISTINCT indicator ...`` read all 500k target rows at 10k documents).  They grow
# with the vocabulary, not the corpus; a name whose rows were deleted stays and matches
# nothing.  table → (source fact table, columns).
DERIVED_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "indicator_names": ("targets", ("indicator", "canonical_indicator")),
}


class _Tables(Mapping):
    """table name → column DDL: the document tables, then every registered fact table."""

    def _all(self) -> dict[str, str]:
        return {**BASE_TABLES, **{n: t.ddl() for n, t in registry.tables().items()}}

    def __getitem__(self, name: str) -> str:
        if name in BASE_TABLES:
            return BASE_TABLES[name]
        return registry.get(name).ddl()

    def __contains__(self, name) -> bool:
        return name in BASE_TABLES or name in registry.tables()

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class _Names(Sequence):
    """A tuple-like list of table names that follows the registry."""

    def __init__(self, prefix: tuple[str, ...] = ()):
        self._prefix = prefix

    def _names(self) -> tuple[str, ...]:
        return self._prefix + tuple(registry.tables())

    def __getitem__(self, i):
        return self._names()[i]

    def __len__(self) -> int:
        return len(self._names())

    def __add__(self, other):
        return self._names() + tuple(other)

    def __radd__(self, other):
        return tuple(other) + self._names()

    def __eq__(self, other):
        return tuple(self) == tuple(other)

    def __repr__(self) -> str:
        return repr(self._names())


TABLES: Mapping[str, str] = _Tables()
FACT_TABLES: Sequence[str] = _Names()
# Tables whose rows belong to one document (deleted with it, written with it).
DOC_TABLES: Sequence[str] = _Names(STRUCTURE_TABLES)


def columns(table: str) -> list[str]:
    """Column names of a table, in order."""
    if table not in BASE_TABLES:
        return list(registry.get(table).all_columns)
    cols = []
    for part in BASE_TABLES[table].replace("\n", " ").split(","):
        part = part.strip()
        if part:
            cols.append(part.split()[0])
    return cols
