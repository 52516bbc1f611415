"""The extraction pipeline: a spaCy ``Language`` for Chinese with a cheap sentence tokenizer
and one component per fact table, registered the spaCy way so a user can add one of theirs.

Why a sentence tokenizer: the extractors work on clauses and sentences, not words, and
jieba word segmentation cost three quarters of the extraction time while no component read
a token.  ``cn_sentence_tokenizer`` makes one token per sentence (text up to and including a
run of terminal marks and the closing quotes or brackets after it, or a run of line breaks:
exactly where the ``cn_sentencizer`` ends a sentence), so every token starts a sentence and
``doc.sents`` costs nothing.  Each token is a new lexeme, freed with its memory zone, and a
sentence token makes half as many as a clause token did.  A record's span in ``doc.spans``
covers the sentences holding it (``alignment_mode="expand"``); the record's own
``char_start``/``char_end``/``quote`` are character precise and never read from tokens.
Sentence tokens and spans are made for a caller that keeps the Docs (``run(keep_docs=True)``);
an ingest drops them, so its Docs are one token holding the text (:func:`text_doc`).

A component is a function ``(doc: spacy.tokens.Doc) -> Doc``.  It reads the source
``corpus.model.Document`` from ``doc._.source`` and appends plain dict records to
``doc._.records[<table>]``; the table must be declared in ``extractors.registry``.  Use
:func:`provenance` to fill the location fields.  After the pipeline every record's span is
in ``doc.spans[<table>]``.  Record keys that are not columns of the table are kept in its
``extra`` JSON column; a record for an undeclared table raises ``RegistryError``.

Building the pipeline (:func:`default_nlp`) tunes the process's cyclic collector for
extraction, for good: what exists then is frozen out of its scans, and the young generation
is collected every 20,000 allocations, not 700 (an extraction's objects die by reference
counting).  Nothing extracted depends on it.
"""
from __future__ import annotations

import bisect
import gc
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy
import spacy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from corpus.model import Document
from extractors import registry

SENTENCIZER = "cn_sentencizer"

if not Doc.has_extension("source"):
    Doc.set_extension("source", default=None)
if not Doc.has_extension("records"):
    Doc.set_extension("records", default=None)
if not Doc.has_extension("errors"):
    Doc.set_extension("errors", default=None)

MAX_CHARS = 100_000_000  # longer text is refused with a clear error, not a MemoryError
SENT_END = re.compile(r"[。！？；!?;]+[”」’』）)]*|\n+")
SENT_END_PARTS = (re.compile(r"[。！？；!?;]+[”」’』）)]*"), re.compile(r"\n+"))  # SENT_END's two alternatives
# A sentence: up to and including a SENT_END match (the first terminal mark or line break on
# decides where: the text before it holds neither), or the text after the last one.
SENTENCE_TOKEN = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”」’』）)]*|\n+)|[^。！？；!?;\n]+")


class SentenceTokenizer:
    """One token per sentence; the tokens' text joins back to the input exactly."""

    def __init__(self, vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words = SENTENCE_TOKEN.findall(text)
        doc = Doc(self.vocab, words=words, spaces=[False] * len(words))
        if words:  # every token starts a sentence
            doc.from_array([SENT_START], numpy.ones((len(words), 1), dtype="uint64"))
        return doc

    # spaCy serialises tokenizers; this one has no state.
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> "SentenceTokenizer":
        return self

    def to_disk(self, path, **kwargs) -> None:
        pass

    def from_disk(self, path, **kwargs) -> "SentenceTokenizer":
        return self


@spacy.registry.tokenizers("cn_sentence_tokenizer")
def create_sentence_tokenizer():
    return lambda nlp: SentenceTokenizer(nlp.vocab)


def set_sent_starts(doc: Doc, starts, text: str) -> Doc:
    """Sentence boundaries at Chinese terminal punctuation and line breaks, given each token's
    start offset (an int64 array) and the Doc's text."""
    # Two scans (marks, line breaks) each led by a character class find the ends of
    # SENT_END's matches faster than its alternation does.
    ends = numpy.fromiter((m.end() for p in SENT_END_PARTS for m in p.finditer(text)), dtype="int64")
    # One array for every token: setting tok.is_sent_start token by token is quadratic in spaCy.
    flags = numpy.where(numpy.isin(starts, ends), 1, -1).astype("uint64").reshape(-1, 1)
    flags[0, 0] = 1
    return doc.from_array([SENT_START], flags)


@Language.component(SENTENCIZER)
def cn_sentencizer(doc: Doc) -> Doc:
    """Sentence boundaries at Chinese terminal punctuation and line breaks.  The sentence
    tokenizer sets them already; a Doc made another way gets them here."""
    if not len(doc) or doc.has_annotation("SENT_START"):
        return doc
    return set_sent_starts(doc, doc.to_array([IDX]).reshape(-1).astype("int64"), doc.text)


def default_components() -> tuple[str, ...]:
    return (SENTENCIZER, *(t.component for t in registry.tables().values()))


def _register_components() -> None:
    """Import the modules whose import registers the declared tables' components."""
    import importlib

    for mod in registry.component_modules():
        importlib.import_module(mod)


def make_nlp(components: tuple[str, ...] | None = None) -> Language:
    _register_components()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "cn_sentence_tokenizer"}}})
    # Every sentence is a new lexeme; computing word shape, like_num … for each one was most of
    # the tokenizer's time and no component reads those attributes.
    nlp.vocab.lex_attr_getters = {}
    # spaCy's 1,000,000-character limit (E088) guards the parser's and NER's memory; a Doc of
    # sentence tokens costs a few bytes per character, so a long plan or yearbook is one Doc.
    nlp.max_length = MAX_CHARS
    for name in components or default_components():
        nlp.add_pipe(name)
    nlp.set_error_handler(_record_error)
    return nlp


