"""Section tree from Chinese heading numbering. Placeholder: one section per document."""
from __future__ import annotations

from corpus.model import Document, Section


def build_sections(doc: Document) -> list[Section]:
    return [Section(id="s0001", level=1, number="", title="全文", kind="heading", parent=None,
                    start=0, end=len(doc.text), path="")]
