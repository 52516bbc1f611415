"""deadlines extractor (component "deadlines").

A deadline is a commitment tied to a date or to a duration: an explicit year (到2025年底,
2022年底前, 二〇二三年六月底前, 在2023年开展中期评估), a month or the year's end the document's
own year completes (（6月底完成，牵头单位：…）, 11月份取得明显成效, 年底前完成改造), or a
duration (力争三年时间, 用两年时间, 三年行动按期完成).  Each record: what is promised (the
clause after the date, or the task of the note it stands in), year, month (年底 → 12,
年中/上半年 → 6, X月底 → X), relative ("三年"), ``year_implied`` when the year came from the
document (title year, issue date, plan period), and a confidence with its reasons.

Not deadlines: cited titles (《…2020—2030年…》), period ranges (2021—2025年), dated
events (2020年8月13日), status dates (截至2020年底), headings that only name the period
(（一）2030年总体目标), and campaign names (三年行动) unless their completion is promised.
Uncertain signs are evidence, not gates: a year before the document's, a history section,
a sentence that looks back, a plan's own 实施期限 statement, a news article without a
forward word, and open-ended time limits (持续推进: stored as relative, below the default
threshold) lower the confidence.
"""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from corpus.model import Document
from corpus.numbering import cn_int, cn_year
from extractors.base import provenance
from extractors.scan import LiteralLed, SuffixLed
from extractors.context import (Evidence, document_year, finditer_near, kind_weights, looks_back, looks_forward,
                                section_role, vocabulary, vocabulary_test)

CN_NUM = "一二三四五六七八九十两"
CN_YEAR_DIGITS = "〇零○一二三四五六七八九"
MONTH = r"(?P<month>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
MONTH_TAIL = r"(?P<mtail>底|末|中旬|上旬|下旬)?"
BEFORE = r"(?:前|之前|以前)?"
# Each pattern opens with a lookahead on the characters it can start with: the regex engine
# then skips most positions at once (five times faster on a whole plan).
YEAR = re.compile(
    r"(?=[到至在于力争确计预展12一二１２])"
    r"(?P<marker>(?:到|至|在|于|力争|争取|确保|计划|预计|展望到?|力争到|力争在|确保到|争取到)\s*)?"
    rf"(?P<year>(?:19|20)\d{{2}}|[一二][{CN_YEAR_DIGITS}]{{3}})\s*年"
    r"(?P<tail>(?:年底|年末|底|末)(?:前|之前|以前)?|上半年|下半年|年中|前|以前|之前"
    rf"|{MONTH}\s*月(?:份)?{MONTH_TAIL}"
    r"(?P<day>\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号])?(?:前|之前|以前)?)?"
)
# A month or the year's end with no year: the document's year is implied.
NO_YEAR_BEFORE = rf"(?<![\d{CN_YEAR_DIGITS}十年月日号\-—–~～至到个第／/.．])"
MONTH_ONLY = re.compile(
    rf"(?=[到于在力争确计预\d一二三四五六七八九十今本当明次年上下第]){NO_YEAR_BEFORE}"
    r"(?P<marker>(?:到|于|在|力争|争取|确保|计划|预计|力争在|力争到|确保在)\s*)?(?P<rel>今年|本年度?|当年|明年|次年)?"
    rf"(?:{MONTH}\s*月(?P<fen>份)?{MONTH_TAIL}(?P<day>\s*(?:[12]?\d|3[01]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])\s*[日号])?"
    r"(?P<before>前|之前|以前)?"
    r"|(?P<yend>年底|年末|年内|上半年|下半年|(?:第)?[一二三四1-4]季度(?:末|底)?)(?P<before2>前|之前|以前)?)"
    r"(?![-—–~～至到]|\d)"
)
# The month a year-part stands for: its last month (一季度 → 3, 上半年 → 6, 年底 → 12).
YEAR_PART_MONTH = {"年底": 12, "年末": 12, "上半年": 6, "下半年": 12}
QUARTER = re.compile(r"([一二三四1-4])季度")
_REL_VERB = (rf"(?:力争|争取|用|利用|经过|通过|花)(?:约)?(?P<n>[{CN_NUM}\d]{{1,3}}(?:[至到—-][{CN_NUM}\d]{{1,3}})?)"
             r"(?:个)?年(?:左右)?(?:的)?(?:时间|内|努力)")
