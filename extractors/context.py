"""Context every extractor shares: the role of the section a fact sits in, whether its
sentence looks forward (a goal) or back (a result), the plan period, and the evidence that
turns these guesses into a confidence.

Nothing here is a gate.  Each guess is evidence with a weight; an extractor adds what it
knows to an :class:`Evidence` and stores ``confidence`` and ``reasons`` on its record, so a
fact under a 现状 heading is still stored — with a low confidence and the reason why.

Stable API (used by targets, responsibilities, deadlines, projects):

    section_role(document, pos)      -> (role, confidence)   role in ROLES
    looks_forward(sentence)          -> bool                  到2025年, 力争, 目标 …
    looks_back(sentence, plan_start) -> bool                  已建成, 累计, 截至, “十三五”期间 …
    plan_period(document)            -> (start, end) years or (None, None)
    document_year(document)          -> (year, source) | (None, None)   for implied years
    document_prior(document)         -> Evidence from the document's kind (plan, report …)
    Evidence().add(weight, reason)   -> log-odds sum; .confidence in [0, 1], .reasons
    vocabulary(name)                 -> compiled regex of extractors/data/<name>.txt
    vocabulary_test(name)            -> the same for a yes/no .search (faster; 1-char match)

Vocabulary lives in ``extractors/data/*.txt`` (one regex fragment per line, ``#`` comments);
see ``extractors/data/README.md``.
"""
from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from corpus import numbering
from corpus.model import Document, Section, SectionLookup

DATA = Path(__file__).parent / "data"
ROLES = ("goal", "history", "baseline", "task", "table", "other")
DEFAULT_THRESHOLD = 0.5  # records below it are stored but not counted or returned by default

# Confidence a role has when the section's own title says so, when an ancestor's does, and
# when nothing does.
OWN_TITLE, ANCESTOR_TITLE, NO_TITLE = 0.85, 0.75, 0.5

PAST_OPENING = re.compile(r"\s*([^，,。；]{0,24})")
PAST_OPENING_HEAD = re.compile(r"期间|时期|以来|末|中")


# --- vocabulary ----------------------------------------------------------------------------
@lru_cache(maxsize=None)
def words(name: str) -> tuple[str, ...]:
    """The entries of ``extractors/data/<name>.txt`` (blank lines and # comments skipped)."""
    path = DATA / f"{name}.txt"
    if not path.exists():
        raise FileNotFoundError(f"{path}: vocabulary file missing")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return tuple(out)


def _alternation(entries) -> str:
    """Regex fragments as one alternation, longest first (a longer entry wins at a position)."""
    return "|".join(f"(?:{e})" for e in sorted(entries, key=len, reverse=True))


@lru_cache(maxsize=None)
def vocabulary(name: str) -> re.Pattern:
    """One compiled alternation of a vocabulary file's regex fragments (longest first).

    When every fragment's first character is known, the alternation opens with a lookahead
    on those characters: it matches exactly the same, and the regex engine rejects most
    positions with one class test instead of trying every fragment (five times faster)."""
    alternation = _alternation(words(name))
    try:
        re.compile(alternation)
    except re.error as e:
        raise ValueError(f"{DATA / (name + '.txt')}: bad pattern: {e}") from None
    return re.compile(with_first_chars(alternation))


@lru_cache(maxsize=None)
def vocabulary_test(name: str) -> re.Pattern:
    """A pattern whose ``search`` finds a match of :func:`vocabulary` ``(name)`` exactly when
    that one's does, for a yes/no test only (the match it returns is one character long).

    It opens with a character class, the first characters of the entries, which the regex
    engine scans for in its fast loop; at each hit a lookbehind steps back over that
    character and a lookahead there matches the alternation.  A pattern opened by a
    lookahead (with_first_chars) gets no fast loop: every position enters the matcher."""
    return class_led(_alternation(words(name))) or vocabulary(name)


def class_led(pattern: str, flags: int = 0) -> re.Pattern | None:
    """``pattern`` as a search that opens with the class of characters its matches start
    with (see vocabulary_test): the same first match, whose text is group 1 (group 0 is its
    first character), found in the regex engine's fast loop.  None when those characters
    cannot be told (first_chars).  ``pattern``'s own groups are numbered one higher, so it
    must not refer back to them by number."""
    lead = first_chars(pattern)
    if not lead:
        return None
    return re.compile(f"[{''.join(sorted(lead))}](?<=(?=({pattern}))(?s:.))", flags)


