"""Score extracted records against gold annotations (format of ``shared/eval/gold``).

Pairs are found per document by location first (the gold quote's position in the stored
original text overlaps the record's char span) and by the record's key text second
(indicator, name, task, what — each table's ``key`` in the extractor registry).  Field
accuracy is measured on matched pairs.  Gold records marked ``borderline`` are neither
rewarded nor punished: they and whatever they match are left out of the counts.

A gold folder holds any of ``<table>.jsonl`` for the registered fact tables (a table
without a file is simply not scored) and ``documents.jsonl`` for metadata.
``not_<table>.jsonl`` lists things that must not be extracted: a record matching one is a
false positive, and the report counts how many were hit.  Predictions below the default
confidence threshold are left out unless ``min_confidence`` says otherwise.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from extractors import registry
from extractors.registry import DEFAULT_MIN_CONFIDENCE

DOC_FIELDS = ("title", "issuer", "doc_number", "issue_date", "region", "province", "prefecture",
              "county", "admin_level", "period", "kind")


class GoldError(FileNotFoundError):
    """A gold folder that is missing, empty or unreadable."""


def key_fields() -> dict[str, str]:
    """table → the field records are paired by, for every registered table that has one."""
    return {n: t.key for n, t in registry.tables().items() if t.key}


def scored_fields() -> dict[str, tuple[str, ...]]:
    return {n: t.scored for n, t in registry.tables().items() if t.key}


def bigram_sim(a: str | None, b: str | None) -> float:
    """Dice similarity of character bigrams: robust to small wording differences."""
    a, b = (a or "").replace(" ", ""), (b or "").replace(" ", "")
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ga = {a[i:i + 2] for i in range(max(len(a) - 1, 1))}
    gb = {b[i:i + 2] for i in range(max(len(b) - 1, 1))}
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def locate(raw: str, quote: str, line: int | None) -> tuple[int, int] | None:
    """Span of a gold quote in the stored original text (the occurrence nearest its line)."""
    if not quote:
        return None
    hits = []
    i = raw.find(quote)
    while i >= 0:
        hits.append(i)
        i = raw.find(quote, i + 1)
    if not hits:
        compact = quote.replace(" ", "")
        i = raw.replace(" ", "").find(compact)
        return None if i < 0 else _uncompact_span(raw, i, len(compact))
    if line and len(hits) > 1:
        hits.sort(key=lambda h: abs(raw.count("\n", 0, h) + 1 - line))
    return hits[0], hits[0] + len(quote)


def _uncompact_span(raw: str, start: int, length: int) -> tuple[int, int]:
    """Map a span found in space-stripped text back to ``raw``."""
    seen, a = 0, None
    for pos, ch in enumerate(raw):
        if ch == " ":
            continue
        if seen == start:
            a = pos
        seen += 1
        if seen == start + length:
            return (a if a is not None else pos), pos + 1
    return (a or 0), len(raw)


def values_equal(field_name: str, g, p) -> bool:
    if isinstance(g, list) or isinstance(p, list):
        return sorted(g or []) == sorted(p or [])
    if isinstance(g, (int, float)) and not isinstance(g, bool) and isinstance(p, (int, float)):
        return abs(float(g) - float(p)) <= 1e-9 + 1e-6 * abs(float(g))
    if g in ("", None) and p in ("", None):
        return True
    return g == p


def field_equal(f: str, g: dict, p: dict) -> bool:
    """One field of a matched pair.  A gold year left null with ``year_implied: YYYY`` (the
    year comes from the document, not the sentence) accepts either null or that year."""
    if f == "year" and g.get("year") is None and isinstance(g.get("year_implied"), int) \
            and not isinstance(g.get("year_implied"), bool):
        return p.get("year") in (None, g["year_implied"])
    return values_equal(f, g.get(f), p.get(f))


def pair_score(kind: str, g: dict, p: dict) -> float | None:
    """How well a predicted record fits a gold one; None when they cannot be a pair."""
    key = registry.get(kind).key
    sim = bigram_sim(g.get(key), p.get(key))
    span = g.get("_span")
    overlap = bool(span and p.get("char_start") is not None
                   and p["char_start"] < span[1] and span[0] < p["char_end"])
    same_value = kind == "targets" and values_equal("value", g.get("value"), p.get("value"))
    if kind == "targets":
        ok = (overlap and (sim >= 0.3 or same_value)) or (sim >= 0.7 and same_value)
    elif kind == "deadlines":
        ok = (overlap and (sim >= 0.2 or field_equal("year", g, p))) or (sim >= 0.6 and field_equal("year", g, p))
    else:
        ok = overlap or sim >= 0.6
    if not ok:
        return None
    return 2.0 * overlap + sim + 1.0 * same_value


@dataclass
class Score:
    gold: int = 0
    pred: int = 0
    tp: int = 0
    field_hits: dict[str, int] = field(default_factory=dict)
    misses: list[dict] = field(default_factory=list)
    extras: list[dict] = field(default_factory=list)
    wrong: list[tuple[dict, dict, list[str]]] = field(default_factory=list)
    not_gold: int = 0                                   # records in not_<table>.jsonl
    forbidden: list[tuple[dict, dict]] = field(default_factory=list)  # (not-record, prediction hitting it)

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else (1.0 if not self.gold else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def accuracy(self, name: str) -> float | None:
        return self.field_hits.get(name, 0) / self.tp if self.tp else None

    def add(self, other: "Score") -> None:
        self.gold += other.gold
        self.pred += other.pred
        self.tp += other.tp
        for k, v in other.field_hits.items():
            self.field_hits[k] = self.field_hits.get(k, 0) + v
        self.misses += other.misses
        self.extras += other.extras
        self.wrong += other.wrong
        self.not_gold += other.not_gold
        self.forbidden += other.forbidden


def _pairs(kind: str, gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """Greedy one-to-one pairing, best score first."""
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            s = pair_score(kind, g, p)
            if s is not None:
                candidates.append((s, gi, pi))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, gi, pi in candidates:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gi, pi))
    return pairs


def match_records(kind: str, gold: list[dict], pred: list[dict], not_gold: list[dict] | None = None) -> Score:
    """Pair predictions with gold; borderline gold pairs are set aside; the predictions left
    over that match a not-record are false positives counted as not-record hits."""
    score = Score()
    scored = registry.get(kind).scored
    pairs = _pairs(kind, gold, pred)
    used_g = {gi for gi, _ in pairs}
    used_p = {pi for _, pi in pairs}
    borderline_p = set()
    for gi, pi in pairs:
        g, p = gold[gi], pred[pi]
        if g.get("borderline"):
            borderline_p.add(pi)
            continue
        score.tp += 1
        bad = []
        for f in scored:
            if f not in g or field_equal(f, g, p):
                score.field_hits[f] = score.field_hits.get(f, 0) + 1
            else:
                bad.append(f)
        if bad:
            score.wrong.append((g, p, bad))
    score.gold = sum(1 for g in gold if not g.get("borderline"))
    score.pred = len(pred) - len(borderline_p)
    score.misses = [g for gi, g in enumerate(gold) if gi not in used_g and not g.get("borderline")]
    score.extras = [p for pi, p in enumerate(pred) if pi not in used_p]
    if not_gold:
        score.not_gold = len(not_gold)
        score.forbidden = [(not_gold[ni], score.extras[xi]) for ni, xi in _pairs(kind, not_gold, score.extras)]
    return score


def load_gold(gold_dir: str | Path) -> dict[str, list[dict]]:
    """Every gold file the folder holds: ``documents``, registered tables and ``not_<table>``."""
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise GoldError(f"{gold_dir}: gold folder missing")
    names = ["documents", *registry.tables()]
    names += [f"not_{n}" for n in registry.tables()]
    out = {}
    for name in names:
        path = gold_dir / f"{name}.jsonl"
        if path.exists():
            out[name] = _read_jsonl(path)
    if not any(n in out for n in ("documents", *registry.tables())):
        raise GoldError(f"{gold_dir}: no gold files (expected documents.jsonl or one of "
                        f"{', '.join(f'{n}.jsonl' for n in registry.tables())})")
    return out


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise GoldError(f"{path}:{i}: not valid JSON: {e.msg}") from None
        if not isinstance(row, dict) or "doc" not in row:
            raise GoldError(f"{path}:{i}: a gold record is a JSON object with a \"doc\" field")
        rows.append(row)
    return rows


def stem(name: str) -> str:
    return Path(name).stem


def evaluate(con, gold_dir: str | Path, min_confidence: float | None = DEFAULT_MIN_CONFIDENCE) -> dict:
    """Score every record type the gold holds and the document metadata; returns a report
    dict.  ``min_confidence=None`` scores every stored record."""
    gold = load_gold(gold_dir)
    docs = {stem(r[0]): {"doc_id": r[1], "raw": r[2], "meta": r[3]} for r in con.execute(
        "SELECT source_file, doc_id, raw_text, to_json(d) FROM documents d").fetchall()}
    kinds = [k for k in key_fields() if k in gold]
    report: dict = {"types": {}, "documents": {}, "per_doc": {}, "missing_docs": [],
                    "min_confidence": min_confidence, "unscored": [k for k in key_fields() if k not in gold],
                    "other_files": sorted(p.name for p in Path(gold_dir).glob("*.jsonl") if p.stem not in gold)}
    gold_docs = sorted({stem(r["doc"]) for rows in gold.values() for r in rows})
    report["missing_docs"] = [d for d in gold_docs if d not in docs]
    for kind in kinds:
        total = Score()
        for d in gold_docs:
            if d not in docs:
                continue
            g = _located(gold[kind], d, docs[d]["raw"])
            ng = _located(gold.get(f"not_{kind}", []), d, docs[d]["raw"])
            p = _predicted(con, kind, docs[d]["doc_id"], min_confidence)
            s = match_records(kind, g, p, ng)
            report["per_doc"].setdefault(d, {})[kind] = s
            total.add(s)
        report["types"][kind] = total
    report["documents"] = _score_metadata(gold.get("documents", []), docs)
    return report


def _located(rows: list[dict], d: str, raw: str) -> list[dict]:
    out = [dict(r) for r in rows if stem(r["doc"]) == d]
    for r in out:
        r["_span"] = locate(raw, r.get("quote", ""), r.get("line"))
    return out


def _predicted(con, kind: str, doc_id: str, min_confidence: float | None) -> list[dict]:
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [kind]).fetchall()}
    if not have:
        return []
    where = "doc_id = ?"
    params: list = [doc_id]
    if min_confidence is not None and "confidence" in have:
        where += " AND (confidence IS NULL OR confidence >= ?)"
        params.append(min_confidence)
    cur = con.execute(f"SELECT * FROM {kind} WHERE {where} ORDER BY char_start", params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def _score_metadata(gold_docs: list[dict], docs: dict) -> dict:
    """Field accuracy over the fields each gold record states: a field a gold record leaves
    out was not annotated and is not scored (an explicit null is scored)."""
    hits = {f: 0 for f in DOC_FIELDS}
    seen = {f: 0 for f in DOC_FIELDS}
    n = 0
    wrong = []
    for g in gold_docs:
        d = docs.get(stem(g["doc"]))
        if not d:
            continue
        n += 1
        meta = json.loads(d["meta"])
        for f in DOC_FIELDS:
            if f not in g:
                continue
            seen[f] += 1
            if values_equal(f, g.get(f), meta.get(f)):
                hits[f] += 1
            else:
                wrong.append({"doc": g["doc"], "field": f, "gold": g.get(f), "got": meta.get(f)})
    return {"n": n, "accuracy": {f: (hits[f] / seen[f] if seen[f] else None) for f in DOC_FIELDS},
            "annotated": seen, "wrong": wrong}


def summary(report: dict, details: bool = False) -> dict:
    """A JSON-friendly summary of a report; ``details`` adds each document's misses, extras,
    not-gold hits and wrong fields."""
    out = {"types": {}, "documents": report["documents"]["accuracy"], "missing_docs": report["missing_docs"],
           "min_confidence": report["min_confidence"], "unscored": report["unscored"],
           "other_files": report["other_files"]}
    for kind, s in report["types"].items():
        out["types"][kind] = {"gold": s.gold, "pred": s.pred, "tp": s.tp, "precision": round(s.precision, 4),
                              "recall": round(s.recall, 4), "f1": round(s.f1, 4),
                              "field_accuracy": {f: (None if s.accuracy(f) is None else round(s.accuracy(f), 4))
                                                 for f in registry.get(kind).scored}}
        if s.not_gold:
            out["types"][kind]["not_gold"] = s.not_gold
            out["types"][kind]["not_gold_hit"] = len(s.forbidden)
    out["per_doc"] = {d: {k: {"gold": s.gold, "pred": s.pred, "tp": s.tp, "f1": round(s.f1, 4),
                              **(_details(k, s) if details else {})}
                          for k, s in kinds.items()} for d, kinds in report["per_doc"].items()}
    return out


def _details(kind: str, s: Score) -> dict:
    key = registry.get(kind).key
    fields = ("value", "unit", "year", "confidence", "char_start", "quote")

    def brief(r: dict) -> dict:
        return {k: r.get(k) for k in (key, *fields) if r.get(k) is not None}

    hit = {id(p) for _, p in s.forbidden}
    return {"misses": [brief(g) for g in s.misses],
            "extras": [brief(p) for p in s.extras if id(p) not in hit],
            "not_gold_hits": [brief(p) for _, p in s.forbidden],
            "wrong": [{"gold": brief(g), "got": brief(p), "fields": bad} for g, p, bad in s.wrong]}