_REL_CAMPAIGN = rf"(?P<n2>[{CN_NUM}\d]{{1,3}})年(?:攻坚|专项)?行动(?:计划)?(?:按期|如期|圆满|全面)(?:完成|收官)"
# "，2年内要达到…", "并于2年内全部完成": a time limit that opens its clause and goes on to what is
# to be done (see _within_opens_clause; not 一年内发生2次事故, a condition, nor 一年内严格限制).
_REL_WITHIN = rf"(?P<n3>[{CN_NUM}\d]{{1,2}})(?:个)?年以?内"
RELATIVE = re.compile(rf"(?=[力争用利经通花{CN_NUM}\d])(?:{_REL_VERB}|{_REL_CAMPAIGN}|{_REL_WITHIN})")
PREFILTER = re.compile(r"年|月")
# What every match of YEAR, MONTH_ONLY and RELATIVE holds, at most *_BACK non-blank characters
# after its start (the longest marker, relative word and number before it), for
# finditer_near.  Each opens with a character class or literals: one quick scan finds them.
# Four digits, blanks, 年: found at each 年 (extractors.scan.SuffixLed), far quicker than a
# scan led by the digits' class.
YEAR_ANCHOR = SuffixLed(re.compile(rf"[12一二](?:(?<=1)9\d\d|(?<=2)0\d\d|(?<=[一二])[{CN_YEAR_DIGITS}]{{3}})\s*年"), "年", 4)
YEAR_BACK = 4  # 力争到, 展望到 + the year's first digit
# MONTH_ANCHOR opens with an alternation: scanned for its literal prefixes (extractors.scan),
# a few times quicker than the regex engine's scan.
MONTH_ANCHOR = LiteralLed(re.compile(r"月|年[底末内]|半年|季度"))
MONTH_BACK = 10  # 力争在 + 本年度 + 十二, or 确保在 + 明年 + 第一 before 季度
# Every RELATIVE match holds 年 and a word after it (年时间, 年内, 年攻坚行动): a pattern that
# opens with one character is scanned for it in the regex engine's fast loop.  (Led by
# 年|行动, LiteralLed called the pattern from Python at each 年 and 行, a hundred a plan.)
RELATIVE_ANCHOR = re.compile(r"年(?:左右|的|时间|以?内|努力|(?:攻坚|专项)?行动)")
RELATIVE_BACK = 11  # 利用 + 约 + 125至130 + 个 before 年 (2 + 1 + 7 + 1)
# The year ends a range or a span (2020—2030年, 2021年至2025年): a period, not a deadline.
RANGE_BEFORE = re.compile(r"(?:\d{4}\s*年?\s*[-—–~～至到]\s*|\d{4}\s*年\s*[-—–~～至到]\s*)$")
# After the date: history (以来), a fiscal year (度), a heading that names the period.
BAD_AFTER = re.compile(r"^(?:以来|来|期间|以后|后|度|前后|起|开始|伊始|(?:相比|相较|比较)|(?:的)?(?:总体|中期|近期|远期|远景|主要|发展|规划)?目标|远景)")
AS_OF = re.compile(r"(?:截至|截止|截止到|比|较|与|同)\s*$")
# "发布日期：2022年1月": a date field of the page, not a promise.
DATE_LABEL = re.compile(r"(?:日期|时间|发布|印发|成文|施行|生效|更新)\W{0,4}$")
MODAL = re.compile(r"(?<![主重需纲必])要(?![求素点闻])|将(?!军)|应当?|须|必须|务必")
OPEN_BRACKETS, CLOSE_BRACKETS = ("（", "("), ("）", ")")
CLAUSE_START = "。，,；;：:、（(）)\n——"
MONTH_WORDS = {"年底": 12, "年末": 12, "底": 12, "末": 12, "下半年": 12, "上半年": 6, "年中": 6}
WHAT_MAX = 60
TIME_HEADER = re.compile(r"时限|时间|期限|进度")
TIME_LABEL = re.compile(r"^\s*[【\[]?[\u4e00-\u9fff]{0,4}(?:时限|时间|期限|进度)[】\]]?\s*[:：]?\s*$")
SENTENCE_END = re.compile(r"[。！？；;\n]")
SENTENCE_MARKS = "。！？；;\n"
SENTENCE_REACH = 400