def with_first_chars(pattern: str) -> str:
    """``pattern`` led by a lookahead on the characters its matches can start with, when
    those are known: the same matches, found faster by a scan that tries every position."""
    lead = first_chars(pattern)
    return f"(?=[{''.join(sorted(lead))}])(?:{pattern})" if lead else pattern


def first_chars(pattern: str) -> set[str] | None:
    """Character-class items (escaped literals, \\d, \\s, \\w) one of which every match of
    ``pattern`` starts with, or None when that cannot be told (an optional start, a negated
    class, an empty match)."""
    try:
        from re import _constants as sre, _parser as parser  # the stdlib's own regex parser

        parsed = parser.parse(pattern)
        if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
            return None
        return _first(list(parsed), sre)
    except Exception:  # a private API: without it, the plain pattern is as correct
        return None


def _first(items: list, sre) -> set[str] | None:
    categories = {sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_WORD: r"\w"}
    for i, (op, av) in enumerate(items):
        if op is sre.LITERAL:
            return {re.escape(chr(av))}
        if op is sre.IN:
            out = set()
            for o, a in av:
                if o is sre.LITERAL:
                    out.add(re.escape(chr(a)))
                elif o is sre.RANGE:
                    out.add(f"{re.escape(chr(a[0]))}-{re.escape(chr(a[1]))}")
                elif o is sre.CATEGORY and a in categories:
                    out.add(categories[a])
                else:
                    return None
            return out
        if op is sre.SUBPATTERN:
            return None if av[1] else _first(list(av[3]), sre)  # (?i:…) would need both cases
        if op is sre.BRANCH:
            out = set()
            for branch in av[1]:
                got = _first(list(branch), sre)
                if not got:
                    return None
                out |= got
            return out
        if op in (sre.ASSERT, sre.ASSERT_NOT) and av[0] < 0:
            continue  # a lookbehind reads no character: the next item starts the match
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            got = _first(list(av[2]), sre)
            if av[0] >= 1 or got is None:
                return got
            rest = _first(items[i + 1:], sre)  # optional: the match may start after it
            return got | rest if rest else None
        return None
    return None


@lru_cache(maxsize=1)
def kind_weights() -> dict[str, float]:
    """Document kind → log-odds weight that its numbers are goals (data/kind_prior.csv)."""
    path = DATA / "kind_prior.csv"
    with path.open(encoding="utf-8") as f:
        return {row["kind"]: float(row["weight"]) for row in csv.DictReader(f)}


def finditer_near(pattern: re.Pattern, anchors: re.Pattern, text: str, back: int):
    """The matches ``pattern.finditer(text)`` yields, tried only near ``anchors``.

    Every match of ``pattern`` must hold a match of ``anchors`` (or a piece of text one
    would match, overlapping a found one) that starts at most ``back`` non-blank characters
    after its own start.  The patterns open with optional markers behind a lookahead, which
    the regex engine tries at every position of the text; the anchors are rare and quick to
    find, and a match is then tried (``pattern.match``, which sees the text before it as
    finditer does) only at the few positions before each, leftmost first."""
    pos = 0
    for a in anchors.finditer(text):
        if a.end() <= pos:
            continue  # inside the last match
        at = back_over(text, a.start(), back, pos)
        for s in range(max(at, pos), a.end()):
            m = pattern.match(text, s)
            if m:
                yield m
                pos = m.end()
                break


def back_over(text: str, at: int, back: int, floor: int = 0) -> int:
    """Where ``back`` non-blank characters before ``at`` begin (not before ``floor``)."""
    while at > floor and back > 0:
        at -= 1
        back -= not text[at].isspace()
    return at


# --- evidence ------------------------------------------------------------------------------
@dataclass
class Evidence:
    """Log-odds evidence: each ``add`` moves the score; ``confidence`` is its logistic."""

    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def add(self, weight: float, reason: str) -> "Evidence":
        """Move the score by ``weight`` (log-odds) and record why; a 0 weight records a fact
        that was considered and left neutral."""
        self.score += weight
        # (a zero weight is formatted each time: the cache cannot tell -0.0 from 0.0)
        self.reasons.append(_reason(reason, weight) if weight else f"{reason} ({weight:+.1f})")
        return self

    def copy(self) -> "Evidence":
        return Evidence(self.score, self.reasons.copy())

    @property
    def confidence(self) -> float:
        return _confidence(self.score)

    def fields(self) -> dict:
        """The record keys every fact table stores."""
        return {"confidence": self.confidence, "reasons": list(self.reasons)}


