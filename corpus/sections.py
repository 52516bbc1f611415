"""Section tree from Chinese heading numbering.

Government plans number their headings (第X章 > 一、 > （一） > 1. > （1） > ①); the tree
is built from that numbering, line by line over ``doc.text``:

1. every line that starts with a numbering token becomes a candidate heading whose title
   is the text up to the first 。/；/： (``（一）指导思想。以…`` → 指导思想);
2. candidates that are really list rows (a whole sentence per number, or ``1.…。2.…`` in
   one line) are dropped, by majority within each run of siblings;
3. a table of contents (a run of headings repeated later in the body) becomes one "toc"
   section and its lines are not headings;
4. a few unnumbered lines become headings: 前言/附件, and short title-like lines standing
   between blank-separated body text (the plan title, magazine sub-heads) — conservatively;
5. a stack turns ranks into parents and levels relative to the ranks the document uses;
   a 专栏 box or 表 table keeps its rows (numbered or not) inside it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from corpus.model import Document, Section
from corpus.normalise import column_width, display_width
from corpus.numbering import cn_int, parse_heading, run_on_breaks

cn_to_int = cn_int  # the name older callers import (extractors.deadlines, tests)

# Which heading numbers make sections; 附件N is read as a keyword heading (see KEYWORD).
OUTLINE_STYLES = ("part", "chapter", "jie", "tiao", "decimal", "cn", "paren_cn", "arabic", "paren_ar", "circled", "box", "table")
KEYWORD = re.compile(r"(?P<w>前\s*言|序\s*言|引\s*言|导\s*言|结\s*束\s*语|结\s*语|附\s*件\s*\d*|附\s*录|编制说明|名词解释)"
                     r"[:：]?\s*(?P<rest>.{0,30})$")
PREFACE_WORDS = ("前言", "序言", "引言", "导言")
TOC_WORD = re.compile(r"^目\s*录$")
TABLE_TITLE = re.compile(r".{4,40}(?:指标|一览表|统计表|情况表|清单|表)(?:[(（][^)）]{1,20}[)）])?$")
YEARS_SUFFIX = re.compile(r"[（(]\s*\d{4}\s*[-—–~～至]+\s*\d{4}\s*年?\s*[）)]$")  # a plan title's (2016—2020年)
DOUBLED = re.compile(r"(\S{4,})\1")
TITLE_END = "。；;！？：:"
SHAPE_BAD = re.compile(r"[。，；！？,;!?：:\t|]|https?:|\.pdf$|^[\d（(]")
TERMINAL = "。！？；：:”」』）)》】…"
MAX_TITLE = 40  # longest title part of a heading line "（一）title。body"
TOP_LEVEL_PLAIN = 45  # longest unnumbered heading before the first numbered one (plan titles)
INNER_PLAIN = 25  # … and inside the numbered body
KICKER = 12  # longest first line of a two-line head ("多维破题 / 筑牢安全生产防线")
END_MATTER = re.compile(r"(?P<w>抄\s*送|抄\s*报|主\s*送)[:：]")


@dataclass
class Line:
    index: int
    start: int  # of the stripped content, in doc.text
    text: str  # stripped
    run_on: bool = False  # cut from a line that lost its breaks: its body runs to the next cut


@dataclass
class Head:
    line: int
    start: int
    style: str
    rank: float | None
    kind: str
    number: str
    value: int | None
    title: str
    item: bool = False  # a numbered list row rather than a heading
    title_line: int | None = None  # the line holding the title when the number stands alone
    rows_seen: dict = field(default_factory=dict)


def split_lines(text: str) -> list[Line]:
    """The text's lines, stripped, with their offsets; a line that lost its breaks ("…以上。
    三、主要任务 (一)完善…") is cut where a heading starts (corpus.numbering.run_on_breaks)."""
    out, pos = [], 0
    for raw in text.split("\n"):
        cuts = [0, *run_on_breaks(raw), len(raw)]
        for a, b in zip(cuts, cuts[1:]):
            part = raw[a:b]
            stripped = part.strip()
            lead = len(part) - len(part.lstrip())
            out.append(Line(len(out), pos + a + lead, stripped, run_on=len(cuts) > 2))
        pos += len(raw) + 1
    return out


