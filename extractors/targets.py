"""Quantitative targets (component "targets"): indicator, comparator, value, unit, year.

Two sources:
- indicator tables (a header row naming 指标 and 值/目标, one row per indicator), whether a
  loader built them (``Document.tables``) or the text holds them one cell per line;
- prose goals: a value with a comparator cue (控制在0.01以内, 不低于2平方米, 下降10%), a rate
  stated bare (覆盖率100%), or a count of things to build (建成…示范社区5个).

What is *not* a target is decided by grammar and context: sections about an earlier plan
period or the current situation (十三五, 现状, 成效, 形势) and sentences in the past tense
(已建成, 累计, 截至, 同比) are history; numbers that scope a goal (全市7个化工园区…全部),
ordinals, dates, codes and quoted titles are not values.
"""
from __future__ import annotations

import bisect
import csv
import re
from functools import lru_cache
from itertools import accumulate
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc

from corpus import numbering
from corpus.model import Document
from corpus.numbering import cn_year
from extractors.base import provenance
from extractors.context import (DATA, class_led, DEFAULT_THRESHOLD, ROLE_WEIGHT, SectionIndex, document_year, TENSE_WEIGHT, Evidence, document_prior, looks_forward, opens_in_past,
                                plan_period, section_index, section_role, section_titles, sentence_tense, vocabulary, vocabulary_test, first_chars, with_first_chars, words)
from extractors.indicators import canonicalize
from extractors.numbers import NUMBER, parse_number
from extractors.scan import ClassLed
from extractors.texttables import line_tables
from extractors.units import DATA_UNITS, PEOPLE_NOUN, TIME_UNITS, UNIT, normalise_unit

# --- the value expression -----------------------------------------------------------
# Led by lookaheads on their first characters (context.with_first_chars): the same matches,
# but a position that cannot start a number, or a unit, is passed over with one class test.
_UNIT_LED = with_first_chars(UNIT)
VALUE_RE = re.compile(with_first_chars(
    rf"(?P<pre>≤|≥|<=|>=|<|>|约)?(?P<num>{NUMBER})"
    rf"(?:(?P<unit1>{_UNIT_LED})?(?P<sep>[-—–~～至])(?P<num2>{NUMBER}))?"
    rf"(?P<unit>{_UNIT_LED})?(?P<post>以内|以下|之内|以上|左右|内(?![容部外涝蒙]))?"
))
SYMBOL_CMP = {"≤": "<=", "<=": "<=", "≥": ">=", ">=": ">=", "<": "<", ">": ">", "约": "="}
POST_CMP = {"以内": "<=", "以下": "<=", "之内": "<=", "内": "<=", "以上": ">=", "左右": "="}

# Comparator words before a value, possibly with a short verb between (至少建成1处):
# (comparator, "word|word|…") in the order of data/comparator_cues.csv.
COMPARATORS = ("<=", "<", ">=", ">", "=", "decrease_by", "increase_by")


def comparator_cues() -> list[tuple[str, str]]:
    """data/comparator_cues.csv (comparator,word rows) grouped by comparator, in file order."""
    path = DATA / "comparator_cues.csv"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    grouped: dict[str, list[str]] = {}
    for row in csv.DictReader(lines):
        if row.get("comparator") not in COMPARATORS or not row.get("word"):
            raise ValueError(f"{path}: bad row {row!r}: comparator must be one of {', '.join(COMPARATORS)}")
        grouped.setdefault(row["comparator"], []).append(row["word"])
    return [(c, "|".join(ws)) for c, ws in grouped.items()]


CUES = comparator_cues()
_CUE_ALT = "|".join(sorted((w for _, ws in CUES for w in ws.split("|")), key=len, reverse=True))
CUE_WORD = {w: c for c, ws in reversed(CUES) for w in ws.split("|")}
SHARE_CUES = {"满足": "share"}  # resolved against the unit in combine_comparator
CUE_RE = re.compile(with_first_chars(rf"(?:{_CUE_ALT})(?!标)"))  # 达标率 is a name, not 达 + value
CUE_GAP = re.compile(r"[^\d，。；、,;:：（）()“”]{0,4}")

# The measured quantity a bare value may follow (覆盖率100%, 面积800m²).
METRIC_ENDS = ("率", "比例", "比重", "占比", "面积", "人数", "数量", "时间", "时长", "次数", "起数", "覆盖面", "均", "都")


def _ends_in_metric(text: str) -> bool:
    """Whether ``text`` ends with a measured quantity's word (as a ``…$`` search would, a
    final line break aside); str.endswith, where such a search tries every position."""
    return text.endswith(METRIC_ENDS) or (text[-1:] == "\n" and text[:-1].endswith(METRIC_ENDS))
BUILD_VERB = "|".join(words("build_verbs"))  # in file order: an earlier verb wins at a position
BUILD_RE = re.compile(BUILD_VERB)
MULTI_BUILD_RE = re.compile("|".join(w for w in words("build_verbs") if len(w) > 1))  # not the bare 建
LEAD_NOISE = re.compile(
    rf"^(?:[\d]+[.．、]|[（(][\d一二三四五六七八九十]+[）)]|[①-⑳]|——|[、，,和及与并且]|其中|"
    rf"到20\d\d年(?:底|末)?|20\d\d年(?:底|末)?前?|力争|确保|实现|推动|努力|争取|使|将|要|全面|基本|进一步|"
    rf"规划|计划|逐步|同时|累计|{BUILD_VERB}|[和及与、])+")
TRAIL_NOISE = re.compile(rf"(?:{BUILD_VERB}|(?:到|至)?(?<![\d〇零一二三四五六七八九])(?:20\d\d|19\d\d)年(?:底|末)?前?|(?<!年)均|都|要|应|须|必须|需|稳定|分别|再|能够|总体|全部|基本|力争|确保|进一步|逐步|实现|具备|"
                         r"达到|保障|满足|为|的|[和及与、，])+$")
# Scope words: a number after them counts what a goal covers, not what it achieves.
SCOPE_BEFORE = re.compile(r"(?:在|对|全市|全区|全县|全省|全镇|各|所有|覆盖|涉及|全部|其中|共有|现有|共)$")
SCOPE_AFTER = re.compile(r"^[^，。；]{0,16}?(?:全部|均|都|全面|每个)")
# Not values: ordinals, dates, codes, counts in structures (两类, 三级, 五大), formulas.
BAD_BEFORE = re.compile(r"(?:第|[A-Za-z/+×*#.\-—~]\s?|\d)$")  # GB 12345 (a code), 第3, a/b
BAD_AFTER = re.compile(r"^(?:[A-Za-z/+×*#\-—–∶]|年(?!均)|月|日|号|届|大(?!于)|种|方面|项(?:重点|工作|任务|措施|制度)|"
                       r"个(?:一|体系|方面|环节|清单)|道|期|批次|版|型|点[零〇一二三四五六七八九\d])")
DURATION_NAMES_RATE = re.compile(r"^[^，。；、\d]{0,12}?(?:率|比例|比重)")
SHARED_POST = re.compile(rf"^[、和及][^，。；、\d]{{0,6}}?{NUMBER}\s*{UNIT}(以内|以下|之内|内(?![容部外涝蒙])|以上)")
RATE_UNITS = ("%", "‰", "个百分点")
CN_NUMERAL_ONLY = re.compile(r"^[零〇一二两三四五六七八九十百千万亿]+$")

SENTENCE_RE = re.compile(r"[^。！？；;!?\n]+[。！？；;!?]*")
CLAUSE_RE = re.compile(r"[^，,：:。！？；;!?\t]+")

YEAR_IN = re.compile(r"(?:到|至)?(20\d\d)年(?:底|末)?")
_Y = r"(20\d\d|19\d\d|[二一][〇零○一二三四五六七八九]{3})"  # a year, Arabic or Chinese digits
GOAL_YEAR = re.compile(rf"(?:到|展望|至)\s*{_Y}\s*年(?:底|末)?|{_Y}\s*年(?:底|末)?前|^[\s“”\"]*{_Y}\s*年(?:底|末)?[，,]"
                       rf"|{_Y}\s*年(?:底|末)?(?=要|将|力争|达到|控制)")
