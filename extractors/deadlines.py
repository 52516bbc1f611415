"""deadlines extractor (component "deadlines").

A deadline is a commitment tied to an explicit year (到2025年底, 2022年底前, 在2023年开展
中期评估, 2021年6月底前) or to a duration (力争三年时间, 用两年时间, 三年行动按期完成).
Each record: what is promised (the clause after the date, short), year, month
(年底 → 12, 年中/上半年 → 6, X月底 → X) and relative ("三年").

Not deadlines: cited titles (《…2020—2030年…》), period ranges (2021—2025年), dated
events (2020年8月13日), years the plan looks back on (before its period or issue year,
or in a 现状/成效 section), headings that only name the period (（一）2030年总体目标),
table rows, and campaign names (三年行动) unless their completion is promised.
"""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from corpus.model import Document
from extractors.base import provenance

CN_NUM = "一二三四五六七八九十两"
YEAR = re.compile(
    r"(?P<marker>(?:到|至|在|于|力争|争取|确保|计划|预计|展望到?|力争到|力争在|确保到|争取到)\s*)?"
    r"(?P<year>(?:19|20)\d{2})\s*年"
    r"(?P<tail>(?:年底|年末|底|末)(?:前|之前|以前)?|上半年|下半年|年中|前|以前|之前"
    rf"|(?P<month>1[0-2]|0?[1-9]|[{CN_NUM}]|十[一二])\s*月(?:份)?(?P<mtail>底|末|中旬|上旬|下旬)?"
    r"(?P<day>\s*\d{1,2}\s*日)?(?:前|之前|以前)?)?"
)
RELATIVE = re.compile(
    rf"(?:力争|争取|用|利用|经过|通过|花)(?:约)?(?P<n>[{CN_NUM}\d]{{1,3}}(?:[至到—-][{CN_NUM}\d]{{1,3}})?)(?:个)?年(?:左右)?(?:的)?(?:时间|内|努力)"
    rf"|(?P<n2>[{CN_NUM}\d]{{1,3}})年(?:攻坚|专项)?行动(?:计划)?(?:按期|如期|圆满|全面)(?:完成|收官)"
)
PREFILTER = re.compile(r"\d{4}\s*年|年(?:时间|内|行动)")
# The year ends a range or a span (2020—2030年, 2021年至2025年): a period, not a deadline.
RANGE_BEFORE = re.compile(r"(?:\d{4}\s*年?\s*[-—–~～至到]\s*|\d{4}\s*年\s*[-—–~～至到]\s*)$")
# After the date: history (以来), a fiscal year (度), a heading that names the period.
BAD_AFTER = re.compile(r"^(?:以来|来|期间|以后|后|度|前后|起|开始|伊始|(?:相比|相较|比较)|(?:的)?(?:总体|中期|近期|远期|远景|主要|发展|规划)?目标|远景)")
AS_OF = re.compile(r"(?:截至|截止|截止到|比|较|与|同)\s*$")
CLAUSE_START = "。，,；;：:、（(）)\n——"
HISTORY_SECTION = re.compile(r"现状|成效|成就|回顾|进展|发展基础|工作基础|基本情况|面临的?形势|取得")
MONTH_WORDS = {"年底": 12, "年末": 12, "底": 12, "末": 12, "下半年": 12, "上半年": 6, "年中": 6}
WHAT_MAX = 60
TIME_HEADER = re.compile(r"时限|时间|期限|进度")


@Language.component("deadlines")
def deadlines_component(doc: Doc) -> Doc:
    source: Document = doc._.source
    if source is not None and PREFILTER.search(source.text):
        doc._.records.setdefault("deadlines", []).extend(extract_deadlines(source))
    return doc


def extract_deadlines(document: Document) -> list[dict]:
    text = document.text
    floor = _earliest_future_year(document)
    records = []
    for m in YEAR.finditer(text):
        if _is_deadline(document, m, floor):
            records.append(_year_record(document, m))
    for m in RELATIVE.finditer(text):
        if _in_title(text, m.start()) or _is_table_row(text, m.start()):
            continue
        if _is_article(document) and not FORWARD.match(m.group(0)):
            continue  # "经过三年努力，已建成…" in a report looks back
        records.append(_relative_record(document, m))
    records.extend(_table_deadlines(document))
    records.sort(key=lambda r: r["char_start"])
    return records


def _table_deadlines(document: Document) -> list[dict]:
    """Rows of a task table (任务 | 牵头单位 | 完成时限) whose time column holds a year."""
    from extractors.responsibilities import column, table_task, task_tables

    out = []
    for header, cells, start, end in task_tables(document.text):
        when = column(header, cells, TIME_HEADER) or ""
        m = YEAR.search(when)
        if m:
            out.append({"what": (table_task(header, cells) or "")[:WHAT_MAX], "year": int(m.group("year")),
                        "month": month_of(m), "relative": None, **provenance(document, start, end)})
    return out


def _earliest_future_year(document: Document) -> int | None:
    """Years before the plan's period or its issue year are looked back on."""
    meta = document.meta or {}
    years = [meta.get("period_start")]
    issued = str(meta.get("issue_date") or "")
    if re.match(r"\d{4}", issued):
        years.append(int(issued[:4]))
    years = [int(y) for y in years if y]
    return max(years) if years else None