def _record_error(name: str, component, docs: list[Doc], e: Exception) -> None:
    """spaCy's error handler: say which extractor failed on the document and why."""
    for doc in docs:
        if doc._.errors is None:
            doc._.errors = []
        doc._.errors.append(f"extractor {name!r} failed: {type(e).__name__}: {e}")


def default_nlp() -> Language:
    """The pipeline for every declared table, built once per set of components (a plugin
    loaded later gets a pipeline that includes it)."""
    return _cached_nlp(default_components())


@lru_cache(maxsize=4)
def _cached_nlp(components: tuple[str, ...]) -> Language:
    nlp = make_nlp(components)
    # The pipeline, spaCy and the vocabularies are some hundred thousand objects that live
    # as long as the process; the cyclic collector would traverse them all at every full
    # collection (0.4 CPU ms a document of 11).  Frozen, they are left out of its scans
    # (they are still freed by reference counting).
    gc.freeze()
    # An extraction makes some ten thousand short-lived objects a document (matches, slices,
    # records), nearly all freed by reference counting: at the default threshold (700) the
    # young generation was collected a hundred times every 200 documents, 2% of the work.
    # (Per call it does not pay: putting the threshold back collects at once.)
    gc.set_threshold(max(YOUNG_THRESHOLD, gc.get_threshold()[0]), *gc.get_threshold()[1:])
    return nlp


YOUNG_THRESHOLD = 20_000


@dataclass
class Extraction:
    records: dict[str, list[dict]]
    warnings: list[str] = field(default_factory=list)
    doc: Doc | None = None


def run(documents: list[Document], nlp: Language | None = None, keep_docs: bool = False) -> list[Extraction]:
    """Run the pipeline over normalised Documents with ``nlp.pipe``; one Extraction each.

    With ``keep_docs`` each ``Extraction.doc`` is the tokenizer's Doc (a token per sentence)
    with every record's span in ``doc.spans``.  Otherwise nothing outside sees the Docs, and
    nothing inside reads their tokens (a component reads ``doc._.source``): each is one
    token holding the text, its record spans are not made (together a tenth of the
    extraction time), and it lives in a spaCy memory zone, so the strings it adds to the
    vocabulary are freed afterwards and a long ingest does not grow without bound
    (``Extraction.doc`` is None)."""
    nlp = nlp or default_nlp()
    if keep_docs:
        return _run(nlp, documents, keep_docs=True)
    with nlp.memory_zone():
        out = _run(nlp, documents, keep_docs=False)
    for ex in out:
        ex.doc = None
    return out


def text_doc(nlp: Language, text: str) -> Doc:
    """A Doc of one sentence token holding ``text`` (none for an empty text): what the
    components run on when no caller keeps the Doc."""
    words = [text] if text else []
    doc = Doc(nlp.vocab, words=words, spaces=[False] * len(words))
    if words:
        doc.from_array([SENT_START], numpy.ones((1, 1), dtype="uint64"))
    return doc


