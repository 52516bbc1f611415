"""Plain text (.txt/.text): decode without guessing wrong, then find the tables that
office→text converters leave behind.

Decoding order (each step strict, so a wrong guess fails instead of producing mojibake):
BOM (UTF-8/UTF-16/UTF-32) → UTF-8 → UTF-16 without BOM (only if the bytes hold NULs) →
GBK/GB18030 → a damaged UTF-8/GB18030 file (≤ 2% bad bytes, replaced, with a warning) →
charset-normalizer; every non-BOM result must pass a sanity check (nearly all characters
CJK, ASCII or common punctuation).
"""
from __future__ import annotations

import codecs
import re

from corpus.model import Document, LoadError, Table

BOMS = [  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
]
_PLAUSIBLE = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    r"\u0020-\u007e\t\n\r"  # printable ASCII and line structure
    r"\u3000-\u303f\uff00-\uffef\u2000-\u206f\u2190-\u25ff\u2460-\u24ff\u00a0-\u00ff\ufeff]"
)


def plausible(text: str, min_share: float = 0.97) -> bool:
    """Nearly every character is one a Chinese document is made of."""
    sample = text[:20000]
    if not sample:
        return False
    return len(_PLAUSIBLE.findall(sample)) / len(sample) >= min_share


def decode(path: str, data: bytes, warnings: list[str] | None = None) -> tuple[str, str]:
    """(text, encoding name) or LoadError; never a silent wrong guess.  A file that is
    one of our encodings but for a few damaged bytes is decoded with them replaced
    (U+FFFD) and a warning naming how many (appended to ``warnings``)."""
    for bom, enc in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), "utf-8-sig" if enc == "utf-8-sig" else f"{enc}-{'le' if bom[0] == 0xFF else 'be'}"
            except UnicodeDecodeError as e:
                raise LoadError(path, f"cannot decode text: {enc} byte-order mark but invalid bytes ({e.reason} at byte {e.start})")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        utf8_error = f"utf-8: {e.reason} at byte {e.start}"
    if b"\x00" in data:
        for enc in ("utf-16-le", "utf-16-be"):
            text = _strict(data, enc)
            if text is not None and plausible(text):
                return text, enc
    for enc in ("gbk", "gb18030"):
        text = _strict(data, enc)
        if text is not None and plausible(text):
            return text, enc
    repaired = _repair(data)
    if repaired:
        text, enc, bad = repaired
        if warnings is not None:
            warnings.append(f"{bad} invalid byte(s) replaced with U+FFFD (decoded as {enc})")
        return text, enc
    guess = _charset_normalizer(data)
    if guess:
        return guess
    raise LoadError(path, f"cannot decode text: not UTF-8/GB18030/UTF-16 ({utf8_error})")


MAX_DAMAGE = 0.02  # share of bad bytes up to which a file is "damaged", not "another encoding"


def _repair(data: bytes) -> tuple[str, str, int] | None:
    """(text, encoding, number of bad bytes) for the encoding with the fewest undecodable
    bytes, when they are a few (≤ 2%, at least 16 allowed) and the rest reads as Chinese
    text.  NUL bytes inside a text file (UTF-16 was ruled out before) are damage too."""
    best = None
    for enc in ("utf-8", "gb18030"):
        bad = [0]

        def count(err: UnicodeDecodeError) -> tuple[str, int]:
            bad[0] += err.end - err.start
            return "\ufffd", err.end

        codecs.register_error("cnpolicy-count", count)
        text = data.decode(enc, errors="cnpolicy-count")
        if "\x00" in text:
            bad[0] += text.count("\x00")
            text = text.replace("\x00", "")
        if bad[0] <= max(16, MAX_DAMAGE * len(data)) and plausible(text.replace("\ufffd", "")) \
                and (best is None or bad[0] < best[2]):
            best = (text, enc, bad[0])
    return best


def _strict(data: bytes, enc: str) -> str | None:
    try:
        return data.decode(enc)
    except UnicodeDecodeError:
        return None