# Evidence weights (log-odds), documented in extractors/data/README.md.
W_BASE, W_MARKER, W_NOTE = 1.0, 1.0, 1.0
W_BEFORE_DOC_YEAR, W_LOOKS_BACK, W_PERIOD_STATEMENT, W_RESULT = -3.0, -3.0, -3.0, -2.0
W_ARTICLE_NO_FORWARD, W_OPEN_ENDED, W_NO_DOC_YEAR = -2.0, -2.5, -0.5
W_NO_COMMITMENT, W_MODAL, W_AHEAD = -2.0, 1.0, 1.0
ROLE_WEIGHT = {"history": -3.0, "baseline": -2.5}
REPORTING_KINDS = ("article", "news", "report", "statistics")


@Language.component("deadlines")
def deadlines_component(doc: Doc) -> Doc:
    source: Document = doc._.source
    if source is not None and PREFILTER.search(source.text):
        doc._.records.setdefault("deadlines", []).extend(extract_deadlines(source))
    return doc


def extract_deadlines(document: Document) -> list[dict]:
    """Every deadline of a normalised document with its confidence, in reading order."""
    text = document.text
    floor = _earliest_future_year(document)
    records = []
    for m in finditer_near(YEAR, YEAR_ANCHOR, text, YEAR_BACK):
        if _is_deadline(text, m):
            records.append(_year_record(document, m, floor))
    for m in finditer_near(MONTH_ONLY, MONTH_ANCHOR, text, MONTH_BACK):
        if _is_month_deadline(text, m):
            records.append(_month_record(document, m))
    for m in finditer_near(RELATIVE, RELATIVE_ANCHOR, text, RELATIVE_BACK):
        if _title_or_table(*_line_at(text, m.start())):
            continue
        if m.group("n3") and not _within_opens_clause(text, m):
            continue
        records.append(_relative_record(document, m))
    records.extend(_open_ended_notes(document))
    records.extend(_table_deadlines(document))
    records.sort(key=lambda r: r["char_start"])
    return records


# --- evidence -------------------------------------------------------------------------------
def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end] (between terminal punctuation or line breaks)."""
    # The nearest mark is looked for close by first: a mark the text lacks (！ or ？) would
    # otherwise send each rfind back to the text's start.
    near = max(0, start - SENTENCE_REACH)
    a = max(text.rfind(c, near, start) for c in SENTENCE_MARKS)
    if a < 0 < near:
        a = max(text.rfind(c, 0, near) for c in SENTENCE_MARKS)
    a += 1
    m = SENTENCE_END.search(text, end)
    return text[a:m.start() if m else len(text)]


def _evidence(document: Document, start: int, end: int, ahead: bool = False) -> Evidence:
    """What the context says about the date expression text[start:end] (with its marker:
    到2025年底, 力争三年时间) being a commitment; ``ahead``: its year is after the
    document's own and its clause says what is to be done (2000年全国要…: a year still to come
    when the document was written, with 要/将/应, looks forward; 2025年是…收官之年 does not)."""
    text = document.text
    sentence = sentence_at(text, start, end)
    ev = Evidence(W_BASE, [f"base ({W_BASE:+.1f})"])
    forward = looks_forward(text[start:end])
    if forward:
        ev.add(W_MARKER, f"forward words {text[start:end].strip()}")
    elif ahead:
        forward = True
        ev.add(W_AHEAD, "a year after the document's, and a modal verb")
    role, sure = section_role(document, start)
    ev.add(round(ROLE_WEIGHT.get(role, 0.0) * sure, 2), f"section {role}")
    if looks_back(sentence) and not looks_forward(sentence):
        ev.add(W_LOOKS_BACK, "sentence looks back")
    # (yes/no tests: the fast form of each vocabulary)
    if vocabulary_test("period_statement_cues").search(sentence):
        ev.add(W_PERIOD_STATEMENT, "states the plan's own period")
    if vocabulary_test("result_cues").search(sentence):
        ev.add(W_RESULT, "reports a process or result")
    meta = document.meta or {}
    kind = meta.get("kind")
    if kind:
        sure = meta.get("kind_confidence")
        sure = float(sure) if isinstance(sure, (int, float)) else 0.6
        ev.add(round(kind_weights().get(kind, 0.0) * sure, 2), f"document kind {kind} ({sure:.2f})")
    if kind in REPORTING_KINDS and not forward:
        ev.add(W_ARTICLE_NO_FORWARD, f"{kind} without a forward word")
    return ev


def _earliest_future_year(document: Document) -> int | None:
    """Years before the plan's period or its issue year are looked back on."""
    meta = document.meta or {}
    years = [meta.get("period_start")]
    issued = str(meta.get("issue_date") or "")
    if re.match(r"\d{4}", issued):
        years.append(int(issued[:4]))
    years = [int(y) for y in years if y]
    return max(years) if years else None