PERIOD_FRAME = re.compile(r"[“\"]?(十[一二三四五六七八九]五|[九十]五)[”\"]?(?:期间|时期|末|期末|规划期)")
TABLE_NAME_COL = re.compile(r"指标|名称|项目|内容")
TABLE_VALUE_COL = re.compile(r"值|目标|20\d\d|数值|指标值|标准")
TABLE_ATTR_COL = re.compile(r"属性|性质|类型")
CHANGE_NAME = re.compile(r"(?:下降|降低|减少)(?:率|幅度)$|降幅$|(?:增长|提高)幅度$|增幅$")  # a change, not a level
TABLE_UNIT_COL = re.compile(r"(?:计量)?单位")
TABLE_GOAL_COL = re.compile(r"目标|预期|规划值|末")  # 2025年目标值, 预期值, 规划期末
TABLE_BASE_COL = re.compile(r"现状|基期|基数|基准|基础值|实际|完成|现值")  # where things stand
# A unit closing an indicator name: 消防车辆（辆）, 消火栓建成率(%), 储备保障人数（万人）.
NAME_UNIT_RE = re.compile(rf"[（(]\s*((?:万)?{UNIT}|%|‰)\s*[）)]$")
ATTRIBUTE = re.compile(r"约束性|预期性")
LONG_RANGE = vocabulary("long_range_cues")
SCOPE_THRESHOLD = re.compile(vocabulary("scope_after").pattern)
COUNT_VERB = vocabulary_test("count_verbs")  # a yes/no test
# (yes/no tests only: the fast form of each vocabulary, context.vocabulary_test)
CONDITION_CUES, DEFINITION_CUES, RULE_CUES, RESULT_CUES, SCORING_CUES = (vocabulary_test(name) for name in (
    "condition_cues", "definition_cues", "rule_cues", "result_cues", "scoring_cues"))
# 年产值超N亿元、具备…的企业M家: the first number qualifies the thing the second counts.
QUALIFIES_LATER = re.compile(r"(?:以上|以下)?(?:、[^，。；\d]{0,20})?的[^，。；、\d]{1,15}\d")
BANDWIDTH_AFTER = re.compile(r"(?:到|进|至|升级|以上|以内|的?带宽|出口|[，。；、,;）)]|$)")
ENUMERATED = re.compile(r"、[^、，,]{1,8}$|等\s*$")  # 甲、乙、丙4个县 / 冶金等8个行业: counts a list
NAMES_RATE = re.compile(r"^[^，。；、\d]{0,6}?(?:死亡率|发生率|率)")  # 10万人死亡率: the number names the rate


# --- document context: doc.sections and the shared evidence ----------------------------
@dataclass
class Context:
    """What a position in the text sits under (from ``doc.sections`` via extractors.context):
    its section role, its year, its category; and the document's prior evidence."""

    doc: Document
    plan_start: int | None
    plan_end: int | None
    prior: Evidence
    horizon: int | None = None  # a goal section's year when no plan period is known
    this_year: int | None = None  # the document's own year, for 今年
    # The section index, looked up once (every value asks its role, category and year), and
    # the shared evidence per (role, tense): a document has a handful of each.
    index: SectionIndex | None = None
    evidence_of: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.index is None:
            self.index = section_index(self.doc)

    def role(self, pos: int) -> tuple[str, float]:
        """context.section_role, from the index held here."""
        return self.index.role(pos)

    def is_history(self, pos: int) -> bool:
        return self.role(pos)[0] in ("history", "baseline")

    heading_years: dict = field(default_factory=dict)  # deepest section id → heading_year

    def heading_year(self, pos: int) -> int | None:
        """The first year stated in the titles of the sections holding ``pos``, deepest first
        (the same for every position of the deepest section: worked out once per section)."""
        s = self.index.at(pos)
        key = s.id if s is not None else None
        if key not in self.heading_years:
            self.heading_years[key] = next((int(m.group(1)) for t in section_titles(self.doc, pos)
                                            if (m := YEAR_IN.search(t))), None)
        return self.heading_years[key]

    def category(self, pos: int) -> str | None:
        """The title of the deepest section holding ``pos``."""
        s = self.index.at(pos)
        return s.title if s is not None else None

    def evidence(self, pos: int, sentence: str | None = None, tense: str | None = None) -> Evidence:
        """The document's prior plus the section role at ``pos`` and the sentence tense
        (a new Evidence: callers add to it)."""
        where = self.role(pos)
        if tense is None and sentence is not None:
            tense = sentence_tense(sentence, self.plan_start)
        ev = self.evidence_of.get((where, tense))
        if ev is None:
            ev = self.evidence_of[where, tense] = self.prior.copy()
            role, sure = where
            ev.add(round(ROLE_WEIGHT[role] * sure, 2), f"section {role}")
            if tense:
                ev.add(TENSE_WEIGHT[tense], f"sentence {tense}")
        return ev.copy()


def goal_horizon(doc: Document) -> int | None:
    """Without a plan period, the first 到20XX年 stated in a goal section is the document's
    horizon (an action plan's 到2027年，… frames its task list)."""
    for m in HORIZON.finditer(doc.text):
        if section_role(doc, m.start())[0] == "goal":
            return cn_year(m.group(1))
    return None


HORIZON = re.compile(r"(?:到|展望)\s*(20\d\d)\s*年")


def build_context(doc: Document) -> Context:
    start, end = plan_period(doc)
    horizon = goal_horizon(doc) if end is None else None
    # A number that passed the target grammar (a comparator, a measured quantity, a count of
    # things to build) is itself evidence that it is a goal: the prior starts above even.
    return Context(doc, start, end, document_prior(doc, base=GRAMMAR_PRIOR), horizon, document_year(doc)[0])


# --- records -----------------------------------------------------------------------
@dataclass(slots=True)
class Value:
    value: float
    value_max: float | None
    raw: str
    unit: str
    comparator: str | None
    start: int
    end: int


def _value_parts(m: re.Match, groups: tuple | None = None) -> tuple[float, float | None, str, str | None] | None:
    """(value, value_max, unit, comparator) of a VALUE_RE match (``groups``: its groups,
    when the caller has read them); None when it does not parse."""
    pre, num, unit1, _, num2, unit_w, post = groups or m.groups()
    parsed = _parse(num)
    if parsed is None:
        return None
    value, implied = parsed
    unit = normalise_unit(unit_w or unit1) or implied
    vmax = None
    if num2:
        parsed2 = _parse(num2)
        if parsed2 is None:
            return None
        vmax = parsed2[0]
    comparator = "range" if vmax is not None else SYMBOL_CMP[pre] if pre else POST_CMP[post] if post else None
    return value, vmax, unit, comparator


def _raw(m: re.Match, unit: str, vmax: float | None, groups: tuple | None = None) -> str:
    """The value as written (``unit``, ``vmax``: from :func:`_value_parts`; ``groups``: the
    match's groups, pre … post, when the caller has read them)."""
    _, num, _, _, _, unit_w, post = groups or m.groups()
    raw_end = m.end("unit") if unit_w and unit in ("%", "‰", "平方米") else m.end("num2") if vmax else m.end("num")
    if unit_w in ("%", "‰") or num.startswith(("百分之", "千分之")):
        raw_end = max(raw_end, m.end("unit") if unit_w else m.end("num"))
    start = m.start("num")
    raw = m.string[start:raw_end]
    if vmax is not None and unit_w:
        raw = m.string[start:m.end("unit")]
    if post == "以上":
        raw = m.string[start:m.end("post")]
    return raw


def _value_of(m: re.Match) -> Value | None:
    parts = _value_parts(m)
    if parts is None:
        return None
    value, vmax, unit, comparator = parts
    return Value(value, vmax, _raw(m, unit, vmax), unit, comparator, m.start(), m.end())


