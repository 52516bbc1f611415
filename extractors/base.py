"""The extraction pipeline: ``spacy.blank("zh")`` with the jieba segmenter and our own
components, registered the spaCy way so a user can add one of theirs.

A component is a function ``(doc: spacy.tokens.Doc) -> Doc``.  It reads the source
``corpus.model.Document`` from ``doc._.source`` and appends plain dict records to
``doc._.records[<table>]``.  Use :func:`provenance` to fill the location fields.

    import spacy
    from extractors.base import make_nlp, RECORD_TYPES

    @spacy.Language.component("my_extractor")
    def my_extractor(doc):
        doc._.records.setdefault("targets", []).append({...})
        return doc

    nlp = make_nlp()
    nlp.add_pipe("my_extractor")
"""
from __future__ import annotations

import re
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from corpus.model import Document

RECORD_TYPES = ("targets", "projects", "responsibilities", "deadlines")
DEFAULT_COMPONENTS = ("cn_sentencizer", "targets", "projects", "responsibilities", "deadlines")

if not Doc.has_extension("source"):
    Doc.set_extension("source", default=None)
if not Doc.has_extension("records"):
    Doc.set_extension("records", default=None)

SENT_END = re.compile(r"[。！？；!?;]+[”」’』）)]*|\n+")


@Language.component("cn_sentencizer")
def cn_sentencizer(doc: Doc) -> Doc:
    """Sentence boundaries at Chinese terminal punctuation and line breaks."""
    import numpy
    from spacy.attrs import SENT_START

    starts = {0}
    for m in SENT_END.finditer(doc.text):
        starts.add(m.end())
    # One array write: setting tok.is_sent_start token by token is quadratic in spaCy.
    flags = numpy.array([1 if tok.idx in starts else -1 for tok in doc], dtype="int64").reshape(-1, 1).astype("uint64")
    if len(doc):
        flags[0, 0] = 1
        doc = doc.from_array([SENT_START], flags)
    return doc


def _register_components() -> None:
    """Import the modules whose import registers our extractor components."""
    import extractors.deadlines  # noqa: F401
    import extractors.projects  # noqa: F401
    import extractors.responsibilities  # noqa: F401
    import extractors.targets  # noqa: F401


def make_nlp(components: tuple[str, ...] = DEFAULT_COMPONENTS) -> Language:
    _register_components()
    from corpus.segment import jieba

    jieba()  # initialise quietly before spaCy's tokenizer loads it
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    for name in components:
        nlp.add_pipe(name)
    return nlp


@lru_cache(maxsize=1)
def default_nlp() -> Language:
    return make_nlp()


def extract(document: Document, nlp: Language | None = None) -> dict[str, list[dict]]:
    """Run every component over one normalised Document; return records per table."""
    nlp = nlp or default_nlp()
    doc = nlp.make_doc(document.text)
    doc._.source = document
    doc._.records = {t: [] for t in RECORD_TYPES}
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    records = doc._.records
    for table, rows in records.items():
        for i, row in enumerate(rows, 1):
            row.setdefault("doc_id", document.doc_id)
            row.setdefault(f"{table[:-1] if table != 'responsibilities' else 'resp'}_id", f"{document.doc_id}:{table[0]}{i:04d}")
    return records


def provenance(document: Document, start: int, end: int) -> dict:
    """Location fields for a fact found at ``document.text[start:end]``."""
    a, b = document.raw_span(start, end)
    section = document.section_at(start)
    return {
        "section_id": section.id if section else None,
        "section_path": (f"{section.path}/{section.heading}" if section.path else section.heading) if section else None,
        "page": document.page_at_raw(a),
        "char_start": a,
        "char_end": b,
        "quote": document.raw_text[a:b],
    }
