"""PDF: pypdfium2 for the text layer and ruled tables (fast); pdfplumber only as the
fallback on pages whose drawn lines pypdfium2 cannot turn into a grid.

Per page we keep the pdfium text; on a page with ruling lines (a table is drawn with
path objects) we find the tables, and the page text becomes: text above the
table (pdfium, bounded), the table as rows of tab-joined cells, text below.  A table
that runs off the bottom of one page and continues at the top of the next with the same
columns is merged into one ``Table`` (a repeated header row is dropped); each row's text stays on the page it was printed on.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from corpus.model import Document, LoadError, Page, Table

PATH_OBJECT = 2  # FPDF_PAGEOBJ_PATH
IMAGE_OBJECT = 3  # FPDF_PAGEOBJ_IMAGE
MIN_RULES = 6  # a table draws at least a few lines; a page header rule is one or two
NO_TEXT = "no text layer (scanned/image-only PDF); OCR not available"
_MEANINGFUL = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]")
_CID = re.compile(r"\(cid:\d+\)")


@dataclass
class PageTable:
    rows: list[list[str]]
    top: float  # pdfplumber coordinates: distance from the page top
    bottom: float
    page_height: float
    continues: "PageTable | None" = None  # set on the part of a table that a page break cut off


@dataclass
class PageContent:
    number: int
    pieces: list[str | PageTable] = field(default_factory=list)  # in reading order


def load_bytes(path: str, data: bytes, ocr: str | None = None) -> Document:
    import pypdfium2 as pdfium

    from corpus.loaders import ocr as ocr_mod

    mode = ocr_mod.mode(ocr)
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise LoadError(path, _open_error(str(e)))
    warnings: list[str] = []
    try:
        count = len(pdf)
        if count == 0:
            raise LoadError(path, "PDF has no pages")
        if count > MAX_PAGES:
            raise LoadError(path, f"too many pages ({count}; the limit is {MAX_PAGES})")
        pages, failed = read_pages(pdf, data)
        if len(failed) == count:
            raise LoadError(path, "not a valid PDF: no page could be read (damaged file)")
        if failed:
            warnings.append(f"damaged PDF: page(s) {_page_list(failed)} could not be read; "
                            f"the other {count - len(failed)} page(s) were")
        repaired, ocred, tried = rescue_text_layer(path, pdf, data, pages, mode, warnings, set(failed))
    finally:
        pdf.close()
    check_text_layer(path, "".join(p for c in pages for p in c.pieces if isinstance(p, str)),
                     _no_text_reason(mode, tried))
    merge_cross_page_tables(pages)
    doc = render(path, pages)
    for page in doc.pages:
        page.source = "ocr" if page.number in ocred else "pdfminer" if page.number in repaired else "text"
    if ocred:
        doc.meta["ocr_pages"] = sorted(ocred)
    if repaired:
        doc.meta["pdfminer_pages"] = sorted(repaired)  # text layer read with pdfminer's CMaps
    if warnings:
        doc.meta["load_warnings"] = warnings
    return doc


MAX_PAGES = 10_000


def _page_list(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:10]))
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def read_pages(pdf, data: bytes) -> tuple[list[PageContent], list[int]]:
    """Every page's content; a page pdfium cannot load is kept empty and named."""
    import pypdfium2 as pdfium

    pages, failed = [], []
    for i in range(len(pdf)):
        try:
            pages.append(_read_page(pdf, i, data))
        except pdfium.PdfiumError:
            pages.append(PageContent(number=i + 1))
            failed.append(i + 1)
    return pages, failed


def _open_error(message: str) -> str:
    if "password" in message.lower():
        return "encrypted PDF (password required)"
    return f"not a valid PDF: {message.split('(PDFium: ')[-1].rstrip(').') or message}"


