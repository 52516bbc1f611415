"""Score extracted records against gold annotations (format of ``shared/eval/gold``).

Pairs are found per document by location first (the gold quote's position in the stored
original text overlaps the record's char span) and by the record's key text second
(indicator, name, task, what).  Field accuracy is measured on matched pairs.  Gold records
marked ``borderline`` are neither rewarded nor punished: they and whatever they match are
left out of the counts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

KEY_FIELD = {"targets": "indicator", "projects": "name", "responsibilities": "task", "deadlines": "what"}
FIELDS = {
    "targets": ("value", "unit", "comparator", "year", "attribute"),
    "projects": ("investment",),
    "responsibilities": ("lead", "support"),
    "deadlines": ("year", "month", "relative"),
}
DOC_FIELDS = ("title", "issuer", "doc_number", "issue_date", "region", "province", "prefecture",
              "county", "admin_level", "period", "kind")


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
    if field_name in ("lead", "support"):
        return sorted(g or []) == sorted(p or [])
    if isinstance(g, (int, float)) and not isinstance(g, bool) and isinstance(p, (int, float)):
        return abs(float(g) - float(p)) <= 1e-9 + 1e-6 * abs(float(g))
    if g in ("", None) and p in ("", None):
        return True
    return g == p


def pair_score(kind: str, g: dict, p: dict) -> float | None:
    """How well a predicted record fits a gold one; None when they cannot be a pair."""
    sim = bigram_sim(g.get(KEY_FIELD[kind]), p.get(KEY_FIELD[kind]))
    span = g.get("_span")
    overlap = bool(span and p.get("char_start") is not None
                   and p["char_start"] < span[1] and span[0] < p["char_end"])
    same_value = kind == "targets" and values_equal("value", g.get("value"), p.get("value"))
    if kind == "targets":
        ok = (overlap and (sim >= 0.3 or same_value)) or (sim >= 0.7 and same_value)
    elif kind == "deadlines":
        ok = (overlap and (sim >= 0.2 or g.get("year") == p.get("year"))) or (sim >= 0.6 and g.get("year") == p.get("year"))
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


def match_records(kind: str, gold: list[dict], pred: list[dict]) -> Score:
    """Greedy one-to-one pairing by best score; borderline gold pairs are set aside."""
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            s = pair_score(kind, g, p)
            if s is not None:
                candidates.append((s, gi, pi))
    candidates.sort(reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    score = Score()
    for _, gi, pi in candidates:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        g, p = gold[gi], pred[pi]
        if g.get("borderline"):
            continue
        score.tp += 1
        bad = []
        for f in FIELDS[kind]:
            if f not in g:
                score.field_hits[f] = score.field_hits.get(f, 0) + 1
                continue
            if values_equal(f, g.get(f), p.get(f)):
                score.field_hits[f] = score.field_hits.get(f, 0) + 1
            else:
                bad.append(f)
        if bad:
            score.wrong.append((g, p, bad))
    borderline_p = {pi for _, gi, pi in candidates if gi in used_g and pi in used_p and gold[gi].get("borderline")}
    score.gold = sum(1 for g in gold if not g.get("borderline"))
    score.pred = len(pred) - len(borderline_p & used_p)
    score.misses = [g for gi, g in enumerate(gold) if gi not in used_g and not g.get("borderline")]
    score.extras = [p for pi, p in enumerate(pred) if pi not in used_p]
    return score


def load_gold(gold_dir: str | Path) -> dict[str, list[dict]]:
    gold_dir = Path(gold_dir)
    out = {}
    for kind in ("documents", *KEY_FIELD):
        path = gold_dir / f"{kind}.jsonl"
        if not path.exists():
            raise FileNotFoundError(f"{path}: gold file missing")
        out[kind] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def stem(name: str) -> str:
    return Path(name).stem


def evaluate(con, gold_dir: str | Path) -> dict:
    """Score every record type and the document metadata; returns a report dict."""
    gold = load_gold(gold_dir)
    docs = {stem(r[0]): {"doc_id": r[1], "raw": r[2], "meta": r[3]} for r in con.execute(
        "SELECT source_file, doc_id, raw_text, to_json(d) FROM documents d").fetchall()}
    report: dict = {"types": {}, "documents": {}, "per_doc": {}, "missing_docs": []}
    gold_docs = sorted({stem(r["doc"]) for kind in KEY_FIELD for r in gold[kind]} | {stem(r["doc"]) for r in gold["documents"]})
    report["missing_docs"] = [d for d in gold_docs if d not in docs]
    for kind in KEY_FIELD:
        total = Score()
        for d in gold_docs:
            if d not in docs:
                continue
            g = [dict(r) for r in gold[kind] if stem(r["doc"]) == d]
            for r in g:
                r["_span"] = locate(docs[d]["raw"], r.get("quote", ""), r.get("line"))
            p = _predicted(con, kind, docs[d]["doc_id"])
            s = match_records(kind, g, p)
            report["per_doc"].setdefault(d, {})[kind] = s
            total.add(s)
        report["types"][kind] = total
    report["documents"] = _score_metadata(gold["documents"], docs)
    return report


def _predicted(con, kind: str, doc_id: str) -> list[dict]:
    cur = con.execute(f"SELECT * FROM {kind} WHERE doc_id = ?", [doc_id])
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def _score_metadata(gold_docs: list[dict], docs: dict) -> dict:
    hits = {f: 0 for f in DOC_FIELDS}
    n = 0
    wrong = []
    for g in gold_docs:
        d = docs.get(stem(g["doc"]))
        if not d:
            continue
        n += 1
        meta = json.loads(d["meta"])
        for f in DOC_FIELDS:
            if values_equal(f, g.get(f), meta.get(f)):
                hits[f] += 1
            else:
                wrong.append({"doc": g["doc"], "field": f, "gold": g.get(f), "got": meta.get(f)})
    return {"n": n, "accuracy": {f: (hits[f] / n if n else None) for f in DOC_FIELDS}, "wrong": wrong}


def summary(report: dict) -> dict:
    """A JSON-friendly summary of a report."""
    out = {"types": {}, "documents": report["documents"]["accuracy"], "missing_docs": report["missing_docs"]}
    for kind, s in report["types"].items():
        out["types"][kind] = {"gold": s.gold, "pred": s.pred, "tp": s.tp, "precision": round(s.precision, 4),
                              "recall": round(s.recall, 4), "f1": round(s.f1, 4),
                              "field_accuracy": {f: (None if s.accuracy(f) is None else round(s.accuracy(f), 4))
                                                 for f in FIELDS[kind]}}
    out["per_doc"] = {d: {k: {"gold": s.gold, "pred": s.pred, "tp": s.tp, "f1": round(s.f1, 4)}
                          for k, s in kinds.items()} for d, kinds in report["per_doc"].items()}
    return out
