"""Per-document work: a pure function from one file to the records stored for it.

``process_file`` touches no database and no shared state, so it runs in a process pool
today and could run as a Ray task tomorrow; a single writer stores what it returns.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from corpus.model import Document, LoadError


@dataclass
class Result:
    path: str
    doc_id: str | None = None
    rows: dict[str, list[dict]] = field(default_factory=dict)  # table -> records
    error: str | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def analyse(path: str, ocr: str | None = None) -> Document:
    """Load, normalise, build the section tree and read the metadata of one file.
    ``ocr``: auto | always | never for PDFs (default: $CNPOLICY_OCR, else auto)."""
    from corpus.loaders import load
    from corpus.metadata import extract_metadata
    from corpus.normalise import normalise
    from corpus.sections import build_sections

    doc = load(path, ocr=ocr)
    normalise(doc)
    if not doc.text.strip():
        raise LoadError(path, "no text after normalisation")
    doc.sections = build_sections(doc)
    doc.meta = {**extract_metadata(doc), **{k: v for k, v in doc.meta.items() if v is not None}}
    return doc


def document_rows(doc: Document) -> dict[str, list[dict]]:
    """The documents/sections/doc_tables rows of an analysed Document."""
    import json

    from corpus.metadata import FIELDS

    meta = doc.meta
    row = {f: meta.get(f) for f in FIELDS}
    row.update(
        doc_id=doc.doc_id, source_file=doc.source_name, source_path=doc.source_path,
        file_type=doc.file_type, n_pages=len(doc.pages) or None, n_chars=len(doc.text),
        encoding=doc.encoding, traditional=doc.traditional,
        meta=json.dumps({k: v for k, v in meta.items() if k not in FIELDS}, ensure_ascii=False),
        raw_text=doc.raw_text, text=doc.text, offsets=doc.offsets,
    )
    sections = [
        {"doc_id": doc.doc_id, "section_id": s.id, "ord": i, "level": s.level, "number": s.number,
         "title": s.title, "kind": s.kind, "parent_id": s.parent, "path": s.path,
         "char_start": s.start, "char_end": s.end, "raw_start": doc.raw_span(s.start, s.end)[0],
         "raw_end": doc.raw_span(s.start, s.end)[1], "page_start": s.page_start, "page_end": s.page_end}
        for i, s in enumerate(doc.sections)
    ]
    tables = [
        {"doc_id": doc.doc_id, "table_id": i, "page_start": t.page_start, "page_end": t.page_end,
         "char_start": t.start, "char_end": t.end, "n_rows": len(t.rows),
         "rows": json.dumps(t.rows, ensure_ascii=False)}
        for i, t in enumerate(doc.tables)
    ]
    return {"documents": [row], "sections": sections, "doc_tables": tables}


def process_file(path: str, extract: bool = True, embed: bool = True, ocr: str | None = None) -> Result:
    """File → records for every table. Errors become ``Result.error``, never exceptions."""
    t0 = time.perf_counter()
    res = Result(path=str(path))
    try:
        doc = analyse(str(path), ocr=ocr)
        res.warnings += doc.meta.get("load_warnings", [])  # damage the loader repaired, named
        res.doc_id = doc.doc_id
        res.rows = document_rows(doc)
        from pipeline.chunks import make_chunks

        res.rows["chunks"] = make_chunks(doc)
        if extract:
            from extractors.base import run as run_extractors

            extraction = run_extractors([doc])[0]
            res.rows.update(extraction.records)
            res.warnings += extraction.warnings
            _note_in_meta(res.rows["documents"][0], "extract_warnings", extraction.warnings)
        if embed:
            from index.embed import embed_chunks

            embed_chunks(res.rows["chunks"])
    except LoadError as e:
        res.error = e.reason
    except Exception as e:  # a bug or a file we did not foresee: report it, keep the batch going
        res.error = f"{type(e).__name__}: {e}"
    res.seconds = time.perf_counter() - t0
    return res


def _note_in_meta(row: dict, key: str, notes: list[str]) -> None:
    """Keep warnings with the stored document (documents.meta), so they outlive the run."""
    import json

    if notes:
        meta = json.loads(row.get("meta") or "{}")
        meta[key] = notes
        row["meta"] = json.dumps(meta, ensure_ascii=False)