# A pure function of a short string, and plans repeat their numbers (1, 10%, 2025).
_parse = lru_cache(maxsize=4096)(parse_number)


@lru_cache(maxsize=4096)
def _clean_indicator(text: str) -> str:
    """The indicator name in a subject: list numbers, years, verbs and particles trimmed
    from both ends (until nothing more comes off, at most three rounds)."""
    text = text.strip()
    for _ in range(3):
        cleaned = _drop_trailing_noise(LEAD_NOISE.sub("", text))
        if cleaned == text:
            break
        text = cleaned
    return text.strip(" 　\t")


# Where TRAIL_NOISE starts, found led by its first characters: a $-anchored alternation
# repeated is tried at every position of the text, and each new document brings new subjects.
TRAIL_SCAN = class_led(TRAIL_NOISE.pattern)


def _drop_trailing_noise(text: str) -> str:
    """``TRAIL_NOISE.sub("", text)``: everything from the leftmost match on goes, but for a
    final line break (``$`` matches before it, and no noise word holds one)."""
    hit = TRAIL_SCAN.search(text)
    if hit is None:
        return text
    return text[:hit.start()] + ("\n" if text.endswith("\n") else "")


SUBJECT_SPLIT = re.compile(r"、|(?<=[率例重比])[和及与]")


def _split_subjects(subject: str) -> list[str]:
    """'A率、B率' (one value for several rates) → ['A率', 'B率']; anything else stays whole."""
    parts = [p for p in SUBJECT_SPLIT.split(subject) if p]
    if len(parts) > 1 and all(_ends_in_metric(p) and len(p) >= 3 for p in parts):
        return parts
    return [subject]


def make_record(ctx: Context, indicator: str, v: Value, year: int | None, attribute: str | None,
                category: str | None, source_kind: str, start: int, end: int, ev: Evidence,
                frequency: str | None = None, measure: str = "level", year_implied: bool = False) -> dict:
    """One target row: the value, where it stands, and the evidence that it is a goal."""
    canonical, _ = canonicalize(indicator)
    record = {
        "indicator": indicator, "canonical_indicator": canonical, "value": v.value, "value_max": v.value_max,
        "value_raw": v.raw, "unit": v.unit, "comparator": v.comparator or "=", "year": year,
        "attribute": attribute, "category": category, "source_kind": source_kind,
        "frequency": frequency, "measure": measure, "year_implied": year_implied,
        "section_role": ctx.role(start)[0], "confidence": ev.confidence, "reasons": list(ev.reasons),
    }
    record.update(provenance(ctx.doc, start, end))
    return record


# --- prose ---------------------------------------------------------------------------
BOUNDS = ("<=", "<", ">=", ">")
LEADING_ZERO = re.compile(r"0\d")
SEPARATOR_ONLY = re.compile(r"\s*[、和及与]\s*")
YEARS_OF = re.compile(r"(?:年限|年数)[^，。；\d]{0,6}$")  # 平均受教育年限提高到11.3年: a duration in years
MONEY_UNITS = ("元", "万元", "亿元")
DATE_AFTER = re.compile(r"[年月日号]")
LIST_DOT = re.compile(r"[.．、](?!\d)")
QUAKE_AFTER = re.compile(r"地震|烈度|抗震|风")
DIGIT = re.compile(r"\d")
DIGIT_OR_PERCENT = re.compile(r"\d|百分之")
ACHIEVE_BEFORE = re.compile(r"实现[^，]{0,12}$")
ACHIEVE_CUE = re.compile(r"实现|确保|达到")
HEADCOUNT = re.compile(r"人数$|人口$")
GRAMMAR_PRIOR = 0.5


def _cue(prefix: str) -> tuple[str | None, int]:
    """Comparator named just before a value, and where the cue starts in ``prefix``.

    The last cue that still reaches the value wins, except that a bound before a plain
    verb keeps its sense: 至少达到15万平方米 is ``>=``.  满足 a share (满足30%…需求) states
    the share met, not a floor."""
    best = bound = None
    for m in CUE_RE.finditer(prefix):
        if CUE_GAP.fullmatch(prefix[m.end():]):
            best = m
            if CUE_WORD[m.group(0)] in BOUNDS:
                bound = m
    if best is None:
        return None, len(prefix)
    cmp = CUE_WORD[best.group(0)]
    if cmp == "=" and bound is not None and bound is not best:
        return CUE_WORD[bound.group(0)], bound.start()
    if best.group(0) in SHARE_CUES:
        return SHARE_CUES[best.group(0)], best.start()
    return cmp, best.start()


def combine_comparator(cue: str | None, own: str | None, unit: str) -> str | None:
    """The comparator of a value from the cue word before it and the value's own marks.

    The value's marks (range, ≥, 以内, 以上) outrank a cue word, except that a change stays a
    change: 下降10%以上 is a decrease by 10%.  An increase of a count (加固提升80公里, 增加5个)
    is an amount of work to do, stated like any other count."""
    if cue == "share":  # 满足X%…需求 is the share met; 满足保障N万人 a floor
        cue = "=" if unit in RATE_UNITS else ">="
    if cue == "increase_by" and unit not in RATE_UNITS and unit not in MONEY_UNITS:
        cue = None  # (an increase of a sum of money, 人均补助再增加30元, stays an increase)
    if cue in ("decrease_by", "increase_by") and own != "range":
        return cue
    if own and own != "=":
        return own
    if own == "=" and cue in BOUNDS:
        return own  # 控制在10%左右: about 10%, not at most
    return cue or own  # "=" for 约, None when nothing says


def _shared_post(after: str) -> str | None:
    """A bound that closes a list of values also holds for the earlier ones:
    城区30分钟、农村2小时内到达 → both within."""
    m = SHARED_POST.match(after)
    return POST_CMP[m.group(1)] if m else None


FREQUENCY = re.compile(r"每(\d*|[一二两三四五]?)(年|半年|季度|季|月|周)")


def _frequency(prefix: str) -> str | None:
    m = FREQUENCY.search(prefix)
    if not m:
        return None
    return f"次/{m.group(1) or ''}{m.group(2)}"


OBJECT = re.compile(r"[^，。；、,;：:\d（(的]{0,20}")


def _object_after(text: str) -> str:
    """The noun phrase a count or duration applies to: up to 的, punctuation or a number."""
    m = OBJECT.match(text)
    return m.group(0) if m else ""


