"""Answer a research question from the extracted tables, citing every row.

``ask(con, question)`` parses the question (queries.question), answers it from the
targets / projects / responsibilities tables when it is structured, and otherwise returns
the best retrieved passages, saying so.  Every answer row carries its citation: quote,
source_file, page and section_path.
"""
from __future__ import annotations

import re

from typing import NamedTuple

from queries.compare import comparison, format_target
from queries.filters import Filters, page_bounds, sql_literal, stored_region_names
from queries.question import Parsed, parse
from queries.units import convert, convertible, normalise_unit
from queries.targets import (TARGET_ORDER, Concept, canonical_of, catalogue_of, indexed_rows, indicator_pairs,
                             list_projects,
                             list_responsibilities, normalise_indicator, query_targets, rows_by_id, stored_units,
                             target_source, value_matches)

PASSAGES_K = 5
ANSWER_ROWS = 50  # target rows an answer carries and its sentence names; its head and ``count`` say them all
MIN_COVERAGE = 0.5  # below this share of the question's words in the best passage, the corpus does not hold it
MAX_QUESTION = 500


class AskError(ValueError):
    """A question that cannot be asked (empty, too long); the message says why."""


# --- what the database knows ---------------------------------------------------------------
def known_regions(con) -> tuple[str, ...]:
    """Every stored region name (region, province, prefecture, county), sorted; remembered while
    the store's files are unchanged (reading them took 7 ms a question at 10k documents)."""
    from queries.versions import versioned

    return versioned(con, "region_names_sorted", lambda: tuple(sorted(stored_region_names(con))))


def known_indicators(con) -> dict[str, str | None]:
    """Indicator names → canonical concept: the catalogue, then what the plans wrote.  One dict
    per version of the store's names (kept on its catalogue), so the parser's index of it is
    built once, not per question."""
    catalogue = catalogue_of(con)
    if catalogue is None:
        return _known_indicators(indicator_pairs(con))
    if "known_indicators" not in catalogue.memo:
        catalogue.memo["known_indicators"] = _known_indicators(catalogue.pairs)
    return catalogue.memo["known_indicators"]


def _known_indicators(pairs) -> dict[str, str | None]:
    known: dict[str, str | None] = {}
    from extractors.indicators import all_indicators

    for ind in all_indicators():
        for name in (ind.canonical, *ind.aliases):
            known.setdefault(name, ind.canonical)
    for indicator, canonical in pairs:
        if indicator is None:
            continue
        known.setdefault(indicator, canonical or canonical_of(indicator))
        if canonical:
            known.setdefault(canonical, canonical)
    return known


def _narrow_regions(con, names: list[str]) -> list[str]:
    """Drop a name that only contains another named one (枣庄市山亭区 → 山亭区)."""
    if len(names) < 2:
        return names
    rows = con.execute(f"SELECT DISTINCT region, province, prefecture FROM documents WHERE region IN "
                       f"({', '.join('?' * len(names))})", names).fetchall()
    parents = {p for region, *above in rows for p in above if p and p != region}
    return [n for n in names if n not in parents] or names


def _filters(p: Parsed) -> dict:
    return {
        "region": p.regions or None,
        "county_level": p.admin_level == "county",
        "admin_level": p.admin_level if p.admin_level in ("prefecture", "province") else None,
    }


# --- answers ---------------------------------------------------------------------------------
def _concept(p: Parsed) -> Concept | None:
    if not p.indicator:
        return None
    return Concept(p.indicator, normalise_indicator(p.indicator), p.canonical)


def _dedupe(rows: list[dict]) -> list[dict]:
    """One row per document and statement of a goal (plans restate goals)."""
    seen, out = set(), []
    for r in rows:
        key = (r["doc_id"], r.get("canonical_indicator") or r.get("indicator"), r.get("value"), r.get("comparator"),
               r.get("year"))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


class Answer(NamedTuple):
    """The first ``ANSWER_ROWS`` rows of a structured answer, how many there are in all, and
    every region they come from (in answer order)."""
    rows: list[dict]
    total: int
    regions: list[str]


NARROW = ("t.rowid AS row_, t.doc_id, t.indicator, t.canonical_indicator, t.value, t.value_max, t.unit, "
          "t.comparator, t.year, d.region, d.source_file")


