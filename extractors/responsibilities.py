"""responsibilities extractor (component "responsibilities").

Plans assign each task to departments in a note such as
``（牵头单位：市应急局；负责单位：市委编办、市财政局等按职责分工负责）``, after a time limit
in the same bracket ``（6月底完成，牵头考核单位：市X局、市Y局）``, in a line
``责任单位：区应急管理局、区公安分局``, by verbs ``（市应急局牵头，市公安局配合）``, or in a
task table with 牵头/责任 columns.  One record per note: the task it belongs to (the heading
of the task, else the sentence before it), the lead list and the support list as written,
their canonical names (``extractors.departments``) and the role words.  Supporters named in
the task sentence itself (会同X、Y等部门 / X、Y等部门积极配合) join the support list.

Label words (head + qualifier + tail: 牵头 + 考核 + 单位), department endings and footer cues
live in ``extractors/data`` (resp_labels.csv, department_suffixes.txt, footer_cues.txt).
"""
from __future__ import annotations

import bisect
import csv
import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from corpus.model import Document
from corpus.numbering import parse_heading
from extractors.base import provenance
from extractors.context import (DATA, SENTENCE, Evidence, back_over, finditer_near, looks_back, section_index,
                                section_role, vocabulary, vocabulary_test, with_first_chars, words)
from extractors.departments import canonical
from extractors.scan import LiteralLed, find_all


# --- vocabulary ----------------------------------------------------------------------------
@lru_cache(maxsize=1)
def label_parts() -> dict[str, list[tuple[str, str]]]:
    """resp_labels.csv: part → [(word, role)] (head / qualifier / tail / label)."""
    path = DATA / "resp_labels.csv"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    parts: dict[str, list[tuple[str, str]]] = {}
    for row in csv.DictReader(lines):
        if not row.get("part") or not row.get("word"):
            raise ValueError(f"{path}: a row needs part and word: {row}")
        parts.setdefault(row["part"].strip(), []).append((row["word"].strip(), (row.get("role") or "").strip()))
    return parts


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def label_pattern() -> str:
    """A regex of every role label: 牵头单位, 牵头考核单位, 责任部门, 配合单位, 责任主体…"""
    p = label_parts()
    heads, quals, tails = ([w for w, _ in p.get(k, [])] for k in ("head", "qualifier", "tail"))
    whole = [w for w, _ in p.get("label", [])]
    core = f"(?:{_alt(heads)})(?:{_alt(quals)})?(?:{_alt(tails)})"
    return f"{core}|{_alt(whole)}" if whole else core


@lru_cache(maxsize=1)
def _role_of_head() -> list[tuple[str, str]]:
    p = label_parts()
    return sorted(p.get("head", []) + p.get("label", []), key=lambda wr: -len(wr[0]))


def role_kind(label: str) -> str:
    """lead | duty | support for a label or verb (牵头考核单位 → lead, 责任单位 → duty)."""
    for word, role in _role_of_head():
        if label.startswith(word):
            return role or "support"
    return "lead" if "牵头" in label else "support"


@lru_cache(maxsize=1)
def regexes() -> dict[str, re.Pattern]:
    label = label_pattern()
    suffix = vocabulary("department_suffixes").pattern
    # the characters a label can start with: a lookahead that lets the engine skip the rest
    first = re.escape("".join(sorted({w[0] for part in ("head", "label") for w, _ in label_parts().get(part, [])})))
    return {
        # "责任单位：", also "【责任单位】" and "责任主体："
        "role": re.compile(rf"(?=[{first}])(?P<role>{label})\s*(?:[:：]|(?<=\S)】)"),
        "header": re.compile(rf"^(?:{label}|牵头|责任|主责)(?:[（(][^）)]*[)）])?(?:[/／、](?:{label}))?$"),
        "label": re.compile(label),
        "dept_end": re.compile(rf"(?:{suffix})$"),
    }


@lru_cache(maxsize=1)
def label_anchors() -> tuple[re.Pattern, int]:
    """What every role label holds (a tail: 单位, 部门 …, or a whole label: 责任主体) and the
    most characters before it (the longest head and qualifier), for context.finditer_near."""
    p = label_parts()
    ends = [w for w, _ in p.get("tail", [])] + [w for w, _ in p.get("label", [])]
    back = max((len(w) for w, _ in p.get("head", [])), default=0) + max((len(w) for w, _ in p.get("qualifier", [])), default=0)
    return re.compile(_alt(ends)), back


@lru_cache(maxsize=1)
def role_anchors() -> tuple[LiteralLed, int]:
    """What every role (a label then a colon or 】) holds: the colon or bracket, at most the
    longest label's length after the role's start.  A plan has a few dozen colons and far
    more 单位 and 部门, so the role pattern is tried at fewer places."""
    p = label_parts()
    longest = max(sum(max((len(w) for w, _ in p.get(k, [])), default=0) for k in ("head", "qualifier", "tail")),
                  max((len(w) for w, _ in p.get("label", [])), default=0))
    return LiteralLed(re.compile("[:：】]")), longest


_LABELS: list = [None, []]  # the last text asked about and its labels


def role_labels(text: str) -> list[re.Match]:
    """``regexes()["role"].finditer(text)``: the role labels of a text, found near the colon
    after them (kept for the last text: the responsibilities and deadlines components both
    read them)."""
    if _LABELS[0] is not text:
        _LABELS[:] = [text, list(_role_matches(text))]
    return _LABELS[1]