# --- explicit years -------------------------------------------------------------------------
def year_of(m: re.Match) -> int | None:
    y = m.group("year")
    return int(y) if y.isdigit() else cn_year(y)


def _is_deadline(text: str, m: re.Match) -> bool:
    """Structural checks: is this year written as a point in time at all?"""
    start = m.start("year")
    after = text[m.end():m.end() + 8]
    if year_of(m) is None:
        return False
    if m.group("day") and not re.search(r"前$", m.group(0)):
        return False  # a dated event, not a deadline
    if BAD_AFTER.match(after) and not m.group("tail"):
        return False
    if DATE_LABEL.search(text[max(0, m.start() - 12):m.start()]):
        return False  # 发布日期：2022年1月
    if not m.group("marker") and text[m.start() - 1:m.start()] in OPEN_BRACKETS \
            and text[m.end():m.end() + 1] in CLOSE_BRACKETS:
        return False  # 三次会议（2025年）: a year naming something, not a time limit
    line, at = _line_at(text, start)
    if line.strip() == m.group(0).strip() or after.startswith("印发"):
        return False  # a date line (issued 2021年11月), not a promise
    if RANGE_BEFORE.search(text[max(0, start - 8):start]) and not m.group("marker"):
        return False
    if AS_OF.search(text[max(0, m.start() - 4):m.start()]) or "截" in text[max(0, m.start() - 2):start]:
        return False  # 截至2020年底: a status, not a promise
    if _title_or_table(line, at):
        return False
    if not m.group("marker") and not _at_clause_start(text, m.start()):
        return False  # "全区2020年确定…": a year inside a phrase
    return True


def _year_record(document: Document, m: re.Match, floor: int | None) -> dict:
    year = year_of(m)
    what, clause_end = what_after(document, m.end())
    ahead = floor is not None and year > floor and bool(MODAL.search(document.text, m.end(), clause_end))
    ev = _evidence(document, m.start(), m.end(), ahead=ahead)
    if floor is not None and year < floor:
        ev.add(W_BEFORE_DOC_YEAR, "year before the document's")
    start = m.start()
    milestone = what
    note = _note_of(document, start)
    if note is not None:  # （…，2024年6月底前完成）: the note's task is what is due
        what = note[2] or what
        if note[1] is not None and note[1] < clause_end:
            clause_end = note[1]
            milestone = document.text[m.end():clause_end].strip(" ，,；;）)")
    if not what:
        line_start = document.text.rfind("\n", 0, start) + 1
        before = document.text[line_start:start]
        if TIME_LABEL.match(before):  # "完成时限：2024年底" on its own line: the task above
            from extractors.responsibilities import task_of

            what = task_of(document, line_start)
        else:
            what = before.strip(" （(")[-WHAT_MAX:]
        clause_end = m.end()
    return {
        "what": what,
        "year": year,
        "month": month_of(m),
        "relative": None,
        "year_implied": False,
        "date_expr": m.group(0).strip(),
        "milestone": milestone,
        "section_role": section_role(document, start)[0],
        **ev.fields(),
        **provenance(document, start, max(clause_end, m.end())),
    }


