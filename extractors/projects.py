"""projects extractor (component "projects").

A plan names its key projects in two ways:

* a chapter or section titled 重点工程 / 重点项目 / 重大工程 / 实施…提升工程 whose numbered
  sub-headings are the projects (``（一）自然灾害综合风险普查工程。以调查为基础…``);
* a 专栏 box (``专栏2 防灾减灾重点工程``) listing them as numbered items
  (``1.避灾安置场所规范化建设工程。全市新建…``) or as ``名称：内容`` lines; a project box
  without items is itself one project;
* a table with a 项目名称 / 工程名称 column (and a 建设内容 or 投资 column beside it), one
  project per row, whether a loader built it, its rows stand one per line (tabs, pipes,
  wide gaps) or one cell per line.

Boxes count when they stand inside a project chapter or when their title says 工程/项目.
Sub-工程 merely mentioned inside an item's text are not projects.  Each record has the
name (without its number), a short summary (the item's first clause), the investment in
万元 when stated (亿元 × 10000) and the category (the box or chapter title).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from spacy.language import Language
from spacy.tokens import Doc

from corpus import numbering
from corpus.model import Document, Section
from extractors.base import provenance
from extractors.context import Evidence, section_index
from extractors.texttables import Cell, line_tables, to_text

# A chapter/section whose sub-headings are projects.
PROJECT_CHAPTER = re.compile(r"(?:重点|重大|主要)(?:建设)?(?:工程|项目)|工程项目|建设项目|(?:提升|建设|治理|保障|能力)工程$")
# A question heading (a 解读's “…有哪些重点工程？”) explains projects rather than listing them.
QUESTION = re.compile(r"[？?]")
# A box whose items are projects even outside a project chapter.
PROJECT_BOX = re.compile(r"工程|项目")
NOT_PROJECT_BOX = re.compile(r"指标|目标|任务表|分工")
PREFILTER = re.compile(r"工程|项目|专栏")

# An item number is one of the corpus numbering grammar's item styles (1. / （一） / （1） / ①),
# after any bullet marks.
ITEM_STYLES = ("arabic", "paren_cn", "paren_ar", "circled")
BULLETS = re.compile(r"^[-•·*\s]*")
# The characters those styles' numbers open with (1. ⒈ （一） ㈠ 一) （1） ⑴ ①).
ITEM_START = re.compile(r"[\d⒈-⒛（(㈠-㈩一二三四五六七八九十⑴-⒇①-⑳]")
LABEL_LINE = re.compile(r"^[-•·*\s]*(?P<name>[^。；;：:，,\t]{2,30})[：:]")
NAME_END = re.compile(r"[。；;：:！？]")
_INVESTMENT_REST = r"投资(?:总额|规模)?(?:约|预计|估算|计划|概算|达|为|共|合计)*(?P<v>\d+(?:\.\d+)?)\s*(?:余|多)?\s*(?P<u>万元|亿元|千万元)"
INVESTMENT = re.compile(rf"(?:总)?{_INVESTMENT_REST}")
# INVESTMENT as its two fixed-text openings (总投资…, 投资…): each is scanned far quicker
# than the optional 总 lets the whole pattern be, and the earlier match is INVESTMENT's.
INVESTMENT_PARTS = (re.compile(f"总{_INVESTMENT_REST}"), re.compile(_INVESTMENT_REST))
SENTENCE_MARK = re.compile(r"[。；;！？]")
SUMMARY_MAX = 60
NAME_MAX = 40


@Language.component("projects")
def projects_component(doc: Doc) -> Doc:
    source: Document = doc._.source
    if source is not None and PREFILTER.search(source.text):
        doc._.records.setdefault("projects", []).extend(extract_projects(source))
    return doc


def extract_projects(document: Document) -> list[dict]:
    sections = document.sections or _build_sections(document)
    records, spans = table_projects(document, sections)
    seen: set[int] = set()  # heading starts already taken

    def in_table(s: Section) -> bool:
        return any(a <= s.start < b or s.start <= a < s.end for a, b in spans)

    for chapter in sections:
        if _is_project_chapter(chapter):
            category = chapter.title
            for child in _children(sections, chapter):
                if child.kind in ("box", "table") or child.start in seen or in_table(child):
                    continue
                seen.add(child.start)
                records.append(_heading_project(document, child, category))
    for box in sections:
        if box.kind == "box" and box.start not in seen and not in_table(box) and _is_project_box(sections, box):
            seen.add(box.start)
            records.extend(_box_projects(document, box))
    records.sort(key=lambda r: r["char_start"])
    return records


def _build_sections(document: Document) -> list[Section]:
    from corpus.sections import build_sections

    return build_sections(document)


def _is_project_chapter(s: Section) -> bool:
    # (every PROJECT_CHAPTER match holds 工程 or 项目: the regex, tried at every position of
    # the title, runs on the few titles that do)
    return (s.level <= 2 and s.kind not in ("box", "table", "toc", "preface")
            and ("工程" in s.title or "项目" in s.title) and bool(PROJECT_CHAPTER.search(s.title)))


def _children(sections: list[Section], parent: Section) -> list[Section]:
    return [s for s in sections if s.parent == parent.id]


def _ancestors(sections: list[Section], s: Section):
    by_id = {x.id: x for x in sections}
    while s.parent and s.parent in by_id:
        s = by_id[s.parent]
        yield s


def _is_project_box(sections: list[Section], box: Section) -> bool:
    if NOT_PROJECT_BOX.search(box.title):
        return False
    return bool(PROJECT_BOX.search(box.title)) or any(_is_project_chapter(a) for a in _ancestors(sections, box))


# --- one project per heading ---------------------------------------------------------
def _heading_project(document: Document, s: Section, category: str) -> dict:
    text = document.text
    line_end = text.find("\n", s.start)
    line_end = s.end if line_end < 0 else min(line_end, s.end)
    head = text[s.start:line_end]
    name_at = head.find(s.title)
    end = s.start + (name_at + len(s.title) if name_at >= 0 else len(head))
    body = text[end:s.end]
    return _record(document, s.start, end, s.title, body, category)


# --- projects listed in a 专栏 box ---------------------------------------------------
def _box_projects(document: Document, box: Section) -> list[dict]:
    text = document.text
    lines = _lines(text, box.start, box.end)[1:]  # the first line is the box title
    numbered = [span for a, b in lines for span in _inline_items(text, *_item_cell(text, a, b))
                if item_number(text[span[0]:span[1]]) and not _is_table_row(text[span[0]:span[1]])]
    if numbered:
        return _items(document, box, numbered)
    labelled = [(a, b) for a, b in lines if LABEL_LINE.match(text[a:b]) and not _is_table_row(text[a:b])]
    if labelled:
        return _items(document, box, labelled, label=True)
    if PROJECT_BOX.search(box.title) and box.title:
        head_end = lines[0][0] if lines else box.end
        title_at = text.find(box.title, box.start, head_end)
        end = title_at + len(box.title) if title_at >= 0 else head_end
        return [_record(document, box.start, end, box.title, text[end:box.end], box.title)]
    return []


class ItemNumber(NamedTuple):
    end: int  # where the number (and the blanks after it) ends in the line
    arabic: int | None  # its value when it is an Arabic 1. / 1、 number


# A box's lines are read three times (cell, inline items, item heads) and the numbering
# grammar is the costly part: answers are remembered.
@lru_cache(maxsize=4096)
def item_number(line: str) -> ItemNumber | None:
    """The item number opening ``line`` (``corpus.numbering.parse_heading``, item styles only)."""
    lead = BULLETS.match(line).end()
    if not ITEM_START.match(line, lead):
        return None  # no item style opens with this character: spare the grammar's scan
    h = numbering.parse_heading(line[lead:], styles=ITEM_STYLES)
    if h is None:
        return None
    end = lead + h.end
    end += len(line[end:]) - len(line[end:].lstrip())
    return ItemNumber(end, h.value if h.style == "arabic" and h.number[:1].isdigit() else None)


def _item_cell(text: str, a: int, b: int) -> tuple[int, int]:
    """A box laid out as a two-column table row (主题<TAB>1.… 2.…): the cell holding the items."""
    line = text[a:b]
    if "\t" not in line:
        return a, b
    cell = a + line.rindex("\t") + 1
    cell += len(text[cell:b]) - len(text[cell:b].lstrip())
    return (cell, b) if item_number(text[cell:b]) else (a, b)


def _inline_items(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """A line holding numbered items one after another (1.… 2.… 3.…), as a box pasted
    from one table cell does: one span per item.  Only the next number in sequence
    splits, so 2.5亿元 or a list inside an item's text does not."""
    m = item_number(text[a:b])
    if not m or m.arabic is None:
        return [(a, b)]
    spans, k, at = [], m.arabic, a
    while text.find(str(k + 1), at + 1, b) >= 0:  # (most lines never hold the next number)
        nxt = re.compile(rf"(?<=[\s。；;！？])\s*{k + 1}\s*[.．、](?!\d)").search(text, at + 1, b)
        if not nxt:
            break
        nxt_at = nxt.start() + len(nxt.group()) - len(nxt.group().lstrip())
        spans.append((at, nxt.start()))
        at, k = nxt_at, k + 1
    spans.append((at, b))
    return spans


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    while pos < end:
        nl = text.find("\n", pos, end)
        nl = end if nl < 0 else nl
        a = pos + len(text[pos:nl]) - len(text[pos:nl].lstrip())
        if text[a:nl].strip():
            out.append((a, nl))
        pos = nl + 1
    return out