def _no_text_reason(mode: str, tried: bool) -> str:
    """Why a PDF without readable text is refused: OCR off, missing, fruitless, or the
    pages hold nothing to read (blank, or graphics without a page-sized image)."""
    from corpus.loaders import ocr

    if mode == "never":
        return NO_TEXT.replace("OCR not available", "OCR not run (--ocr never)")
    if not ocr.available():
        return NO_TEXT + " (pip install rapidocr-onnxruntime)"
    if not tried:
        return "no text in PDF: the pages are blank or hold only graphics"
    return NO_TEXT.replace("OCR not available", "OCR found no text")


def check_text_layer(path: str, text: str, reason: str = NO_TEXT) -> None:
    """Refuse PDFs whose text layer is absent or unreadable (no ToUnicode map: `(cid:N)`
    runs, private-use or replacement characters, punctuation only)."""
    body = re.sub(r"\s", "", _CID.sub("\ufffd", text))
    if not body:
        raise LoadError(path, reason)
    if len(_MEANINGFUL.findall(body)) / len(body) < 0.3:
        raise LoadError(path, reason.replace("no text layer", "text layer unreadable (no ToUnicode map)"))


# --- pages whose text layer is missing, unreadable or out of order -------------------
def meaningful(text: str) -> int:
    return len(_MEANINGFUL.findall(_CID.sub("", text)))


def unreadable(text: str) -> bool:
    """Text a reader cannot use: punctuation only, `(cid:NN)` runs, private-use glyphs."""
    body = re.sub(r"\s", "", _CID.sub("\ufffd", text))
    return bool(body) and meaningful(text) / len(body) < 0.3


def scrambled(text: str) -> bool:
    """Text drawn in two passes (CNKI exports: the punctuation first, then the characters):
    many lines hold only punctuation, so pdfium's stream order cannot be read as prose."""
    lines = [x for x in text.splitlines() if x.strip()]
    punct_only = sum(1 for x in lines if not meaningful(x))
    return len(lines) >= 5 and punct_only / len(lines) >= 0.3


def page_text(content: PageContent) -> str:
    return "".join(p for p in content.pieces if isinstance(p, str))


def image_share(pdf, index: int) -> float:
    """Share of the page area covered by image objects (a scan is one image of the page)."""
    import ctypes

    import pypdfium2.raw as c

    page = pdf[index]
    try:
        width, height = page.get_size()
        box = [ctypes.c_float() for _ in range(4)]
        area = 0.0
        for i in range(c.FPDFPage_CountObjects(page.raw)):
            obj = c.FPDFPage_GetObject(page.raw, i)
            if c.FPDFPageObj_GetType(obj) == IMAGE_OBJECT and c.FPDFPageObj_GetBounds(obj, *(ctypes.byref(v) for v in box)):
                x0, y0, x1, y1 = (v.value for v in box)
                area += max(0.0, min(x1, width) - max(x0, 0)) * max(0.0, min(y1, height) - max(y0, 0))
        return min(1.0, area / max(width * height, 1.0))
    finally:
        page.close()


SCAN_TEXT = 50  # readable characters: a scan with a stamped page number or header has fewer
SCAN_IMAGE = 0.3  # share of the page an image must cover to be a scanned page