def _value_prefilter(con, value: float, unit: str | None, catalogue=None) -> str:
    """SQL keeping the rows that can state ``value`` (in ``unit``): per stored unit the value in
    that unit, within a margin a thousand times the exact test's (``value_matches`` decides
    after), ranges, and any unit the cached unit list does not know yet."""
    units = stored_units(con, catalogue=catalogue)
    near = []
    for u in units:
        if not normalise_unit(unit) or not normalise_unit(u):
            v = value  # a bare number compares by its number
        elif convertible(u, unit):
            v = convert(value, unit, u)
        else:
            continue
        near.append(f"(t.unit IS NOT DISTINCT FROM {sql_literal(u)} AND abs(t.value - {sql_literal(float(v))}) <= "
                    f"{sql_literal(abs(float(v)) * 1e-6 + 1e-6)})")
    listed = [u for u in units if u is not None]
    unknown = (f"t.unit NOT IN ({', '.join(sql_literal(u) for u in listed)})" if listed else "t.unit IS NOT NULL")
    return " AND (" + " OR ".join(["t.comparator = 'range'", unknown, *near]) + ")"


def answer_targets(con, p: Parsed, limit: int | None = ANSWER_ROWS) -> Answer:
    """The targets a question asks for, one per plan and statement.  Matching, the value test and
    the de-duplication run on narrow rows; only the rows returned are read whole."""
    if p.value is None and normalise_unit(p.unit):  # rows in a unit, with their value converted: rare
        rows = _dedupe(query_targets(con, indicator=_concept(p), comparator=p.comparator, unit=p.unit,
                                     year=p.year, attribute=p.attribute, **_filters(p)))
        return Answer(rows[:limit] if limit else rows, len(rows), _regions_of(rows))
    f = Filters.of(year=p.year, attribute=p.attribute, **_filters(p))
    got = indexed_rows(con, _concept(p), p.comparator, f)
    if got is not None and got.index.assembles:
        return _indexed_distinct(con, got, limit) if p.value is None else \
            _indexed_values(con, got, float(p.value), p.unit, limit)
    source = target_source(con, _concept(p), p.comparator, f)
    if source is None:
        return Answer([], 0, [])
    if p.value is None:
        return _distinct_targets(con, source, limit)
    where = _value_prefilter(con, float(p.value), p.unit, source.catalogue)
    cur = con.execute(f"SELECT {NARROW}{source.match} {source.sql}{where} ORDER BY {TARGET_ORDER}", source.params)
    names = [c[0] for c in cur.description]
    rows = [r for r in (dict(zip(names, r)) for r in cur.fetchall()) if value_matches(float(p.value), p.unit, r)]
    rows = _dedupe(rows)
    shown = rows[:limit] if limit else rows
    full = rows_by_id(con, [r["row_"] for r in shown], [r["match"] for r in shown] if source.match else None, source)
    return Answer(full, len(rows), _regions_of(rows))


def _distinct_targets(con, source, limit: int | None) -> Answer:
    """``_dedupe`` in SQL, for an answer with no value test: the first row of each plan and
    statement in targets order, how many there are, each region's first position, and the
    ids of the first ``limit`` (one statement; 8,000 matches as Python rows cost 60 ms)."""
    match = source.match or ", NULL::DOUBLE AS match"
    keep = f"pos_ <= {int(limit)}" if limit else "TRUE"
    sql = f"""
WITH x AS MATERIALIZED (
    SELECT t.rowid AS row_{match}, coalesce(nullif(d.region, ''), d.source_file) AS name,
           row_number() OVER (ORDER BY {TARGET_ORDER}) AS ord_,
           row_number() OVER (PARTITION BY t.doc_id, coalesce(nullif(t.canonical_indicator, ''), t.indicator),
                              t.value + 0.0, t.comparator, t.year ORDER BY {TARGET_ORDER}) AS k_
    {source.sql}),
kept AS MATERIALIZED (SELECT row_, match, name, row_number() OVER (ORDER BY ord_) AS pos_ FROM x WHERE k_ = 1)
SELECT 'r' AS kind_, pos_, row_, match, NULL AS name FROM kept WHERE {keep}
UNION ALL SELECT 'g', min(pos_), NULL, NULL, name FROM kept WHERE coalesce(name, '') <> '' GROUP BY name
UNION ALL SELECT 'n', count(*), NULL, NULL, NULL FROM kept"""
    page, regions, total = [], [], 0
    for kind, pos, row, score, name in con.execute(sql, source.params).fetchall():
        if kind == "r":
            page.append((pos, row, score))
        elif kind == "g":
            regions.append((pos, name))
        else:
            total = pos
    page.sort()
    full = rows_by_id(con, [row for _, row, _ in page], [m for _, _, m in page] if source.match else None, source)
    return Answer(full, total, [name for _, name in sorted(regions)])