def prose_targets(doc: Document, ctx: Context, clause: str, offset: int, sent_year,
                  sentence: str, ev=None) -> list[dict]:
    """Targets stated in one clause of prose (``offset``: where the clause starts in text).

    ``sent_year`` and ``ev`` (the sentence's year and evidence) may be given as callables:
    most clauses hold no target, so they are worked out only for a clause that does."""
    pending: list[list] = []  # indicator, value, year, quote start, quote end, shares subject
    last_end = 0
    inherited: str | None = None
    prev_subject = ""
    clause_at = sentence.find(clause)
    # Worked out only for a value that passes the cheap tests below (most clauses have none).
    clause_has_build = colon_name = None
    for m in VALUE_RE.finditer(clause):
        groups = m.groups()
        _, num, unit1, _, _, unit_w, post = groups  # pre, num, unit1, sep, num2, unit, post
        if not unit_w and not unit1 and num != "零" and CN_NUMERAL_ONLY.match(num):
            continue  # 一, 进一步, 十四五: a Chinese numeral without a unit is never a value (see below)
        at, m_end = m.span()
        if BAD_BEFORE.search(clause, max(0, at - 2), at) or LEADING_ZERO.match(num):
            continue  # 0NNN-NNNNNNNN: a telephone number or code, not a quantity
        weak = False
        before, after = clause[:at], clause[m_end:]
        in_years = after.startswith("年") and bool(YEARS_OF.search(before))  # 受教育年限提高到11.3年
        if BAD_AFTER.match(after) and not in_years:
            continue
        if not unit_w and after[:1].isdigit():
            continue
        if not in_years and not unit_w and (DATE_AFTER.match(clause, m.end("num")) or LIST_DOT.match(after)
                                             or (len(num) == 4 and num.isdigit() and 1900 <= int(num) <= 2100)):
            continue  # a date, a list number, or a year (the year test below, before parsing)
        # Parsed only now: most matches fail the cheap tests above (and the Value is built
        # only for one that passes them all).
        parts = _value_parts(m, groups)
        if parts is None:
            continue
        value, vmax, unit0, own_cmp = parts
        v_unit = unit0
        if in_years:
            v_unit, after = "年", after[1:]
        if not unit_w and not in_years and 1900 <= value <= 2100:
            continue  # a year
        if v_unit not in RATE_UNITS and NAMES_RATE.match(after):
            continue  # 10万人死亡率, 百万吨死亡率: part of the indicator's name
        if unit_w == "级" and not QUAKE_AFTER.match(after):
            continue  # 三级体系, 二级实验室: a rank, not a quantity
        prefix = clause[last_end:at]
        cue, cue_at = _cue(prefix)
        zero_goal = num == "零" and cue and not after.strip()  # 死亡人数力争为零
        data_unit = v_unit in DATA_UNITS  # 千兆到乡镇, 万兆到县: a bandwidth, whatever its numeral
        if data_unit and not BANDWIDTH_AFTER.match(after):
            continue  # 千兆光纤网络: a grade naming a network, not a capacity to reach
        cn_only = bool(CN_NUMERAL_ONLY.match(num))
        if cn_only and not zero_goal and not data_unit and not (
                unit_w and (cue or (unit_w == "次" and _frequency(before)))):
            continue  # 一支, 一批, 四个方阵: Chinese numerals count only after a comparator
        if cn_only and unit_w == "次" and not _frequency(before):
            continue  # 满足一次…处置, 减少二次开发: "once", "secondary", not a count
        if cn_only and unit_w == "类":
            continue  # 两类, 三类: a structure, not a count
        comparator = combine_comparator(cue, own_cmp, v_unit)
        subject = prefix[:cue_at] if cue else prefix
        if not (comparator or inherited or data_unit or v_unit in NEEDS_NO_CUE or _ends_in_metric(subject.strip())):
            if clause_has_build is None:
                clause_has_build = bool(BUILD_RE.search(sentence, 0, clause_at + len(clause)))
            if not clause_has_build and not COUNT_VERB.search(before):
                continue  # no test of the goal grammar below can pass: drop it before the subject is read
        freq = _frequency(before) if v_unit == "次" else None
        obj = _object_after(after[1:] if after.startswith("的") else after)
        unit = v_unit
        # A bare number of people: "保障4万集中转移安置人口" → 人.
        if not unit and obj and PEOPLE_NOUN.match(obj) and not post:
            unit = "人"
        elif not unit and HEADCOUNT.search(_clean_indicator(subject[:cue_at] if cue else subject)):
            unit = "人"  # 死亡失踪人数力争为零, 人口控制在13亿以内: a head count
        is_rate_unit = unit in ("%", "‰", "")
        counted = not is_rate_unit
        # Decide whether this value states a goal.
        subj_clean = _clean_indicator(BASELINE_PHRASE.sub("", subject))
        if not subj_clean and not prev_subject:
            if colon_name is None:
                colon_name = _colon_name(sentence[:clause_at]) if clause_at > 0 and sentence[clause_at - 1] in "：:" else ""
            subj_clean = subj_clean or colon_name  # 名称：比基期下降X%
        if unit in TIME_UNITS and DIGIT_OR_PERCENT.search(after) and (
                post in ("内", "之内") or DURATION_NAMES_RATE.match(after)):
            continue  # "12小时之内…救助率达100%", "24小时扑灭率达到95%": the duration names the indicator
        if freq:
            ok = True
        elif comparator:
            ok = True
        elif _ends_in_metric(subject.strip()) and (unit or "." in num or num.isdigit()):
            ok = True
        elif counted and unit in TIME_UNITS and (post or ACHIEVE_BEFORE.search(prefix)) \
                and not DIGIT.search(after):
            ok, comparator = True, "<="  # 12小时内得到救助, 实现2小时紧急医学救援
        elif inherited and SEPARATOR_ONLY.fullmatch(prefix):
            ok = True  # 分别降低X%、Y% / 再增加N元和M元: the next value of the same statement
        elif unit == "级":
            ok = True  # 具备抵御6级地震能力
        elif data_unit:
            ok = True  # 出口扩容至NG, N兆到村: a capacity to reach
        elif unit in ("%", "‰") and after.startswith("的"):
            ok = True  # 全市X%的市场主体纳入平台: a share to reach
        elif counted and (clause_has_build if clause_has_build is not None else bool(
                BUILD_RE.search(sentence, 0, clause_at + len(clause)))) and not SCOPE_BEFORE.search(prefix.strip()) \
                and not (obj and SCOPE_AFTER.match(after)):
            # 建成…示范社区5个 / 建成1处平台 / 等10座水库: a count of things to build.
            ok = unit not in ("个", "项", "类") or not prefix.rstrip().endswith("等")
            # the thing built follows the last building verb (在5处林场安装探头 → 探头)
            verbs = list(MULTI_BUILD_RE.finditer(subject))
            if verbs and verbs[-1].end() < len(subject):
                subj_clean = _clean_indicator(subject[verbs[-1].end():])
        elif unit in ("%", "‰") and ACHIEVE_CUE.search(clause, 0, at):
            ok = True
        else:
            ok = False
        if not ok and counted and num[:1].isdigit() and unit not in TIME_UNITS and obj \
                and COUNT_VERB.search(before) and not ENUMERATED.search(prefix) \
                and not SCOPE_BEFORE.search(prefix.strip()) and not SCOPE_AFTER.match(after):
            ok, weak = True, True  # 联通N个部门的数据, 涵盖N类模块: a count with its classifier
        else:
            weak = False
        if not ok:
            continue
        if comparator is None:
            comparator = _shared_post(after) or inherited or "="
        inherited = comparator
        v = Value(value, vmax, _raw(m, unit0, vmax, groups) or num, unit, comparator, at, m_end)
        rate_freq = _rate_frequency(prefix, comparator, unit)
        if callable(sent_year):
            sent_year = sent_year()
        year = None if (freq or rate_freq) else sent_year
        info = {"frequency": "annual" if rate_freq else _frequency_name(freq), "measure": _measure(prefix),
                "weak": weak, "year_implied": False}
        if year is None and not (freq or rate_freq) and ctx.plan_end is None:
            year = _year_after_baseline(clause)
            info["year_implied"] = year is not None
        if freq:
            v.unit = freq
            if comparator == "=" and re.search(r"至少|不少于", before):
                v.comparator = ">="
        # Indicator: the subject, or subject + object when the value precedes its noun.
        shared = not subj_clean and prev_subject and (not prefix.strip() or bool(SEPARATOR_ONLY.fullmatch(prefix)))
        if shared:
            subj_clean = prev_subject  # 保障2000人1个月: the second value shares the subject
        prev_subject = subj_clean
        subjects = _split_subjects(subj_clean) if subj_clean else [""]
        obj_clean = _clean_indicator(obj) if obj and not _ends_in_metric(subj_clean or "x") else ""
        q_start = offset + last_end + (len(prefix) - len(prefix.lstrip("、，,和及与 ")))
        q_end = offset + m_end + (len(obj) if obj_clean else 0)
        for subj in subjects:
            indicator = (subj + obj_clean) if obj_clean else subj
            if freq:
                indicator = _clean_indicator(re.sub(r"每(\d*|[一二两三四五]?)(年|半年|季度|季|月|周)|至少|不少于|对所有",
                                                    "", subject)) + obj_clean
            if len(indicator) < 2:
                indicator = _clean_indicator(sentence[: max(0, at)])[-20:] or indicator
                if not v.unit and not freq and HEADCOUNT.search(indicator):
                    v.unit = "人"  # 人口2000年控制在13亿以内，2010年要控制在14亿以内
            pending.append([indicator, v, year, q_start, q_end, shared, info])
        last_end = m_end
    if not pending:
        return []
    # Values sharing one subject share one quote: the clause that states them all.
    for i in range(1, len(pending)):
        if pending[i][5]:
            pending[i][3] = pending[i - 1][3]
            for j in range(i - 1, -1, -1):
                pending[j][4] = max(pending[j][4], pending[i][4])
                if not pending[j][5]:
                    break
    ev = (ev() if callable(ev) else ev) or ctx.evidence(offset, sentence)
    attribute, category = _attribute(clause), ctx.category(offset)
    cues = _text_cues(sentence, clause)
    return [make_record(ctx, ind, v, year, attribute, category, "prose", a, b,
                        _clause_evidence(ev, clause, v, info, cues), frequency=info["frequency"], measure=info["measure"],
                        year_implied=info["year_implied"] or (year is not None and not _states_year(sentence)))
            for ind, v, year, a, b, _, info in pending]


