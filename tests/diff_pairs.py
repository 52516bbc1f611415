"""Build realistic revised versions of a seed plan, recording every planted change.

Each ``plant_*`` function edits a plan's text the way a real revision does (a cap
tightened, a floor loosened, a target dropped or added, a heading renamed, a section
moved with its siblings renumbered, a lead department swapped) and returns the new text
with a :class:`Planted` record, or None when the plan offers nothing to edit.  The
patterns are generic plan wording, not seed strings, so the same helpers work on any plan.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CN = "一二三四五六七八九十"
NUMERALS = list(CN) + [f"十{c}" for c in CN[:9]]


@dataclass
class Planted:
    kind: str  # target | section | responsibility
    change: str  # changed | added | removed | renamed | moved
    old: str  # the edited snippet before ("" when added)
    new: str  # the snippet after ("" when removed)
    judgement: str | None = None  # targets: tightened | loosened
    key: str = ""  # heading title for sections


def _fmt(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")


# --- facts ----------------------------------------------------------------------------
CAP = re.compile(r"控制在\s*(\d+(?:\.\d+)?)\s*([%‰]?)\s*以[内下]")
FLOOR = re.compile(r"(?:不低于|不少于)\s*(\d+(?:\.\d+)?)\s*(平方米|㎡|%|个|人)")
CUT = re.compile(r"下降\s*(\d+(?:\.\d+)?)\s*%")
LEAD = re.compile(r"牵头单位\s*[:：]\s*([^;；)）]+)[;；]\s*(?:负责|配合)单位\s*[:：]\s*([^、;；)）等]+)")


def _replace_number(text: str, m: re.Match, new_value: str) -> tuple[str, str, str]:
    a, b = m.span(1)
    old_snip = m.group(0)
    new_snip = old_snip[: a - m.start()] + new_value + old_snip[b - m.start():]
    return text[: m.start()] + new_snip + text[m.end():], old_snip, new_snip


def plant_value(text: str, pattern: re.Pattern, factor: float, judgement: str, nth: int = 0):
    """Scale the nth number the pattern finds (a cap, a floor, a cut)."""
    found = list(pattern.finditer(text))
    if len(found) <= nth:
        return None
    m = found[nth]
    new_text, old, new = _replace_number(text, m, _fmt(float(m.group(1)) * factor))
    return new_text, Planted("target", "changed", old, new, judgement)


def plant_drop_sentence(text: str, pattern: re.Pattern, nth: int = 0):
    """Remove the clause (up to its 。 or ；) around the nth match: a target dropped."""
    found = list(pattern.finditer(text))
    if len(found) <= nth:
        return None
    m = found[nth]
    start = max(text.rfind(c, 0, m.start()) for c in "。；\n") + 1
    end = min(i for i in (text.find(c, m.end()) for c in "。；\n") if i >= 0) + 1
    clause = text[start:end]
    if clause.endswith("\n"):
        return None
    return text[:start] + text[end:], Planted("target", "removed", clause, "")


ADDED_TARGET = "应急广播主动发布终端人口覆盖率不低于95%。"


def plant_add_sentence(text: str, pattern: re.Pattern, nth: int = 0):
    """Add a new target sentence after the sentence of the nth match."""
    found = list(pattern.finditer(text))
    if len(found) <= nth:
        return None
    end = text.find("。", found[nth].end())
    if end < 0 or "\n" in text[found[nth].end():end]:
        return None
    return text[: end + 1] + ADDED_TARGET + text[end + 1:], Planted("target", "added", "", ADDED_TARGET)


def plant_lead_swap(text: str, nth: int = 0):
    """Swap the lead department with the first supporting one in a (牵头单位:…) note."""
    found = [m for m in LEAD.finditer(text) if not m.group(2).startswith("各")]
    if len(found) <= nth:
        return None
    m = found[nth]
    lead, support = m.group(1), m.group(2)
    old = m.group(0)
    new = old.replace(lead, "\0").replace(support, lead).replace("\0", support)
    return text[: m.start()] + new + text[m.end():], Planted("responsibility", "changed", old, new, key=lead)


# --- structure ------------------------------------------------------------------------
TOP = re.compile(rf"^(?:第[{CN}]+章|[{CN}]+、)\s*(.+)$", re.M)
SUB = re.compile(rf"^[（(]([{CN}]+)[）)]\s*(.+)$", re.M)


def _with_body(matches: list[re.Match], text: str, end: int) -> list[re.Match]:
    """Headings followed by some text of their own: a table of contents (heading lines
    one after another) is not the document's structure."""
    out = []
    for k, m in enumerate(matches):
        nxt = matches[k + 1].start() if k + 1 < len(matches) else end
        if len(re.sub(r"\s", "", text[m.end():nxt])) >= 20:
            out.append(m)
    return out


