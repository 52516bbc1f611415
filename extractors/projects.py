"""projects extractor (component "projects").

A plan names its key projects in two ways:

* a chapter or section titled 重点工程 / 重点项目 / 重大工程 / 实施…提升工程 whose numbered
  sub-headings are the projects (``（一）自然灾害综合风险普查工程。以调查为基础…``);
* a 专栏 box (``专栏2 防灾减灾重点工程``) listing them as numbered items
  (``1.避灾安置场所规范化建设工程。全市新建…``) or as ``名称：内容`` lines; a project box
  without items is itself one project.

Boxes count when they stand inside a project chapter or when their title says 工程/项目.
Sub-工程 merely mentioned inside an item's text are not projects.  Each record has the
name (without its number), a short summary (the item's first clause), the investment in
万元 when stated (亿元 × 10000) and the category (the box or chapter title).
"""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from corpus.model import Document, Section
from extractors.base import provenance

# A chapter/section whose sub-headings are projects.
PROJECT_CHAPTER = re.compile(r"(?:重点|重大|主要)(?:建设)?(?:工程|项目)|工程项目|建设项目|(?:提升|建设|治理|保障|能力)工程$")
NOT_PROJECT_CHAPTER = re.compile(r"成效|成就|回顾|进展|完成情况|现状|形势|问题|[？?]")
# A box whose items are projects even outside a project chapter.
PROJECT_BOX = re.compile(r"工程|项目")
NOT_PROJECT_BOX = re.compile(r"指标|目标|任务表|分工")
PREFILTER = re.compile(r"工程|项目|专栏")

ITEM_NUMBER = re.compile(r"^[-•·*\s]*(?:(?P<ar>\d{1,2})\s*(?:[.．、](?!\d)|(?=[\u4e00-\u9fff“]))|[（(](?:\d{1,2}|[一二三四五六七八九十]+)[）)]|[①-⑳])\s*")
LABEL_LINE = re.compile(r"^[-•·*\s]*(?P<name>[^。；;：:，,\t]{2,30})[：:]")
NAME_END = re.compile(r"[。；;：:！？]")
INVESTMENT = re.compile(r"(?:总)?投资(?:总额|规模)?(?:约|预计|估算|计划|概算|达|为|共|合计)*(?P<v>\d+(?:\.\d+)?)\s*(?:余|多)?\s*(?P<u>万元|亿元|千万元)")
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
    records: list[dict] = []
    seen: set[int] = set()  # heading starts already taken
    for chapter in sections:
        if _is_project_chapter(chapter):
            category = chapter.title
            for child in _children(sections, chapter):
                if child.kind in ("box", "table") or child.start in seen:
                    continue
                seen.add(child.start)
                records.append(_heading_project(document, child, category))
    for box in sections:
        if box.kind == "box" and box.start not in seen and _is_project_box(sections, box):
            seen.add(box.start)
            records.extend(_box_projects(document, box))
    records.sort(key=lambda r: r["char_start"])
    return records


def _build_sections(document: Document) -> list[Section]:
    from corpus.sections import build_sections

    return build_sections(document)


def _is_project_chapter(s: Section) -> bool:
    return (s.kind not in ("box", "table", "toc", "preface") and bool(PROJECT_CHAPTER.search(s.title))
            and not NOT_PROJECT_CHAPTER.search(s.title) and s.level <= 2)


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
    numbered = [(a, b) for a, b in lines if ITEM_NUMBER.match(text[a:b]) and not _is_table_row(text[a:b])]
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
            m = ITEM_NUMBER.match(line)
            rest = line[m.end():]
            cut = NAME_END.search(rest)
            name = rest[:cut.start()] if cut and cut.start() <= NAME_MAX else _first_clause(rest)
            name_start = a + m.end()
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


def _record(document: Document, start: int, end: int, name: str, body: str, category: str) -> dict:
    return {
        "name": name.strip(" 　。：:"),
        "summary": summary(body),
        "investment": investment(body),
        "category": category or None,
        **provenance(document, start, end),
    }


def summary(body: str) -> str | None:
    """The first sentence of an item's text, cut to a short length (line breaks inside
    a paragraph are the layout's, not the author's)."""
    body = body.lstrip(" 　。：:；;\n").replace("\n", "")
    m = re.search(r"[。；;！？]", body)
    first = (body[:m.start()] if m else body).strip()
    if len(first) > SUMMARY_MAX:
        first = first[:SUMMARY_MAX] + "…"
    return first or None


def investment(body: str) -> float | None:
    """Stated investment in 万元 (亿元 × 10000), or None."""
    m = INVESTMENT.search(body)
    if not m:
        return None
    value = float(m.group("v"))
    return value * {"万元": 1, "千万元": 1000, "亿元": 10000}[m.group("u")]