@lru_cache(maxsize=1)
def label_ends() -> frozenset[str]:
    """The characters a role label can end with: a tail's last (单位, 部门) or a whole label's."""
    p = label_parts()
    return frozenset(w[-1] for part in ("tail", "label") for w, _ in p.get(part, []))


def _role_matches(text: str):
    """``context.finditer_near`` of the role pattern and its anchors (colons, 】), with two
    savings: a colon not right after a label's last character (blanks aside) is passed over
    with one test (a plan's 目标：, 时间：, 一是：), and before the rest the pattern is
    searched once over the window instead of matched at each of its places.  (A role's
    match ends on its colon, so no match starting in the window runs past it.)"""
    anchors, back = role_anchors()
    role, ends = regexes()["role"], label_ends()
    pos = 0
    for a in anchors.finditer(text):
        if a.end() <= pos:
            continue  # inside the last match
        k = a.start() - 1
        while k >= pos and text[k].isspace():
            k -= 1
        if k < pos or text[k] not in ends:
            continue
        m = role.search(text, back_over(text, a.start(), back, pos), a.end())
        if m:
            yield m
            pos = m.end()


def may_hold_notes(text: str) -> bool:
    """Whether a text can hold a note of any form (worth reading for notes at all): 牵头 or
    负责 (verb notes, duty notes, clause notes, duty sentences), a role label, or a bare
    bracketed list closing a task."""
    if "牵头" in text or "负责" in text:
        return True
    anchors, back = label_anchors()
    return next(finditer_near(regexes()["label"], anchors, text, back), None) is not None \
        or next(list_note_matches(text), None) is not None


# The title of a numbered line names its task ("3.建立会商机制。…"): the line's number is
# read by the corpus numbering grammar; the title runs to the first of these.
TITLE_END = re.compile(r"[。；;：:！？]")
TITLE_MAX = 40
OPEN, CLOSE = "（(", "）)"

# What closes a list but names no department: "等有关部门按照职责分工负责".
# (The closing formulas are led by the characters they start with (context.with_first_chars):
# ``sub`` tries them at every position of a list, and most positions fail on one class test.)
DUTY_TAIL = re.compile(with_first_chars(
    r"(?:按照|按|根据|依据)?(?:各自)?(?:职责|职能)(?:分工)?(?:负责|落实|配合|抓好落实)?$|(?:分别|共同)?负责$|(?:配合|参与)$"))
GENERIC = r"(?:各|其他|其它)?(?:有关|相关)?(?:部门|单位|企业)(?:和|及|、)?(?:单位|部门)?"
ETC_TAIL = re.compile(rf"等(?:{GENERIC}|各|有关|相关)*$")
# "市消防救援有关部门": a generic tail written without 等.
GENERIC_TAIL = re.compile(with_first_chars(
    r"(?<=[^、，,；;])(?:各|其他|其它)?(?:有关|相关)(?:部门|单位|企业)(?:和|及|、)?(?:单位|部门)?$"))
SEPARATORS = "、，,；;/ 【】"
SPLIT = re.compile(r"[、，,；;/ 【】]")
BLANK_RUN = re.compile(r"\s+")
# "市气象局市水局": a department suffix directly followed by another admin prefix.
RUN_ON = re.compile(r"(?<=[局委办厅部队会院站所])(?=[省市区县州旗](?![场级内政]))")
# A label that is not a role ends a role's list: "完成时限：", "进度安排：".
OTHER_LABEL = re.compile(r"[，,；;。\s]*[\u4e00-\u9fff]{2,6}[:：]")
# A time limit written after the list (牵头单位：市X局，6月底完成) is no department.
TIME_LIKE = re.compile(r"[\d一二三四五六七八九十]\s*[年月]|年[底末内]|季度|半年|完成$|推进$|坚持$")
# "市发展改革委（牵头）": the lead marked inside a list.
LEAD_MARK = re.compile(r"[（(]牵头[）)]$")
TASK_HEADER = re.compile(r"任务|内容|事项|措施|工作|项目|举措")
NAME_MAX = 25

# Supporters named in the task sentence: "会同城管执法、市场监管等部门开展…" and
# "公安、市场监管等部门积极配合…"; the lead's own cooperation "配合市发改委做好…" and an
# implementer "交由达茂旗牵头落实" are kept apart (extra keys), not as supporters.
WITH_LIST = re.compile(r"(?:会同|联合|协同)(?P<list>[^，。；;：:（）()]{2,80}?)等(?:有关|相关)?(?:部门|单位)")
_SUPPORTS_END = r"等(?:有关|相关)?(?:部门|单位)(?:要|应)?(?:积极|主动|全力|密切)?(?P<verb>配合|协助|参与|支持)"
LIST_SUPPORTS = re.compile(rf"(?:^|[，。；;：:])(?P<list>[^，。；;：:（）()]{{2,80}}?){_SUPPORTS_END}")
# How every LIST_SUPPORTS match ends; led by 等, the regex engine finds it fast, while
# LIST_SUPPORTS tries its lazy list at every clause of a long task sentence.
SUPPORTS_END = re.compile(_SUPPORTS_END)
COOPERATES = re.compile(r"^(?:积极|主动)?(?:配合|协助)(?P<list>[^，。；;：:（）()]{2,40}?)(?:做好|开展|推进|完成|落实|实施|抓好)")
IMPLEMENTER = re.compile(r"(?:交由|由)(?P<list>[^，。；;：:（）()]{2,40}?)牵头(?:落实|实施|组织实施|推进)")