# --- a month or the year's end, year implied ------------------------------------------------
def _is_month_deadline(text: str, m: re.Match) -> bool:
    """A month-only date is a commitment when it is specific (底, 前, 中旬) or a commitment
    verb follows it (10月取得明显成效), and it opens a clause or follows a marker."""
    if m.group("month") and cn_int(m.group("month")) not in range(1, 13):
        return False
    if m.group("day") and not m.group("before"):
        return False  # a dated event (5月12日), not a deadline
    part = m.group("yend") or ""
    specific = m.group("mtail") or m.group("before") or m.group("before2") or part in ("年底", "年末") \
        or part.endswith(("季度末", "季度底"))
    if not specific and not vocabulary("deadline_cues").match(text, m.end()):
        return False  # a bare month (5月，…) is no time limit
    if not m.group("marker") and not _at_clause_start(text, m.start()):
        return False
    if AS_OF.search(text[max(0, m.start() - 4):m.start()]):
        return False
    return not _title_or_table(*_line_at(text, m.start()))


def implied_year(document: Document, rel: str | None = None) -> tuple[int | None, str | None]:
    """The document's own year for a date that states none (明年 → the year after)."""
    year, source = document_year(document)
    if year is not None and rel in ("明年", "次年"):
        year += 1
    return year, source


def month_only(m: re.Match) -> int | None:
    if m.group("month"):
        return cn_int(m.group("month"))
    part = m.group("yend") or ""
    if q := QUARTER.search(part):
        return 3 * cn_int(q.group(1))
    return YEAR_PART_MONTH.get(part)


def _month_record(document: Document, m: re.Match) -> dict:
    text = document.text
    year, source = implied_year(document, m.group("rel"))
    ev = _evidence(document, m.start(), m.end())
    if year is None:
        ev.add(W_NO_DOC_YEAR, "no document year to imply")
    if not (m.group("before") or m.group("before2") or vocabulary("deadline_cues").match(text, m.end())):
        # 年末全市常住人口…: a year-end status unless the sentence commits to something
        if MODAL.search(sentence_at(text, m.start(), m.end())):
            ev.add(W_MODAL, "a modal verb commits the sentence")
        else:
            ev.add(W_NO_COMMITMENT, "no commitment word after the date")
    note = _note_of(document, m.start())
    if note is not None:
        open_at, label_at, task = note
        ev.add(W_NOTE, "time limit of a task note")
        milestone_end = label_at if label_at is not None else _clause_end(text, m.end())
        milestone = text[m.end():milestone_end].strip(" ，,；;）)")
        what, end = task, m.end() + len(text[m.end():milestone_end].rstrip(" ，,；;）)"))
    else:
        what, end = what_after(document, m.end())
        milestone = what
    start = m.start() + len(m.group("marker") or "")
    return {
        "what": what or milestone,
        "year": year,
        "month": month_only(m),
        "relative": None,
        "year_implied": year is not None,
        "year_source": source,
        "date_expr": text[start:m.end()],
        "milestone": milestone,
        "section_role": section_role(document, m.start())[0],
        **ev.fields(),
        **provenance(document, start, max(end, m.end())),
    }


def _note_of(document: Document, pos: int) -> tuple[int, int | None, str] | None:
    """(open bracket, first role label, task) when ``pos`` stands in a task note
    （6月底完成，牵头单位：…）; None otherwise."""
    from extractors.responsibilities import enclosing_open, matching_close, regexes, task_of

    text = document.text
    open_at = enclosing_open(text, pos)
    if open_at is None:
        return None
    close = matching_close(text, open_at)
    if close is None:
        return None
    label = regexes()["role"].search(text, pos, close)
    if label is None and not re.search("牵头|负责", text[open_at:close]):
        return None
    return open_at, label.start() if label else close, task_of(document, open_at)


