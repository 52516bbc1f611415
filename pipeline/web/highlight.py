"""A document's original text as HTML with every fact marked where its quote stands.

Facts carry ``char_start``/``char_end`` into ``documents.raw_text``; spans may overlap (a
target inside a task's sentence), so the text is cut at every span boundary and each
piece is marked with all the facts covering it.  Anchors for facts and sections sit at
their first character, so ``#t-12`` or ``#sec-s0004`` scroll to the place in the text.
"""
from __future__ import annotations

from html import escape


def _valid(start, end, n: int) -> bool:
    return start is not None and end is not None and 0 <= start < end <= n


def placed(facts: list[dict], n: int) -> list[dict]:
    """The facts whose span lies inside a text of length ``n``."""
    return [f for f in facts if _valid(f.get("char_start"), f.get("char_end"), n)]


def render(text: str, facts: list[dict], sections: list[dict] = (), cited: tuple[int, int] | None = None) -> str:
    """HTML of ``text`` (escape it, keep newlines for a pre-wrap container) with
    <mark> around fact spans and the cited span, and empty anchors at fact and section starts."""
    n = len(text)
    spans = placed(facts, n)
    if cited and not _valid(cited[0], cited[1], n):
        cited = None
    anchors: dict[int, list[str]] = {}
    for s in sections:
        if s.get("raw_start") is not None and 0 <= s["raw_start"] < n:
            anchors.setdefault(s["raw_start"], []).append(f"sec-{s['section_id']}")
    for f in spans:
        anchors.setdefault(f["char_start"], []).append(f["anchor"])
    if cited:
        anchors.setdefault(cited[0], []).append("cited")
    cuts = sorted({0, n, *anchors, *(f["char_end"] for f in spans), *(cited or ())})
    starts: dict[int, list[dict]] = {}
    for f in spans:
        starts.setdefault(f["char_start"], []).append(f)
    active: list[dict] = []
    out = []
    for a, b in zip(cuts, cuts[1:]):
        active = [f for f in active if f["char_end"] > a] + starts.get(a, [])
        out.extend(f'<span class="anchor" id="{escape(x)}"></span>' for x in anchors.get(a, []))
        out.append(_piece(text[a:b], active, cited is not None and cited[0] <= a and b <= cited[1]))
    return "".join(out)


def _piece(piece: str, active: list[dict], in_cited: bool) -> str:
    body = escape(piece)
    if not active and not in_cited:
        return body
    classes = []
    if active:
        inner = min(active, key=lambda f: f["char_end"] - f["char_start"])  # the most specific fact shows
        classes += ["fact", f"k-{inner['kind']}"]
        if all(f.get("low") for f in active):
            classes.append("low")
    if in_cited:
        classes.append("cited")
    ids = " ".join(f["anchor"] for f in active)
    return f'<mark class="{" ".join(classes)}" data-f="{escape(ids)}">{body}</mark>'


def section_tree(sections: list[dict]) -> list[dict]:
    """Sections nested under their parents: [{section, children: [...]}, ...]."""
    nodes = {s["section_id"]: {"section": s, "children": []} for s in sections}
    roots = []
    for s in sections:
        parent = nodes.get(s.get("parent_id") or "")
        (parent["children"] if parent else roots).append(nodes[s["section_id"]])
    return roots