def subsections(text: str) -> list[list[tuple[int, int, re.Match]]]:
    """Level-2 blocks (heading line to next heading) grouped by their top-level parent."""
    heads = sorted(list(TOP.finditer(text)) + [m for m in SUB.finditer(text) if len(m.group(2)) <= 30],
                   key=lambda m: m.start())
    heads = [m for m in heads if m.start() >= _toc_end(heads, text)]
    tops = [m.start() for m in heads if TOP.match(m.group(0))] + [len(text)]
    groups = []
    for a, b in zip(tops, tops[1:]):
        subs = [m for m in heads if a < m.start() < b and not TOP.match(m.group(0))]
        blocks = [(m.start(), (subs[k + 1].start() if k + 1 < len(subs) else b), m) for k, m in enumerate(subs)]
        groups.append(blocks)
    return groups


def _toc_end(heads: list[re.Match], text: str) -> int:
    """Start of the body after a leading table of contents: a TOC is a run of heading
    lines without text of their own, and the body restates its first heading."""
    real = _with_body(heads, text, len(text))
    if not real or sum(1 for m in heads if m.start() < real[0].start()) < 5:
        return 0
    first = re.sub(r"\s", "", heads[0].group(0))
    again = [m for m in heads[1:] if re.sub(r"\s", "", m.group(0)) == first]
    return again[0].start() if again else 0


def plant_rename(text: str, group: int = 1, item: int = 1, suffix: str = "工作"):
    blocks = [g for g in subsections(text) if g]
    if len(blocks) <= group or len(blocks[group]) <= item:
        return None
    m = blocks[group][item][2]
    title = m.group(2).rstrip("。 ")
    a = m.start(2)
    new_title = title + suffix
    return (text[:a] + new_title + text[a + len(title):],
            Planted("section", "renamed", title, new_title, key=new_title))


def _renumber(blocks_text: list[str]) -> list[str]:
    out = []
    for k, block in enumerate(blocks_text):
        out.append(SUB.sub(lambda m: m.group(0).replace(m.group(1), NUMERALS[k], 1), block, count=1))
    return out


def plant_move_first(text: str, min_items: int = 3):
    """Move the last level-2 section of the first chapter that has enough of them to the
    front of that chapter, renumbering all of them (一、二、三 stay in order)."""
    for blocks in subsections(text):
        if len(blocks) >= min_items:
            a, b = blocks[0][0], blocks[-1][1]
            parts = [text[s:e] for s, e, _ in blocks]
            if not parts[-1].endswith("\n"):
                continue
            moved = parts[-1]
            title = blocks[-1][2].group(2).strip()
            new = "".join(_renumber([moved] + parts[:-1]))
            return text[:a] + new + text[b:], Planted("section", "moved", title, title, key=title)
    return None


NEW_SECTION = "（一）加强应急管理队伍建设\n\n推进应急管理干部队伍专业化建设，定期组织业务培训和实战演练。\n\n"


def plant_insert_first(text: str, group: int = -1):
    """Insert a new level-2 section at the top of a chapter; its siblings renumber."""
    groups = [g for g in subsections(text) if len(g) >= 2]
    if not groups:
        return None
    blocks = groups[group]
    a, b = blocks[0][0], blocks[-1][1]
    parts = _renumber([NEW_SECTION] + [text[s:e] for s, e, _ in blocks])
    return text[:a] + "".join(parts) + text[b:], Planted("section", "added", "", "加强应急管理队伍建设",
                                                         key="加强应急管理队伍建设")


def apply(text: str, *edits) -> tuple[str, list[Planted]]:
    """Apply edit functions in order (each ``f(text) -> (text, Planted) | None``)."""
    planted = []
    for edit in edits:
        res = edit(text)
        if res is not None:
            text, p = res
            planted.append(p)
    return text, planted


def fact_edits() -> list:
    """Target and responsibility edits, in an order that keeps them apart."""
    from functools import partial

    return [partial(plant_value, pattern=CAP, factor=0.5, judgement="tightened"),
            partial(plant_value, pattern=FLOOR, factor=0.8, judgement="loosened"),
            partial(plant_value, pattern=CUT, factor=1.5, judgement="tightened"),
            partial(plant_drop_sentence, pattern=CAP, nth=1),
            partial(plant_add_sentence, pattern=CAP, nth=2),
            plant_lead_swap]


def structure_edits() -> list:
    return [plant_rename, plant_move_first, plant_insert_first]


def revise_all(text: str) -> tuple[str, list[Planted]]:
    """Every kind of edit a revision makes, wherever the plan offers a place for it."""
    return apply(text, *fact_edits(), *structure_edits())
