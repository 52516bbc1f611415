"""responsibilities extractor (component "responsibilities").

Plans assign each task to departments in a note such as
``（牵头单位：市应急局；负责单位：市委编办、市财政局等按职责分工负责）``, or in a line
``责任单位：区应急管理局、区公安分局``.  One record per note: the task it belongs to (the
heading of the task, else the sentence before it), the lead list and the support list as
written, their canonical names (``extractors.departments``) and the role words.
"""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from corpus.model import Document
from extractors.base import provenance
from extractors.departments import canonical

ROLE_WORD = r"(?:牵头|主责|主办|主管|责任|负责|配合|协办|协助|参与|协同|实施|承办|落实)(?:单位|部门)"
# "责任单位：", also "【责任单位】" and "责任主体：".
ROLE = re.compile(rf"(?P<role>{ROLE_WORD}|责任主体)\s*(?:[:：]|(?<=[位门体])】)")
LEAD_ROLE = re.compile(r"牵头|主责|主办|主管")
OPEN, CLOSE = "（(", "）)"
# A numbered line: its title names the task ("3.建立会商机制。…").
NUMBERED = re.compile(r"^\s*(?:第[一二三四五六七八九十\d]+[章节]|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]"
                      r"|\d{1,2}[.．、](?!\d)|[①-⑳])\s*")
TITLE_END = re.compile(r"[。；;：:！？]")

# What closes a list but names no department: "等有关部门按照职责分工负责".
DUTY_TAIL = re.compile(r"(?:按照|按|根据|依据)?(?:各自)?(?:职责|职能)(?:分工)?(?:负责|落实|配合|抓好落实)?$|(?:分别|共同)?负责$|(?:配合|参与)$")
GENERIC = r"(?:各|其他|其它)?(?:有关|相关)?(?:部门|单位|企业)(?:和|及|、)?(?:单位|部门)?"
ETC_TAIL = re.compile(rf"等(?:{GENERIC}|各|有关|相关)*$")
# "市消防救援有关部门": a generic tail written without 等.
GENERIC_TAIL = re.compile(r"(?<=[^、，,；;])(?:各|其他|其它)?(?:有关|相关)(?:部门|单位|企业)(?:和|及|、)?(?:单位|部门)?$")
SEPARATORS = "、，,；;/ 【】"
# "市气象局市水局": a department suffix directly followed by another admin prefix.
RUN_ON = re.compile(r"(?<=[局委办厅部队会院站所])(?=[省市区县州旗](?![场级内政]))")


# Task tables (任务分工表): a header row naming role columns, one task per row.
ROLE_HEADER = re.compile(rf"^{ROLE_WORD}$")
TASK_HEADER = re.compile(r"任务|内容|事项|措施|工作|项目|举措")
PREFILTER = re.compile(rf"{ROLE_WORD}|牵头")


@Language.component("responsibilities")
def responsibilities_component(doc: Doc) -> Doc:
    source: Document = doc._.source
    if source is not None and PREFILTER.search(source.text):
        doc._.records.setdefault("responsibilities", []).extend(extract_responsibilities(source))
    return doc


def extract_responsibilities(document: Document) -> list[dict]:
    """Every responsibility note and task-table row of a normalised document, in reading order."""
    records = _notes(document) + _table_rows(document)
    records.sort(key=lambda r: r["char_start"])
    _sentence_tasks(document, records)
    return records


def _sentence_tasks(document: Document, records: list[dict]) -> None:
    """Several notes under one heading each follow their own task: name it by the
    sentence before the note rather than by the shared heading."""
    shared: dict[tuple, int] = {}
    for r in records:
        shared[(r["section_id"], r["task"])] = shared.get((r["section_id"], r["task"]), 0) + 1
    for r in records:
        if shared[(r["section_id"], r["task"])] > 1 and "\t" not in r["quote"]:
            pos = r.pop("_pos")
            r["task"] = sentence_before(document.text, pos) or r["task"]
        r.pop("_pos", None)


def sentence_before(text: str, pos: int) -> str:
    line_start = text.rfind("\n", 0, pos) + 1
    before = re.split(r"[。！？；;]", text[line_start:pos].rstrip("。；;， "))
    return before[-1].strip()[:60] if before else ""


def _notes(document: Document) -> list[dict]:
    text = document.text
    region = (document.meta or {}).get("region")
    records, covered_until = [], -1
    for m in ROLE.finditer(text):
        if m.start() < covered_until:
            continue  # a later role inside a note already read
        span = _note_span(text, m.start())
        if span is None:
            continue
        start, end, body = span
        roles = parse_roles(body)
        if not roles or not any(names for _, names in roles):
            continue
        covered_until = end
        records.append(_record(document, start, end, roles, region))
    taken = {r["char_start"] for r in records}
    verb = _verb_notes(document, region, taken)
    taken |= {r["char_start"] for r in verb}
    return records + verb + _duty_notes(document, region, taken)