def rescue_text_layer(path: str, pdf, data: bytes, pages: list[PageContent], mode: str,
                      warnings: list[str], failed: set[int] = frozenset()) -> tuple[set[int], set[int], bool]:
    """Replace the text of pages pdfium reads badly: first with pdfminer (its Adobe CMaps
    map CID fonts that pdfium cannot, and its layout analysis restores reading order),
    then with OCR.  A replacement is kept only when it holds more readable characters.
    Returns the page numbers read by pdfminer and by OCR, and whether OCR was tried;
    ``failed``: pages pdfium cannot load."""
    suspect = {i for i, c in enumerate(pages) if unreadable(page_text(c)) or scrambled(page_text(c))}
    repaired: set[int] = set()
    if suspect:  # fonts pdfium cannot map: the other pages may have lost characters silently
        mined = pdfminer_texts(data, [i for i in range(len(pages)) if i + 1 not in failed], pdf)
        for i, text in mined.items():
            have = meaningful(page_text(pages[i]))
            better = have * 0.9 if i in suspect else have * 1.5 + 50
            if not unreadable(text) and meaningful(text) >= better:
                pages[i].pieces = [text]
                repaired.add(i + 1)
    if mode == "never":
        return repaired, set(), False
    todo = [i for i, c in enumerate(pages) if i + 1 not in failed
            and (mode == "always" or (i + 1 not in repaired and _needs_ocr(pdf, i, page_text(c))))]
    if not todo:
        return repaired, set(), False
    from corpus.loaders import ocr

    if not ocr.available():
        return repaired, set(), True
    try:
        texts, notes = ocr.ocr_pages(pdf, todo, path.replace("\\", "/").rsplit("/", 1)[-1])
    except ocr.OcrUnavailable as e:
        warnings.append(str(e))
        return repaired, set(), True
    except Exception as e:  # onnxruntime/opencv failures: keep the text layer we have
        warnings.append(f"OCR failed ({type(e).__name__}); pages kept as their text layer reads")
        return repaired, set(), True
    warnings.extend(notes)
    ocred: set[int] = set()
    for i, text in texts.items():
        if not unreadable(text) and meaningful(text) > meaningful(page_text(pages[i])):
            pages[i].pieces = [text]
            ocred.add(i + 1)
            repaired.discard(i + 1)
    return repaired, ocred, True


def _needs_ocr(pdf, index: int, text: str) -> bool:
    """No usable text layer: unreadable, scrambled, or (almost) none on a page with an image."""
    if unreadable(text) or scrambled(text):
        return True
    return meaningful(text) < SCAN_TEXT and image_share(pdf, index) >= SCAN_IMAGE


def pdfminer_texts(data: bytes, indices: list[int], pdf=None) -> dict[int, str]:
    """pdfminer's text of the given 0-based pages; {} when pdfminer cannot read the file.
    A file pdfminer's parser rejects (a broken cross-reference table: "No /Root object")
    is retried once as pdfium writes it back."""
    texts = _pdfminer_pages(data, set(indices))
    if texts is None and pdf is not None:
        import io

        buf = io.BytesIO()
        try:
            pdf.save(buf)
        except Exception:
            return {}
        texts = _pdfminer_pages(buf.getvalue(), set(indices))
    return texts or {}


PDFMINER_SECONDS_PER_PAGE = 2  # pdfminer reads ~6 pages/s here; a damaged stream can loop


def _pdfminer_pages(data: bytes, wanted: set[int]) -> dict[int, str] | None:
    try:
        with time_limit(max(10, PDFMINER_SECONDS_PER_PAGE * len(wanted))):
            return _pdfminer_read(data, wanted)
    except Exception:  # pdfminer's many parse errors, or its time ran out: keep pdfium's text
        return None


def _pdfminer_read(data: bytes, wanted: set[int]) -> dict[int, str]:
    import io

    from pdfminer.converter import TextConverter
    from pdfminer.layout import LAParams
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    out: dict[int, str] = {}
    order = sorted(wanted)
    manager = PDFResourceManager()
    for i, page in enumerate(PDFPage.get_pages(io.BytesIO(data), pagenos=wanted)):
        buf = io.StringIO()
        device = TextConverter(manager, buf, laparams=LAParams())
        PDFPageInterpreter(manager, device).process_page(page)
        device.close()
        out[order[i]] = re.sub(r"\n{3,}", "\n\n", buf.getvalue().replace("\x0c", "")).strip() + "\n"
    return out


def _read_page(pdf, index: int, data: bytes) -> PageContent:
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        content = PageContent(number=index + 1)
        rules = _rules(page)
        tables = []
        if len(rules[0]) + len(rules[1]) >= MIN_RULES:
            grid = grid_tables(page, textpage, *rules)
            # pdfplumber only where the rules formed no grid: a grid that is a layout frame
            # is read by pdfium already
            tables = data_tables(grid if grid else _pdfplumber_tables(data, index))
        if not tables:
            content.pieces.append(textpage.get_text_range())
            return content
        width, height = page.get_size()
        y = height  # pdfium's y grows upwards; walk the page top → bottom
        for t in tables:
            content.pieces.append(textpage.get_text_bounded(0, height - t.top, width, y))
            content.pieces.append(t)
            y = height - t.bottom
        content.pieces.append(textpage.get_text_bounded(0, 0, width, y))
        return content
    finally:
        page.close()