# Units that can state a goal without a cue word (次 a frequency, durations, 级, rates).
NEEDS_NO_CUE = {"次", "级", "%", "‰", *TIME_UNITS}


BASELINE_PHRASE = re.compile(r"(?:比|较|相比|与)\s*(?:20\d\d|19\d\d)\s*年(?:底|末)?(?:相比|基础上)?")
COLON_NAME = re.compile(r"([^，。；,;：:（）()]{2,30})\s*[：:]\s*$")


def _colon_name(before: str) -> str:
    """The indicator named before a colon that opens a statement (名称：比基期年下降X%)."""
    m = COLON_NAME.search(before)
    return _clean_indicator(m.group(1)) if m else ""


EACH_YEAR = re.compile(r"每年(?:[^，。；\d]{0,6})$")
BASELINE_YEAR = re.compile(r"(?:比|较)\s*(20\d\d|19\d\d)\s*年")
NEW_OR_TOTAL = re.compile(r"(新增|累计|新建|新培育|新引进)")
MEASURE = {"新增": "increment", "新建": "increment", "新培育": "increment", "新引进": "increment",
           "累计": "cumulative"}


def _rate_frequency(prefix: str, comparator: str | None, unit: str) -> bool:
    """每年下降5%: a rate of change that holds every year (frequency annual, no year)."""
    if unit not in RATE_UNITS or comparator not in ("decrease_by", "increase_by"):
        return False
    cue_at = max(prefix.rfind(w) for w in ("下降", "降低", "减少", "提高", "增长", "提升", "增加"))
    return cue_at > 0 and bool(EACH_YEAR.search(prefix[:cue_at]))


def _frequency_name(freq: str | None) -> str | None:
    """次/年 → annual, 次/半年 → semiannual …; other frequencies as written."""
    if not freq:
        return None
    return {"次/年": "annual", "次/半年": "semiannual", "次/季度": "quarterly", "次/季": "quarterly",
            "次/月": "monthly", "次/周": "weekly"}.get(freq, freq)


def _measure(prefix: str) -> str:
    """level, or increment (新增X) / cumulative (累计Y) when the clause says which."""
    found = NEW_OR_TOTAL.findall(prefix)
    return MEASURE[found[-1]] if found else "level"


def _year_after_baseline(clause: str) -> int | None:
    """比20X0年下降X% in a plan whose period is unknown: goals are set against the end year
    of the previous five-year plan, so the horizon is five years on."""
    m = BASELINE_YEAR.search(clause)
    if m and int(m.group(1)) % 5 == 0:
        return int(m.group(1)) + 5
    return None


def _states_year(sentence: str) -> bool:
    return bool(goal_years(sentence))


def _clause_evidence(ev: Evidence, clause: str, v: "Value", info: dict | None,
                     cues: tuple[bool, bool, bool, bool]) -> Evidence:
    """The sentence's evidence plus what the clause itself says: a comparator cue, a bare
    count, or cues that the number is a condition, a scope threshold, a process or statistics
    count or an assessment rule (``cues``: :func:`_text_cues` of the sentence and clause)."""
    ev = ev.copy()
    if v.comparator not in (None, "="):
        ev.add(0.5, "comparator")
    if info and info.get("weak"):
        ev.add(0.0, "bare count after an action verb")
    before, after = clause[:v.start], clause[v.end:]
    if CONDITION_CUES.search(before):
        ev.add(-5.0, "condition")
    if SCOPE_THRESHOLD.match(after):
        ev.add(-5.0, "scope threshold")
    definition, rule, result, scoring = cues
    if definition:
        ev.add(-5.0, "definition or grading rule")
    if rule:
        ev.add(-3.0, "procedural rule")
    if QUALIFIES_LATER.match(after):
        ev.add(-5.0, "qualifies a later count")
    if result:
        ev.add(-3.0, "result cue")
    if scoring:
        ev.add(-3.0, "scoring cue")
    return ev


def _text_cues(sentence: str, clause: str) -> tuple[bool, bool, bool, bool]:
    """Whether a value's sentence states a definition or a procedural rule, and whether its
    clause holds a result or a scoring cue."""
    return (bool(DEFINITION_CUES.search(sentence)), bool(RULE_CUES.search(sentence)),
            bool(RESULT_CUES.search(clause)), bool(SCORING_CUES.search(clause)))


def _attribute(text: str) -> str | None:
    m = ATTRIBUTE.search(text)
    return m.group(0) if m else None


OPENING_NUMBER = re.compile(r"\s*(\d{1,2})[.．](?=\S)")


def _list_number(line: str, at: int, opening: re.Match) -> int:
    """Length of the item number ``opening`` (OPENING_NUMBER's match) of the sentence at
    ``at`` in ``line`` ("3.12小时之内…" is item 3 when the line also holds item 2 or 4), else 0."""
    if line.count(".") + line.count("．") < 2:
        return 0  # the opening's own dot is the line's only one: no other item number (most lines)
    k, after = int(opening.group(1)), at + opening.end()
    if any(line.find(f"{k - 1}{dot}", 0, at) >= 0 or line.find(f"{k + 1}{dot}", after) >= 0 for dot in ".．"):
        return opening.end()
    return 0


def sentence_year(ctx: Context, line: str, sent_start: int, clause_start: int, pos: int,
                  lead_year: int | None = None, clause_end: int | None = None) -> int | None:
    """The stated year a goal is for: the last 到20XX年 before it in its sentence, else the
    last one in its paragraph, else a year in its headings, else the plan's end.

    An earlier sentence's milestone before the plan's end (…。到2023年底，…全部达标。) is that
    sentence's own; only the plan's end, a later horizon (到2035年，…) or the year the
    paragraph opens on frames the paragraph's later sentences."""
    if LONG_RANGE.match(line, sent_start) or LONG_RANGE.match(line[sent_start:sent_start + 12].lstrip(" 　\t")):
        return None  # 长远目标：… has no year
    at = line_years(line)
    own = [y for p, y in at if sent_start <= p <= clause_start]
    if not own and clause_end is not None:  # 全市人口2025年控制在…: a goal year inside the clause
        own = [y for p, y in clause_goal_years(line) if clause_start < p < clause_end]
    lead = LEADING_YEAR.match(line, sent_start)
    if lead and lead.start() <= clause_start and not own:
        own = [cn_year(lead.group(1))]
    if not own and (opens := CLAUSE_YEAR.match(line, clause_start)):
        own = [cn_year(opens.group(1))]  # …投入，2021年建设1亿亩…: the clause opens on its year
    if own:
        return own[-1]
    if THIS_YEAR.search(line, 0, clause_start + 3) and ctx.this_year:
        return ctx.this_year  # 今年…目标是：… in a work report of its year
    framing = [y for p, y in at if p < sent_start and (not ctx.plan_end or y >= ctx.plan_end)]
    if framing:
        return framing[-1]
    # A paragraph that opens on its year (到2027年，…。A达到X；B达到Y。) frames its later
    # sentences, a milestone before the plan's end included, until another year is named.
    opening = lead_in_year(line) if at and at[0][0] < sent_start and len(
        ANY_YEAR.findall(line, 0, sent_start)) == 1 else None
    return opening or lead_year or ctx.heading_year(pos) or ctx.plan_end or ctx.horizon