@Language.component("responsibilities")
def responsibilities_component(doc: Doc) -> Doc:
    source: Document = doc._.source
    if source is not None and may_hold_notes(source.text):
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
        pos = r.pop("_pos", None)
        if pos is not None and shared[(r["section_id"], r["task"])] > 1 and "\t" not in r["quote"]:
            r["task"] = sentence_before(document.text, pos) or r["task"]


SENT_SPLIT = re.compile(r"[。！？；;]")


def sentence_before(text: str, pos: int) -> str:
    line_start = text.rfind("\n", 0, pos) + 1
    before = SENT_SPLIT.split(text[line_start:pos].rstrip("。；;， "))
    return before[-1].strip()[:60] if before else ""


# --- labelled notes ------------------------------------------------------------------------
def _notes(document: Document) -> list[dict]:
    text = document.text
    region = (document.meta or {}).get("region")
    records, covered_until = [], -1
    for m in role_labels(text):
        if m.start() < covered_until:
            continue  # a later role inside a note already read
        span = _note_span(text, m.start())
        if span is None:
            continue
        start, end, body = span
        roles, before = parse_roles(body)
        if not roles or not any(names for _, names in roles):
            continue
        covered_until = end
        if records and _continues(text, records[-1], start, roles):
            _merge_support(document, records[-1], start, end, roles, region)
            continue
        # 主办单位：… in a web page footer names the site's sponsor, not a task's lead
        footer = [(W_FOOTER, "in a page footer or contact block")] if is_footer(text, m.start()) else []
        rec = _record(document, start, end, roles, region, form="label", evidence=footer)
        if before.strip("，,；; "):
            rec["time_limit"] = before.strip("，,；; ")
        _add_sentence_roles(document, rec, start)
        records.append(rec)
    taken = {r["char_start"] for r in records}
    verb = _verb_notes(document, region, taken)
    taken |= {r["char_start"] for r in verb}
    duty = _duty_notes(document, region, taken)
    taken |= {r["char_start"] for r in duty}
    found = records + verb + duty + _list_notes(document, region, taken)
    noted = _noted_lines(document.text, found)
    return found + _clause_notes(document, region, noted) + _duty_sentences(document, region, noted)


def _noted_lines(text: str, records: list[dict]) -> set[int]:
    """Starts of the lines a note assigns: its own, and for a note on a line of its own
    (牵头单位：… under the task) the item line above it."""
    lines = set()
    for r in records:
        line_start = text.rfind("\n", 0, r["_pos"]) + 1
        lines.add(line_start)
        if not text[line_start:r["_pos"]].strip() and (above := _item_line_start_above(text, line_start)) is not None:
            lines.add(above)
    return lines


def _continues(text: str, previous: dict, start: int, roles: list[tuple[str, list[str]]]) -> bool:
    """A line that only names supporters (配合单位：…) right under a line-form note
    (牵头单位：…) belongs to that note."""
    if text[start] in OPEN or any(role_kind(r) != "support" for r, _ in roles):
        return False
    prev_start = previous.get("_pos")
    if prev_start is None or text[prev_start] in OPEN or "\t" in previous["quote"]:
        return False
    prev_end = text.find("\n", prev_start)
    return prev_end >= 0 and not text[prev_end:start].strip() and text.count("\n", prev_end, start) == 1


def _merge_support(document: Document, previous: dict, start: int, end: int,
                   roles: list[tuple[str, list[str]]], region) -> None:
    names = [n for _, ns in roles for n in ns]
    previous["support"] = previous["support"] + names
    previous["support_canonical"] = previous["support_canonical"] + [canonical(n, region) for n in names]
    previous["support_role"] = previous["support_role"] or roles[0][0]
    previous.update(provenance(document, previous["_pos"], end))


FOOTER_REACH = 3  # lines either side that a footer block spans


def is_footer(text: str, pos: int) -> bool:
    """A position in a contact/footer block: its line or one within FOOTER_REACH lines names
    an address, a post code, a phone number, an ICP licence… (a yes/no test: the fast
    form of the vocabulary, over some lines of long paragraphs around each label)"""
    a = pos
    for _ in range(FOOTER_REACH + 1):
        a = text.rfind("\n", 0, a)
        if a < 0:
            break
    b = pos
    for _ in range(FOOTER_REACH + 1):
        b = text.find("\n", b + 1)
        if b < 0:
            break
    return bool(vocabulary_test("footer_cues").search(text, a + 1, b if b >= 0 else len(text)))


# --- "（市应急局牵头，市公安局、市财政局等按职责分工负责）" ------------------------------
VERB_NOTE = re.compile(r"^(?:由|请)?(?P<lead>[^。；;：:]{2,80}?)(?:共同)?牵头(?:负责)?(?:[，,；;、](?P<rest>[^。：:]*))?$")
# The first verb closes the support list; what follows it is a time limit or remark.
SUPPORT_VERB = re.compile(r"(?:按照|按|根据)?(?:各自)?(?:职责分工)?(?P<verb>配合|参与|协助|协同|负责)(?:落实)?")
LEAD_VERB = re.compile("牵头")


