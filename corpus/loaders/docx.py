"""DOCX: paragraphs and tables in body order (python-docx, walking the body XML).

Each paragraph is a line (headings included); each table row is a line of tab-joined
cells and the rows become a ``Table``.  A cell merged across columns is written once.
DOCX has no fixed pages, so ``pages`` stays empty.
"""
from __future__ import annotations

import io

from corpus.model import Document, LoadError, Table

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


MAX_UNPACKED = 200 * 1024 * 1024  # bytes: a real DOCX unpacks to a few MB; a zip bomb to GBs
MAX_RATIO = 200  # uncompressed/compressed of one member: XML compresses ~10x, bombs 1000x


def check_zip(path: str, data: bytes) -> None:
    """Refuse a DOCX that would unpack to far more than any document (a zip bomb),
    before python-docx inflates it."""
    import zipfile

    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise LoadError(path, f"not a valid DOCX: not a zip archive ({e})")
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED:
        raise LoadError(path, f"DOCX unpacks to {total / 2**20:.0f} MB (limit {MAX_UNPACKED // 2**20} MB): "
                              "a damaged file or a zip bomb")
    for m in members:
        if m.file_size > 10 * 2**20 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise LoadError(path, f"DOCX member {m.filename} unpacks {m.file_size // max(m.compress_size, 1)}x "
                                  "its size: a zip bomb")


def _docx_problem(e: Exception) -> str:
    """What python-docx's exception means for the user."""
    import zipfile
    import zlib

    name = type(e).__name__
    if isinstance(e, (zipfile.BadZipFile, zlib.error, EOFError)) or "seek" in str(e) or "CRC" in str(e):
        return "damaged zip archive"
    if isinstance(e, KeyError):
        return "a required part is missing (word/document.xml or its relations)"
    if name in ("XMLSyntaxError", "ParseError"):
        return "damaged XML inside the document"
    if "content type" in str(e).lower() or name == "PackageNotFoundError":
        return "not a Word document (wrong content type)"
    return f"damaged document ({name})"


def load_bytes(path: str, data: bytes) -> Document:
    import docx

    check_zip(path, data)
    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # zipfile.BadZipFile, KeyError for a missing part, lxml errors
        raise LoadError(path, f"not a valid DOCX: {_docx_problem(e)}")
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
                try:
                    rows = table_rows(DocxTable(child, d._body))
                except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                    rows = xml_table_rows(child)  # merged cells python-docx cannot resolve
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


def xml_table_rows(tbl) -> list[list[str]]:
    """Rows read straight from the table XML, one cell per ``w:tc`` as written: used when
    python-docx's merged-cell logic rejects a table (an odd vMerge, a bad gridSpan), so
    one damaged table costs its merge layout, not the document."""
    rows = []
    for tr in tbl.iter(W + "tr"):
        cells = []
        for tc in tr.iter(W + "tc"):
            paras = ["".join(t.text or "" for t in p.iter(W + "t")).strip() for p in tc.iter(W + "p")]
            cells.append(" ".join(x for x in paras if x))
        if any(cells):
            rows.append(cells)
    return rows