# --- ruled tables, read straight from pdfium ------------------------------------------
# A table is drawn with rules (thin path objects).  Horizontal rules give the row
# boundaries, the vertical rules crossing a row give its cell boundaries, and pdfium
# reads the text inside each cell box.  This is ~100x faster than pdfplumber's layout
# analysis; pdfplumber stays the fallback for pages whose paths do not form a grid.
THIN = 2.0  # points
SNAP = 1.5


def _rules(page) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """(horizontal (x0, x1, y), vertical (x, y0, y1)) rules: thin paths, rectangle edges."""
    import ctypes

    import pypdfium2.raw as c

    horizontal, vertical = [], []
    box = [ctypes.c_float() for _ in range(4)]
    for i in range(c.FPDFPage_CountObjects(page.raw)):
        obj = c.FPDFPage_GetObject(page.raw, i)
        if c.FPDFPageObj_GetType(obj) != PATH_OBJECT:
            continue
        if not c.FPDFPageObj_GetBounds(obj, *(ctypes.byref(v) for v in box)):
            continue
        x0, y0, x1, y1 = (v.value for v in box)
        w, h = x1 - x0, y1 - y0
        if h <= THIN and w > 3 * THIN:
            horizontal.append((x0, x1, (y0 + y1) / 2))
        elif w <= THIN and h > 3 * THIN:
            vertical.append(((x0 + x1) / 2, y0, y1))
        elif w > 3 * THIN and h > 3 * THIN:  # a rectangle: its edges
            horizontal += [(x0, x1, y0), (x0, x1, y1)]
            vertical += [(x0, y0, y1), (x1, y0, y1)]
    return horizontal, vertical


def _snap(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > SNAP:
            out.append(v)
    return out


def grid_tables(page, textpage, horizontal, vertical) -> list[PageTable]:
    width, height = page.get_size()
    levels = _snap([y for _, _, y in horizontal])[::-1]  # top → bottom
    tables: list[PageTable] = []
    rows: list[list[str]] = []
    top = None
    for upper, lower in zip(levels, levels[1:]):
        xs = _snap([x for x, y0, y1 in vertical if y0 <= lower + SNAP and y1 >= upper - SNAP])
        if len(xs) >= 3:  # at least two cells side by side in this band
            if top is None:
                top = upper
            rows.append([clean_cell(textpage.get_text_bounded(a, lower, b, upper)) for a, b in zip(xs, xs[1:])])
            bottom = lower
            continue
        if rows:
            tables.append(_page_table(rows, top, bottom, height))
        rows, top = [], None
    if rows:
        tables.append(_page_table(rows, top, bottom, height))
    return [t for t in tables if len(t.rows) >= 2 or t.rows and sum(map(bool, t.rows[0])) >= 2]


def _page_table(rows: list[list[str]], top: float, bottom: float, height: float) -> PageTable:
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows if any(r)]
    return PageTable(rows, height - top, height - bottom, height)


def _pdfplumber_tables(data: bytes, index: int) -> list[PageTable]:
    """pdfplumber's tables on one page; [] when pdfplumber/pdfminer cannot parse the file
    (pdfium's text stays the page's text: a fallback never fails the document)."""
    import io

    import pdfplumber

    try:
        with time_limit(PDFPLUMBER_SECONDS), pdfplumber.open(io.BytesIO(data), pages=[index + 1]) as pdf:
            page = pdf.pages[0]
            found = []
            for t in page.find_tables():
                rows = [[clean_cell(c) for c in row] for row in t.extract()]
                rows = [r for r in rows if any(r)]
                if len(rows) >= 1 and max(len(r) for r in rows) >= 2:
                    found.append(PageTable(rows, t.bbox[1], t.bbox[3], float(page.height)))
    except Exception:  # PdfminerException, PSSyntaxError, TimeoutError ... : no tables from this fallback
        return []
    return sorted(found, key=lambda t: t.top)


