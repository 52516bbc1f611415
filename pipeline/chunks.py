"""Retrieval-sized passages: paragraphs of one section, packed up to ~CHUNK_CHARS."""
from __future__ import annotations

import re

from corpus.model import Document

CHUNK_CHARS = 400
PARAGRAPH = re.compile(r"[^\n]+")


def _leaf_spans(doc: Document) -> list[tuple[int, int, object]]:
    """Cut the text at every section start so each piece belongs to one (deepest) section."""
    cuts = sorted({0, len(doc.text), *[s.start for s in doc.sections]})
    spans = []
    for a, b in zip(cuts, cuts[1:]):
        if doc.text[a:b].strip():
            spans.append((a, b, doc.section_at(a)))
    return spans


def _pack(doc: Document, a: int, b: int) -> list[tuple[int, int]]:
    """Group the paragraphs of text[a:b] into passages of about CHUNK_CHARS."""
    out: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for m in PARAGRAPH.finditer(doc.text, a, b):
        s, e = m.span()
        if not doc.text[s:e].strip():
            continue
        if cur and e - cur[0] > CHUNK_CHARS:
            out.append(cur)
            cur = None
        cur = (cur[0], e) if cur else (s, e)
        while cur[1] - cur[0] > CHUNK_CHARS * 2:  # one huge paragraph: cut at sentence ends
            cut = doc.text.rfind("。", cur[0], cur[0] + CHUNK_CHARS) + 1 or cur[0] + CHUNK_CHARS
            if cut <= cur[0]:
                cut = cur[0] + CHUNK_CHARS
            out.append((cur[0], cut))
            cur = (cut, cur[1])
    if cur:
        out.append(cur)
    return out


def tokens(text: str) -> str:
    """jieba search tokens joined by spaces: what the keyword index holds (index.fts.tokens)."""
    from index.fts import tokens as search_tokens

    return search_tokens(text)


def make_chunks(doc: Document) -> list[dict]:
    chunks = []
    for a, b, section in _leaf_spans(doc):
        for s, e in _pack(doc, a, b):
            ra, rb = doc.raw_span(s, e)
            text = doc.text[s:e]
            path = (f"{section.path}/{section.heading}" if section.path else section.heading) if section else ""
            chunks.append({
                "chunk_id": f"{doc.doc_id}:c{len(chunks) + 1:04d}", "doc_id": doc.doc_id,
                "section_id": section.id if section else None, "section_path": path,
                "ord": len(chunks), "text": text, "tokens": tokens(text),
                "page": doc.page_at_raw(ra), "page_end": doc.page_at_raw(max(ra, rb - 1)),
                "char_start": ra, "char_end": rb, "text_start": s, "text_end": e,
            })
    return chunks