# --- 1. numbered candidates ---------------------------------------------------------
def _split_title(rest: str, limit: int = MAX_TITLE) -> tuple[str, str] | None:
    """(title, body after it) of what follows a number, or None when it is no title."""
    rest = rest.lstrip(" 　:：")
    cut = min((i for i in (rest.find(c) for c in TITLE_END) if i >= 0), default=-1)
    space = re.search(r"[ \u3000]+", rest[:limit + 1])
    if space and (cut < 0 or space.start() < cut) and space.start() >= 2:
        after = rest[space.end():]
        if len(after) >= 20 and re.search(r"[，。；,;]", after):  # "title body…": a lost line break
            return rest[:space.start()], after
    if cut < 0:
        return (rest, "") if 0 < len(rest) <= limit + 20 else None
    if cut == 0:
        return None
    if cut > limit:  # a numbered paragraph without a title: name it by its first clause
        comma = rest.find("，", 0, limit)
        return (rest[:comma] if comma > 0 else rest[:limit] + "…"), rest[cut + 1:]
    return rest[:cut], rest[cut + 1:]


def parse_numbered(line: Line) -> Head | None:
    """A candidate heading from a line that opens with a heading number (corpus.numbering)."""
    h = parse_heading(line.text, OUTLINE_STYLES)
    if h is None or re.search(r"\S\t+\S", h.rest):
        return None  # a table row ("一、本年新收政府信息公开申请数量\t21\t…"), not a heading
    if h.style in ("box", "table"):
        if len(line.text) > 50 or "。" in line.text:
            return None
        return Head(line.index, line.start, h.style, None, h.kind, h.number, h.value, h.rest.strip())
    parts = _split_title(h.rest)
    if parts is None:
        return None
    title, body = parts
    head = Head(line.index, line.start, h.style, h.rank, h.kind, h.number, h.value, title.strip())
    sentence_only = (body.strip() == "" and h.rest.rstrip().endswith(("。", "；", ";")) and not line.run_on
                     and h.style != "tiao")  # an article (第X条) is one sentence, and still a heading
    inline_list = bool(re.match(r"\s*(?:\d{1,2}[.．、]|[（(]\d{1,2}[）)]|[①-⑳])", body))
    head.item = sentence_only or inline_list
    return head


def number_alone(line: Line, lines: list[Line]) -> Head | None:
    """A heading whose number stands alone on its line, the title on the next ("一、" /
    "总体要求": a layout that broke the line after the number)."""
    h = parse_heading(line.text, OUTLINE_STYLES)
    if h is None or h.rest or h.rank is None or h.bare:
        return None
    nxt = next((ln for ln in lines[line.index + 1:line.index + 3] if ln.text), None)
    if nxt is None or parse_heading(nxt.text) or not _shape(nxt.text, MAX_TITLE):
        return None
    return Head(line.index, line.start, h.style, h.rank, h.kind, h.number, h.value, nxt.text, title_line=nxt.index)


# --- 2. list rows, misnumbered headings --------------------------------------------------
def _sibling_runs(heads: list[Head]) -> list[list[Head]]:
    """Runs of same-rank heads under the same higher head, split where numbering restarts."""
    runs: dict[tuple, list[Head]] = {}
    order: list[tuple] = []
    parent_of_rank: dict[float, int] = {}
    last_value: dict[tuple, int] = {}
    restarts: dict[tuple, int] = {}
    for i, h in enumerate(heads):
        if h.rank is None:
            continue
        higher = max((j for r, j in parent_of_rank.items() if r < h.rank), default=-1)
        base = (h.rank, higher)
        if h.value is not None and base in last_value and h.value <= last_value[base]:
            restarts[base] = restarts.get(base, 0) + 1
        key = (*base, restarts.get(base, 0))
        if key not in runs:
            runs[key] = []
            order.append(key)
        runs[key].append(h)
        if h.value is not None:
            last_value[base] = h.value
        parent_of_rank = {r: j for r, j in parent_of_rank.items() if r < h.rank}
        parent_of_rank[h.rank] = i
    return [runs[k] for k in order]


