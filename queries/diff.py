"""Diff two versions of a plan: align by structure first, then report what changed.

Legislative comparison (对照版) works in two steps and so does this module:

1. **Align units.**  Sections are matched by a stable key built from their *titles*
   (never their numbers, which shift whenever a section is added or moved), then by
   title similarity, then by body similarity (a renamed heading over the same text).
   Targets are matched by canonical indicator, then by indicator similarity; projects
   by name; responsibilities by task.
2. **Compare aligned units.**  Field changes for facts (a target change is judged
   tightened or loosened from its comparator), moved/renamed/added/removed for
   sections, and word-level edits (jieba tokens) inside matched paragraphs.

Everything here is a pure function of two :class:`DocRecords` — the rows that
``pipeline.process.process_file`` returns or that DuckDB stores — so a file and an
ingested document are diffed the same way.  The JSON shape is documented in DIFF.md.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher

from corpus.model import stored_offsets

SCHEMA = "cnpolicy.diff/1"
FACT_TABLES = ("sections", "targets", "projects", "responsibilities")

# Thresholds (0..1).  Titles and names are short, so a character ratio is enough.
TITLE_SIM = 0.6  # a renamed heading that still reads like the old one
BODY_SIM = 0.5  # a renamed heading over (mostly) the same text
PARA_SIM = 0.35  # two paragraphs that are versions of each other
INDICATOR_SIM = 0.7
NAME_SIM = 0.6
TASK_SIM = 0.6


# --- the common shape ---------------------------------------------------------------
@dataclass
class DocRecords:
    """One side of a diff: a document's text and its stored rows (pipeline/schema.py)."""

    doc_id: str
    label: str  # what the user named: a file name or a doc id
    meta: dict = field(default_factory=dict)  # the documents row less the texts
    text: str = ""
    raw_text: str = ""
    offsets: list[int] = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    projects: list[dict] = field(default_factory=list)
    responsibilities: list[dict] = field(default_factory=list)

    @classmethod
    def from_rows(cls, rows: dict[str, list[dict]], label: str = "") -> "DocRecords":
        doc = dict(rows["documents"][0])
        offsets = stored_offsets(doc)  # before "text" goes: breakpoints are expanded against it
        text, raw = doc.pop("text", "") or "", doc.pop("raw_text", "") or ""
        doc.pop("offsets", None), doc.pop("offset_runs", None)
        facts = {t: sorted(rows.get(t) or [], key=_order_key) for t in FACT_TABLES}
        return cls(doc_id=doc["doc_id"], label=label or doc.get("source_file") or doc["doc_id"],
                   meta=doc, text=text, raw_text=raw or text, offsets=list(offsets or []), **facts)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        if not self.offsets or end <= start:
            return start, end
        return self.offsets[start], self.offsets[end - 1] + 1


def _order_key(row: dict):
    return (row.get("ord") if row.get("ord") is not None else row.get("char_start") or 0)


# --- change records -------------------------------------------------------------------
@dataclass
class Change:
    kind: str  # target | project | responsibility | section | text
    change: str  # added | removed | changed | renamed | moved | modified
    key: str  # indicator / project name / task / heading / section path
    old: dict | None  # location: section_path, page, char_start, char_end, quote
    new: dict | None
    fields: list[dict] = field(default_factory=list)  # [{field, old, new}]
    judgement: str | None = None  # targets: tightened | loosened | mixed | unknown
    edits: list[dict] = field(default_factory=list)  # text: [{op, old, new}] (non-equal ops)
    note: str = ""


@dataclass
class SectionPair:
    """One row of the side-by-side view: an aligned (or one-sided) section."""

    old: dict | None  # {id, number, title, path, level, page}
    new: dict | None
    status: list[str]  # subset of: same, renamed, moved, added, removed, modified
    paragraphs: list[dict] = field(default_factory=list)  # {op, old, new, tokens: [[op, a, b]]}


@dataclass
class Diff:
    old: dict
    new: dict
    changes: list[Change]
    sections: list[SectionPair]
    shared_targets: list[dict]  # [{indicator, old: target, new: target, judgement}]
    summary: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, "old": self.old, "new": self.new, "summary": self.summary,
                "changes": [asdict(c) for c in self.changes],
                "shared_targets": self.shared_targets,
                "sections": [asdict(p) for p in self.sections]}