THIS_YEAR = re.compile(r"今年|本年度|年内")
ANY_YEAR = re.compile(rf"{_Y}\s*年")  # any year named, Arabic or Chinese digits
LEADING_YEAR = re.compile(rf"[\s“”\"]*{_Y}\s*年(?:底|末)?[，,]")
# A clause that opens on a year and goes straight on to its verb (2021年建设…, 2023年实现…); not
# 2020年以来, 2020年的, 2020年度, 2021年初 ….
CLAUSE_YEAR = re.compile(rf"[\s“”\"]*{_Y}\s*年(?:底|末|内)?(?![以前的度初起期后上中下来])(?=[\u4e00-\u9fff])")


# GOAL_YEAR's and PERIOD_FRAME's scans: their matches (but a ^ one) start with these.
GOAL_YEAR_SCAN = ClassLed(GOAL_YEAR, "到展至21二一")
PERIOD_FRAME_SCAN = ClassLed(PERIOD_FRAME, "“\"十九")


@lru_cache(maxsize=256)
def clause_goal_years(line: str) -> tuple[tuple[int, int], ...]:
    """(position, year) of the goal years a line states by GOAL_YEAR (到2025年, 2025年前,
    2025年要…), not its period frames: inside a clause those follow 比/较 and are baselines
    (较“十二五”末下降…)."""
    return tuple((at, y) for at, groups in GOAL_YEAR_SCAN.finditer(line)  # GOAL_YEAR.finditer: 4× faster
                 if (y := cn_year(next(g for g in groups if g))))


@lru_cache(maxsize=256)
def line_years(line: str) -> tuple[tuple[int, int], ...]:
    """(position, year) of every goal year in a line, in order (see goal_years)."""
    found = list(clause_goal_years(line))
    for at, groups in PERIOD_FRAME_SCAN.finditer(line):
        years = numbering.plan_period(groups[0])
        if years:
            found.append((at, years[1]))
    return tuple(sorted(found))


LIST_ITEM = re.compile(r"^\s*(?:——|—|-|•|·|\d{1,2}[.．、](?!\d)|[（(][一二三四五六七八九十\d]{1,3}[）)]|[①-⑳])")
LEAD_IN = re.compile(r"^[^。；;]{0,8}?(?:到|至|展望)|[：:]\s*$")


FIRST_CLAUSE_END = re.compile(r"[，,。]")


def lead_in_year(line: str) -> int | None:
    """The year a lead-in line states for the list below it: 到2025年，…： / …目标（2025年）："""
    if not LEAD_IN.search(line):
        return None
    head = line if line.rstrip().endswith(("：", ":")) else FIRST_CLAUSE_END.split(line, 1)[0]
    years = goal_years(head) or (goal_years(line) if line.rstrip().endswith(("：", ":")) else [])
    return years[-1] if years else None


def goal_years(text: str) -> list[int]:
    """Years a text frames goals for, in order: 到2025年, 2025年底前, a leading 2020年，,
    二〇二五年, and a five-year period named as a frame (“十二五”期间 → 2015)."""
    return [y for _, y in line_years(text)]


def _once(make):
    """A callable that computes ``make()`` on first use and then returns the same value."""
    box: list = []

    def get():
        if not box:
            box.append(make())
        return box[0]
    return get




def _tense(sentence: str, past_paragraph: bool, plan_start: int | None, lead: bool = False) -> str:
    """forward | back | mixed | neutral; every sentence of a “十三五”期间，… paragraph looks back,
    and a neutral item after a forward lead-in in its line (目标是：A；B) looks forward."""
    tense = sentence_tense(sentence, plan_start)
    if lead and tense == "neutral":
        tense = "forward"
    if past_paragraph and tense in ("neutral", "forward"):
        tense = "mixed" if tense == "forward" else "back"
    return tense


def _span_test(spans: list[tuple[int, int]]):
    """``pos -> bool``: whether ``pos`` lies in any of ``spans`` (bisect over their starts;
    a span is tested only if it starts at or before ``pos``, and their ends are maximised
    along the way so one lookup answers)."""
    spans = sorted(spans)
    starts = [a for a, _ in spans]
    reach, far = [], -1
    for _, b in spans:
        far = max(far, b)
        reach.append(far)

    def covers(pos: int) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and reach[i] > pos
    return covers


def _line_starts(lines: list[str]) -> list[int]:
    """Where each of ``text.split("\n")`` starts in text (and one past the end), summed in C."""
    return list(accumulate(map((1).__add__, map(len, lines)), initial=0))


def prose_lines(doc: Document, ctx: Context, skip: list[tuple[int, int]]) -> list[dict]:
    """Targets of every prose line; history sections and past-tense sentences are kept as
    evidence (low confidence), not skipped."""
    out: list[dict] = []
    in_spans = _span_test(skip)
    lines = doc.text.split("\n")
    # Per-line tests mapped over every line at once (the loop below visits only the lines
    # that hold a number): where each starts, whether it is blank, a list item, has a number.
    starts = _line_starts(lines)
    leads = [i for i, (text, item) in enumerate(zip(lines, map(LIST_ITEM.match, lines))) if not item and text.strip()]
    # A lead-in line (the last non-blank line that is not a list item) states a year once for
    # the items below it, and a forward lead-in makes its neutral items look forward.
    lead_years: dict[int, int | None] = {}
    lead_forwards: dict[int, bool] = {}
    lead_at = -1  # index of the current lead-in line, -1 before the first

    def lead_year() -> int | None:  # worked out only when an item line yields a target
        if lead_at not in lead_years:
            lead_years[lead_at] = lead_in_year(lines[lead_at]) if lead_at >= 0 else None
        return lead_years[lead_at]

    def lead_forward() -> bool:
        if lead_at not in lead_forwards:
            lead_forwards[lead_at] = lead_at >= 0 and bool(lines[lead_at]) and looks_forward(
                lines[lead_at], ctx.plan_start) and not ctx.is_history(starts[lead_at])
        return lead_forwards[lead_at]

    # The lines that hold a number, from one scan of the text (a hit reads on to its line's
    # end, so each line is found once).
    hits = [bisect.bisect_right(starts, m.start()) - 1 for m in LINE_NUMBER_TO_END.finditer(doc.text)]
    for i in hits:
        line_start = starts[i]
        if in_spans(line_start):
            continue
        line = lines[i]
        k = bisect.bisect_right(leads, i) - 1
        lead_at = leads[k] if k >= 0 else -1
        item = lead_at != i
        past_paragraph = _once(lambda para=line: opens_in_past(para, ctx.plan_start))
        colon_lead = item and lead_forward()  # …主要目标… then ——A ——B / …预期目标是：A；B；C
        for sm in SENTENCE_RE.finditer(line):
            sentence = sm.group(0)
            number = CLAUSE_HAS_NUMBER.search(sentence)
            if not number:
                continue  # (blanking its list number cannot add one)
            s_at = sm.start()
            if opening := OPENING_NUMBER.match(sentence):
                skip_n = _list_number(line, s_at, opening)
                if skip_n:
                    sentence = " " * skip_n + sentence[skip_n:]
                    number = CLAUSE_HAS_NUMBER.search(sentence)
                    if not number:
                        continue
            lead = colon_lead  # (this sentence's own colon leads the next ones)
            if not colon_lead and ("：" in sentence or ":" in sentence) and looks_forward(sentence.split("：")[0], ctx.plan_start):
                colon_lead = True
            if not _implies_value(number.group()) and not CLAUSE_HAS_VALUE_SCAN.search(sentence):
                continue  # no clause of it can state a value
            tense_of = (lambda s=sentence, lead=lead, past=past_paragraph: _tense(s, past(), ctx.plan_start, lead))
            ev = _once(lambda t=tense_of, at=line_start + s_at: ctx.evidence(at, tense=t()))
            for cm in CLAUSE_RE.finditer(sentence):
                clause = cm.group(0)
                value_at = CLAUSE_MAY_STATE_SCAN.search(clause)
                if not value_at or not _implies_number(value_at.group(1)) and not CLAUSE_HAS_NUMBER.search(clause):
                    continue
                c_at = s_at + cm.start()
                year = _once(lambda a=s_at, c=c_at, p=line_start + c_at, e=s_at + cm.end(): sentence_year(
                    ctx, line, a, c, p, lead_year() if item else None, e))  # (prose and doubling targets both ask)
                out += prose_targets(doc, ctx, clause, line_start + c_at, year, sentence, ev)
                if "番" in clause:
                    out += doubling_targets(ctx, clause, line_start + c_at, year, sentence, ev)
    return out