def drop_list_rows(heads: list[Head]) -> list[Head]:
    """A run of numbered lines most of which are whole sentences is a list, not headings."""
    rows = set()
    for run in _sibling_runs(heads):
        if sum(h.item for h in run) * 2 >= len(run):
            rows.update(id(h) for h in run)
    return [h for h in heads if id(h) not in rows]


def repair_misnumbered(heads: list[Head]) -> None:
    """``一、… 2、… 三、`` : a head that continues a higher rank's sequence while opening its
    own rank at a number other than 1 takes the higher rank (a typo in the source)."""
    for i, h in enumerate(heads):
        if h.rank is None or h.value in (None, 1):
            continue
        prev_same = next((p for p in reversed(heads[:i]) if p.rank is not None and p.rank <= h.rank), None)
        if prev_same is not None and prev_same.rank == h.rank:
            continue  # it continues its own rank
        for r in sorted({p.rank for p in heads if p.rank is not None and p.rank < h.rank}):
            before = next((p for p in reversed(heads[:i]) if p.rank is not None and p.rank <= r), None)
            after = next((p for p in heads[i + 1:] if p.rank is not None and p.rank <= r), None)
            if (before and before.rank == r and before.value == h.value - 1
                    and after and after.rank == r and after.value == h.value + 1):
                h.rank, h.style, h.kind = r, before.style, before.kind
                break


# --- 3. table of contents ---------------------------------------------------------------
def _toc_key(h: Head) -> str:
    return re.sub(r"[\s.．…·\-—]*\d*$", "", f"{h.value}{h.style}{h.title}").replace(" ", "")


def find_toc(lines: list[Line], heads: list[Head]) -> tuple[int, int] | None:
    """Line range (first, last) of a table of contents: at least four headings on
    consecutive non-blank lines, most of which appear again as headings further on."""
    by_line = {h.line: h for h in heads}
    nonblank = [ln.index for ln in lines if ln.text]
    run: list[int] = []
    for idx in nonblank + [None]:
        if idx is not None and idx in by_line:
            run.append(idx)
            continue
        keys = [_toc_key(by_line[i]) for i in run]
        if keys and keys[0] in keys[1:]:  # the body starts right after the contents
            run = run[: keys.index(keys[0], 1)]
        if len(run) >= 4:
            later = {_toc_key(h) for h in heads if h.line > run[-1]}
            repeated = sum(_toc_key(by_line[i]) in later for i in run)
            if repeated * 2 > len(run):
                first = run[0]
                prev = next((j for j in reversed(nonblank) if j < first), None)
                if prev is not None and TOC_WORD.match(lines[prev].text):
                    first = prev
                return first, run[-1]
        run = []
    return None


# --- 4. unnumbered headings ---------------------------------------------------------------
def _cjk_share(s: str) -> float:
    return sum(1 for c in s if "\u4e00" <= c <= "\u9fff") / max(len(s), 1)


@lru_cache(maxsize=1)
def _label_words() -> frozenset[str]:
    """A web page's label words (分类, 索引号 …: corpus/data/metadata_words.json): never a heading."""
    data = json.loads((Path(__file__).parent / "data" / "metadata_words.json").read_text(encoding="utf-8"))
    return frozenset(w for k, v in data["labels"].items() if k != "_doc" for w in v)


def _balanced(text: str) -> bool:
    """Brackets and title marks close what they open (a wrapped line's tail "…条例》（国令…" does not)."""
    for a, b in ("《》", "（）", "()", "“”", "〈〉"):
        depth = 0
        for ch in text:
            depth += (ch == a) - (ch == b)
            if depth < 0:
                return False
        if depth:
            return False
    return True


def _shape(text: str, limit: int) -> bool:
    """Looks like a title: short, mostly Chinese, no sentence punctuation, brackets balanced,
    not a page label."""
    return (2 <= len(text) <= limit and not SHAPE_BAD.search(text) and not text.endswith("、")
            and _cjk_share(YEARS_SUFFIX.sub("", text)) >= 0.6 and _balanced(text) and text not in _label_words())