def _clause_end(text: str, pos: int) -> int:
    m = re.compile(r"[，,。；;！？\n（(）)]").search(text, pos)
    return m.start() if m else len(text)


# --- open-ended time limits: （持续推进，牵头单位：…） ------------------------------------------
def _open_ended_notes(document: Document) -> list[dict]:
    """Task notes whose time limit names no date: a relative record, below the default
    threshold (the task is kept going, nothing is due)."""
    from extractors.responsibilities import enclosing_open, matching_close, role_labels, task_of

    text = document.text
    out, seen = [], set()
    open_ended = vocabulary("open_ended")
    for label in role_labels(text):
        open_at = enclosing_open(text, label.start())
        if open_at is None or open_at in seen:
            continue
        seen.add(open_at)
        close = matching_close(text, open_at)
        note = text[open_at + 1:close if close is not None else label.start()]
        m = open_ended.search(note)  # before the labels (持续推进，牵头单位：…) or after them
        if not m or YEAR.search(note) or MONTH_ONLY.search(note):
            continue
        a, b = open_at + 1 + m.start(), open_at + 1 + m.end()
        out.append(_open_record(document, a, b, m.group(0), task_of(document, open_at)))
    return out


def _open_record(document: Document, start: int, end: int, words: str, what: str) -> dict:
    ev = Evidence(W_BASE, [f"base ({W_BASE:+.1f})"]).add(W_OPEN_ENDED, "open-ended: no date")
    return {
        "what": what, "year": None, "month": None, "relative": words, "year_implied": False,
        "date_expr": words, "section_role": section_role(document, start)[0],
        **ev.fields(), **provenance(document, start, end),
    }


# --- task tables ----------------------------------------------------------------------------
def _table_deadlines(document: Document) -> list[dict]:
    """Rows of a task table (任务 | 牵头单位 | 完成时限) whose time column holds a date,
    a month (the document's year implied) or an open-ended limit."""
    from extractors.responsibilities import column, table_task, task_tables

    out = []
    for header, cells, start, end in task_tables(document.text):
        when = column(header, cells, TIME_HEADER) or ""
        what = (table_task(header, cells) or "")[:WHAT_MAX]
        ev = Evidence(W_BASE, [f"base ({W_BASE:+.1f})"]).add(W_NOTE, "time column of a task table")
        base = {"what": what, "relative": None, "date_expr": when, "section_role": "table",
                **provenance(document, start, end)}
        if (m := YEAR.search(when)) and year_of(m):
            out.append({**base, "year": year_of(m), "month": month_of(m), "year_implied": False, **ev.fields()})
        elif m := MONTH_ONLY.search(when):
            year, source = implied_year(document, m.group("rel"))
            out.append({**base, "year": year, "month": month_only(m), "year_implied": year is not None,
                        "year_source": source, **ev.fields()})
        elif m := vocabulary("open_ended").search(when):
            rec = _open_record(document, start, end, m.group(0), what)
            rec["section_role"] = "table"
            out.append(rec)
    return out


# --- text helpers ---------------------------------------------------------------------------
def _at_clause_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and text[i] in " \t\u3000":
        i -= 1
    return i < 0 or text[i] in CLAUSE_START or text[i] in "—"


def _line_at(text: str, pos: int) -> tuple[str, int]:
    """The line holding ``pos`` and where ``pos`` stands in it."""
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    return text[line_start:line_end if line_end >= 0 else len(text)], pos - line_start


def _title_or_table(line: str, at: int) -> bool:
    """Whether line[at] stands inside 《…》 (a cited title) or the line is a table row."""
    return line.rfind("《", 0, at) > line.rfind("》", 0, at) or "\t" in line or line.count("|") >= 2


def month_of(m: re.Match) -> int | None:
    if m.group("month"):
        return cn_int(m.group("month"))
    tail = m.group("tail") or ""
    for word, month in MONTH_WORDS.items():
        if tail.startswith(word):
            return month
    return None