# --- "（市应急局牵头，市公安局、市财政局等按职责分工负责）" ------------------------------
VERB_NOTE = re.compile(r"^(?P<lead>[^。；;：:]{2,80}?)(?:共同)?牵头(?:负责)?(?:[，,；;、](?P<rest>[^。：:]*))?$")
# The first verb closes the support list; what follows it is a time limit or remark.
SUPPORT_VERB = re.compile(r"(?:按照|按|根据)?(?:各自)?(?:职责分工)?(?P<verb>配合|参与|协助|协同|负责)(?:落实)?")


def _verb_notes(document: Document, region, taken_raw: set[int]) -> list[dict]:
    """Notes that name roles by verbs: the lead before 牵头, the rest before 配合/负责."""
    text = document.text
    out = []
    for m in re.finditer("牵头", text):
        open_at = _enclosing_open(text, m.start())
        if open_at is None:
            continue
        close = _matching_close(text, open_at)
        if close is None or close < m.end():
            continue
        v = VERB_NOTE.match(text[open_at + 1:close])
        if not v or ROLE.search(v.group(0)):
            continue
        lead = split_departments(v.group("lead"))
        rest = v.group("rest") or ""
        verb = SUPPORT_VERB.search(rest)
        support = split_departments(rest[:verb.start()] if verb else rest) if rest else []
        if not lead or any(len(n) > 25 for n in lead + support):
            continue  # prose in brackets, not a list of departments
        roles = [("牵头", lead)] + ([(verb.group("verb") if verb else "配合", support)] if support else [])
        rec = _record(document, open_at, close + 1, roles, region)
        if rec["char_start"] not in taken_raw:
            out.append(rec)
    return out


# --- "（市发展改革委、市应急局按职责分工负责）", "（县应急局负责）" ------------------------
DUTY_NOTE = re.compile(r"[（(](?:由)?(?P<list>[^（）()。；;：:\n]{2,120}?)(?:等(?:有关|相关)?(?:部门|单位)*)?"
                       r"(?:按照|按|根据)?(?:各自)?(?:职责分工|职责)?(?:分别|共同)?负责[）)]")
# Every name of such a list must end like a department, so prose in brackets stays out.
DEPT_END = re.compile(r"(?:局|委|办|厅|部|署|中心|队|站|院|会|政府|办事处|街道|乡镇|单位|部门|公司|集团|所|处|室|团|社|台|馆|行|司)$")


def _duty_notes(document: Document, region, taken_raw: set[int]) -> list[dict]:
    """Notes that only name who is responsible: every department listed leads."""
    out = []
    for m in DUTY_NOTE.finditer(document.text):
        body = m.group("list")
        if "牵头" in body or ROLE.search(body):
            continue
        names = split_departments(body)
        if not names or not all(DEPT_END.search(n) and len(n) <= 25 for n in names):
            continue
        rec = _record(document, m.start(), m.end(), [("负责", names)], region)
        if rec["char_start"] not in taken_raw:
            out.append(rec)
    return out


def _enclosing_open(text: str, pos: int) -> int | None:
    """The bracket that opens around ``pos`` on its line, if any."""
    depth = 0
    for i in range(pos - 1, max(-1, pos - 200), -1):
        ch = text[i]
        if ch == "\n":
            return None
        if ch in CLOSE:
            depth += 1
        elif ch in OPEN:
            if depth == 0:
                return i
            depth -= 1
    return None


# --- task tables ----------------------------------------------------------------------
def task_tables(text: str):
    """Yield (header cells, row cells, row start, row end) for every body row of a
    tab-separated table whose header names a role column (牵头单位, 责任单位…)."""
    header: list[str] | None = None
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if "\t" not in line:
            header = None
            continue
        cells = [c.strip() for c in line.split("\t")]
        if any(ROLE_HEADER.match(re.sub(r"\s+", "", c)) for c in cells):
            header = [re.sub(r"\s+", "", c) for c in cells]
        elif header is not None:
            lead = len(line) - len(line.lstrip())
            yield header, cells, start + lead, start + len(line.rstrip())


def column(header: list[str], cells: list[str], pattern: re.Pattern) -> str | None:
    """The cell under the first header matching ``pattern``; rows with merged leading
    cells are aligned from the right, where the role and deadline columns stand."""
    for j, h in enumerate(header):
        if pattern.search(h):
            k = j if len(cells) == len(header) else len(cells) - (len(header) - j)
            return cells[k] if 0 <= k < len(cells) else None
    return None


