"""DOCX: paragraphs and tables in body order (python-docx, walking the body XML).

Each paragraph is a line (headings included); each table row is a line of tab-joined
cells and the rows become a ``Table``.  A cell merged across columns is written once.
DOCX has no fixed pages, so ``pages`` stays empty.
"""
from __future__ import annotations

import io

from corpus.model import Document, LoadError, Table

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def load_bytes(path: str, data: bytes) -> Document:
    import docx

    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # zipfile.BadZipFile, KeyError for a missing part, lxml errors
        raise LoadError(path, f"not a valid DOCX: {type(e).__name__}: {e}")
    lines: list[str] = []
    size = 0
    tables: list[Table] = []
    for kind, value in body_items(d):
        if kind == "p":
            lines.append(value)
            size += len(value) + 1
            continue
        rows = value
        text = "\n".join("\t".join(r) for r in rows)
        tables.append(Table(rows=rows, start=size, end=size + len(text)))
        lines.append(text)
        size += len(text) + 1
    return Document(doc_id="", source_path=path, file_type="docx", raw_text="\n".join(lines) + "\n",
                    tables=tables, encoding=None)


def body_items(d) -> list[tuple[str, object]]:
    """("p", text) and ("table", rows) in document order, content controls unwrapped."""
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    out: list[tuple[str, object]] = []

    def walk(parent) -> None:
        for child in parent.iterchildren():
            if child.tag == W + "p":
                out.append(("p", Paragraph(child, d._body).text))
            elif child.tag == W + "tbl":
                rows = table_rows(DocxTable(child, d._body))
                if rows:
                    out.append(("table", rows))
            elif child.tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    walk(content)

    walk(d.element.body)
    return out


def table_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        seen = set()
        cells = []
        for cell in row.cells:
            if id(cell._tc) in seen:  # horizontally merged: python-docx repeats the cell
                cells.append("")
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
        if any(cells):
            rows.append(cells)
    return rows