# Reasons and weights come from a small vocabulary, and a document adds the same few to
# every fact: each text is formatted once.
@lru_cache(maxsize=4096)
def _reason(reason: str, weight: float) -> str:
    return f"{reason} ({weight:+.1f})"


@lru_cache(maxsize=4096)
def _confidence(score: float) -> float:
    return round(1.0 / (1.0 + math.exp(-score)), 3)


SENTENCE = re.compile(r"[^。！？；;!?\n]+")
HAS_DIGIT = re.compile(r"\d")
# The sentences (SENTENCE) that hold a digit, from one scan: sentences without one are read
# past with their ends (possessive: never re-read), a sentence with one is captured whole,
# and the digitless tail of the text matches empty.  Same list as filtering SENTENCE.findall
# by HAS_DIGIT, without a call per sentence.
_END = "。！？；;!?\n"
NUMERIC_SENTENCE = re.compile(rf"(?:[^{_END}\d]*+[{_END}]+)*+(?:([^{_END}]*\d[^{_END}]*+)|[^{_END}\d]*+\Z)")


def numeric_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (runs between 。！？；;!? and line ends) that hold a digit."""
    return list(filter(None, NUMERIC_SENTENCE.findall(text)))


def document_tense(document: Document, plan_start: int | None = None) -> tuple[int, int, int]:
    """(forward, back, all) counts of the document's sentences that hold a digit."""
    # map() over the sentences keeps the loop in C: this reads every sentence of the text.
    numeric = numeric_sentences(document.text)
    fwd = sum(map(bool, map(vocabulary_test("forward_cues").search, numeric)))
    back = sum(map(bool, map(vocabulary_test("past_cues").search, numeric)))
    return fwd, back, len(numeric)


def document_prior(document: Document, base: float = 0.0) -> Evidence:
    """Starting evidence from the document's kind, scaled by how sure metadata is of it."""
    meta = document.meta or {}
    ev = Evidence(base, [f"base ({base:+.1f})"])
    kind = meta.get("kind")
    if kind:
        sure = meta.get("kind_confidence")
        sure = float(sure) if isinstance(sure, (int, float)) else 0.6
        weight = kind_weights().get(kind, 0.0) * sure
        ev.add(round(weight, 2), f"document kind {kind} ({sure:.2f})")
    fwd, back, n = document_tense(document)
    if n >= 5 and fwd == 0:
        ev.add(-1.5, "document never looks forward")
    elif n >= 5 and back >= 3 * fwd:
        ev.add(-1.0, "document mostly looks back")
    elif n >= 5 and back > 2 * fwd:
        ev.add(-0.5, "document often looks back")
    return ev


# --- plan period -----------------------------------------------------------------------------
# Five-year-plan names and their years come from the corpus numbering grammar.
five_year = numbering.five_year


def _periods(text: str) -> list[tuple[re.Match, tuple[int, int]]]:
    """Every five-year-plan name in text with its (start, end) years."""
    if "五" not in text:
        return []  # every name the numbering grammar knows has one (十四五, 九五, 第十个五年)
    return [(m, numbering.five_year(n)) for m, n in numbering.plan_names(text)]


PLAN_RANGE = re.compile(r"(?:规划|计划|纲要|方案)[^，。\n]{0,4}(20\d\d|19\d\d)\s*[-—–~至]\s*(20\d\d)\s*年")
PLAN_FIVE = re.compile(r"\S{1,6}?[^，。\n]{0,20}(?:规划|计划|纲要|方案)")
CITED = re.compile(r"《[^》]{0,80}》")


def plan_period(document: Document) -> tuple[int | None, int | None]:
    """(start, end) years of the plan: metadata first, else the title or the opening text.
    Periods of cited documents 《…（2020—2030年）》 do not count."""
    meta = document.meta or {}
    if meta.get("period_end"):
        return meta.get("period_start"), int(meta["period_end"])
    head = CITED.sub("", (meta.get("title") or "") + "\n" + document.text[:3000])
    spans = []
    if m := PLAN_RANGE.search(head):
        spans.append((m.start(), int(m.group(1)), int(m.group(2))))
    named = _periods(head)
    if named:
        m, years = next(((m, y) for m, y in named if PLAN_FIVE.match(head, m.start())), named[0])
        spans.append((m.start(), *years))
    if not spans:
        return None, None
    _, a, b = min(spans)
    return a, b


