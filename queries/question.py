"""Parse a Chinese research question into a structured query.

The parser peels the question apart, masking each part it recognises so that later
steps do not read it twice: region names (from the database and the gazetteer), the
year, 约束性/预期性, a department with 牵头/负责/配合, the indicator (the longest known
indicator name found inside the question — catalogue names, their aliases and the
indicators stored in the database — compared after indicator normalisation), then the
value with its unit and comparator words, the administrative level and the intent.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from queries.targets import canonical_of, normalise_indicator

MASK = "|"
CJK = r"\u4e00-\u9fff"

UNITS = ("平方公里", "平方米", "平米", "㎡", "m²", "m2", "万元", "亿元", "元", "个百分点", "百分点", "%", "‰",
         "人次", "万人", "人", "名", "个月", "个", "处", "支", "座", "台", "小时", "分钟", "天", "次", "起", "级",
         "公里", "吨", "户", "所", "家")
NUMBER = re.compile(r"(百分之|千分之)?(\d+(?:\.\d+)?)\s*(万|亿)?(?!元)\s*(" +
                    "|".join(re.escape(u) for u in UNITS) + ")?")
# Comparator words before a value, strongest (negated) forms first (gold README rules).
BEFORE = [("不超过", "<="), ("不高于", "<="), ("不大于", "<="), ("至多", "<="), ("最多", "<="),
          ("不低于", ">="), ("不少于", ">="), ("不小于", ">="), ("至少", ">="),
          ("低于", "<"), ("小于", "<"), ("少于", "<"), ("以下", "<="),
          ("大于", ">"), ("高于", ">"), ("超过", ">"), ("多于", ">"),
          ("下降", "decrease_by"), ("降低", "decrease_by"), ("减少", "decrease_by"),
          ("提高", "increase_by"), ("提升", "increase_by"), ("增长", "increase_by"), ("增加", "increase_by")]
AFTER = [("以内", "<="), ("以下", "<="), ("以上", ">="), ("及以上", ">=")]

YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?:底|末|前)?")
ATTRIBUTE = re.compile(r"约束性|预期性")
ROLE_WORDS = {"牵头": "lead", "负责": None, "配合": "support", "协助": "support", "参与": "support",
              "协同": "support"}
ROLE = re.compile("(" + "|".join(ROLE_WORDS) + ")")
ORG_SUFFIX = re.compile(r"(?:局|委|办|厅|部|院|中心|队|站|政府|公司|所|处|科|室|馆|台|社|会|团|指挥部|办公室)$")
COUNT = re.compile(r"多少|几项|几个|几条|数量|总数|计数")
PROJECT = re.compile(r"工程|项目")
COMPARE = re.compile(r"比较|对比|比一比|各地区?|各县|各市|分别|排名|哪个.*(?:最|更)")
TARGET_WORDS = re.compile(r"指标|目标|比例|比率|死亡率|覆盖率|受害率|面积|人数|率")
LEVELS = [
    ("county", re.compile(r"县级|县市|区县|县区|县[(（]市、?区[)）]|哪些县|各县|县域|县和区|区和县")),
    ("prefecture", re.compile(r"地级|设区的?市|地市|哪些市|各市|市级地区|哪些城市")),
    ("province", re.compile(r"省级|哪些省|各省")),
]
# Scaffolding words of questions, removed to find an uncatalogued indicator phrase.
SCAFFOLD = re.compile(r"哪些|哪个|什么|多少|地区|地方|县市|区县|县级|地级|规划|要求|设定了?|提出了?|目标|指标|"
                      r"分别|是|为|比较|对比|各|的|有|了|中|里|在|和|与|及|吗|呢|控制|达到|到")


@dataclass
class Parsed:
    question: str
    intent: str = "passages"  # targets | compare | responsibilities | count_responsibilities | projects | passages
    indicator: str | None = None  # the indicator as written in the question
    canonical: str | None = None
    value: float | None = None
    unit: str | None = None
    comparator: str | None = None
    year: int | None = None
    regions: list[str] = field(default_factory=list)
    admin_level: str | None = None  # county | prefecture | province
    attribute: str | None = None
    department: str | None = None
    role: str | None = None  # lead | support | None (either)
    topic: str | None = None  # what kind of project (应急能力提升工程)
    residual: str | None = None  # words of a targets question no known name accounts for (火星探测)

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, [], "")}


class _Work:
    """The question with the parts already recognised masked out."""

    def __init__(self, text: str):
        self.text = text

    def mask(self, start: int, end: int) -> None:
        self.text = self.text[:start] + MASK * (end - start) + self.text[end:]


def clean(question: str) -> str:
    from corpus.normalise import normalise_text

    return normalise_text(question).text.strip()


# --- regions -------------------------------------------------------------------------------
def _short(name: str) -> str | None:
    """临清市 → 临清 (the way people write names), only when two or more characters remain."""
    m = re.match(rf"^([{CJK}]{{2,}}?)(?:自治州|自治县|特别行政区|省|市|区|县|州|盟|旗)$", name)
    return m.group(1) if m else None


def find_regions(work: _Work, known: list[str]) -> list[str]:
    """Known region names (full or short form) in the question, longest first, masked."""
    found: list[str] = []
    for form, name in _region_forms(tuple(known)):
        if form not in work.text:  # most of a large corpus' names are not in the question
            continue
        for start in _occurrences(work.text, form):
            # a short form must not be the head of a longer name (济宁 in 济宁路)
            work.mask(start, start + len(form))
            if name not in found:
                found.append(name)
    found += _gazetteer_places(work)
    return found


@lru_cache(maxsize=8)
def _region_forms(known: tuple[str, ...]) -> list[tuple[str, str]]:
    """(form, full name) for every known region, longest form first; cached because the
    database's region list is the same from one question to the next."""
    forms = [(n, n) for n in known] + [(s, n) for n in known if (s := _short(n))]
    return sorted(forms, key=lambda f: -len(f[0]))