def _charset_normalizer(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    text = str(best)
    return (text, best.encoding) if plausible(text) else None


def load_bytes(path: str, data: bytes) -> Document:
    warnings: list[str] = []
    text, encoding = decode(path, data, warnings)
    if text.startswith("\ufeff"):
        text = text[1:]
    doc = Document(doc_id="", source_path=path, file_type="txt", raw_text=text,
                   encoding=encoding, tables=find_text_tables(text))
    if warnings:
        doc.meta["load_warnings"] = warnings
    return doc


# --- tables written as text ---------------------------------------------------------
# Converters (docx2txt, pandoc plain, copy-paste from Word) write a table either one cell
# per line, each cell line starting with a tab and rows separated by blank lines, or one
# row per line with tabs between cells.  Both are rebuilt as Table objects (raw spans).

def _lines(text: str) -> list[tuple[str, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((line.rstrip("\r"), pos))
        pos += len(line) + 1
    return out


def _cell(s: str) -> str:
    from corpus.normalise import normalise_text

    return normalise_text(s).text.strip()


def find_text_tables(text: str) -> list[Table]:
    if "\t" not in text:
        return []
    lines = _lines(text)
    tables = _cell_per_line_tables(lines) + _tab_row_tables(lines)
    return sorted(tables, key=lambda t: t.start)


def _groups(lines: list[tuple[str, int]], i: int) -> list[list[tuple[str, int]]]:
    """Runs of tab-led lines starting at ``i``, split by single blank lines."""
    groups: list[list[tuple[str, int]]] = []
    while i < len(lines):
        group = []
        while i < len(lines) and lines[i][0].startswith("\t") and lines[i][0].strip():
            group.append(lines[i])
            i += 1
        if not group:
            break
        groups.append(group)
        if i < len(lines) and not lines[i][0].strip():
            i += 1  # the blank line between rows
    return groups


def _cell_per_line_tables(lines: list[tuple[str, int]]) -> list[Table]:
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        line = lines[i][0]
        if not (line.startswith("\t") and line.strip()) or (i and lines[i - 1][0].startswith("\t") and lines[i - 1][0].strip()):
            i += 1
            continue
        groups = _groups(lines, i)
        table = _table_from_groups(groups)
        if table:
            tables.append(table)
        i += sum(len(g) for g in groups) + len(groups)
    return tables


def _table_from_groups(groups: list[list[tuple[str, int]]]) -> Table | None:
    """Header = first group of 2+ cells; rows = following groups of the same width
    (1-cell groups inside are merged rows, e.g. a category line)."""
    start = next((k for k, g in enumerate(groups) if len(g) >= 2), None)
    if start is None:
        return None
    width = len(groups[start])
    body = [groups[start]]
    for g in groups[start + 1:]:
        if len(g) not in (width, 1):
            break
        body.append(g)
    while body and len(body[-1]) == 1:
        body.pop()
    if len(body) < 2:
        return None
    first, last = body[0][0], body[-1][-1]
    rows = [[_cell(c) for c, _ in g] for g in body]
    return Table(rows=rows, start=first[1], end=last[1] + len(last[0]))


def _split_row(line: str) -> list[str] | None:
    """Cells of a tab-separated row (a line with text before its first tab)."""
    if "\t" not in line or line.startswith("\t"):
        return None
    cells = line.rstrip("\r").split("\t")
    return cells if len(cells) >= 2 else None


def _tab_row_tables(lines: list[tuple[str, int]]) -> list[Table]:
    """Consecutive lines ``label\\tcontent`` (blank lines allowed between them); a line
    whose cells after the first are empty is a title row and starts a new table."""
    tables: list[Table] = []
    current: list[tuple[list[str], str, int]] = []

    def close() -> None:
        widths = {len(c) for c, _, _ in current}
        if len(current) >= 2 and len(widths) == 1:
            rows = [[_cell(x) for x in cells] for cells, _, _ in current]
            last = current[-1]
            tables.append(Table(rows=rows, start=current[0][2], end=last[2] + len(last[1].rstrip())))
        current.clear()

    blank_run = 0
    for line, pos in lines:
        cells = _split_row(line)
        if cells is None:
            if not line.strip() and blank_run == 0 and current:
                blank_run = 1
                continue
            close()
            blank_run = 0
            continue
        blank_run = 0
        is_title = all(not c.strip() for c in cells[1:])
        if is_title and current:
            close()
        current.append((cells, line, pos))
    close()
    return tables