def _verb_notes(document: Document, region, taken_raw: set[int]) -> list[dict]:
    """Notes that name roles by verbs: the lead before 牵头, the rest before 配合/负责."""
    text = document.text
    role = regexes()["role"]
    out = []
    for m in LEAD_VERB.finditer(text):
        open_at = enclosing_open(text, m.start())
        if open_at is None:
            continue
        close = matching_close(text, open_at)
        if close is None or close < m.end():
            continue
        v = VERB_NOTE.match(text[open_at + 1:close])
        if not v or role.search(v.group(0)):
            continue
        lead = split_departments(v.group("lead"))
        rest = v.group("rest") or ""
        verb = SUPPORT_VERB.search(rest)
        support = split_departments(rest[:verb.start()] if verb else rest) if rest else []
        if not lead or any(len(n) > NAME_MAX for n in lead + support):
            continue  # prose in brackets, not a list of departments
        roles = [("牵头", lead)] + ([(verb.group("verb") if verb else "配合", support)] if support else [])
        rec = _record(document, open_at, close + 1, roles, region, form="verb")
        if rec["char_start"] not in taken_raw:
            out.append(rec)
    return out


# --- "（市发展改革委、市应急局按职责分工负责）", "（县应急局负责）" ------------------------
DUTY_NOTE = re.compile(r"[（(](?:由)?(?P<list>[^（）()。；;：:\n]{2,120}?)(?:等(?:有关|相关)?(?:部门|单位)*)?"
                       r"(?:按照|按|根据)?(?:各自)?(?:职责分工|职责)?(?:分别|共同)?负责[）)]")


DUTY_END = re.compile(r"负责[）)]")


def _duty_notes(document: Document, region, taken_raw: set[int]) -> list[dict]:
    """Notes that only name who is responsible: every department listed leads."""
    if not DUTY_END.search(document.text):
        return []  # every duty note closes on 负责）
    notes = ((m.start(), m.end(), m.group("list")) for m in _duty_matches(document.text))
    return _department_lists(document, region, taken_raw, notes, "负责", "duty")


def _department_lists(document: Document, region, taken_raw: set[int], notes, role_word: str, form: str,
                      shortest: int = 1) -> list[dict]:
    """A record for each (start, end, body) whose body lists only department names (each
    ending like one, ``shortest`` to NAME_MAX characters, no role words): all of them lead."""
    out = []
    role, dept_end = regexes()["role"], regexes()["dept_end"]
    for start, end, body in notes:
        if "牵头" in body or role.search(body):
            continue
        names = split_departments(body)
        if not names or not all(dept_end.search(n) and shortest <= len(n) <= NAME_MAX for n in names):
            continue
        rec = _record(document, start, end, [(role_word, names)], region, form=form)
        rec["lead_role"] = role_word or None
        if rec["char_start"] not in taken_raw:
            out.append(rec)
    return out


def _duty_matches(text: str):
    """``DUTY_NOTE.finditer(text)``, tried only where a note can open: a note holds no
    bracket before its closing 负责）, so it opens at the last bracket before each 负责）
    on that line (a plan has a few of those and many brackets; bracket_positions has them)."""
    starts, brackets = set(), bracket_positions(text)
    for close in ("负责）", "负责)"):
        i = text.find(close)
        while i >= 0:
            k = bisect.bisect_left(brackets, i) - 1  # the last bracket before it
            if k >= 0 and text[brackets[k]] in OPEN and text.find("\n", brackets[k], i) < 0:
                starts.add(brackets[k])
            i = text.find(close, i + 1)
    after = 0
    for p in sorted(starts):
        if p < after:
            continue  # inside the last note
        m = DUTY_NOTE.match(text, p)
        if m:
            yield m
            after = m.end()


# --- "…提高活性保留率。（市科委、市经济信息化委）": a bare list closing a task ------------------
# A bracket standing after the task's last sentence and ending its paragraph, holding only
# department names: every one named is responsible (no label says who leads).
# (It opens on the sentence's end, a character class the regex engine can skip ahead to.)
LIST_NOTE = re.compile(r"[。；;！!][ \t　]*(?P<open>[（(])(?P<list>[^（）()。；;：:，,\n]{3,200})[）)][ \t　]*$", re.M)
SENTENCE_ENDS, BLANKS = "。；;！!", " \t　"
LIST_NAME_MIN = 3  # 市科委; a two-character word in brackets (西部, 试行) is no department


def _list_notes(document: Document, region, taken_raw: set[int]) -> list[dict]:
    notes = ((m.start("open"), m.end("list") + 1, m.group("list")) for m in list_note_matches(document.text))
    return _department_lists(document, region, taken_raw, notes, "", "list", shortest=LIST_NAME_MIN)


def list_note_matches(text: str):
    """``LIST_NOTE.finditer(text)``, tried only at the sentence end before an opening bracket
    (bracket_positions): a plan has a few hundred brackets, and the pattern's leading class
    (。；…) was tried at every character.  Matches cannot overlap (a list holds no bracket), so each bracket is
    tried on its own."""
    for p in bracket_positions(text):
        if text[p] not in OPEN:
            continue
        s = p - 1
        while s >= 0 and text[s] in BLANKS:
            s -= 1
        if s >= 0 and text[s] in SENTENCE_ENDS and (m := LIST_NOTE.match(text, s)):
            yield m


# --- "（1）工贸事故：区应急局牵头。" / "救援行动组。由区消防救援局牵头，…": a lead in the text ------
# A clause (after a colon, a sentence end, a comma or an item number) that is only a list of
# departments and 牵头 (由… / …分别牵头 / …按照各自职责牵头), not in a bracket: the task is its
# line's title.  Both regexes are matched where the clause starts (_clause_start finds it).
_NAME = r"(?:[^，,。；;：:（）()\n]|[（(][^（）()\n]{1,30}[）)])"
CLAUSE_NOTE = re.compile(rf"[ \t　]*(?:由)?(?P<lead>{_NAME}{{2,120}}?)"
                         r"(?:按照|按|根据)?(?:各自)?(?:职责(?:权限|分工)?)?(?:分别|共同)?牵头(?:负责)?"
                         # the next clause, when it names supporters: "市公安局、市财政局配合"
                         r"(?:[，,](?P<support>[^，,。；;\n]*?)(?:按照|按|根据)?(?:各自)?(?:职责分工)?(?:积极)?"
                         r"(?P<verb>配合|参与|协助|协同)(?:落实)?)?(?=[，,。；;\n]|$)")
