"""DuckDB schema: the single source of truth.

Every fact table carries provenance: doc_id, section_id, section_path, page,
char_start/char_end (span of the document's original text, so
``documents.raw_text[char_start:char_end] == quote``) and quote.  Chunks use the same
original-text spans.  Sections are structure over the normalised text: their
char_start/char_end index ``documents.text``, raw_start/raw_end the original."""

PROVENANCE = """
    section_id VARCHAR, section_path VARCHAR, page INTEGER,
    char_start INTEGER, char_end INTEGER, quote VARCHAR
"""

TABLES: dict[str, str] = {
    "documents": """
        doc_id VARCHAR PRIMARY KEY, source_file VARCHAR, source_path VARCHAR, file_type VARCHAR,
        title VARCHAR, issuer VARCHAR, doc_number VARCHAR, issue_date VARCHAR,
        region VARCHAR, province VARCHAR, prefecture VARCHAR, county VARCHAR,
        admin_code VARCHAR, admin_level VARCHAR, period VARCHAR,
        period_start INTEGER, period_end INTEGER, kind VARCHAR,
        n_pages INTEGER, n_chars INTEGER, encoding VARCHAR, traditional BOOLEAN,
        meta JSON, raw_text VARCHAR, text VARCHAR, offsets INTEGER[],
        ingested_at TIMESTAMP DEFAULT current_timestamp
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
        char_start INTEGER, char_end INTEGER, embedding FLOAT[]
    """,
    "targets": """
        doc_id VARCHAR, target_id VARCHAR, indicator VARCHAR, canonical_indicator VARCHAR,
        value DOUBLE, value_max DOUBLE, value_raw VARCHAR, unit VARCHAR, comparator VARCHAR,
        year INTEGER, attribute VARCHAR, category VARCHAR, source_kind VARCHAR,
    """ + PROVENANCE,
    "projects": """
        doc_id VARCHAR, project_id VARCHAR, name VARCHAR, summary VARCHAR,
        investment DOUBLE, category VARCHAR,
    """ + PROVENANCE,
    "responsibilities": """
        doc_id VARCHAR, resp_id VARCHAR, task VARCHAR, lead VARCHAR[], support VARCHAR[],
        lead_canonical VARCHAR[], support_canonical VARCHAR[], lead_role VARCHAR, support_role VARCHAR,
    """ + PROVENANCE,
    "deadlines": """
        doc_id VARCHAR, deadline_id VARCHAR, what VARCHAR, year INTEGER, month INTEGER,
        relative VARCHAR,
    """ + PROVENANCE,
}

FACT_TABLES = ("targets", "projects", "responsibilities", "deadlines")
# Tables whose rows belong to one document (deleted with it, written with it).
DOC_TABLES = ("sections", "doc_tables", "chunks") + FACT_TABLES


def columns(table: str) -> list[str]:
    """Column names of a table, in order."""
    cols = []
    for part in TABLES[table].replace("\n", " ").split(","):
        part = part.strip()
        if part:
            cols.append(part.split()[0])
    return cols