TITLE_YEAR = re.compile(r"(20\d\d|19\d\d)\s*年")


def document_year(document: Document) -> tuple[int | None, str | None]:
    """The year a document speaks for when a fact states none (6月底完成): the title's
    year, else the issue date's, else the plan period's start.  (year, source) or (None, None)."""
    meta = document.meta or {}
    if meta.get("title") and (m := TITLE_YEAR.search(meta["title"])):
        return int(m.group(1)), "title"
    if meta.get("issue_date"):
        try:
            return int(str(meta["issue_date"])[:4]), "issue_date"
        except ValueError:
            pass
    start, _ = plan_period(document)
    return (start, "period") if start else (None, None)


def earlier_period(text: str, plan_start: int | None) -> bool:
    """Whether text names a five-year period that ended before the plan began (十三五 in a
    十四五 plan; without a plan period, before 2021)."""
    return any(years[1] < (plan_start or 2021) for _, years in _periods(text))


OWN_PERIOD = re.compile(r"规划期内|规划期末|规划期间|规划实施期")


def names_plan_period(text: str, plan_start: int | None) -> bool:
    """Whether text names the plan's own period (规划期内, “十二五”期间 in a 十二五 plan)."""
    if OWN_PERIOD.search(text):
        return True
    return bool(plan_start) and any(years[0] == plan_start for _, years in _periods(text))


# --- sentences -----------------------------------------------------------------------------
def looks_forward(sentence: str, plan_start: int | None = None) -> bool:
    """A sentence stating what is to be (到2025年, 力争, 目标, the plan's own period)."""
    return bool(vocabulary_test("forward_cues").search(sentence)) or names_plan_period(sentence, plan_start)


def looks_back(sentence: str, plan_start: int | None = None) -> bool:
    """A sentence reporting what was (已建成, 累计, 截至, 同比, “十三五”期间…)."""
    if vocabulary_test("past_cues").search(sentence):
        return True
    return opens_in_past(sentence, plan_start)


def opens_in_past(line: str, plan_start: int | None) -> bool:
    """A paragraph that opens on an earlier period (“十三五”期间，… / 过去五年，… / 去年，…)."""
    head = PAST_OPENING.match(line).group(1)
    if vocabulary("past_openings").match(head):
        return True
    return bool(PAST_OPENING_HEAD.search(head)) and earlier_period(head, plan_start)


def sentence_tense(sentence: str, plan_start: int | None = None) -> str:
    """forward | back | mixed | neutral."""
    f, b = looks_forward(sentence, plan_start), looks_back(sentence, plan_start)
    return "mixed" if f and b else "forward" if f else "back" if b else "neutral"


# --- sections ------------------------------------------------------------------------------
def title_role(title: str, kind: str = "", plan_start: int | None = None) -> str | None:
    """The role a section title states by itself, or None."""
    if not title:
        return "table" if kind in ("table", "box") else None
    if kind not in ("table", "box") and "五" not in title and not _any_heading_word().search(title):
        return None  # most titles (加强…建设): no test below can pass (an earlier period names 五)
    found = vocabulary("history_headings").search(title)
    if found and vocabulary("task_verbs").search(title, 0, found.start()):
        found = None  # 补齐短板弱项, 应对风险挑战: a task that names the weakness it fixes
    history = bool(found or earlier_period(title, plan_start))
    # (yes/no tests: the fast form of each vocabulary)
    if history and vocabulary_test("goal_headings").search(title):
        return None  # “十三五”时期发展成就和“十四五”时期主要目标: its subsections decide
    if history:
        return "history"
    if vocabulary_test("baseline_headings").search(title):
        return "baseline"
    if vocabulary_test("goal_headings").search(title):
        return "goal"
    if kind in ("table", "box") or vocabulary("table_headings").fullmatch(title[:2] or ""):
        return "table"
    if vocabulary_test("task_headings").search(title):
        return "task"
    return None


HEADING_VOCABULARIES = ("history_headings", "baseline_headings", "goal_headings", "table_headings", "task_headings")


@lru_cache(maxsize=1)
def _any_heading_word() -> re.Pattern:
    """One search for a word of any heading vocabulary title_role reads."""
    alternation = _alternation(e for name in HEADING_VOCABULARIES for e in words(name))
    return class_led(alternation) or re.compile(alternation)