# "区公安分局(道路)": a bracket after a whole department name says which part it leads for.
QUALIFIER = re.compile(r"[（(][^（）()]{1,30}[）)]$")
WITH = "会同"  # 区发改委会同区财政局牵头: the first leads, the one it works with supports


def _clause_notes(document: Document, region, noted_lines: set[int]) -> list[dict]:
    """Leads named in a clause of a line that holds no other note (a line with a bracketed
    note is assigned by it: 由X牵头 in its text is the same assignment)."""
    text = document.text
    out = []
    for m, v in _text_clauses(text, LEAD_VERB, CLAUSE_NOTE, noted_lines):
        roles = _lead_roles(v.group("lead"), "牵头")
        if roles is None:
            continue  # prose that mentions leading, not a list of departments
        support = [n for n in split_departments(v.group("support") or "") if _names_a_unit(n)]
        if support:
            roles.append((v.group("verb"), support))
        at = v.start("lead") - (1 if text[v.start("lead") - 1:v.start("lead")] == "由" else 0)
        out.append(_record(document, at, v.end() if support else m.end(), roles, region, form="clause"))
    return out


def _text_clauses(text: str, verb: re.Pattern, note: re.Pattern, noted_lines: set[int]):
    """(verb, note) for each ``verb`` (牵头, 负责) outside brackets on a line no other note
    assigns, ``note`` matched where the verb's clause starts and reaching the verb."""
    for m in verb.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if line_start in noted_lines or enclosing_open(text, m.start()) is not None:
            continue
        v = note.match(text, _clause_start(text, line_start, m.start()))
        if v and v.end("lead") <= m.start():
            yield m, v


def _lead_roles(written: str, verb: str) -> list[tuple[str, list[str]]] | None:
    """[(verb, leads), (会同, supporters)] of a clause's list of units, or None when any name
    in it is no unit's (a role label, 由 inside it: 本办法由市应急管理局…, prose)."""
    if regexes()["role"].search(written) or "牵头" in written or "由" in written:
        return None
    lead_part, _, with_part = written.partition(WITH)
    names = split_departments(lead_part)
    partners = split_departments(with_part) if with_part else []
    if not names or not all(_names_a_unit(n) for n in names + partners):
        return None
    roles = [(verb, [_unqualified(n) for n in names])]
    if partners:
        roles.append((WITH, [_unqualified(n) for n in partners]))
    return roles


LONE_GENERIC = ("各", "其他", "其它")  # what a generic tail can leave: no name alone
GENERIC_START = (*LONE_GENERIC, "有关", "相关")  # 各区, 有关部门, 相关单位: no one in particular
_CLAUSE_MARKS = re.compile(r"[（()）：:。；;，,]")


def _clause_start(text: str, line_start: int, pos: int) -> int:
    """Where the clause holding ``pos`` starts on its line: after the last ：。；， outside
    brackets before it, else after the line's item number (4.3.4 / （一） / 1.)."""
    cut = None
    for m in _top_level(_CLAUSE_MARKS, text, line_start, pos):  # (punctuation only, not every character)
        cut = m.end()
    if cut is not None:
        return cut
    heading = _heading_of(text[line_start:pos])
    return pos - len(heading.rest) if heading else line_start


# --- "应急管理部门负责监督检查…。": a rule's sentence that gives a unit its duty -------------------
# A clause (or an article: 第十二条…, an item: 4.3.4…) that opens on a list of units and 负责
# (not 负责人, the person in charge): they are responsible for what follows, to the end of
# the sentence or the next unit's 负责.  Only 由X负责， goes on after a comma.
DUTY_SENTENCE = re.compile(rf"[ \t　]*(?:第[一二三四五六七八九十百零〇\d]+条[ \t　]*)?(?P<by>由)?(?P<lead>{_NAME}{{2,60}}?)"
                           r"(?:要|应当?)?(?:依法|依照职责|按照职责)?负责(?!人)(?P<comma>[，,])?"
                           r"(?:依法)?(?P<task>[^。；;\n]{4,200}?)(?=[，,][^，,。；;\n]{2,30}?负责(?!人)|[。；;\n]|$)")
DUTY_VERB = re.compile("负责(?!人)")
TASK_MAX = 60


def _duty_sentences(document: Document, region, noted_lines: set[int]) -> list[dict]:
    text = document.text
    out, seen = [], set()
    for _, v in _text_clauses(text, DUTY_VERB, DUTY_SENTENCE, noted_lines):
        if v.start() in seen or (v.group("comma") and not v.group("by")):
            continue  # (市应急管理局负责，各区配合: what follows the comma is someone else's)
        roles = _lead_roles(v.group("lead"), "负责")
        if roles is None:
            continue  # "谁主管，谁负责", "其他行业主管部门…": no named unit
        seen.add(v.start())
        back = [(W_LOOKS_BACK, "sentence looks back")] if looks_back(SENTENCE.match(text, v.start()).group()) else []
        rec = _record(document, v.start("lead") - (1 if v.group("by") else 0), v.end("task"), roles, region,
                      form="sentence", evidence=back)
        rec["task"] = v.group("task").strip()[:TASK_MAX]
        out.append(rec)
    return out