# --- the same answers from the target index (queries.target_index) ---------------------------------
def _indexed_distinct(con, got, limit: int | None) -> Answer:
    """``_distinct_targets`` over the index: the first row (in targets order) of each plan and
    statement — document, concept (else the name as written), value, comparator, year."""
    import numpy as np

    found, index = got.positions, got.index
    plans = index.plans(con)
    names = {index.pair_hash[pair]: (pair[1] or pair[0]) for pair in got.scores}  # coalesce(nullif(c, ''), i)
    concept_codes = {n: i for i, n in enumerate(sorted({n for n in names.values() if n is not None}))}
    concept = np.array([concept_codes.get(names[h], -1) for h in index.pair[found].tolist()], dtype=np.int64)
    value = index.value[found] + 0.0  # -0.0 and 0.0 are one value, and every NaN one NaN
    value = np.where(np.isnan(value), np.nan, value)
    keys = np.rec.fromarrays([plans.of_row[found], concept, index.no_value[found], value.view(np.int64),
                              index.comparator[found], index.year[found]])
    _, first = np.unique(keys, return_index=True)
    kept = found[np.sort(first)]
    regions = plans.first_names(plans.of_row[kept])
    shown = kept[:limit] if limit else kept
    return Answer(index.target_rows(con, shown, got.index.scores_at(got.scores, shown)), len(kept), regions)


def _indexed_values(con, got, value: float, unit: str | None, limit: int | None) -> Answer:
    """``answer_targets``' value test over the index: the rows near ``value`` in their unit (the
    same margin as ``_value_prefilter``) or stating a range, then ``value_matches`` and
    ``_dedupe`` on those few, as narrow rows."""
    import numpy as np

    found, index = got.positions, got.index
    near = np.zeros(len(found), dtype=bool)
    if "range" in index.comparator_hash:
        near |= index.comparator[found] == np.uint64(index.comparator_hash["range"])
    values, units, stated = index.value[found], index.unit[found], ~index.no_value[found]
    for u, h in index.unit_hash.items():
        if not normalise_unit(unit) or not normalise_unit(u):
            v = value
        elif convertible(u, unit):
            v = convert(value, unit, u)
        else:
            continue
        near |= (units == np.uint64(h)) & stated & (np.abs(values - float(v)) <= abs(float(v)) * 1e-6 + 1e-6)
    candidates = found[near]
    narrow = index.target_rows(con, candidates, got.index.scores_at(got.scores, candidates), texts=())
    rows = _dedupe([r for r in narrow if value_matches(value, unit, r)])
    shown = rows[:limit] if limit else rows
    chosen = {id(r) for r in shown}
    positions = [p for p, r in zip(candidates.tolist(), narrow) if id(r) in chosen]
    return Answer(index.target_rows(con, positions, [r["match"] for r in shown]), len(rows), _regions_of(rows))


def answer_compare(con, p: Parsed, limit: int | None = ANSWER_ROWS) -> Answer:
    f = _filters(p)
    result = comparison(con, _concept(p), year=p.year, admin_level=f["admin_level"], region=f["region"],
                        county_level=f["county_level"], limit=limit, with_regions=True)
    return Answer(result["rows"], result["total"], result.get("regions", []))


def answer_responsibilities(con, p: Parsed) -> list[dict]:
    f = _filters(p)
    return list_responsibilities(con, department=p.department, role=p.role, **f)


MONEY = {"元", "万元", "亿元"}


def investment_bounds(p: Parsed) -> dict:
    """投资超过1亿元 → {investment_min: 10000} (万元, the projects table's unit)."""
    if p.value is None or p.unit not in MONEY:
        return {}
    amount = convert(p.value, p.unit, "万元")
    if p.comparator in (">", ">="):
        return {"investment_min": amount}
    if p.comparator in ("<", "<="):
        return {"investment_max": amount}
    return {"investment_min": amount, "investment_max": amount}