def _is_table_row(line: str) -> bool:
    return "\t" in line or "|" in line


def _items(document: Document, box: Section, heads: list[tuple[int, int]], label: bool = False) -> list[dict]:
    """One project per item line; its text runs to the next item or the box's end."""
    text = document.text
    out = []
    for k, (a, b) in enumerate(heads):
        body_end = heads[k + 1][0] if k + 1 < len(heads) else box.end
        line = text[a:b]
        if label:
            m = LABEL_LINE.match(line)
            name_start, name = a + m.start("name"), m.group("name")
        else:
            m = item_number(line)
            rest = line[m.end:]
            cut = NAME_END.search(rest)
            name = rest[:cut.start()] if cut and cut.start() <= NAME_MAX else _first_clause(rest)
            name_start = a + m.end
        name = name.strip()
        if not name:
            continue
        start = a + (len(line) - len(line.lstrip("-•·* ")))
        end = name_start + len(name)
        out.append(_record(document, start, end, name, text[end:body_end], box.title))
    return out


def _first_clause(s: str) -> str:
    cut = re.search(r"[，,。；;：:]", s)
    return (s[:cut.start()] if cut else s)[:NAME_MAX]


# Log-odds evidence (see extractors/data/README.md): a project structure is strong evidence;
# a section that reports results (成效, 进展, 现状 … — context.section_role) or a question
# heading is evidence against, not a gate.
W_BASE, W_STRUCTURE, W_QUESTION = 1.0, 1.5, -3.0
ROLE_WEIGHT = {"history": -4.0, "baseline": -3.0}