def _table_rows(document: Document) -> list[dict]:
    region = (document.meta or {}).get("region")
    out = []
    for header, cells, start, end in task_tables(document.text):
        roles = [(h, split_departments(column(header, cells, re.compile(f"^{re.escape(h)}$")) or ""))
                 for h in header if ROLE_HEADER.match(h)]
        if not any(names for _, names in roles):
            continue
        rec = _record(document, start, end, roles, region)
        rec["task"] = table_task(header, cells) or rec["task"]
        out.append(rec)
    return out


def table_task(header: list[str], cells: list[str]) -> str | None:
    task = column(header, cells, TASK_HEADER)
    if not task:
        plain = [c for h, c in zip(header, cells) if not ROLE_HEADER.match(h) and not re.fullmatch(r"[\d.、]*", c)]
        task = max(plain, key=len, default=None)
    return task


def _note_span(text: str, role_start: int) -> tuple[int, int, str] | None:
    """(start, end, body) of the note holding the role at ``role_start``: the enclosing
    bracket when the role opens one, else the rest of the line up to 。."""
    i = role_start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i >= 0 and text[i] in OPEN:
        close = _matching_close(text, i)
        if close is None:
            return None
        return i, close + 1, text[i + 1:close]
    if i >= 0 and text[i] == "【":  # "【责任单位】…": the quote starts at the bracket
        role_start = i
    line_end = text.find("\n", role_start)
    line_end = len(text) if line_end < 0 else line_end
    stop = text.find("。", role_start, line_end)
    end = line_end if stop < 0 else stop
    if end - role_start > 300:  # a role word in running prose, not a note
        return None
    return role_start, end, text[role_start:end]


def _matching_close(text: str, open_at: int) -> int | None:
    depth = 0
    for j in range(open_at, min(len(text), open_at + 600)):
        ch = text[j]
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth -= 1
            if depth == 0:
                return j
        elif ch == "\n":
            return None
    return None


def parse_roles(body: str) -> list[tuple[str, list[str]]]:
    """``牵头单位:A、B;负责单位:C等按职责分工负责`` → [(牵头单位, [A, B]), (负责单位, [C])]."""
    marks = list(ROLE.finditer(body))
    out = []
    for k, m in enumerate(marks):
        chunk = body[m.end(): marks[k + 1].start() if k + 1 < len(marks) else len(body)]
        out.append((m.group("role"), split_departments(chunk)))
    return out


def split_departments(chunk: str) -> list[str]:
    """A written list of departments, split on 、，; (not inside brackets), with the
    closing formula (等有关部门按照职责分工负责) dropped; "各有关部门" alone is kept."""
    chunk = re.sub(r"\s+", "", chunk).strip(SEPARATORS + "。")
    chunk = DUTY_TAIL.sub("", chunk).rstrip(SEPARATORS)
    whole = chunk
    chunk = ETC_TAIL.sub("", chunk)
    chunk = GENERIC_TAIL.sub("", chunk)
    if chunk in ("", "各", "其他", "其它"):
        chunk = whole  # the list is only "各有关部门"
    names = []
    for part in _split_top_level(chunk):
        names.extend(p for p in RUN_ON.split(part) if p)
    return names


def _split_top_level(s: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and ch in SEPARATORS:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def _record(document: Document, start: int, end: int, roles: list[tuple[str, list[str]]], region) -> dict:
    lead_i = next((k for k, (r, _) in enumerate(roles) if LEAD_ROLE.search(r)), 0)
    lead_role, lead = roles[lead_i]
    support_roles = [(r, names) for k, (r, names) in enumerate(roles) if k != lead_i]
    support = [n for _, names in support_roles for n in names]
    return {
        "task": task_of(document, start),
        "lead": lead,
        "support": support,
        "lead_canonical": [canonical(n, region) for n in lead],
        "support_canonical": [canonical(n, region) for n in support],
        "lead_role": lead_role,
        "support_role": support_roles[0][0] if support_roles else None,
        **provenance(document, start, end),
        "_pos": start,  # dropped once the task is settled
    }


def task_of(document: Document, pos: int) -> str:
    """The task a note at ``pos`` belongs to: the title of the numbered line it stands
    on, else the deepest heading above it, else the sentence before it."""
    text = document.text
    line_start = text.rfind("\n", 0, pos) + 1
    line = text[line_start:pos]
    m = NUMBERED.match(line)
    if m:
        rest = line[m.end():]
        cut = TITLE_END.search(rest)
        title = rest[:cut.start()] if cut else rest
        if 0 < len(title) <= 40:
            return title.strip()
    section = document.section_at(pos)
    while section is not None and (section.kind in ("box", "table") or not section.title):
        section = next((s for s in document.sections if s.id == section.parent), None)
    if section is not None and section.kind not in ("preface",) and section.start < pos and len(document.sections) > 1:
        return section.title
    return sentence_before(text, pos)