DOUBLING = re.compile(r"翻(?P<n>[一两二三四])番(?P<post>以上|多)?")
DURATION_END = re.compile(r"[一二两三四五六七八九十\d]+年(?:内|时间)?$")  # 五年翻一番: how long, not what


def doubling_targets(ctx: Context, clause: str, offset: int, sent_year, sentence: str, ev) -> list[dict]:
    """比1980年翻两番 ("doubled twice"): a goal of 2ⁿ times the base year's level, unit 倍
    (翻一番以上: at least, 翻一番多: more).  (``sent_year`` and ``ev`` as for prose_targets.)"""
    out = []
    for m in DOUBLING.finditer(clause):
        subject = clause[:m.start()]
        name = _clean_indicator(DURATION_END.sub("", _clean_indicator(BASELINE_PHRASE.sub("", subject))))
        if len(name) < 2:
            continue
        times = 2 ** parse_number(m.group("n"))[0]
        comparator = {"以上": ">=", "多": ">"}.get(m.group("post") or "", "=")
        v = Value(float(times), None, m.group(0), "倍", comparator, m.start(), m.end())
        year = sent_year() if callable(sent_year) else sent_year
        e = (ev() if callable(ev) else ev) or ctx.evidence(offset, sentence)
        start = offset + len(subject) - len(subject.lstrip("、，,和及与 "))
        out.append(make_record(ctx, name, v, year, _attribute(clause), ctx.category(offset), "prose", start,
                               offset + m.end(), _clause_evidence(e, clause, v, None, _text_cues(sentence, clause)),
                               year_implied=year is not None and not _states_year(sentence)))
    return out


# Does a line / clause hold a number: \d | 百分之 | 一…十 + classifier (clause: 一…十) | [百千万]兆 | 为零.
# Written as one character class, then a look back at that character to pick the
# alternative: a pattern that starts with a class lets the regex engine skip ahead, an
# alternation does not (three times faster; these run on every line and clause).
LINE_HAS_NUMBER = re.compile(r"[\d一二两三四五六七八九十百千万](?:(?<=\d)|(?<=[一二两三四五六七八九十])[个处支座次名人台番]"
                             r"|(?<=百)分之|(?<=[百千万])兆)")
LINE_NUMBER_TO_END = re.compile(LINE_HAS_NUMBER.pattern + r"[^\n]*")
CLAUSE_HAS_NUMBER = re.compile(r"[\d一二两三四五六七八九十百千万为](?:(?<=[\d一二两三四五六七八九十])|(?<=百)分之"
                               r"|(?<=[百千万])兆|(?<=为)零)")

# A clause can state a value only with a digit, 百分之/千分之, 零, or a Chinese numeral with a
# unit or classifier after it (prose_targets drops a bare 一, 两大, 十四五): the characters a
# unit can start with are looked ahead at (all of them, for the rare clause holding a number).
_UNIT_FIRST = first_chars(UNIT)
CLAUSE_HAS_VALUE = re.compile(r"\d|[百千]分之|零|[〇一二两三四五六七八九十百千万亿]"
                              + (f"(?=[{''.join(sorted(_UNIT_FIRST | {'番'}))}])" if _UNIT_FIRST else ""))  # 番: doubling_targets

# The same for a clause, also passing over Arabic numbers that prose_targets always drops:
# followed by 年 (a year; not 年一遇, 年均, nor where the clause names 年限/年数), 月, 号, or a
# list dot (1.加强…).  Each such number is dropped whatever the clause says around it.
CLAUSE_MAY_STATE = re.compile(r"\d(?!\d|年(?!一遇|均)|[月号]|[.．、](?!\d))|年限|年数|"
                              + CLAUSE_HAS_VALUE.pattern[len(r"\d|"):])
assert CLAUSE_HAS_VALUE.pattern.startswith(r"\d|")
# The two searched as context.class_led: opened by an alternation, a search tries every
# alternative at every position; led by their first characters it scans in the engine's
# fast loop (half the time on the samples' clauses).  The match's text is group 1.
CLAUSE_HAS_VALUE_SCAN, CLAUSE_MAY_STATE_SCAN = class_led(CLAUSE_HAS_VALUE.pattern), class_led(CLAUSE_MAY_STATE.pattern)

_ONE_TO_TEN = frozenset("一二三四五六七八九十")


def _implies_value(number: str) -> bool:
    """Whether a CLAUSE_HAS_NUMBER match is also a CLAUSE_HAS_VALUE one (a digit, 百分之),
    so the text need not be searched again."""
    return number[:1].isdecimal() or number == "百分之"


def _implies_number(value: str) -> bool:
    """Whether a CLAUSE_HAS_VALUE match is also a CLAUSE_HAS_NUMBER one (a digit, 百分之,
    一…十), so the text need not be searched again."""
    return value.isdecimal() or value in _ONE_TO_TEN or value == "百分之"


# --- tables ------------------------------------------------------------------------
def _table_value(cell: str) -> Value | None:
    cell = cell.strip()
    m = VALUE_RE.search(cell)
    if not m:
        return None
    v = _value_of(m)
    if v is None:
        return None
    cue, _ = _cue(cell[:m.start()])
    v.comparator = combine_comparator(cue, v.comparator, v.unit)
    return v


@dataclass
class Columns:
    name: int
    targets: list[tuple[int, int | None]]  # (column, the year it states) for each target column
    attr: int | None
    unit: int | None


def _column_year(head: str) -> int | None:
    m = re.search(r"(20\d\d)", head)
    return int(m.group(1)) if m else None


def _columns(header: list[str], plan_start: int | None) -> Columns | None:
    """Which columns hold the name, the target values, the attribute and the unit.

    A baseline column (现状, 基期, 2020年 in a 2021-2025 plan) states where things stand,
    not a goal: it is dropped.  Without a plan period the earliest of several year columns
    is the baseline."""
    name = next((i for i, h in enumerate(header) if TABLE_NAME_COL.search(h) and not TABLE_VALUE_COL.search(h)), None)
    values = [i for i, h in enumerate(header) if TABLE_VALUE_COL.search(h) and i != name
              and not TABLE_ATTR_COL.search(h) and not TABLE_UNIT_COL.fullmatch(h)]
    if name is None or not values:
        return None
    years = {i: _column_year(header[i]) for i in values}
    dated = [y for y in years.values() if y]
    cut = plan_start if plan_start else (min(dated) + 1 if len(set(dated)) > 1 else None)
    goal_named = [i for i in values if TABLE_GOAL_COL.search(header[i])]
    kept = [i for i in values if not TABLE_BASE_COL.search(header[i]) or i in goal_named]
    kept = [i for i in kept if i in goal_named or not (years[i] and cut and years[i] < cut)]
    if not kept:
        return None
    attr = next((i for i, h in enumerate(header) if TABLE_ATTR_COL.search(h)), None)
    unit = next((i for i, h in enumerate(header) if TABLE_UNIT_COL.fullmatch(h.strip())), None)
    return Columns(name, [(i, years[i]) for i in kept], attr, unit)


def _name_unit(name: str) -> tuple[str, str | None]:
    """'消防车辆（辆）' → ('消防车辆', '辆'): a unit in brackets closing an indicator name."""
    m = NAME_UNIT_RE.search(name)
    if not m:
        return name, None
    return name[:m.start()].rstrip(), m.group(1)