def answer_projects(con, p: Parsed) -> list[dict]:
    return _by_topic(list_projects(con, **_filters(p), **investment_bounds(p)), p.topic)


GENERIC_TOPIC = re.compile(r"^(?:重点|重大|主要|建设|工程|项目|规划|的)*$")


def _by_topic(rows: list[dict], topic: str | None) -> list[dict]:
    """Projects under the asked kind (a heading or category naming it) when any plan uses
    that name; every project otherwise (重点工程 is just 'projects')."""
    if not topic or GENERIC_TOPIC.match(topic):
        return rows
    for words in (topic, re.sub(r"(?:工程|项目)$", "", topic)):
        if len(words) < 2:
            continue
        hits = [r for r in rows if words in (r.get("section_path") or "") or words in (r.get("category") or "")]
        if hits:
            return hits
    return rows


def answer_passages(con, question: str, p: Parsed, k: int = PASSAGES_K) -> list[dict]:
    from queries.search import search  # lazy: loads jieba and the embedder

    f = _filters(p)
    return search(con, question, k, region=f["region"], admin_level=f["admin_level"])


# --- the sentence ------------------------------------------------------------------------------
def _regions_of(rows: list[dict]) -> list[str]:
    out: list[str] = []
    for r in rows:
        name = r.get("region") or r.get("source_file")
        if name and name not in out:
            out.append(name)
    return out


def _target_phrase(r: dict, with_region: bool = True) -> str:
    year = f"，{r['year']}年" if r.get("year") else ""
    what = f"{r.get('indicator')} {format_target(r)}{year}"
    return f"{r.get('region') or r.get('source_file')}（{what}）" if with_region else what


def _sentence(p: Parsed, rows: list[dict], regions: list[str], total: int | None = None) -> str:
    """The answer in words; ``total`` (targets, compare) counts the rows beyond those given."""
    total = len(rows) if total is None else total
    if p.intent in ("targets", "compare"):
        if not rows:
            return "没有找到符合条件的目标。"
        head = f"共{len(regions)}个地区" if len(regions) > 1 else regions[0]
        if p.intent == "compare" and rows[0].get("direction") and total > 1:
            head += "按目标从严到宽依次为"
        many = len(regions) > 1
        more = f"（共{total}条，以上为前{len(rows)}条）" if total > len(rows) else ""
        return f"{head}：{'；'.join(_target_phrase(r, many) for r in rows)}{more}。"
    if p.intent == "count_responsibilities":
        role = {"lead": "牵头", "support": "配合"}.get(p.role or "", "负责")
        where = "、".join(p.regions or regions) or "所有规划中"
        return f"{where}共有{len(rows)}项任务由{p.department}{role}。"
    if p.intent == "responsibilities":
        return f"{p.department}参与的任务共{len(rows)}项：" + "；".join(r["task"] or "" for r in rows[:20]) + "。"
    if p.intent == "projects":
        if investment_bounds(p):
            where = "、".join(p.regions or regions) or "所有规划中"
            word = {">": "超过", ">=": "不低于", "<": "低于", "<=": "不超过"}.get(p.comparator or "", "为")
            head = f"{where}投资{word}{p.value:g}{p.unit}的项目共{len(rows)}项"
            names = "、".join(r["name"] or "" for r in rows[:10]) + ("等" if len(rows) > 10 else "")
            return f"{head}：{names}。" if rows else f"{head}（投资额未写明的项目不计入）。"
        if not rows:
            return "没有找到符合条件的工程项目。"
        names = "、".join(r["name"] or "" for r in rows)
        return f"{'、'.join(regions)}规划了{len(rows)}项工程：{names}。"
    return "这个问题无法从结构化表格回答，以下是检索到的最相关原文段落。"


# --- entry point ---------------------------------------------------------------------------------
PAGED = ("targets", "compare")  # answers that give their first rows and a total
ANSWERS = {"targets": answer_targets, "compare": answer_compare, "responsibilities": answer_responsibilities,
           "count_responsibilities": answer_responsibilities, "projects": answer_projects}