PDFPLUMBER_SECONDS = 10  # a damaged content stream can keep pdfminer busy for minutes


@contextmanager
def time_limit(seconds: float):
    """Raise TimeoutError in the block after ``seconds`` (SIGALRM: main thread on Unix
    only; elsewhere the block runs unbounded)."""
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise TimeoutError(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


LAYOUT_CELL = 300  # characters: a cell holding paragraphs is a layout box, not data


def data_tables(tables: list[PageTable]) -> list[PageTable]:
    """Drop layout frames: ruled boxes drawn around a page or a block (web pages printed
    to PDF) read as tables whose rows have a single filled cell or whose cells hold
    whole paragraphs.  Their text stays page text, with its line breaks."""
    return [t for t in tables if not is_layout_frame(t)]


def is_layout_frame(t: PageTable) -> bool:
    multi = sum(1 for r in t.rows if sum(1 for c in r if c.strip()) >= 2)
    if multi == 0:
        return True
    return any(len(c) > LAYOUT_CELL for r in t.rows for c in r) and multi < len(t.rows) / 2


def clean_cell(cell: str | None) -> str:
    """A cell's wrapped lines joined: CJK joins directly, Latin words keep a space."""
    if not cell:
        return ""
    cell = re.sub(r"(?<=[A-Za-z0-9,.])\s*\n\s*(?=[A-Za-z0-9])", " ", cell.strip())
    return re.sub(r"\s*\n\s*", "", cell)


# --- tables across pages ------------------------------------------------------------
def _is_blank(piece: str | PageTable) -> bool:
    """Text between a table and the page edge that does not break a table: nothing,
    or a page number / running header."""
    return isinstance(piece, str) and len(re.sub(r"[\s\d\-—第页/of]", "", piece)) <= 20


def merge_cross_page_tables(pages: list[PageContent]) -> None:
    """Link the continuation of a table (top of the next page, same column count) to the
    table that ends the previous page; drop a repeated header row."""
    for prev, page in zip(pages, pages[1:]):
        tail = next((p for p in reversed(prev.pieces) if not _is_blank(p)), None)
        head = next((p for p in page.pieces if not _is_blank(p)), None)
        if not isinstance(tail, PageTable) or not isinstance(head, PageTable):
            continue
        if _width(tail.rows) != _width(head.rows):
            continue
        first = tail.continues or tail
        if head.rows and first.rows and head.rows[0] == first.rows[0]:
            head.rows = head.rows[1:]
        head.continues = first


def _width(rows: list[list[str]]) -> int:
    return max((len(r) for r in rows), default=0)


# --- raw text ----------------------------------------------------------------------
def render(path: str, pages: list[PageContent]) -> Document:
    """Concatenate pages (one "\\n" between them); a table's rows become lines of
    tab-joined cells, written once at the page where the table starts."""
    parts: list[str] = []
    size = 0
    doc_pages: list[Page] = []
    tables: list[Table] = []
    placed: dict[int, Table] = {}
    for content in pages:
        start = size
        for piece in content.pieces:
            if isinstance(piece, PageTable):
                text = "\n".join("\t".join(r) for r in piece.rows)
                sep = "" if not parts or parts[-1].endswith("\n") else "\n"
                parts.append(sep + text + "\n")
                size += len(sep)
                if piece.continues is not None and id(piece.continues) in placed:
                    table = placed[id(piece.continues)]  # rows go on this page, one Table
                    table.rows.extend(piece.rows)
                    table.end, table.page_end = size + len(text), content.number
                else:
                    table = Table(rows=list(piece.rows), start=size, end=size + len(text),
                                  page_start=content.number, page_end=content.number)
                    placed[id(piece)] = table
                    tables.append(table)
                size += len(text) + 1
            elif piece:
                parts.append(piece)
                size += len(piece)
        doc_pages.append(Page(number=content.number, start=start, end=size))
        parts.append("\n")
        size += 1
    return Document(doc_id="", source_path=path, file_type="pdf", raw_text="".join(parts),
                    pages=doc_pages, tables=tables)