def _evidence(document: Document, start: int) -> dict:
    index = section_index(document)  # (section_role and section_titles, one index look-up)
    role, sure = index.role(start)
    question = any(QUESTION.search(s.title) for s in index.chain(start))
    confidence, reasons = _weighed(role, sure, question)
    return {"section_role": role, "confidence": confidence, "reasons": list(reasons)}


# A record's evidence depends on these three only, and a document's records share few of
# them: each is weighed once.
@lru_cache(maxsize=256)
def _weighed(role: str, sure: float, question: bool) -> tuple[float, tuple[str, ...]]:
    ev = Evidence(W_BASE, [f"base ({W_BASE:+.1f})"]).add(W_STRUCTURE, "project heading, item or row")
    ev.add(round(ROLE_WEIGHT.get(role, 0.0) * sure, 2), f"section {role}")
    if question:
        ev.add(W_QUESTION, "under a question heading")
    return ev.confidence, tuple(ev.reasons)


def _record(document: Document, start: int, end: int, name: str, body: str, category: str) -> dict:
    return {
        "name": name.strip(" 　。：:"),
        "summary": summary(body),
        "investment": investment(body),
        "category": category or None,
        **_evidence(document, start),
        **provenance(document, start, end),
    }


def summary(body: str) -> str | None:
    """The first sentence of an item's text, cut to a short length (line breaks inside
    a paragraph are the layout's, not the author's)."""
    body = body.lstrip(" 　。：:；;\n")
    m = SENTENCE_MARK.search(body)  # found before the line breaks go: only the first sentence is copied
    first = (body[:m.start()] if m else body).replace("\n", "").strip()
    if len(first) > SUMMARY_MAX:
        first = first[:SUMMARY_MAX] + "…"
    return first or None


def investment(body: str) -> float | None:
    """Stated investment in 万元 (亿元 × 10000), or None."""
    if "投资" not in body:
        return None  # (every match holds it: a heading's body may be a whole chapter)
    found = [m for p in INVESTMENT_PARTS if (m := p.search(body))]
    if not found:
        return None
    m = min(found, key=lambda m: m.start())  # INVESTMENT.search(body)
    value = float(m.group("v"))
    return value * {"万元": 1, "千万元": 1000, "亿元": 10000}[m.group("u")]