def _check(question) -> str:
    if not isinstance(question, str) or not question.strip():
        raise AskError("empty question: ask something in Chinese, e.g. 哪些县市的人均应急避难场所面积目标是2.5平方米？")
    if len(question) > MAX_QUESTION:
        raise AskError(f"question too long ({len(question)} characters, at most {MAX_QUESTION})")
    return question.strip()


def unknown_places(con, p: Parsed) -> list[str]:
    """Places the question names that no stored document is about."""
    known = stored_region_names(con)
    return [r for r in p.regions if r not in known]


def coverage(question: str, passages: list[dict]) -> float:
    """The share of the question's words found in its best passage (0 when none)."""
    from index.fts import query_tokens

    tokens = set(query_tokens(question))
    if not tokens or not passages:
        return 0.0
    return max(len(tokens & set(r.get("highlights") or [])) for r in passages) / len(tokens)


MENTION_CANDIDATES = 50  # passages ranked by the keyword index, looked at before the whole store


def corpus_mentions(con, words: str) -> bool:
    """Whether any stored document's text contains ``words``.  The passages the keyword index
    ranks first for those words are looked at first (a passage holding the phrase holds all its
    terms); only when none holds it is every text scanned (0.6 s CPU at 10k documents), so the
    answer is exact either way and usually fast."""
    from index import fts, passage_rows

    tokens = fts.query_tokens(words)
    if tokens and fts.exists(con):
        hits = fts.bm25(con, tokens, MENTION_CANDIDATES)
        if any(words in (r.get("text") or "") for r in passage_rows(con, [c for c, _ in hits]).values()):
            return True
    return con.execute("SELECT count(*) > 0 FROM documents WHERE contains(text, ?)", [words]).fetchone()[0]


def _outside(out: dict, text: str) -> dict:
    out.update(outside_corpus=True, text=text)
    return out


def ask(con, question: str, limit: int | None = ANSWER_ROWS) -> dict:
    """{question, parsed, answer_type, regions, rows, text[, count][, passages][, outside_corpus]}.
    ``outside_corpus`` is True (and ``text`` says so) when the corpus does not hold the
    answer: a place no document is about, or no passage sharing most of the question's words.
    A targets or compare answer carries its first ``limit`` rows (None: all); when there are
    more, ``count`` says how many and ``text`` says the rows are the first ones, while
    ``regions`` and the sentence's head still count every region."""
    question = _check(question)
    limit, _ = page_bounds(limit, 0)
    regions_known = known_regions(con)
    p = parse(question, regions_known, known_indicators(con))
    p.regions = _narrow_regions(con, p.regions)
    if p.intent in ANSWERS:
        if p.intent in PAGED:
            rows, total, regions = ANSWERS[p.intent](con, p, limit)
        else:
            rows = ANSWERS[p.intent](con, p)
            total, regions = len(rows), _regions_of(rows)
        out = {"question": question, "parsed": p.as_dict(), "answer_type": "structured", "regions": regions,
               "rows": rows, "text": _sentence(p, rows, regions, total)}
        if p.intent in ("count_responsibilities", "projects") or total > len(rows):
            out["count"] = total
        missing = [r for r in p.regions if r not in set(regions_known)]
        if not rows and missing:
            return _outside(out, f"语料中没有关于{'、'.join(missing)}的文件，无法回答这个问题。")
        if p.residual and not corpus_mentions(con, p.residual):
            out["rows"], out["regions"] = [], []
            return _outside(out, f"语料中没有提到“{p.residual}”的内容，无法回答这个问题。")
        if not rows:  # say what the text holds nearby, clearly as context, not as the answer
            out["passages"] = answer_passages(con, question, p)
        return out
    passages = answer_passages(con, question, p)
    out = {"question": question, "parsed": p.as_dict(), "answer_type": "passages",
           "regions": _regions_of(passages), "rows": passages, "text": _sentence(p, passages, [])}
    missing = [r for r in p.regions if r not in set(regions_known)]  # unknown_places, names read once
    if missing:
        return _outside(out, f"语料中没有关于{'、'.join(missing)}的文件；以下段落来自其他地区，仅供参考。")
    if coverage(question, passages) < MIN_COVERAGE:
        return _outside(out, "语料中没有与这个问题直接相关的内容；以下段落只有零星字词相同，仅供参考。")
    return out
