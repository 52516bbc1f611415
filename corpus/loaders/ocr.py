"""Offline OCR of PDF pages: pypdfium2 renders the page, RapidOCR (PP-OCR models that ship
inside the ``rapidocr-onnxruntime`` wheel, run with onnxruntime on the CPU) reads it.

Used by the PDF loader for pages without a usable text layer (scans, image-only pages,
text layers that hold only punctuation or ``(cid:NN)`` runs).  Nothing is downloaded: if
the package is missing, ``available()`` says so and the loader refuses with a reason.

The mode (``auto`` | ``always`` | ``never``) comes from the caller or the ``CNPOLICY_OCR``
environment variable (the CLI sets it so that pool workers inherit it).
"""
from __future__ import annotations

import os
import sys
from functools import lru_cache

MODES = ("auto", "always", "never")
SCALE = 1.5  # 108 dpi: PP-OCR reads body text (10.5–12 pt) as well as at 144 dpi, in 60% of the time
BLANK_SCALE = 0.25  # the cheap render that tells a blank page from one with ink
MAX_OCR_PAGES = 500  # a bounded result for huge scans; the rest is named in a warning


class OcrUnavailable(Exception):
    pass


def mode(value: str | None = None) -> str:
    """The OCR mode to use: the given value, else $CNPOLICY_OCR, else auto."""
    value = (value or os.environ.get("CNPOLICY_OCR") or "auto").strip().lower()
    if value not in MODES:
        raise ValueError(f"--ocr must be one of {', '.join(MODES)} (got '{value}')")
    return value


def available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except Exception:  # ImportError, or onnxruntime failing to load its library
        return False
    return True


@lru_cache(maxsize=1)
def engine():
    """One RapidOCR engine per process (loading the three ONNX models takes ~1 s).
    onnxruntime runs on one thread ($CNPOLICY_OCR_THREADS to change): measured here, one
    thread costs 10 CPU-s a page against 17 for "all cores", whose threads spin-wait on a
    busy machine; the ingest pool gives each document its own worker anyway."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except Exception as e:
        raise OcrUnavailable(f"OCR not available ({type(e).__name__}; pip install rapidocr-onnxruntime)")
    threads = int(os.environ.get("CNPOLICY_OCR_THREADS", "1"))
    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)


def show_progress() -> bool:
    """A per-page bar on stderr: when stderr is a terminal, or when the CLI asked for it."""
    return os.environ.get("CNPOLICY_PROGRESS") == "1" or sys.stderr.isatty()


def is_blank(page) -> bool:
    """No ink on the page (a blank or separator page): nothing to OCR."""
    import numpy as np

    img = np.asarray(page.render(scale=BLANK_SCALE, grayscale=True).to_pil().convert("L"))
    return img.size == 0 or int((img < 160).sum()) < 4


def ocr_page(page) -> str:
    """The text of one pdfium page, lines in reading order."""
    import numpy as np

    img = np.asarray(page.render(scale=SCALE).to_pil().convert("RGB"))
    result, _ = engine()(img)
    return lines_from_boxes(result or [])


def lines_from_boxes(result: list) -> str:
    """RapidOCR's [box, text, score] items → lines: boxes whose vertical centres lie within
    half a box height of each other form one line, read left to right."""
    items = []
    for box, text, _score in result:
        ys = [p[1] for p in box]
        xs = [p[0] for p in box]
        items.append(((min(ys) + max(ys)) / 2, max(ys) - min(ys), min(xs), text))
    items.sort()
    lines: list[list[tuple]] = []
    for item in items:
        if lines and abs(item[0] - lines[-1][0][0]) <= max(lines[-1][0][1], item[1]) / 2:
            lines[-1].append(item)
        else:
            lines.append([item])
    return "\n".join(_join_line(sorted(line, key=lambda i: i[2])) for line in lines)


def _join_line(items: list[tuple]) -> str:
    out = ""
    for *_, text in items:
        if out and out[-1].isascii() and out[-1].isalnum() and text[:1].isascii() and text[:1].isalnum():
            out += " "  # Latin words and numbers of separate boxes stay apart
        out += text
    return out


def ocr_pages(pdf, indices: list[int], name: str) -> tuple[dict[int, str], list[str]]:
    """OCR the given 0-based pages of an open pdfium document.
    Returns ({index: text}, warnings); blank pages are skipped, at most MAX_OCR_PAGES read."""
    warnings: list[str] = []
    if len(indices) > MAX_OCR_PAGES:
        warnings.append(f"OCR limited to the first {MAX_OCR_PAGES} of {len(indices)} pages without a text layer")
        indices = indices[:MAX_OCR_PAGES]
    engine()  # fail before the progress bar if the models cannot load
    texts: dict[int, str] = {}
    from tqdm import tqdm

    bar = tqdm(indices, desc=f"OCR {name}", unit="page", file=sys.stderr, leave=False,
               disable=not show_progress())
    for i in bar:
        page = pdf[i]
        try:
            if not is_blank(page):
                texts[i] = ocr_page(page)
        finally:
            page.close()
    bar.close()
    return texts, warnings