def _body(text: str, wrap_width: int | None = None) -> bool:
    """Running text: a long line, a line with clause punctuation, or one filling its column."""
    if doubled(text):
        return False
    if wrap_width and display_width(text) >= wrap_width - 8:
        return True
    return len(text) >= 20 and bool(re.search(r"[，。；,;]", text)) or len(text) >= 40


def doubled(text: str) -> bool:
    """Fake-bold PDF text repeats itself ("演练开展防汛抢险应急演练开展…"): captions, not heads."""
    return bool(DOUBLED.search(text))


def plain_headings(lines: list[Line], taken: set[int], first_numbered: int | None,
                   wrap_width: int | None = None) -> list[Head]:
    """Keyword headings (前言, 附件) and short title-like lines followed by body text.
    ``wrap_width``: the column width of a column-broken source; a line that fills the
    column is the first line of a wrapped paragraph, not a heading."""
    out = []
    nonblank = [ln for ln in lines if ln.text]
    for k, ln in enumerate(nonblank):
        if ln.index in taken:
            continue
        if m := KEYWORD.match(ln.text):
            word = re.sub(r"\s", "", m.group("w"))
            kind = "preface" if word in PREFACE_WORDS else "heading"
            number = word if word.startswith("附") and word[-1:].isdigit() else ""
            title = (m.group("rest").strip() or word) if number else word + m.group("rest").strip()
            out.append(Head(ln.index, ln.start, "keyword", None, kind, number, None, title))
            continue
        if m := END_MATTER.match(ln.text):
            out.append(Head(ln.index, ln.start, "keyword", None, "heading", "", None, re.sub(r"\s", "", m.group("w"))))
            continue
        before = first_numbered is None or ln.index < first_numbered
        limit = TOP_LEVEL_PLAIN if before else INNER_PLAIN
        prev = nonblank[k - 1].text if k else ""
        if prev and len(prev) >= 30 and prev[-1] not in TERMINAL:
            continue  # the tail of a broken paragraph
        if TABLE_TITLE.match(ln.text) and _shape(ln.text, MAX_TITLE) and not before:
            out.append(Head(ln.index, ln.start, "table_title", None, "table", "", None, ln.text))
            continue
        if not _shape(ln.text, limit) or doubled(ln.text):
            continue
        if wrap_width and display_width(ln.text) >= wrap_width - 8:
            continue
        nxt = [x for x in nonblank[k + 1:k + 3]]
        if nxt and _body(nxt[0].text, wrap_width) and nxt[0].index not in taken:
            if out and out[-1].line == (nonblank[k - 1].index if k else -1) and out[-1].style == "pending":
                pend = out.pop()  # two-line head: "多维破题 / 筑牢安全生产防线"
                out.append(Head(pend.line, pend.start, "plain", None, "heading", "", None, f"{pend.title} {ln.text}"))
            else:
                out.append(Head(ln.index, ln.start, "plain", None, "heading", "", None, ln.text))
        elif len(nxt) == 2 and len(ln.text) <= KICKER and _shape(nxt[0].text, limit) and _body(nxt[1].text, wrap_width) and nxt[0].index not in taken:
            out.append(Head(ln.index, ln.start, "pending", None, "heading", "", None, ln.text))
    return [h for h in out if h.style != "pending"]


# --- 5. the tree -----------------------------------------------------------------------------
@dataclass
class Open:
    section: Section
    rank: float
    value: int | None
    container: bool = False
    rows_seen: dict = field(default_factory=dict)


def _closes(h: Head, stack: list[Open], top_rank: float) -> bool:
    """Does heading ``h`` end the open box/table on top of the stack, or is it a row of it?"""
    box = stack[-1]
    if h.style in ("keyword", "box", "table", "table_title"):
        return True
    if h.style == "plain":
        return False
    anchor = next((o for o in reversed(stack[:-1]) if o.value is not None and not o.container), None)
    if anchor is None:
        return h.rank <= top_rank
    if h.rank < anchor.rank:
        return True
    if h.rank == anchor.rank and h.value == (anchor.value or 0) + 1:
        return box.rows_seen.get(h.rank) != h.value - 1
    return False