def _names_a_unit(name: str) -> bool:
    """A name in a clause note or duty sentence: it ends like a unit's (a bracket after it
    aside), is not generic (相关单位), and has at least LIST_NAME_MIN characters unless it is
    a level word (社区, 乡镇: unit_levels.txt)."""
    bare = QUALIFIER.sub("", name)
    return bool(regexes()["dept_end"].search(bare)) and len(name) <= NAME_MAX and not name.startswith(GENERIC_START) \
        and (len(name) >= LIST_NAME_MIN or name in _level_words())


def _unqualified(name: str) -> str:
    """区公安分局(道路) → 区公安分局: the bracket says which part, the name is before it.  A
    bare level (乡镇（街道）, 县（市）) is no name by itself: the bracket is an alternative."""
    bare = QUALIFIER.sub("", name)
    return bare if bare != name and regexes()["dept_end"].search(bare) and bare not in _level_words() else name


@lru_cache(maxsize=1)
def _level_words() -> frozenset[str]:
    return frozenset(words("unit_levels"))


# --- brackets ------------------------------------------------------------------------------
_BRACKETS: list = [None, []]  # the last text asked about and where its brackets stand


def bracket_positions(text: str) -> list[int]:
    """The positions of every （()） in ``text``, in order.  Kept for the last text: notes,
    clauses and the deadlines component ask some dozens of times a document where the
    bracket around a place opens and closes, each a scan of the line near it."""
    if _BRACKETS[0] is not text:
        _BRACKETS[:] = [text, sorted(i for ch in OPEN + CLOSE for i in find_all(text, ch))]
    return _BRACKETS[1]


def enclosing_open(text: str, pos: int) -> int | None:
    """The bracket that opens around ``pos`` on its line (at most 300 characters back), if any."""
    lo = max(text.rfind("\n", 0, pos) + 1, pos - 300)
    brackets = bracket_positions(text)
    depth = 0
    for k in range(bisect.bisect_left(brackets, pos) - 1, -1, -1):
        i = brackets[k]
        if i < lo:
            break
        if text[i] in CLOSE:
            depth += 1
        elif depth == 0:
            return i
        else:
            depth -= 1
    return None


def matching_close(text: str, open_at: int) -> int | None:
    """The bracket closing the one at ``open_at`` on the same line (within 600 characters), if any."""
    limit = min(len(text), open_at + 600)
    line_end = text.find("\n", open_at, limit)
    if line_end >= 0:
        limit = line_end
    brackets = bracket_positions(text)
    depth = 0
    for k in range(bisect.bisect_left(brackets, open_at), len(brackets)):
        i = brackets[k]
        if i >= limit:
            break
        depth += 1 if text[i] in OPEN else -1
        if depth == 0:
            return i
    return None


def _note_span(text: str, role_start: int) -> tuple[int, int, str] | None:
    """(start, end, body) of the note holding the role at ``role_start``: the enclosing
    bracket (which may open on a time limit: （6月底完成，牵头单位：…）), else the rest of
    the line up to 。."""
    open_at = enclosing_open(text, role_start)
    if open_at is not None:
        close = matching_close(text, open_at)
        if close is not None:
            return open_at, close + 1, text[open_at + 1:close]
    i = role_start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i >= 0 and text[i] == "【":  # "【责任单位】…": the quote starts at the bracket
        role_start = i
    line_end = text.find("\n", role_start)
    line_end = len(text) if line_end < 0 else line_end
    stop = text.find("。", role_start, line_end)
    end = line_end if stop < 0 else stop
    if end - role_start > 300:  # a role word in running prose, not a note
        return None
    return role_start, end, text[role_start:end]


def parse_roles(body: str) -> tuple[list[tuple[str, list[str]]], str]:
    """``牵头单位:A、B;负责单位:C等按职责分工负责`` → [(牵头单位, [A, B]), (负责单位, [C])],
    and what stands before the first label (a time limit: 6月底完成)."""
    marks = list(regexes()["role"].finditer(body))
    out = []
    for k, m in enumerate(marks):
        chunk = body[m.end(): marks[k + 1].start() if k + 1 < len(marks) else len(body)]
        # "…，完成时限：2023年底": not a department (a label ends on a colon: none, none to look for)
        other = OTHER_LABEL.search(chunk) if ":" in chunk or "：" in chunk else None
        names = split_departments(chunk[:other.start()] if other else chunk)
        out.append((m.group("role"), [n for n in names if not TIME_LIKE.search(n)]))
    return out, body[:marks[0].start()] if marks else body


def split_departments(chunk: str) -> list[str]:
    """A written list of departments, split on 、，; (not inside brackets), with the
    closing formula (等有关部门按照职责分工负责) dropped; "各有关部门" alone is kept."""
    chunk = BLANK_RUN.sub("", chunk).strip(SEPARATORS + "。")
    chunk = DUTY_TAIL.sub("", chunk).rstrip(SEPARATORS)
    whole = chunk
    chunk = ETC_TAIL.sub("", chunk)
    chunk = GENERIC_TAIL.sub("", chunk)
    if chunk in ("", *LONE_GENERIC):
        chunk = whole  # the list is only "各有关部门"
    names = []
    for part in split_top_level(chunk):
        names.extend(p for p in RUN_ON.split(part) if p and p not in LONE_GENERIC)
    return [n for name in names for n in _split_pair(name)]