def _run(nlp: Language, documents: list[Document], keep_docs: bool = True) -> list[Extraction]:
    names = list(registry.tables())
    docs = []
    for document in documents:
        if len(document.text) > nlp.max_length:
            raise ValueError(f"{document.source_path}: text of {len(document.text):,} characters is over "
                             f"the extraction limit of {nlp.max_length:,}")
        doc = nlp.make_doc(document.text) if keep_docs else text_doc(nlp, document.text)
        doc._.source = document
        doc._.records = {t: [] for t in names}
        doc._.errors = []
        docs.append(doc)
    done = {id(d): d for d in nlp.pipe(docs)}
    # spaCy drops a document whose component raised; run those one component at a time so
    # a failing extractor costs only its own records.
    return [_finish(done.get(id(doc)) or _run_each(nlp, doc), spans=keep_docs) for doc in docs]


def _run_each(nlp: Language, doc: Doc) -> Doc:
    doc._.errors = []
    for name, proc in nlp.pipeline:
        try:
            doc = proc(doc)
        except Exception as e:
            _record_error(name, proc, [doc], e)
    return doc


def extract(document: Document, nlp: Language | None = None) -> dict[str, list[dict]]:
    """Records per table for one Document (failing components are reported as warnings
    by :func:`run`; this convenience raises on them)."""
    res = run([document], nlp)[0]
    if res.warnings:
        raise RuntimeError(f"{document.source_name}: {'; '.join(res.warnings)}")
    return res.records


def _finish(doc: Doc, spans: bool = True) -> Extraction:
    """Check tables, number the records, fold unknown keys into ``extra``, write doc.spans
    (unless not ``spans``: a Doc nobody keeps)."""
    document: Document = doc._.source
    declared = registry.tables()
    out: dict[str, list[dict]] = {}
    for name, rows in doc._.records.items():
        table = declared.get(name) or registry.get(name)  # raises for a table nobody declared
        folded, found = [], []
        for i, row in enumerate(rows, 1):
            row.setdefault("doc_id", document.doc_id)
            row.setdefault(table.id_column, f"{document.doc_id}:{table.id_prefix}{i:04d}")
            span = row.get("_span") if spans else None
            if span:
                s = doc.char_span(span[0], span[1], label=name, alignment_mode="expand")
                if s is not None:
                    found.append(s)
            folded.append(registry.fold_record(table, row))
        if spans:
            doc.spans[name] = found
        out[name] = folded
    return Extraction(out, list(doc._.errors or []), doc)


def provenance(document: Document, start: int, end: int) -> dict:
    """Location fields for a fact found at ``document.text[start:end]``."""
    a, b = document.raw_span(start, end)
    where = _locator(document)
    section_id, section_path = where.section_fields(start)
    return {
        "section_id": section_id,
        "section_path": section_path,
        "page": where.page_at_raw(a),
        "char_start": a,
        "char_end": b,
        "quote": document.raw_text[a:b],
        "_span": (start, end),  # normalised-text span, for doc.spans; not stored
    }


class _Locator:
    """Section fields and pages of one document's records: ``page_at_raw`` rebuilds the page
    starts on each call, and a document asks once per record.  The section fields are built
    once per stretch of ``Document.section_lookup`` (the deepest section is the same over
    it)."""

    def __init__(self, document: Document):
        self.document = document
        self.n_sections = len(document.sections)
        self.fields: dict[int, tuple[str | None, str | None]] = {}
        self._lookup = None  # the section lookup the fields were built on
        self.page_starts = [p.start for p in document.pages]

    def section_fields(self, pos: int) -> tuple[str | None, str | None]:
        """(section_id, section_path) of a record at ``pos``, built once per stretch."""
        lookup = self.document.section_lookup()
        if lookup is not self._lookup:
            self.fields, self._lookup = {}, lookup
        k = lookup.stretch(pos)
        hit = self.fields.get(k)
        if hit is None:
            s = lookup.at(pos)
            hit = self.fields[k] = (s.id, f"{s.path}/{s.heading}" if s.path else s.heading) if s else (None, None)
        return hit

    def page_at_raw(self, raw_pos: int) -> int | None:
        pages = self.document.pages
        if not pages:
            return None
        i = bisect.bisect_right(self.page_starts, raw_pos) - 1
        return pages[max(i, 0)].number


_LOCATORS: dict[int, _Locator] = {}


def _locator(document: Document) -> _Locator:
    """The (cached) locator of a document; rebuilt when its sections or pages change."""
    hit = _LOCATORS.get(id(document))
    if hit is None or hit.document is not document or hit.n_sections != len(document.sections) \
            or len(hit.page_starts) != len(document.pages):
        if len(_LOCATORS) > 16:
            _LOCATORS.clear()
        hit = _LOCATORS[id(document)] = _Locator(document)
    return hit


# Kept for callers of the old names.
RECORD_TYPES = ("targets", "projects", "responsibilities", "deadlines")
DEFAULT_COMPONENTS = (SENTENCIZER, *RECORD_TYPES)