def _occurrences(text: str, form: str) -> list[int]:
    """Starts of the non-overlapping occurrences of ``form`` in ``text``."""
    starts, i = [], text.find(form)
    while i >= 0:
        starts.append(i)
        i = text.find(form, i + len(form))
    return starts


def _gazetteer_places(work: _Work) -> list[str]:
    """Full division names the database does not hold but the gazetteer knows: asking
    about them must answer "none", not "everywhere"."""
    from corpus.regions import find_mentions

    out = []
    for m in find_mentions(work.text):
        out.append(m.name)
        work.mask(m.start, m.end)
    for m in find_mentions(work.text, short=True):  # 宁夏, 广西, 内蒙古: provinces go by short names
        provinces = [u for u in m.units if u.level == "province"]
        if provinces:
            out.append(provinces[0].name)
            work.mask(m.start, m.end)
    return out


# --- indicator -----------------------------------------------------------------------------
def _window(text: str, key: str) -> tuple[int, int] | None:
    """The shortest span of ``text`` whose normalised form contains ``key``, widened over
    neighbours that normalisation drops (亿元 before GDP, 年均, 的)."""
    n = len(text)
    best = None
    for i in range(n):
        for j in range(i + 1, n + 1):
            if key in normalise_indicator(text[i:j]):
                if best is None or j - i < best[1] - best[0]:
                    best = (i, j)
                break
    if best is None:
        return None
    i, j = best
    core = normalise_indicator(text[i:j])
    changed = True
    while changed:
        changed = False
        for k in (4, 3, 2, 1):
            if i - k >= 0 and MASK not in text[i - k:i] and normalise_indicator(text[i - k:j]) == core:
                i, changed = i - k, True
                break
            if j + k <= n and MASK not in text[j:j + k] and normalise_indicator(text[i:j + k]) == core:
                j, changed = j + k, True
                break
    return i, j


class KeyIndex:
    """Known indicator names by normalised key (first name of each key, in ``known`` order)."""

    def __init__(self, known: dict[str, str | None]):
        self.keys: dict[str, tuple[int, str, str | None]] = {}
        for pos, (name, canonical) in enumerate(known.items()):
            key = normalise_indicator(name)
            if len(key) >= 3 and key not in self.keys:
                self.keys[key] = (pos, name, canonical)
        self.longest = max((len(k) for k in self.keys), default=0)


_LAST_INDEX: tuple = (None, None)  # (the known dict, its KeyIndex): callers reuse one dict per store


def _key_index(known: dict[str, str | None]) -> KeyIndex:
    """The index of ``known``, rebuilt when a different dict comes (one tuple, swapped whole, so
    a thread never pairs one dict with another's index)."""
    global _LAST_INDEX
    last = _LAST_INDEX
    if last[0] is known:
        return last[1]
    index = KeyIndex(known)
    _LAST_INDEX = (known, index)
    return index


def _longest_known(qkey: str, index: KeyIndex) -> tuple[str, str, str | None] | None:
    """The longest known key inside the question (ties: the earliest known name), found by
    looking the question's substrings up rather than testing every known name: a store of tens
    of thousands of names costs the same per question as one of a few hundred."""
    best = None
    for i in range(len(qkey)):
        for j in range(i + 3, min(len(qkey), i + index.longest) + 1):
            hit = index.keys.get(qkey[i:j])
            if hit and (best is None or (j - i, -hit[0]) > (len(best[0]), -best[1])):
                best = (qkey[i:j], hit[0], hit[1], hit[2])
    return None if best is None else (best[0], best[2], best[3])