def _split_pair(name: str) -> list[str]:
    """派出所和城运中心 → 派出所, 城运中心: two names joined by 和/及, each a unit's (住房和城乡建设部门
    is one: 住房 names no unit)."""
    m = PAIR.fullmatch(name)
    dept_end = regexes()["dept_end"]
    if m and dept_end.search(m.group(1)) and dept_end.search(m.group(2)):
        return [m.group(1), m.group(2)]
    return [name]


# (each half at least LIST_NAME_MIN characters: 政府和社会资本合作中心 is one name)
PAIR = re.compile(r"([^和及（）()]{3,}?)[和及]([^和及（）()]{3,})")


def split_top_level(s: str) -> list[str]:
    """Split on list separators that are not inside brackets (各县（市、区）人民政府)."""
    if not any(c in s for c in OPEN):
        return [p for p in SPLIT.split(s) if p]
    parts, last = [], 0
    for m in _top_level(_LIST_MARKS, s, 0, len(s)):
        parts.append(s[last:m.start()])
        last = m.end()
    parts.append(s[last:])
    return [p.strip() for p in parts if p.strip()]


_LIST_MARKS = re.compile(r"[（()）、，,；;/ 【】]")


def _top_level(marks: re.Pattern, text: str, start: int, end: int):
    """The matches of ``marks`` (brackets and separators) in text[start:end] that are
    separators standing outside every bracket."""
    depth = 0
    for m in marks.finditer(text, start, end):
        ch = m.group()
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            yield m


# --- roles in the task sentence ----------------------------------------------------------
_HEADING: list = [None, None]  # the last line parsed and its heading


def _heading_of(line: str):
    """``parse_heading(line)``, kept for the last line: a note's task (task_of) and its task
    sentence (task_sentence) read the same line, and the numbering grammar is costly."""
    if _HEADING[0] != line:
        _HEADING[:] = [line, parse_heading(line)]
    return _HEADING[1]


def task_sentence(text: str, pos: int) -> str:
    """The task text a note at ``pos`` follows: its line after the item number."""
    line_start = text.rfind("\n", 0, pos) + 1
    line = text[line_start:pos]
    heading = _heading_of(line)
    return heading.rest if heading else line.lstrip()


def sentence_roles(sentence: str) -> dict[str, list[str] | str]:
    """Departments a task sentence itself names: supporters (会同X、Y等部门; X、Y等部门积极
    配合), the department the lead cooperates with (配合X做好), an implementer (交由X牵头落实)."""
    out: dict[str, list[str] | str] = {}
    support: list[str] = []
    for m in WITH_LIST.finditer(sentence):
        support += split_departments(m.group("list"))
        out["support_role"] = "会同"
    for m in LIST_SUPPORTS.finditer(sentence) if SUPPORTS_END.search(sentence) else ():
        support += split_departments(m.group("list"))
        out.setdefault("support_role", m.group("verb"))
    support = [n for n in support if len(n) <= NAME_MAX and not n.startswith(GENERIC_START)]
    if support:
        out["support"] = support
    if m := COOPERATES.match(sentence):
        out["cooperates_with"] = split_departments(m.group("list"))
    if m := IMPLEMENTER.search(sentence):
        out["implementer"] = split_departments(m.group("list"))
    return out


def _add_sentence_roles(document: Document, rec: dict, start: int) -> None:
    found = sentence_roles(task_sentence(document.text, start))
    region = (document.meta or {}).get("region")
    if found.get("support") and not rec["support"]:
        rec["support"] = found["support"]
        rec["support_canonical"] = [canonical(n, region) for n in found["support"]]
        rec["support_role"] = found["support_role"]
    for key in ("cooperates_with", "implementer"):
        if found.get(key):
            rec[key] = found[key]


# --- task tables ----------------------------------------------------------------------------
def _header_cell(c: str) -> str:
    return re.sub(r"\s+", "", c)


PIPE_RULE = re.compile(r"^\|?[\s:|-]*-{3,}[\s:|-]*$")


def row_cells(line: str) -> list[str] | None:
    """Cells of a tab-separated or markdown (| a | b |) table row; None for other lines."""
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    body = line.strip()
    if body.startswith("|") and body.count("|") >= 3:
        return [c.strip() for c in body.strip("|").split("|")]
    return None


_TASK_ROWS: list = [None, []]  # the last text asked about and its rows


def task_tables(text: str) -> list[tuple[list[str], list[str], int, int]]:
    """(header cells, row cells, row start, row end) for every body row of a tab-separated
    or markdown table whose header names a role column (牵头单位, 责任单位…).  Kept for the
    last text: the responsibilities and deadlines components both read them."""
    if _TASK_ROWS[0] is not text:
        _TASK_ROWS[:] = [text, list(_task_rows(text))]
    return _TASK_ROWS[1]


def _task_rows(text: str):
    if "\t" not in text and "|" not in text:
        return
    header: list[str] | None = None
    is_role = regexes()["header"].match
    last_end = -2
    for start, end in _lines_holding(text, "\t|"):
        line = text[start:end]
        if start != last_end + 1:
            header = None  # a line that is no row stood between (row_cells needs \t or |)
        last_end = end
        cells = row_cells(line)
        if cells is None:
            header = None
            continue
        if PIPE_RULE.match(line.strip()):
            continue  # the |---|---| line under a markdown header
        if any(is_role(_header_cell(c)) for c in cells):
            header = [_header_cell(c) for c in cells]
        elif header is not None:
            lead = len(line) - len(line.lstrip())
            yield header, cells, start + lead, start + len(line.rstrip())