@dataclass
class SectionIndex:
    """Sections of one document with their roles, for fast lookups by position."""

    sections: list[Section]
    by_id: dict[str, Section]
    roles: dict[str, tuple[str, float]]
    lookup: SectionLookup  # the document's own: Document.section_at

    def at(self, pos: int) -> Section | None:
        """The deepest section containing ``pos`` (``Document.section_at``)."""
        return self.lookup.at(pos)

    def role(self, pos: int) -> tuple[str, float]:
        """(role, confidence) of the deepest section containing ``pos`` (see section_role)."""
        s = self.at(pos)
        if s is None:
            return "other", NO_TITLE
        return self.roles.get(s.id, ("other", NO_TITLE))

    def chain(self, pos: int) -> list[Section]:
        """The sections containing ``pos``, deepest first."""
        out, s = [], self.at(pos)
        while s is not None:
            out.append(s)
            s = self.by_id.get(s.parent) if s.parent else None
        return out


def _roles(sections: list[Section], by_id: dict[str, Section], plan_start: int | None) -> dict[str, tuple[str, float]]:
    """Role of every section: its own title's, except that anything inside a history or
    baseline section is history/baseline; a section whose title says nothing inherits."""
    roles: dict[str, tuple[str, float]] = {}
    for s in sections:  # parents come before children
        own = title_role(s.title, s.kind, plan_start)
        parent = roles.get(s.parent) if s.parent else None
        if parent and parent[0] in ("history", "baseline") and own not in ("history", "baseline"):
            roles[s.id] = (parent[0], ANCESTOR_TITLE)
        elif own:
            roles[s.id] = (own, OWN_TITLE)
        elif parent:
            roles[s.id] = (parent[0], min(parent[1], ANCESTOR_TITLE) if parent[0] != "other" else NO_TITLE)
        else:
            roles[s.id] = ("other", NO_TITLE)
    return roles


_INDEX_CACHE: dict[int, tuple[Document, int, SectionIndex]] = {}


def section_index(document: Document) -> SectionIndex:
    """The (cached) section index of a document; rebuilt when its sections change."""
    key = id(document)
    hit = _INDEX_CACHE.get(key)
    if hit and hit[0] is document and hit[1] == len(document.sections) and hit[2].lookup is document.section_lookup():
        return hit[2]  # (a new list of sections, even of the same length, makes a new lookup)
    sections = sorted(document.sections, key=lambda s: (s.start, s.level))
    by_id = {s.id: s for s in sections}
    start, _ = plan_period(document)
    index = SectionIndex(sections, by_id, _roles(sections, by_id, start),
                         document.section_lookup())
    if len(_INDEX_CACHE) > 16:
        _INDEX_CACHE.clear()
    _INDEX_CACHE[key] = (document, len(document.sections), index)
    return index


def section_role(document: Document, pos: int) -> tuple[str, float]:
    """(role, confidence) of the section holding ``pos`` in ``document.text``.

    Roles: goal (目标, 指标), history (现状, 成效, 十三五 in a 十四五 plan …), baseline (现状值,
    基期), task (任务, 措施, 工程), table (表, 专栏), other."""
    return section_index(document).role(pos)


def section_titles(document: Document, pos: int) -> list[str]:
    """Titles of the sections containing ``pos``, deepest first."""
    return [s.title for s in section_index(document).chain(pos)]


# Weights of the shared evidence, in log-odds (documented in extractors/data/README.md).
ROLE_WEIGHT = {"goal": 1.5, "history": -3.0, "baseline": -2.5, "task": 0.3, "table": 0.5, "other": 0.0}
TENSE_WEIGHT = {"forward": 1.0, "back": -3.0, "mixed": 0.3, "neutral": 0.0}


def add_context(ev: Evidence, document: Document, pos: int, sentence: str | None = None) -> Evidence:
    """Add the section role at ``pos`` and the tense of ``sentence`` to ``ev``."""
    role, sure = section_role(document, pos)
    ev.add(round(ROLE_WEIGHT[role] * sure, 2), f"section {role}")
    if sentence is not None:
        start, _ = plan_period(document)
        tense = sentence_tense(sentence, start)
        ev.add(TENSE_WEIGHT[tense], f"sentence {tense}")
    return ev
