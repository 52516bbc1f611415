"""Loaders: one per file type, each returning a ``corpus.model.Document`` with
``raw_text``, ``pages`` and ``tables`` filled.  ``load(path)`` picks by extension."""
from __future__ import annotations

import hashlib
from pathlib import Path

from corpus.model import Document, LoadError

SUPPORTED = {".txt": "txt", ".text": "txt", ".md": "txt"}


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def load(path: str | Path) -> Document:
    path = Path(path)
    if not path.is_file():
        raise LoadError(str(path), "no such file")
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise LoadError(str(path), f"unsupported file type '{path.suffix or '(none)'}'")
    data = path.read_bytes()
    if not data.strip():
        raise LoadError(str(path), "empty file")
    text = data.decode("utf-8-sig")
    return Document(doc_id=file_hash(data), source_path=str(path), file_type=kind,
                    raw_text=text, encoding="utf-8")