def _lines_holding(text: str, chars: str) -> list[tuple[int, int]]:
    """(start, end) of every line of ``text`` holding one of ``chars``, in order; found with
    ``str.find`` per character, not by reading every line."""
    found = set()
    for ch in chars:
        i = text.find(ch)
        while i >= 0:
            a = text.rfind("\n", 0, i) + 1
            b = text.find("\n", i)
            b = len(text) if b < 0 else b
            found.add((a, b))
            i = text.find(ch, b)
    return sorted(found)


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
    is_role = regexes()["header"].match
    out = []
    for header, cells, start, end in task_tables(document.text):
        roles = [(h, split_departments(column(header, cells, re.compile(f"^{re.escape(h)}$")) or ""))
                 for h in header if is_role(h)]
        if not any(names for _, names in roles):
            continue
        rec = _record(document, start, end, roles, region, form="table")
        rec["task"] = table_task(header, cells) or rec["task"]
        out.append(rec)
    return out


def table_task(header: list[str], cells: list[str]) -> str | None:
    task = column(header, cells, TASK_HEADER)
    if not task:
        is_role = regexes()["header"].match
        plain = [c for h, c in zip(header, cells) if not is_role(h) and not re.fullmatch(r"[\d.、]*", c)]
        task = max(plain, key=len, default=None)
    return task


# --- records ----------------------------------------------------------------------------------
# Log-odds of the ways a note can be written: an explicit label is surest.
FORM_WEIGHT = {"label": 2.0, "table": 1.5, "verb": 1.0, "duty": 0.5, "clause": 0.5, "list": 0.3, "sentence": 0.3}
ROLE_WEIGHT = {"history": -2.0, "baseline": -1.0}
W_FOOTER = -5.0
W_LOOKS_BACK = -2.0  # 新组建应急管理部门负责…，推进了…: a duty sentence that reports what was


def _record(document: Document, start: int, end: int, roles: list[tuple[str, list[str]]], region,
            form: str, evidence: list[tuple[float, str]] = ()) -> dict:
    kinds = [role_kind(r) for r, _ in roles]
    lead_i = kinds.index("lead") if "lead" in kinds else kinds.index("duty") if "duty" in kinds else 0
    lead_role, lead = roles[lead_i]
    support_roles = [(r, names) for k, (r, names) in enumerate(roles) if k != lead_i]
    support = [n for _, names in support_roles for n in names]
    marked = [n for n in lead + support if LEAD_MARK.search(n)]
    if marked:  # 责任单位：市发展改革委（牵头）、市财政局 — the marked ones lead
        everyone = [n for n in lead + support if not LEAD_MARK.search(n)]
        lead, support = [LEAD_MARK.sub("", n) for n in marked], everyone
        support_roles = support_roles or [(lead_role, support)]
    role, sure = section_role(document, start)
    ev = Evidence(1.0, ["base (+1.0)"]).add(FORM_WEIGHT[form], f"{form} note")
    ev.add(round(ROLE_WEIGHT.get(role, 0.0) * sure, 2), f"section {role}")
    for weight, reason in evidence:
        ev.add(weight, reason)
    if any(len(n) > NAME_MAX for n in lead + support):
        ev.add(-1.5, "a name longer than a department's")
    return {
        "task": task_of(document, start),
        "lead": lead,
        "support": support,
        "lead_canonical": [canonical(n, region) for n in lead],
        "support_canonical": [canonical(n, region) for n in support],
        "lead_role": lead_role,
        "support_role": support_roles[0][0] if support_roles else None,
        "section_role": role,
        **ev.fields(),
        **provenance(document, start, end),
        "_pos": start,  # dropped once the task is settled
    }


LABEL_LINE = re.compile(r"^\s*[【\[]?[\u4e00-\u9fff]{2,8}[】\]]?\s*[:：】]")


def _item_line_above(text: str, line_start: int, reach: int = 4) -> str:
    """The nearest line above ``line_start`` that is not a label line (牵头单位：…, 完成时限：…)."""
    start = _item_line_start_above(text, line_start, reach)
    return "" if start is None else text[start:text.find("\n", start)]


def _item_line_start_above(text: str, line_start: int, reach: int = 4) -> int | None:
    end = line_start - 1
    for _ in range(reach):
        if end <= 0:
            return None
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if line.strip() and not LABEL_LINE.match(line):
            return start
        end = start - 1
    return None


def task_of(document: Document, pos: int) -> str:
    """The task a note at ``pos`` belongs to: the title of the numbered line it stands
    on, else the deepest heading above it, else the sentence before it."""
    text = document.text
    line_start = text.rfind("\n", 0, pos) + 1
    line = text[line_start:pos]
    if not line.strip():  # a note on its own line: the task is the item line above its labels
        line = _item_line_above(text, line_start)
    heading = _heading_of(line)
    if heading and heading.kind not in ("box", "table", "annex"):
        cut = TITLE_END.search(heading.rest)
        title = heading.rest[:cut.start()] if cut else heading.rest
        if 0 < len(title) <= TITLE_MAX:
            return title.strip()
    index = section_index(document)
    section = index.at(pos)
    while section is not None and (section.kind in ("box", "table") or not section.title):
        section = index.by_id.get(section.parent) if section.parent else None
    if section is not None and section.kind not in ("preface",) and section.start < pos and len(document.sections) > 1:
        return section.title
    return sentence_before(text, pos)