def _is_deadline(document: Document, m: re.Match, floor: int | None) -> bool:
    text = document.text
    year, start = int(m.group("year")), m.start("year")
    after = text[m.end():m.end() + 8]
    if floor is not None and year < floor:
        return False
    if m.group("day") and not re.search(r"前$", m.group(0)):
        return False  # a dated event, not a deadline
    if BAD_AFTER.match(after) and not m.group("tail"):
        return False
    if _line_of(text, start).strip() == m.group(0).strip() or after.startswith("印发"):
        return False  # a date line (issued 2021年11月), not a promise
    if RANGE_BEFORE.search(text[max(0, start - 8):start]) and not m.group("marker"):
        return False
    if AS_OF.search(text[max(0, m.start() - 4):m.start()]) or "截" in text[max(0, m.start() - 2):start]:
        return False  # 截至2020年底: a status, not a promise
    if _in_title(text, start) or _is_table_row(text, start):
        return False
    if not m.group("marker") and not _at_clause_start(text, m.start()):
        return False  # "全区2020年确定…": a year inside a phrase
    if _is_article(document) and not FORWARD.match(m.group("marker") or ""):
        return False  # news reports "在2023年开展了…": only 到/力争/计划… promise anything
    section = document.section_at(start)
    if section is not None and HISTORY_SECTION.search(f"{section.path}/{section.title}"):
        return False
    return True


# Words that look forward: the only commitments a news article or report makes.
FORWARD = re.compile(r"到|力争|争取|确保|计划|预计|展望")


def _is_article(document: Document) -> bool:
    return (document.meta or {}).get("kind") in ("article", "news", "report")


def _at_clause_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in CLAUSE_START or text[i] in "—"


def _in_title(text: str, pos: int) -> bool:
    """Inside 《…》 on the same line."""
    line_start = text.rfind("\n", 0, pos) + 1
    seg = text[line_start:pos]
    return seg.rfind("《") > seg.rfind("》")


def _line_of(text: str, pos: int) -> str:
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    return text[line_start:line_end if line_end >= 0 else len(text)]


def _is_table_row(text: str, pos: int) -> bool:
    line = _line_of(text, pos)
    return "\t" in line or line.count("|") >= 2


def month_of(m: re.Match) -> int | None:
    if m.group("month"):
        from corpus.sections import cn_to_int

        return cn_to_int(m.group("month"))
    tail = m.group("tail") or ""
    for word, month in MONTH_WORDS.items():
        if tail.startswith(word):
            return month
    return None


def what_after(document: Document, end: int) -> tuple[str, int]:
    """The promised action: the clause after the date (or, when nothing follows on the
    line, the text before it — "主要指标(到2025年)"), and where the clause ends."""
    text = document.text
    i = end
    while i < len(text) and text[i] in " ，,：:":
        i += 1
    stop = re.compile(r"[，,。；;！？\n]|[（(](?=[^）)]{0,8}(?:单位|部门)[:：])")  # … or a 责任单位 note
    m = stop.search(text, i)
    clause_end = m.start() if m else len(text)
    if clause_end - i < 4 and m and text[m.start()] in "，,":  # "到2025年底前，基本…": too short
        m2 = stop.search(text, clause_end + 1)
        clause_end = m2.start() if m2 else len(text)
    clause_end = _before_unbalanced_close(text, i, clause_end)
    what = text[i:clause_end].strip(" ）)")
    return what[:WHAT_MAX], clause_end


def _before_unbalanced_close(text: str, start: int, end: int) -> int:
    """A clause inside a bracketed note ends at the note's closing bracket:
    "（…，2024年6月底前完成）" gives "完成", not "完成）"."""
    depth = 0
    for j in range(start, end):
        if text[j] in "（(":
            depth += 1
        elif text[j] in "）)":
            if depth == 0:
                return j
            depth -= 1
    return end


def _year_record(document: Document, m: re.Match) -> dict:
    what, clause_end = what_after(document, m.end())
    start = m.start()
    if not what:
        line_start = document.text.rfind("\n", 0, start) + 1
        what = document.text[line_start:start].strip(" （(")[-WHAT_MAX:]
        clause_end = m.end()
    return {
        "what": what,
        "year": int(m.group("year")),
        "month": month_of(m),
        "relative": None,
        **provenance(document, start, max(clause_end, m.end())),
    }


def _relative_record(document: Document, m: re.Match) -> dict:
    n = m.group("n") or m.group("n2")
    text = document.text
    if m.group("n2"):  # "三年行动按期完成": the campaign is what is promised
        line_start = max(text.rfind("\n", 0, m.start()), *(text.rfind(c, 0, m.start()) for c in "。；，")) + 1
        start, (what, clause_end) = line_start, (text[line_start:m.end()].strip(), m.end())
    else:
        start = m.start()
        what, clause_end = what_after(document, m.end())
    return {
        "what": what,
        "year": None,
        "month": None,
        "relative": f"{n}年",
        **provenance(document, start, max(clause_end, m.end())),
    }