# --- projects listed in a table ----------------------------------------------------------
# The column naming the project; a bare 名称 counts when the table's title says 项目/工程.
NAME_COL = re.compile(r"^(?:重点|重大)?(?:建设)?(?:项目|工程)(?:名\s*称)?$")
BARE_NAME_COL = re.compile(r"^名\s*称$")
DETAIL_COL = re.compile(r"内容|规模|投资|资金|任务|地点|单位|期限|年限|进度|时间")
INDICATOR_COL = re.compile(r"指标|目标值|现状|基[数期]|属性|^\d{4}年?$")
CONTENT_COL = re.compile(r"内容|规模|任务|概况")
INVEST_COL = re.compile(r"投资|资金|金额")
TOTAL_ROW = re.compile(r"^(?:合\s*计|总\s*计|小\s*计|共\s*计)")
TITLE_NUMBER = re.compile(r"^(?:附?表|专栏)\s*(?:\d+|[一二三四五六七八九十]+)?[：:.．、\s]*")
CELL_MAX = 12  # longest header cell
# A header needs a cell NAME_COL or BARE_NAME_COL matches, so a line ending such a cell
# (before a separator or the line end) must exist: documents without one skip the scans.
HEADER_HINT = re.compile(r"(?:项目|工程|名\s*称)[ \t\u3000]*(?:[\t|]|[ \u3000]{2,}|$)", re.M)
# HEADER_HINT one alternative at a time: a pattern led by fixed text is scanned far quicker.
HEADER_HINTS = tuple(re.compile(rf"{lead}[ \t\u3000]*(?:[\t|]|[ \u3000]{{2,}}|$)", re.M) for lead in ("项目", "工程", r"名\s*称"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def has_header_hint(text: str) -> bool:
    """``HEADER_HINT.search(text)``: a line may hold a project table's header."""
    return any(p.search(text) for p in HEADER_HINTS)


def table_projects(document: Document, sections: list[Section]) -> tuple[list[dict], list[tuple[int, int]]]:
    """One project per row of every project table, and the spans those tables cover."""
    records, spans = [], []
    for header, rows, start, end in _tables(document, sections):
        if any(a <= start < b for a, b in spans):
            continue  # the same table read by two readers
        title = _table_title(document, start)
        cols = _project_columns(header, title)
        if cols is None:
            continue
        got = _table_rows(document, cols, rows, title or _category_at(document, sections, start))
        if got:
            records += got
            spans.append((start, end))
    return records, spans


def _tables(document: Document, sections: list[Section]) -> list[tuple[list[str], list[list[Cell]], int, int]]:
    headings = {s.start for s in sections if s.kind not in ("box", "table")}
    return _loader_tables(document) + _line_tables(document) + _cell_tables(document, headings)


def _project_columns(header: list[str], title: str | None) -> tuple[int, int | None, int | None, float] | None:
    """(name, content, investment column, 万元 per unit) of a project table's header, or None."""
    header = [h.replace(" ", "") for h in header]
    if any(INDICATOR_COL.search(h) for h in header) or not any(DETAIL_COL.search(h) for h in header):
        return None
    name = next((i for i, h in enumerate(header) if NAME_COL.match(h)), None)
    if name is None and title and PROJECT_BOX.search(title):
        name = next((i for i, h in enumerate(header) if BARE_NAME_COL.match(h)), None)
    if name is None:
        return None
    content = next((i for i, h in enumerate(header) if i != name and CONTENT_COL.search(h)), None)
    invest = next((i for i, h in enumerate(header) if i != name and INVEST_COL.search(h)), None)
    scale = 10000.0 if invest is not None and "亿" in header[invest] else 1.0
    return name, content, invest, scale


def _table_rows(document: Document, cols, rows: list[list[Cell]], category: str | None) -> list[dict]:
    name_col, content_col, invest_col, scale = cols
    out, names = [], set()
    for row in rows:
        if name_col >= len(row):
            continue
        name, at = row[name_col]
        number = item_number(name)
        name = name[number.end:].strip() if number else name.strip()
        if not CJK.search(name) or TOTAL_ROW.match(name) or NAME_COL.match(name) or name in names:
            continue
        names.add(name)
        at = document.text.find(name, at, at + len(row[name_col][0]) + 1)
        at = at if at >= 0 else row[name_col][1]
        body = row[content_col][0] if content_col is not None and content_col < len(row) else ""
        rec = _record(document, at, at + len(name), name, body, category or "")
        if invest_col is not None and invest_col < len(row):
            rec["investment"] = _invest_cell(row[invest_col][0], scale) or rec["investment"]
        out.append(rec)
    return out


def _invest_cell(cell: str, scale: float) -> float | None:
    """A money cell: a bare number in the header's unit, or a number with its own unit."""
    stated = investment("投资" + cell.replace(",", "").replace("，", ""))
    if stated is not None:
        return stated
    m = re.match(r"^\s*约?(\d+(?:\.\d+)?)", cell.replace(",", ""))
    return float(m.group(1)) * scale if m else None


def _table_title(document: Document, start: int) -> str | None:
    """The caption line just above a table (表3 重点项目表 → 重点项目表)."""
    before = document.text[max(0, start - 200):start].rstrip().rsplit("\n", 1)[-1].strip()
    if not before or len(before) > 40 or NAME_END.search(before[-1]):
        return None
    return TITLE_NUMBER.sub("", before).strip() or None


def _category_at(document: Document, sections: list[Section], pos: int) -> str | None:
    s = document.section_at(pos) if document.sections else None
    s = s or next((x for x in reversed(sections) if x.start <= pos < x.end), None)
    return s.title if s else None


def _loader_tables(document: Document) -> list[tuple[list[str], list[list[Cell]], int, int]]:
    """Tables a loader built: cells located in the text in reading order."""
    found = []
    for t in document.tables:
        if len(t.rows) < 2:
            continue
        a, b = to_text(document, t.start), to_text(document, t.end)
        rows, cursor = [], a
        for r in t.rows[1:]:
            cells = []
            for c in r:
                c = (c or "").strip()
                at = document.text.find(c, cursor, b + 200) if c else -1
                cursor = at + len(c) if at >= 0 else cursor
                cells.append((c, at if at >= 0 else cursor))
            rows.append(cells)
        found.append(([(c or "").strip() for c in t.rows[0]], rows, a, max(b, cursor)))
    return found


def _is_header(cells: list[str]) -> bool:
    return 2 <= len(cells) <= 10 and all(0 < len(c) <= CELL_MAX for c in cells) and any(map(_is_name_cell, cells))


def _is_name_cell(cell: str) -> bool:
    return bool(NAME_COL.match(cell.replace(" ", "")) or BARE_NAME_COL.match(cell))


# What may follow a line's last non-blank character.
LINE_REST = re.compile(r"[^\S\n]*$", re.M)


def has_name_cell_line(text: str) -> bool:
    """Whether some line of ``text``, stripped, is a name cell (项目名称, 工 程, 名称 …), as
    a one-cell-per-line table's header needs.  Such a cell ends in 目, 程 or 称: ``str.find``
    finds those few characters, and only one that ends its line has its line read."""
    for last in "目程称":
        at = text.find(last)
        while at >= 0:
            if LINE_REST.match(text, at + 1) and _is_name_cell(text[text.rfind("\n", 0, at) + 1:at + 1].strip()):
                return True
            at = text.find(last, at + 1)
    return False


def _line_tables(document: Document) -> list[tuple[list[str], list[list[Cell]], int, int]]:
    """Tables one row per line of the original (pipes, tabs, wide gaps); a row may leave
    trailing cells out, and a tab-separated row may have only 2 cells."""
    # (the rows are read once per document for targets too: reading them is the quicker
    # test, and the hint is needed only where they make a table)
    tables = line_tables(document, _is_header, fits=lambda n, width: 2 <= n <= width, tab_cells=True)
    if not tables or not has_header_hint(document.raw_text):
        return []
    return [(t.header, t.rows, t.start, t.end) for t in tables]


def _cell_tables(document: Document, headings: set[int]) -> list[tuple[list[str], list[list[Cell]], int, int]]:
    """Tables one cell per line: a group of short header lines, then groups of as many
    lines, groups separated by blank lines (Word tables pasted as text); a heading ends it."""
    # (the line scan is the quicker test, and the one a sample without such tables fails)
    if not has_name_cell_line(document.text) or not has_header_hint(document.text):
        return []
    groups = _line_groups(document.text)
    found, i = [], 0
    while i < len(groups):
        header = [c for c, _ in groups[i]]
        if not (2 <= len(header) <= 10 and _is_header(header)):
            i += 1
            continue
        k = i + 1
        while k < len(groups) and len(groups[k]) == len(header) and groups[k][0][1] not in headings:
            k += 1
        if k > i + 1:
            last = groups[k - 1][-1]
            found.append((header, groups[i + 1:k], groups[i][0][1], last[1] + len(last[0])))
        i = k
    return found


def _line_groups(text: str) -> list[list[Cell]]:
    groups, current, pos = [], [], 0
    for line in text.split("\n"):
        cell = line.strip()
        if cell:
            current.append((cell, pos + len(line) - len(line.lstrip())))
        elif current:
            groups.append(current)
            current = []
        pos += len(line) + 1
    if current:
        groups.append(current)
    return groups