CLAUSE_STOP = re.compile(r"[，,。；;！？\n]|[（(](?=[^）)]{0,8}(?:单位|部门)[:：])")  # … or a 责任单位 note
BRACKETS = re.compile(r"[（()）]")


def what_after(document: Document, end: int) -> tuple[str, int]:
    """The promised action: the clause after the date (or, when nothing follows on the
    line, the text before it — "主要指标(到2025年)"), and where the clause ends."""
    text = document.text
    i = end
    while i < len(text) and text[i] in " ，,：:":
        i += 1
    m = CLAUSE_STOP.search(text, i)
    clause_end = m.start() if m else len(text)
    if clause_end - i < 4 and m and text[m.start()] in "，,":  # "到2025年底前，基本…": too short
        m2 = CLAUSE_STOP.search(text, clause_end + 1)
        clause_end = m2.start() if m2 else len(text)
    clause_end = _before_unbalanced_close(text, i, clause_end)
    what = text[i:clause_end].strip(" ）)")
    return what[:WHAT_MAX], clause_end


def _before_unbalanced_close(text: str, start: int, end: int) -> int:
    """A clause inside a bracketed note ends at the note's closing bracket:
    "（…，2024年6月底前完成）" gives "完成", not "完成）"."""
    depth = 0
    for m in BRACKETS.finditer(text, start, end):
        if m.group() in "（(":
            depth += 1
        elif depth == 0:
            return m.start()
        else:
            depth -= 1
    return end


DONE_ONLY = re.compile(r"(?:全部|基本)?(?:完成|实现|到位)(?=[，,。；;）)\n]|$)")


def _within_opens_clause(text: str, m: re.Match) -> bool:
    """A bare N年内 is a time limit when it opens its clause (after 于/在 or a clause mark) and
    a modal or a deadline verb follows it (要达到, 全部完成, 实现)."""
    return _at_clause_start(text, _before_linking(text, m.start())) and bool(
        MODAL.match(text, m.end()) or vocabulary("deadline_cues").match(text, m.end()))


def _before_linking(text: str, pos: int) -> int:
    """Where the words linking a time limit onto its clause start: "…改造，并于|2年内完成"."""
    for linking in ("于在", "并"):
        pos -= 1 if pos and text[pos - 1] in linking else 0
    return pos


def _clause_before(text: str, pos: int) -> tuple[int, str]:
    """(start, text) of the clause before ``pos``, without the words that link it on."""
    end = _before_linking(text, pos)
    while end and text[end - 1] in "，,；; \t\u3000\n":
        end -= 1
    line_start = text.rfind("\n", 0, end) + 1  # (the marks are looked for on its line only)
    start = max(line_start, *(text.rfind(c, line_start, end) + 1 for c in "。，,；;：:（("))  # (、 lists inside a clause)
    clause = text[start:end]
    return start + len(clause) - len(clause.lstrip()), clause.strip()[-WHAT_MAX:]


def _relative_record(document: Document, m: re.Match) -> dict:
    n = m.group("n") or m.group("n2") or m.group("n3")
    text = document.text
    if m.group("n2"):  # "三年行动按期完成": the campaign is what is promised
        line_start = max(text.rfind("\n", 0, m.start()), *(text.rfind(c, 0, m.start()) for c in "。；，")) + 1
        start, (what, clause_end) = line_start, (text[line_start:m.end()].strip(), m.end())
    else:
        start = m.start()
        what, clause_end = what_after(document, m.end())
        if m.group("n3") and (done := DONE_ONLY.match(text, m.end())):  # "…改造，并于2年内完成": what is
            start, what = _clause_before(text, m.start())                   # done is the clause before
            clause_end = done.end()
    ev = _evidence(document, m.start(), m.end())
    return {
        "what": what,
        "year": None,
        "month": None,
        "relative": f"{n}年",
        "year_implied": False,
        "date_expr": m.group(0),
        "section_role": section_role(document, start)[0],
        **ev.fields(),
        **provenance(document, start, max(clause_end, m.end())),
    }