# --- small text helpers ---------------------------------------------------------------
_NOT_KEY = re.compile(r"[\s\u3000，。、；：:;,.!?！？“”‘’\"'（）()《》【】\[\]—\-·]+")
def title_key(title: str) -> str:
    """A heading's identity: its words without numbering (read by corpus.numbering, the one
    numbering grammar), spaces or punctuation."""
    from corpus.numbering import parse_heading

    text = (title or "").strip()
    heading = parse_heading(text)
    return _NOT_KEY.sub("", heading.rest if heading else text)


def ratio(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def bigrams(s: str) -> set[str]:
    s = _NOT_KEY.sub("", s)
    return {s[i:i + 2] for i in range(len(s) - 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?|[^\d]+")


def tokens(s: str) -> list[str]:
    """jieba words, numbers kept whole ("2.5" not "2" + ".5"): edits are reported on
    words, not characters or lines."""
    from corpus.segment import jieba

    seg = jieba()
    out: list[str] = []
    for m in _NUMBER.finditer(s):
        part = m.group()
        out.extend([part] if part[0].isdigit() else seg.lcut(part, HMM=False))
    return out


def word_ops(a: str, b: str) -> list[list[str]]:
    """[op, old, new] runs over jieba tokens; op is equal | insert | delete | replace."""
    ta, tb = tokens(a), tokens(b)
    ops = SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes()
    return [[tag, "".join(ta[i1:i2]), "".join(tb[j1:j2])] for tag, i1, i2, j1, j2 in ops]


def greedy_pairs(scores: list[tuple[float, int, int]], threshold: float) -> list[tuple[int, int]]:
    """Best-first one-to-one matching of (score, i, j) candidates at or above threshold."""
    used_i: set[int] = set()
    used_j: set[int] = set()
    out = []
    for s, i, j in sorted(scores, key=lambda x: (-x[0], x[1], x[2])):
        if s >= threshold and i not in used_i and j not in used_j:
            used_i.add(i)
            used_j.add(j)
            out.append((i, j))
    return out


def lis_members(seq: list[int]) -> set[int]:
    """Indices (into seq) of one longest increasing subsequence: the units that kept their order."""
    import bisect

    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(seq)
    for i, v in enumerate(seq):
        k = bisect.bisect_left(tails, v)
        if k == len(tails):
            tails.append(v)
            tail_idx.append(i)
        else:
            tails[k] = v
            tail_idx[k] = i
        prev[i] = tail_idx[k - 1] if k else -1
    out: set[int] = set()
    i = tail_idx[-1] if tail_idx else -1
    while i >= 0:
        out.add(i)
        i = prev[i]
    return out


# --- sections -------------------------------------------------------------------------
@dataclass
class Unit:
    """A section with what alignment needs: its key, own body and paragraphs."""

    row: dict
    ord: int
    key: str
    path_key: str
    body: str  # own text, children excluded, heading line dropped
    paras: list[tuple[int, int]]  # spans in text of own paragraphs
    grams: set[str]

    @property
    def id(self) -> str:
        return self.row["section_id"]

    @property
    def parent(self) -> str | None:
        return self.row.get("parent_id")

    def heading(self) -> str:
        return f"{self.row.get('number') or ''}{self.row.get('title') or ''}"

    def full_path(self) -> str:
        path = self.row.get("path") or ""
        return f"{path}/{self.heading()}" if path else self.heading()

    def brief(self) -> dict:
        r = self.row
        return {"id": self.id, "number": r.get("number") or "", "title": r.get("title") or "",
                "path": self.full_path(), "level": r.get("level"), "page": r.get("page_start")}


_PARA = re.compile(r"[^\n]+")


def _is_heading_line(line: str, row: dict) -> bool:
    title = (row.get("title") or "").strip()
    return bool(title) and title_key(line) == title_key(title) and len(line) < len(title) + 16


def is_toc(row: dict) -> bool:
    """A table of contents: its lines are headings repeated, so renumbering there is no change."""
    return row.get("kind") == "toc" or title_key(row.get("title") or "") == "目录"


def section_units(doc: DocRecords) -> list[Unit]:
    """The sections to align, tables of contents left out (their headings are diffed where
    the body has them)."""
    rows = [r for r in doc.sections if not is_toc(r)] or [{"section_id": "all", "level": 1, "number": "", "title": "",
                             "parent_id": None, "path": "", "char_start": 0, "char_end": len(doc.text)}]
    by_id = {r["section_id"]: r for r in rows}
    child_starts: dict[str, list[int]] = {}
    for r in rows:
        if r.get("parent_id") in by_id:
            child_starts.setdefault(r["parent_id"], []).append(r["char_start"])
    units = []
    for i, r in enumerate(rows):
        a, b = r["char_start"], r["char_end"]
        b = min([b] + [c for c in child_starts.get(r["section_id"], []) if c > a])
        paras = [m.span() for m in _PARA.finditer(doc.text, a, b) if m.group().strip()]
        if paras and _is_heading_line(doc.text[paras[0][0]:paras[0][1]], r):
            paras = paras[1:]
        body = "\n".join(doc.text[s:e].strip() for s, e in paras)
        chain, p = [], by_id.get(r.get("parent_id"))
        while p is not None:
            chain.append(title_key(p.get("title")))
            p = by_id.get(p.get("parent_id"))
        key = title_key(r.get("title"))
        units.append(Unit(r, i, key, "/".join(reversed(chain + [key])) if chain else key, body, paras, bigrams(body)))
    return units


def align_sections(old: list[Unit], new: list[Unit]) -> dict[int, int]:
    """old index → new index.  Exact title keys first (by path, then alone), then
    similar titles, then same body under a different title."""
    match: dict[int, int] = {}

    def free(units, taken):
        return [i for i in range(len(units)) if i not in taken]

    for attr in ("path_key", "key"):
        groups_old: dict[str, list[int]] = {}
        groups_new: dict[str, list[int]] = {}
        for i in free(old, match):
            groups_old.setdefault(getattr(old[i], attr), []).append(i)
        for j in free(new, set(match.values())):
            groups_new.setdefault(getattr(new[j], attr), []).append(j)
        for k, olds in groups_old.items():
            news = groups_new.get(k, [])
            if not k or not news:
                continue
            if attr == "key" and (len(olds) > 1 or len(news) > 1):
                continue  # an ambiguous bare title: leave it to similarity below
            for i, j in zip(olds, news):  # same path and title: pair in order
                match[i] = j
    rest_old, rest_new = free(old, match), free(new, set(match.values()))
    scores = []
    for i in rest_old:
        for j in rest_new:
            t = ratio(old[i].key, new[j].key)
            body = jaccard(old[i].grams, new[j].grams)
            if t >= TITLE_SIM:
                scores.append((0.6 * t + 0.4 * body + 1.0, i, j))  # +1: similar titles first
            elif body >= BODY_SIM and min(len(old[i].body), len(new[j].body)) >= 20:
                scores.append((body, i, j))
    for i, j in greedy_pairs(scores, BODY_SIM):
        match[i] = j
    return match


def moved_sections(old: list[Unit], new: list[Unit], match: dict[int, int]) -> set[int]:
    """Old indices of matched sections that changed parent or left their siblings' order."""
    old_index = {u.id: i for i, u in enumerate(old)}
    new_index = {u.id: j for j, u in enumerate(new)}
    moved = set()
    siblings: dict[int | None, list[int]] = {}
    for i, j in match.items():
        op, np_ = old_index.get(old[i].parent), new_index.get(new[j].parent)
        expected = match.get(op) if op is not None else None
        if expected != np_:
            moved.add(i)
        else:
            siblings.setdefault(np_, []).append(i)
    for group in siblings.values():
        group.sort()
        keep = lis_members([match[i] for i in group])
        moved.update(i for n, i in enumerate(group) if n not in keep)
    return moved


def diff_paragraphs(od: DocRecords, nd: DocRecords, ou: Unit, nu: Unit) -> list[dict]:
    """Aligned paragraphs of two matched sections: equal runs, then similar ones paired
    for word-level edits, the rest added or removed."""
    a = [od.text[s:e].strip() for s, e in ou.paras]
    b = [nd.text[s:e].strip() for s, e in nu.paras]
    out: list[dict] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend({"op": "equal", "old": i, "new": j} for i, j in zip(range(i1, i2), range(j1, j2)))
            continue
        grams_a = {i: bigrams(a[i]) for i in range(i1, i2)}
        grams_b = {j: bigrams(b[j]) for j in range(j1, j2)}
        cands = [(para_similarity(a[i], b[j], grams_a[i], grams_b[j]), i, j) for i in grams_a for j in grams_b]
        pairs = dict(greedy_pairs(cands, PARA_SIM))
        pj = sorted(pairs.values())
        j_next = j1
        for i in range(i1, i2):
            if i not in pairs:
                out.append({"op": "delete", "old": i, "new": None})
                continue
            j = pairs[i]
            out.extend({"op": "insert", "old": None, "new": jj} for jj in range(j_next, j) if jj not in pj)
            out.append({"op": "replace", "old": i, "new": j, "tokens": word_ops(a[i], b[j])})
            j_next = max(j_next, j + 1)
        out.extend({"op": "insert", "old": None, "new": jj} for jj in range(j_next, j2) if jj not in pj)
    for p in out:  # resolve indices to texts once, keep spans for locations
        p["old_span"] = ou.paras[p["old"]] if p["old"] is not None else None
        p["new_span"] = nu.paras[p["new"]] if p["new"] is not None else None
        p["old"] = a[p["old"]] if p["old"] is not None else None
        p["new"] = b[p["new"]] if p["new"] is not None else None
    return out


def para_similarity(a: str, b: str, ga: set, gb: set) -> float:
    """Bigram overlap for paragraphs; a character ratio for short lines (table cells,
    headings) where one changed number is a large share of the bigrams."""
    if min(len(a), len(b)) < 40:
        return ratio(a, b)
    return jaccard(ga, gb)


def _text_location(doc: DocRecords, unit: Unit, span: tuple[int, int] | None) -> dict | None:
    if span is None:
        return None
    a, b = doc.raw_span(*span)
    return {"section_path": unit.full_path(), "page": unit.row.get("page_start"),
            "char_start": a, "char_end": b, "quote": doc.raw_text[a:b]}


def _section_location(doc: DocRecords, unit: Unit) -> dict:
    a, b = doc.raw_span(unit.row["char_start"], min(unit.row["char_end"], unit.row["char_start"] + 80))
    return {"section_path": unit.full_path(), "page": unit.row.get("page_start"),
            "char_start": a, "char_end": b, "quote": doc.raw_text[a:b].split("\n")[0]}


def _top_only(units: list[Unit], idx: set[int]) -> list[int]:
    """Of a set of one-sided sections, those whose parent is not itself in the set."""
    ids = {units[i].id for i in idx}
    return sorted(i for i in idx if units[i].parent not in ids)


def diff_sections(od: DocRecords, nd: DocRecords) -> tuple[list[Change], list[SectionPair]]:
    old, new = section_units(od), section_units(nd)
    match = align_sections(old, new)
    moved = moved_sections(old, new, match)
    changes: list[Change] = []
    pairs: list[SectionPair] = []
    for i, j in sorted(match.items(), key=lambda x: x[1]):
        ou, nu = old[i], new[j]
        status = []
        if ou.key != nu.key:
            status.append("renamed")
            changes.append(Change("section", "renamed", nu.full_path(), _section_location(od, ou), _section_location(nd, nu),
                                  fields=[{"field": "title", "old": ou.row.get("title"), "new": nu.row.get("title")}],
                                  note=f"{ou.heading()} → {nu.heading()}"))
        if i in moved:
            status.append("moved")
            changes.append(Change("section", "moved", nu.full_path(), _section_location(od, ou), _section_location(nd, nu),
                                  fields=[{"field": "path", "old": ou.full_path(), "new": nu.full_path()}],
                                  note=f"{ou.full_path()} → {nu.full_path()}"))
        paras = diff_paragraphs(od, nd, ou, nu) if ou.body != nu.body else \
            [{"op": "equal", "old": t, "new": t, "old_span": s, "new_span": s2}
             for t, s, s2 in zip(ou.body.split("\n"), ou.paras, nu.paras)]
        for p in paras:
            if p["op"] == "equal":
                continue
            change = {"replace": "modified", "insert": "added", "delete": "removed"}[p["op"]]
            edits = [{"op": t, "old": x, "new": y} for t, x, y in p.get("tokens", []) if t != "equal"]
            changes.append(Change("text", change, nu.full_path(), _text_location(od, ou, p["old_span"]),
                                  _text_location(nd, nu, p["new_span"]), edits=edits))
        if any(p["op"] != "equal" for p in paras):
            status.append("modified")
        pairs.append(SectionPair(ou.brief(), nu.brief(), status or ["same"],
                                 [{k: v for k, v in p.items() if not k.endswith("_span")} for p in paras]))
    removed = set(range(len(old))) - set(match)
    added = set(range(len(new))) - set(match.values())
    for i in _top_only(old, removed):
        n = sum(1 for k in removed if old[k].full_path().startswith(old[i].full_path() + "/"))
        changes.append(Change("section", "removed", old[i].full_path(), _section_location(od, old[i]), None,
                              note=f"with {n} subsections" if n else ""))
    for j in _top_only(new, added):
        n = sum(1 for k in added if new[k].full_path().startswith(new[j].full_path() + "/"))
        changes.append(Change("section", "added", new[j].full_path(), None, _section_location(nd, new[j]),
                              note=f"with {n} subsections" if n else ""))
    _place_one_sided(pairs, old, new, removed, added)
    return changes, pairs


def _place_one_sided(pairs: list[SectionPair], old, new, removed: set[int], added: set[int]) -> None:
    """Insert added sections in new order and removed ones after their old predecessor."""
    for j in sorted(added):
        u = new[j]
        para = [{"op": "insert", "old": None, "new": t} for t in u.body.split("\n") if t]
        pos = next((k for k, p in enumerate(pairs) if p.new and new_order(new, p.new["id"]) > j), len(pairs))
        pairs.insert(pos, SectionPair(None, u.brief(), ["added"], para))
    for i in sorted(removed):
        u = old[i]
        para = [{"op": "delete", "old": t, "new": None} for t in u.body.split("\n") if t]
        pos = next((k + 1 for k in range(len(pairs) - 1, -1, -1)
                    if pairs[k].old and old_order(old, pairs[k].old["id"]) < i), 0)
        pairs.insert(pos, SectionPair(u.brief(), None, ["removed"], para))


def new_order(units: list[Unit], sid: str) -> int:
    return next(k for k, u in enumerate(units) if u.id == sid)


old_order = new_order


# --- targets --------------------------------------------------------------------------
TARGET_FIELDS = ("value", "value_max", "comparator", "unit", "year", "attribute")
BINDING = {"约束性": 1, "预期性": 0}  # a binding target replacing an expected one is tighter


def indicator_of(t: dict) -> str:
    return t.get("canonical_indicator") or t.get("indicator") or ""


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return (a if a not in ("", None) else None) == (b if b not in ("", None) else None)


def target_field_changes(a: dict, b: dict) -> list[dict]:
    return [{"field": f, "old": a.get(f), "new": b.get(f)} for f in TARGET_FIELDS if not _same(a.get(f), b.get(f))]


def indicator_direction(canonical: str) -> str | None:
    """'lower' or 'higher' is better, from the indicator catalogue."""
    from extractors.indicators import direction

    d = direction(canonical)
    text = str(d).lower() if d is not None else ""
    if d == -1 or any(w in text for w in ("lower", "down", "decrease", "less", "min", "<")):
        return "lower"
    if d == 1 or any(w in text for w in ("higher", "up", "increase", "more", "max", ">")):
        return "higher"
    return None


def _bound(t: dict, better: str | None) -> tuple[str, float | None, int] | None:
    """(sense, value, strictness): 'cap' (lower is tighter) or 'goal' (higher is tighter)."""
    c, v = t.get("comparator") or "=", t.get("value")
    if c in ("<=", "<"):
        return "cap", v, int(c == "<")
    if c in (">=", ">"):
        return "goal", v, int(c == ">")
    if c in ("decrease_by", "increase_by"):
        return f"goal:{c}", v, 0  # cutting or raising by more is more ambitious
    if c == "=" and better == "lower":
        return "cap", v, 0
    if c == "=" and better == "higher":
        return "goal", v, 0
    if c == "range" and better == "lower":
        return "cap", t.get("value_max", v), 0
    if c == "range" and better == "higher":
        return "goal", v, 0
    return None


def judge_target(a: dict, b: dict, better: str | None = None) -> str:
    """tightened | loosened | mixed | unknown — votes from the comparator direction, the
    deadline year and the binding attribute; votes that disagree make it mixed."""
    votes = []
    ba, bb = _bound(a, better), _bound(b, better)
    units_ok = _same(a.get("unit"), b.get("unit"))
    if ba and bb and ba[0] == bb[0] and units_ok and ba[1] is not None and bb[1] is not None:
        sign = -1 if ba[0] == "cap" else 1
        if not _same(ba[1], bb[1]):
            votes.append(sign * (1 if bb[1] > ba[1] else -1))
        elif ba[2] != bb[2]:
            votes.append(1 if bb[2] > ba[2] else -1)
    elif not _same(a.get("comparator"), b.get("comparator")) or not _same(a.get("value"), b.get("value")) or not units_ok:
        return "unknown"  # a different kind of goal: no honest ordering
    if a.get("year") and b.get("year") and a["year"] != b["year"]:
        votes.append(1 if b["year"] < a["year"] else -1)  # an earlier deadline is tighter
    ra, rb = BINDING.get(a.get("attribute") or ""), BINDING.get(b.get("attribute") or "")
    if ra is not None and rb is not None and ra != rb:
        votes.append(1 if rb > ra else -1)
    if not votes:
        return "unknown"
    if all(v > 0 for v in votes):
        return "tightened"
    if all(v < 0 for v in votes):
        return "loosened"
    return "mixed"


def _fact_location(row: dict) -> dict:
    return {k: row.get(k) for k in ("section_path", "page", "char_start", "char_end", "quote")}


def align_targets(old: list[dict], new: list[dict]) -> list[tuple[int, int]]:
    """Identical targets first (restated duplicates pair off), then the same indicator,
    then a similar indicator name."""
    pairs: list[tuple[int, int]] = []
    used_o: set[int] = set()
    used_n: set[int] = set()

    def take(cands, threshold):
        for i, j in greedy_pairs([c for c in cands if c[1] not in used_o and c[2] not in used_n], threshold):
            pairs.append((i, j))
            used_o.add(i)
            used_n.add(j)

    take([(1.0 - abs(i - j) * 1e-6, i, j) for i, a in enumerate(old) for j, b in enumerate(new)
          if indicator_of(a) == indicator_of(b) and not target_field_changes(a, b)], 0.5)
    same_ind = []
    for i, a in enumerate(old):
        for j, b in enumerate(new):
            if i not in used_o and j not in used_n and indicator_of(a) == indicator_of(b):
                agree = sum(_same(a.get(f), b.get(f)) for f in TARGET_FIELDS)
                same_ind.append((agree + 1.0 - abs(i - j) * 1e-6, i, j))
    take(same_ind, 0.5)
    similar = []
    for i, a in enumerate(old):
        for j, b in enumerate(new):
            if i not in used_o and j not in used_n:
                s = max(ratio(indicator_of(a), indicator_of(b)), ratio(a.get("indicator") or "", b.get("indicator") or ""))
                if s >= INDICATOR_SIM:
                    similar.append((s + 0.05 * _same(a.get("unit"), b.get("unit")), i, j))
    take(similar, INDICATOR_SIM)
    return sorted(pairs)


CMP_TEXT = {"<=": "≤", "<": "<", ">=": "≥", ">": ">", "=": "", "decrease_by": "下降", "increase_by": "提高"}


def target_text(t: dict | None) -> str:
    """A target as one reads it: "≤0.5%", "下降15%", "15–25人", with its year and attribute."""
    if not t:
        return ""
    v, unit, c = t.get("value"), t.get("unit") or "", t.get("comparator") or "="
    num = "" if v is None else _fmt_num(v)
    if c == "range" and t.get("value_max") is not None:
        num = f"{num}–{_fmt_num(t['value_max'])}"
    out = f"{CMP_TEXT.get(c, c + ' ') if c != 'range' else ''}{num}{unit}"
    extras = [str(t["year"]) if t.get("year") else "", t.get("attribute") or ""]
    extra = "，".join(x for x in extras if x)
    return f"{out}（{extra}）" if extra else out


def _fmt_num(v) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def diff_targets(old: list[dict], new: list[dict]) -> tuple[list[Change], list[dict]]:
    pairs = align_targets(old, new)
    changes, shared = [], []
    for i, j in pairs:
        a, b = old[i], new[j]
        fields = target_field_changes(a, b)
        if a.get("indicator") != b.get("indicator") and indicator_of(a) != indicator_of(b):
            fields.insert(0, {"field": "indicator", "old": a.get("indicator"), "new": b.get("indicator")})
        judgement = judge_target(a, b, indicator_direction(indicator_of(b))) if fields else None
        shared.append({"indicator": indicator_of(b), "old": _target_brief(a), "new": _target_brief(b),
                       "judgement": judgement})
        if fields:
            changes.append(Change("target", "changed", indicator_of(b), _fact_location(a), _fact_location(b),
                                  fields=fields, judgement=judgement, note=f"{target_text(a)} → {target_text(b)}"))
    paired_o, paired_n = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, a in enumerate(old):
        if i not in paired_o:
            changes.append(Change("target", "removed", indicator_of(a), _fact_location(a), None,
                                  fields=[{"field": f, "old": a.get(f), "new": None} for f in TARGET_FIELDS if a.get(f) is not None],
                                  note=target_text(a)))
    for j, b in enumerate(new):
        if j not in paired_n:
            changes.append(Change("target", "added", indicator_of(b), None, _fact_location(b),
                                  fields=[{"field": f, "old": None, "new": b.get(f)} for f in TARGET_FIELDS if b.get(f) is not None],
                                  note=target_text(b)))
    return changes, shared


def _target_brief(t: dict) -> dict:
    return {k: t.get(k) for k in ("indicator", "value", "value_max", "value_raw", "unit", "comparator",
                                  "year", "attribute", "section_path", "page", "quote")}


# --- projects and responsibilities ----------------------------------------------------
def align_by_text(old: list[dict], new: list[dict], field_name: str, threshold: float) -> list[tuple[int, int]]:
    """Exact normalised text first, then the most similar above threshold."""
    ko = [title_key(r.get(field_name) or "") for r in old]
    kn = [title_key(r.get(field_name) or "") for r in new]
    exact = greedy_pairs([(2.0 - abs(i - j) * 1e-6, i, j) for i, a in enumerate(ko) for j, b in enumerate(kn)
                          if a and a == b], 1.0)
    used_o, used_n = {i for i, _ in exact}, {j for _, j in exact}
    cands = [(ratio(ko[i], kn[j]), i, j) for i in range(len(old)) if i not in used_o
             for j in range(len(new)) if j not in used_n]
    return sorted(exact + greedy_pairs(cands, threshold))


def diff_projects(old: list[dict], new: list[dict]) -> list[Change]:
    pairs = align_by_text(old, new, "name", NAME_SIM)
    changes = []
    for i, j in pairs:
        a, b = old[i], new[j]
        fields = [{"field": f, "old": a.get(f), "new": b.get(f)} for f in ("name", "investment")
                  if not _same(a.get(f), b.get(f))]
        if fields:
            kind = "renamed" if fields[0]["field"] == "name" else "changed"
            note = "；".join(f"{f['field']}: {f['old']} → {f['new']}" for f in fields)
            changes.append(Change("project", kind, b.get("name") or "", _fact_location(a), _fact_location(b),
                                  fields=fields, note=note))
    changes += _one_sided("project", "name", old, new, pairs)
    return changes


def _departments(r: dict, role: str) -> list[str]:
    return list(r.get(f"{role}_canonical") or r.get(role) or [])


def diff_responsibilities(old: list[dict], new: list[dict]) -> list[Change]:
    pairs = align_by_text(old, new, "task", TASK_SIM)
    changes = []
    for i, j in pairs:
        a, b = old[i], new[j]
        fields = []
        for role in ("lead", "support"):
            da, db = _departments(a, role), _departments(b, role)
            if set(da) != set(db):
                fields.append({"field": role, "old": da, "new": db,
                               "added": [d for d in db if d not in da], "removed": [d for d in da if d not in db]})
        if fields:
            note = "；".join(f"{f['field']}: {'、'.join(f['old']) or '—'} → {'、'.join(f['new']) or '—'}" for f in fields)
            changes.append(Change("responsibility", "changed", b.get("task") or "", _fact_location(a), _fact_location(b),
                                  fields=fields, note=note))
    changes += _one_sided("responsibility", "task", old, new, pairs)
    return changes


def _one_sided(kind: str, key: str, old: list[dict], new: list[dict], pairs) -> list[Change]:
    po, pn = {i for i, _ in pairs}, {j for _, j in pairs}
    out = [Change(kind, "removed", r.get(key) or "", _fact_location(r), None) for i, r in enumerate(old) if i not in po]
    out += [Change(kind, "added", r.get(key) or "", None, _fact_location(r)) for j, r in enumerate(new) if j not in pn]
    return out


# --- the whole diff -------------------------------------------------------------------
KIND_ORDER = {"target": 0, "project": 1, "responsibility": 2, "section": 3, "text": 4}


def side_info(d: DocRecords) -> dict:
    m = d.meta
    return {"doc_id": d.doc_id, "label": d.label, "title": m.get("title"), "region": m.get("region"),
            "period": m.get("period"), "source_file": m.get("source_file"), "n_chars": len(d.text),
            "n_sections": len(d.sections), "n_targets": len(d.targets), "n_projects": len(d.projects),
            "n_responsibilities": len(d.responsibilities)}


def summarise(changes: list[Change], shared: list[dict]) -> dict:
    counts: dict[str, dict[str, int]] = {}
    for c in changes:
        counts.setdefault(c.kind, {}).setdefault(c.change, 0)
        counts[c.kind][c.change] += 1
    judged: dict[str, int] = {}
    for c in changes:
        if c.kind == "target" and c.judgement:
            judged[c.judgement] = judged.get(c.judgement, 0) + 1
    return {"n_changes": len(changes), "by_kind": counts, "targets_judged": judged,
            "shared_indicators": len(shared)}


def _overlaps(loc: dict | None, fact: dict | None) -> bool:
    if not loc or not fact or fact.get("char_start") is None or loc.get("char_start") is None:
        return False
    return loc["char_start"] < fact["char_end"] and fact["char_start"] < loc["char_end"]


def fold_target_lines(targets: list[Change], texts: list[Change]) -> list[Change]:
    """A changed target's line is reported once, as the target change carrying the line's
    word-level edits; the text change on that line is dropped."""
    changed = [c for c in targets if c.change == "changed"]
    kept = []
    for t in texts:
        owner = None
        if t.kind == "text" and t.change == "modified":
            owner = next((c for c in changed if _overlaps(t.old, c.old) and _overlaps(t.new, c.new)), None)
        if owner is None:
            kept.append(t)
        elif not owner.edits:
            owner.edits = t.edits
    return kept


def diff_records(old: DocRecords, new: DocRecords) -> Diff:
    section_changes, pairs = diff_sections(old, new)
    target_changes, shared = diff_targets(old.targets, new.targets)
    section_changes = fold_target_lines(target_changes, section_changes)
    changes = (target_changes + diff_projects(old.projects, new.projects)
               + diff_responsibilities(old.responsibilities, new.responsibilities) + section_changes)
    changes.sort(key=lambda c: KIND_ORDER[c.kind])  # stable: within a kind, document order
    summary = summarise(changes, shared)
    n_aligned = sum(1 for p in pairs if p.old and p.new)
    summary["aligned_sections"] = round(n_aligned / max(len(old.sections), len(new.sections), 1), 3)
    return Diff(side_info(old), side_info(new), changes, pairs, shared, summary)


# --- loading either side --------------------------------------------------------------
def resolve_doc_id(con, ref: str) -> str | None:
    """A full doc id, a unique prefix of one, or a stored source file name; None when none
    or several match (``queries.filters.find_document`` says which)."""
    from queries.filters import NotFound, find_document

    try:
        return find_document(con, ref)
    except NotFound:
        return None


def records_from_db(con, doc_id: str) -> DocRecords:
    """Read one ingested document's rows from an open DuckDB connection."""
    def rows(sql: str) -> list[dict]:
        cur = con.execute(sql, [doc_id])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    docs = rows("SELECT * EXCLUDE (ingested_at, meta) FROM documents WHERE doc_id = ?")
    if not docs:
        raise KeyError(doc_id)
    out = {"documents": docs, "sections": rows("SELECT * FROM sections WHERE doc_id = ? ORDER BY ord")}
    for t in ("targets", "projects", "responsibilities"):
        out[t] = rows(f"SELECT * FROM {t} WHERE doc_id = ? ORDER BY char_start")
    return DocRecords.from_rows(out, label=docs[0].get("source_file") or doc_id)