def _apply_unit(v: Value, written: str | None, indicator: str) -> None:
    """A unit the table states outside the value cell (name brackets, a 单位 column).

    Rates stay without a unit (a 人/亿元 死亡率 is a rate); dashes are empty cells."""
    written = (written or "").strip()
    if not written or v.unit or re.fullmatch(r"[-—–/／\s]*", written):
        return
    if "/" in written or "／" in written:
        if _ends_in_metric(indicator):
            return
    if written.startswith("万") and written[1:] in ("人", "人次"):
        v.value *= 10_000
        v.value_max = v.value_max * 10_000 if v.value_max is not None else None
        written = written[1:]
    v.unit = normalise_unit(written)


def table_rows_targets(doc: Document, ctx: Context, header: list[str], rows: list[list[tuple[str, int]]],
                       title: str | None, pos: int) -> list[dict]:
    """Targets from an indicator table: rows of (cell text, cell start in text)."""
    cols = _columns(header, ctx.plan_start)
    if cols is None:
        return []
    ev = ctx.evidence(pos).add(1.0, "indicator table")
    year_m = YEAR_IN.search(title or "")
    title_year = int(year_m.group(1)) if year_m else None
    out = []
    for row in rows:
        for value_i, col_year in cols.targets:
            if len(row) <= max(cols.name, value_i):
                continue
            (name, n_at), (cell, c_at) = row[cols.name], row[value_i]
            v = _table_value(cell)
            if v is None or not name.strip():
                continue
            indicator, bracket_unit = _name_unit(name.strip())
            unit_cell = row[cols.unit][0] if cols.unit is not None and cols.unit < len(row) else None
            _apply_unit(v, bracket_unit or unit_cell, indicator)
            change = CHANGE_NAME.search(indicator)
            if change and v.comparator in (None, "="):
                v.comparator = "decrease_by" if re.search("降|减", change.group(0)) else "increase_by"  # 下降率 | 15
            if not v.unit:
                m = re.search(r"(人次|人数|万元|亿元)$", indicator)
                v.unit = "人次" if m and m.group(1) == "人次" else v.unit
            attr = _attribute(row[cols.attr][0]) if cols.attr is not None and cols.attr < len(row) else None
            v.comparator = v.comparator or "="
            year = col_year or title_year or ctx.heading_year(pos) or ctx.plan_end
            out.append(make_record(ctx, indicator, v, year, attr, title, "table", n_at, c_at + len(cell), ev,
                                   year_implied=not (col_year or title_year)))
    return out


# A header cell naming the name column (TABLE_NAME_COL) is a line of at most 8 characters.
TEXT_TABLE_HINT = re.compile(r"^\s*[^\n]{0,6}(?:指标|名称|项目|内容)", re.M)


def text_tables(doc: Document) -> list[tuple[list[str], list[list[tuple[str, int]]], str | None, int, int]]:
    """Tables written one cell per line: a header of short cells naming 指标 and 值, then rows
    of as many cells, rows separated by blank lines."""
    text = doc.text
    if not TEXT_TABLE_HINT.search(text):
        return []  # no short line names a name column: no header, nothing to scan
    raw_lines = text.split("\n")
    lines: list[tuple[str, int]] = list(zip(map(str.strip, raw_lines),
                                            _line_starts(raw_lines)))
    short = [i for i, (c, _) in enumerate(lines) if c and len(c) <= 8]  # the lines a header can start on
    found = []
    i = 0
    while i < len(lines):
        if not (lines[i][0] and len(lines[i][0]) <= 8):  # no header starts here: on to the next short line
            n = bisect.bisect_left(short, i)
            if n == len(short):
                break
            i = short[n]
            continue
        j = i
        while j < len(lines) and lines[j][0] and len(lines[j][0]) <= 8:
            j += 1
        header = [c for c, _ in lines[i:j]]
        if 3 <= len(header) <= 8 and any(TABLE_NAME_COL.search(h) for h in header) \
                and any(TABLE_VALUE_COL.search(h) for h in header):
            title = next((c for c, _ in reversed(lines[max(0, i - 3):i]) if c), None)
            rows, k = [], j
            while k < len(lines):
                while k < len(lines) and not lines[k][0]:
                    k += 1
                group = []
                while k < len(lines) and lines[k][0]:
                    group.append(lines[k])
                    k += 1
                if len(group) != len(header) or any(len(c) > 60 for c, _ in group):
                    # not a row: rewind to the group start
                    k -= len(group)
                    break
                rows.append(group)
            if rows:
                end = rows[-1][-1][1] + len(rows[-1][-1][0])
                title = re.sub(r"^表\s*\d+\s*", "", title or "") or None
                found.append((header, rows, title, lines[i][1], end))
                i = k
                continue
        i = max(j, i + 1)
    return found


def _is_header(cells: list[str]) -> bool:
    return 3 <= len(cells) <= 10 and all(len(c) <= 12 for c in cells) \
        and any(TABLE_NAME_COL.search(c) for c in cells) and any(TABLE_VALUE_COL.search(c) for c in cells)


def raw_line_tables(doc: Document) -> list[tuple[list[str], list[list[tuple[str, int]]], str | None, int, int]]:
    """Tables written one row per line of the original (| a | b |, tab or space separated),
    every row as wide as the header."""
    return [(t.header, t.rows, re.sub(r"^表\s*\d+\s*", "", t.caption or "") or None, t.start, t.end)
            for t in line_tables(doc, _is_header)]


def loader_tables(doc: Document) -> list[tuple[list[str], list[list[tuple[str, int]]], str | None, int, int]]:
    """Tables a loader built (rows of cells, raw span): cells located in the text."""
    found = []
    for t in doc.tables:
        if len(t.rows) < 2:
            continue
        a = bisect.bisect_left(doc.offsets, t.start) if doc.offsets else t.start
        b = bisect.bisect_left(doc.offsets, t.end) if doc.offsets else t.end
        header = [c.strip() for c in t.rows[0]]
        rows, cursor = [], a
        for r in t.rows[1:]:
            cells = []
            for c in r:
                c = (c or "").strip()
                at = doc.text.find(c, cursor, max(b, cursor) + 200) if c else -1
                if at >= 0:
                    cursor = at + len(c)
                cells.append((c, at if at >= 0 else cursor))
            rows.append(cells)
        found.append((header, rows, None, a, max(b, cursor)))
    return found


# --- the component -----------------------------------------------------------------
def extract_targets(doc: Document) -> list[dict]:
    if not doc.text:
        return []
    ctx = build_context(doc)
    records: list[dict] = []
    spans: list[tuple[int, int]] = []
    for header, rows, title, start, end in loader_tables(doc) + raw_line_tables(doc) + text_tables(doc):
        if any(a <= start < b for a, b in spans):
            continue
        got = table_rows_targets(doc, ctx, header, rows, title or ctx.category(start), start)
        if got:
            spans.append((start, end))
            records += got
    records += prose_lines(doc, ctx, spans)
    for r in records:
        _trim_list_number(r)
    return records


LIST_NUMBER = re.compile(r"^\s*(?:\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)]|[①-⑳])\s*")


def _trim_list_number(record: dict) -> None:
    """A quote starts at the goal, not at the list number in front of it ("1.亿元GDP…")."""
    m = LIST_NUMBER.match(record.get("quote") or "")
    if m and m.end() < len(record["quote"]):
        record["quote"] = record["quote"][m.end():]
        record["char_start"] += m.end()


@Language.component("targets")
def targets_component(doc: Doc) -> Doc:
    source = doc._.source
    if source is not None:
        doc._.records.setdefault("targets", []).extend(extract_targets(source))
    return doc


def confident(records: list[dict], threshold: float = DEFAULT_THRESHOLD) -> list[dict]:
    """The records a default query counts: confidence at or above ``threshold``."""
    return [r for r in records if r.get("confidence", 1.0) >= threshold]


def confident_targets(doc: Document, threshold: float = DEFAULT_THRESHOLD) -> list[dict]:
    return confident(extract_targets(doc), threshold)
