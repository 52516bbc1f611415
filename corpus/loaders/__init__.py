"""Loaders: one per file type, each returning a ``corpus.model.Document`` with
``raw_text``, ``pages`` and ``tables`` filled.  ``load(path)`` picks by extension.

Every loader module exposes ``load_bytes(path, data) -> Document`` (the PDF loader also
takes ``ocr``); the checks every file type shares live here: missing, unsupported, empty,
input limits (file size, text length), traditional characters, doc_id, and turning a
reader library's exception on a damaged file into a LoadError that names it.  Problems a
loader repaired (damaged pages, replaced bytes) are listed in ``doc.meta["load_warnings"]``.
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


# Input limits: far above any policy document, low enough that one file cannot take a
# worker's memory (a plan is 0.1–2 MB of text; the longest seen is ~1M characters).
MAX_MB = {"pdf": 500, "docx": 100}  # scans and embedded images make PDFs large
MAX_MB_TEXT = 100  # txt, html, markdown, json
MAX_CHARS = 10_000_000  # characters of text a loader may return


def join_lines(lines: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The raw text of a loader's lines (each ends with a newline) and each line's span in it."""
    spans, pos = [], 0
    for line in lines:
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return "\n".join(lines) + "\n", spans


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
    size, limit = path.stat().st_size, MAX_MB.get(kind, MAX_MB_TEXT)
    if size > limit * 2**20:
        raise LoadError(str(path), f"file too large ({size / 2**20:.0f} MB; the limit for {ext} is {limit} MB)")
    data = path.read_bytes()
    if not data.strip():
        raise LoadError(str(path), "empty file")
    doc = _read(path, kind, data, ocr)
    if not doc.raw_text.strip():
        raise LoadError(str(path), "empty file" if kind != "pdf" else "no text in PDF")
    if len(doc.raw_text) > MAX_CHARS:
        raise LoadError(str(path), f"text too long ({len(doc.raw_text):,} characters; the limit is {MAX_CHARS:,}): "
                                   "split the file")
    doc.doc_id = file_hash(data)
    doc.file_type = doc.file_type or kind  # markdown / json loaders name their own type
    flag_traditional(doc)
    return doc


LABELS = {"pdf": "PDF", "docx": "DOCX", "html": "HTML", "txt": "text", "markdown": "Markdown", "crawljson": "JSON"}


def _read(path: Path, kind: str, data: bytes, ocr: str | None) -> Document:
    """The loader's Document; what a library raises on a damaged file becomes a LoadError
    that names the file and the problem (never a raw library exception)."""
    module = importlib.import_module(f"corpus.loaders.{kind}")
    label = LABELS.get(kind, kind)
    try:
        return module.load_bytes(str(path), data, ocr=ocr) if kind == "pdf" else module.load_bytes(str(path), data)
    except LoadError:
        raise
    except RecursionError:
        raise LoadError(str(path), f"damaged {label} file: nested too deeply to read")
    except MemoryError:
        raise LoadError(str(path), f"damaged {label} file: needs more memory than a document may take")
    except Exception as e:  # a reader library failing on a damaged file
        raise LoadError(str(path), f"damaged {label} file: the {label} reader failed ({type(e).__name__})")


def flag_traditional(doc: Document) -> None:
    """Mark documents written in traditional characters; normalise() converts them."""
    from corpus.chinese import is_traditional

    doc.traditional = is_traditional(doc.raw_text)