def build_tree(doc: Document, heads: list[Head], top_rank: float) -> list[Section]:
    sections: list[Section] = []
    stack: list[Open] = []

    def close(until: int, pos: int) -> None:
        while len(stack) > until:
            stack.pop().section.end = pos

    for h in heads:
        if stack and stack[-1].container and not _closes(h, stack, top_rank):
            stack[-1].rows_seen[h.rank] = h.value
            continue
        if stack and stack[-1].container:
            close(len(stack) - 1, h.start)
        numbered_open = any(o.value is not None for o in stack)
        if h.style in ("box", "table", "table_title"):
            rank = stack[-1].rank + 0.5 if stack else top_rank
        elif h.style == "plain":
            rank = 99 if numbered_open else top_rank
        elif h.style == "keyword":
            rank = top_rank
        else:
            rank = h.rank
        while stack and stack[-1].rank >= rank:
            close(len(stack) - 1, h.start)
        parent = stack[-1].section if stack else None
        sec = Section(id="", level=len(stack) + 1, number=h.number, title=h.title, kind=h.kind,
                      parent=parent.id if parent else None, start=h.start, end=len(doc.text),
                      path="/".join(o.section.heading for o in stack))
        sec.id = f"b{len(sections)}"
        sections.append(sec)
        stack.append(Open(sec, rank, h.value if h.rank is not None else None,
                          container=h.style in ("box", "table", "table_title")))
    close(0, len(doc.text))
    return sections


def _front_and_toc(doc: Document, lines: list[Line], toc: tuple[int, int] | None,
                   first_start: int) -> list[Section]:
    """Level-1 sections for what precedes the first heading: the front matter ("卷首":
    notice, title, web page header), the table of contents, and the lead paragraph between
    the contents and the first heading ("引言")."""
    spans = []
    if toc:
        toc_start = lines[toc[0]].start
        toc_end = next((ln.start for ln in lines[toc[1] + 1:] if ln.text), len(doc.text))
        toc_end = min(toc_end, first_start)
        spans = [("卷首", "preface", 0, toc_start), ("目录", "toc", toc_start, toc_end),
                 ("引言", "preface", toc_end, first_start)]
    else:
        spans = [("卷首", "preface", 0, first_start)]
    return [Section(f"f{i}", 1, "", title, kind, None, a, b)
            for i, (title, kind, a, b) in enumerate(spans)
            if b > a and (kind == "toc" or doc.text[a:b].strip())]


def build_sections(doc: Document) -> list[Section]:
    text = doc.text
    lines = split_lines(text)
    heads = [h for ln in lines if ln.text and (h := parse_numbered(ln) or number_alone(ln, lines))]
    heads = drop_list_rows(heads)
    toc = find_toc(lines, heads)
    if toc:
        heads = [h for h in heads if not toc[0] <= h.line <= toc[1]]
    repair_misnumbered(heads)
    ranks = [h.rank for h in heads if h.rank is not None]
    top_rank = min(ranks) if ranks else 0
    first_numbered = min((h.line for h in heads if h.rank is not None), default=None)
    taken = ({h.line for h in heads} | {h.title_line for h in heads if h.title_line is not None}
             | (set(range(toc[0], toc[1] + 1)) if toc else set()))
    heads = sorted(heads + plain_headings(lines, taken, first_numbered,
                                                 column_width(doc.raw_text.split("\n"))), key=lambda h: h.start)
    if toc:  # nothing before the table of contents is a heading: it is the front matter
        heads = [h for h in heads if h.line > toc[1]]
    body = build_tree(doc, heads, top_rank)
    first_start = body[0].start if body else len(text)
    sections = sorted(_front_and_toc(doc, lines, toc, first_start) + body, key=lambda s: (s.start, s.level))
    return _finish(doc, sections)


def _finish(doc: Document, sections: list[Section]) -> list[Section]:
    """Number the sections in document order, fix parent ids, fill pages."""
    new_id = {s.id: f"s{i:04d}" for i, s in enumerate(sections, 1)}
    for s in sections:
        s.id = new_id[s.id]
        s.parent = new_id.get(s.parent) if s.parent else None
        s.page_start = doc.page_at(s.start)
        s.page_end = doc.page_at(max(s.start, s.end - 1))
    return sections