def find_indicator(work: _Work, known: dict[str, str | None]) -> tuple[str | None, str | None]:
    """(indicator as written, canonical) for the longest known name inside the question.
    ``known`` maps indicator names to their canonical concept (None if uncatalogued)."""
    qkey = normalise_indicator(work.text.replace(MASK, "/"))
    best = _longest_known(qkey, _key_index(known))
    if best is None:
        return None, None
    key, name, canonical = best
    span = _window(work.text, key)
    if span is None:
        return None, None
    start, end = span
    written = work.text[start:end]
    # a comparator word the window swallowed (alias "…人数下降") belongs to the value
    for w, _ in BEFORE + [("控制在", ""), ("控制", "")]:
        if written.endswith(w) and len(written) > len(w) + 1:
            written, end = written[:-len(w)], end - len(w)
            break
    written = written.lstrip("的之")
    start = end - len(written)
    work.mask(start, end)
    return written, canonical or canonical_of(written) or canonical_of(name)


def residual_phrase(work: _Work) -> str | None:
    """The longest run of words left after scaffolding is removed: an uncatalogued indicator."""
    rest = SCAFFOLD.sub(MASK, work.text)
    runs = [r for r in re.findall(rf"[{CJK}A-Za-z0-9]+", rest) if len(r) >= 4 and not r.isdigit()]
    return max(runs, key=len) if runs else None


# --- value, comparator, year, department ---------------------------------------------------
def find_year(work: _Work) -> int | None:
    m = YEAR.search(work.text)
    if not m:
        return None
    work.mask(*m.span())
    return int(m.group(1))


def find_value(work: _Work) -> tuple[float | None, str | None, str | None]:
    """(value, unit, comparator) of the first number left in the question."""
    m = next((m for m in NUMBER.finditer(work.text) if m.group(2)), None)
    if not m:
        return None, None, None
    value = float(m.group(2)) * {"万": 1e4, "亿": 1e8}.get(m.group(3) or "", 1.0)
    unit = m.group(4) or {"百分之": "%", "千分之": "‰"}.get(m.group(1) or "", "")
    before = work.text[max(0, m.start() - 8):m.start()]
    after = work.text[m.end():m.end() + 4]
    comparator = next((c for w, c in AFTER if after.startswith(w)), None)
    for w, c in BEFORE:
        if w in before and comparator is None:
            comparator = c
    work.mask(*m.span())
    return value, unit or None, comparator


def find_department(work: _Work) -> tuple[str | None, str | None]:
    """(department, role) from '由市应急局牵头' / '市应急局负责的任务'."""
    for m in ROLE.finditer(work.text):
        before = work.text[:m.start()]
        candidate = re.split(r"由|是|为|归|被|交|\||的|任务|工作|事项|多少|几项|哪些|，|,|\s", before)[-1]
        if len(candidate) >= 2 and ORG_SUFFIX.search(candidate):
            work.mask(m.start() - len(candidate), m.end())
            return candidate, ROLE_WORDS[m.group(1)]
    return None, None


def find_level(text: str) -> str | None:
    return next((level for level, pattern in LEVELS if pattern.search(text)), None)


def find_topic(text: str) -> str | None:
    """'规划了哪些应急能力提升工程' → 应急能力提升工程."""
    m = re.search(rf"(?:哪些|什么|几个|几项|多少项?|那些)([{CJK}“”\"]*?(?:工程|项目))", text)
    return m.group(1) if m else None


# --- the parse -----------------------------------------------------------------------------
def parse(question: str, known_regions: list[str] | None = None,
          known_indicators: dict[str, str | None] | None = None) -> Parsed:
    text = clean(question)
    p = Parsed(question=question)
    work = _Work(text)
    p.regions = find_regions(work, known_regions or [])
    p.year = find_year(work)
    if m := ATTRIBUTE.search(work.text):
        p.attribute = m.group(0)
        work.mask(*m.span())
    p.department, p.role = find_department(work)
    p.admin_level = find_level(work.text)
    is_project = bool(PROJECT.search(work.text)) and not p.department
    if not is_project:
        p.indicator, p.canonical = find_indicator(work, known_indicators or {})
    p.value, p.unit, p.comparator = find_value(work)
    if p.indicator is None and not p.department and not is_project and p.value is not None:
        p.indicator = residual_phrase(work)
        p.canonical = canonical_of(p.indicator)
    p.intent = _intent(p, work.text, is_project)
    if p.intent == "targets" and p.indicator is None:
        p.residual = residual_phrase(work)
    if p.intent == "projects":
        p.topic = find_topic(text)
    return p


def _intent(p: Parsed, rest: str, is_project: bool) -> str:
    if p.department:
        return "count_responsibilities" if COUNT.search(rest) else "responsibilities"
    if is_project and p.indicator is None:
        return "projects"
    if p.indicator and COMPARE.search(rest) and p.value is None:
        return "compare"
    if p.indicator or p.attribute or p.value is not None:
        return "targets"
    if TARGET_WORDS.search(rest) and (p.regions or p.year):
        return "targets"
    return "passages"
