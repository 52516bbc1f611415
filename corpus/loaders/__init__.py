"""Loaders: one per file type, each returning a ``corpus.model.Document`` with
``raw_text``, ``pages`` and ``tables`` filled.  ``load(path)`` picks by extension.

Every loader module exposes ``load_bytes(path, data) -> Document``; the checks every
file type shares (missing, unsupported, empty, traditional characters, doc_id) live here.
"""
from __future__ import annotations

import hashlib
import importlib
from pathlib import Path

from corpus.model import Document, LoadError

# extension -> loader module (corpus.loaders.<name>) and Document.file_type
SUPPORTED = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html", ".htm": "html", ".xhtml": "html", ".shtml": "html",
    ".txt": "txt", ".text": "txt",
    ".md": "markdown", ".markdown": "markdown",
    ".json": "crawljson",
}
# Formats we recognise but cannot read: say what to do instead of "unsupported".
ADVICE = {
    ".doc": "old Word .doc format is not supported: convert it to .docx "
            "(e.g. `soffice --headless --convert-to docx FILE.doc`)",
    ".wps": "WPS format is not supported: save it as .docx",
    ".xls": "spreadsheets are not supported: export the sheet as .csv/.txt or the plan as .pdf",
    ".xlsx": "spreadsheets are not supported: export the sheet as .csv/.txt or the plan as .pdf",
    ".ofd": "OFD is not supported: export it as PDF",
}


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def supported_list() -> str:
    return ", ".join(sorted(SUPPORTED))


def load(path: str | Path, ocr: str | None = None) -> Document:
    """``ocr``: auto | always | never for PDFs (default: $CNPOLICY_OCR, else auto)."""
    path = Path(path)
    if not path.is_file():
        raise LoadError(str(path), "no such file")
    ext = path.suffix.lower()
    if ext in ADVICE:
        raise LoadError(str(path), ADVICE[ext])
    kind = SUPPORTED.get(ext)
    if kind is None:
        raise LoadError(str(path), f"unsupported file type '{path.suffix or '(none)'}' (supported: {supported_list()})")
    data = path.read_bytes()
    if not data.strip():
        raise LoadError(str(path), "empty file")
    module = importlib.import_module(f"corpus.loaders.{kind}")
    doc = module.load_bytes(str(path), data, ocr=ocr) if kind == "pdf" else module.load_bytes(str(path), data)
    if not doc.raw_text.strip():
        raise LoadError(str(path), "empty file" if kind != "pdf" else "no text in PDF")
    doc.doc_id = file_hash(data)
    doc.file_type = doc.file_type or kind  # markdown / json loaders name their own type
    flag_traditional(doc)
    return doc


def flag_traditional(doc: Document) -> None:
    """Mark documents written in traditional characters; normalise() converts them."""
    from corpus.chinese import is_traditional

    doc.traditional = is_traditional(doc.raw_text)
