"""What the pages read beyond the query library's questions.

Rows, filters and rankings come from ``queries/`` unchanged; here are only the menus a
form offers (the values the corpus holds) and one document's facts gathered from the
four fact lists for highlighting.  The two menu reads are the only SQL of the web app.
"""
from __future__ import annotations

from extractors.registry import DEFAULT_MIN_CONFIDENCE
from queries.filters import Filters

LOW_CONFIDENCE = DEFAULT_MIN_CONFIDENCE  # facts below the shared threshold are drawn as uncertain
FACT_ID = {"targets": "target_id", "projects": "project_id", "responsibilities": "resp_id",
           "deadlines": "deadline_id"}
FACT_LABEL = {"targets": "indicator", "projects": "name", "responsibilities": "task", "deadlines": "what"}
FACT_PREFIX = {"targets": "t", "projects": "p", "responsibilities": "r", "deadlines": "d"}


def rows(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def choices(con) -> dict[str, list]:
    """The values the filter menus offer: those the corpus holds."""
    found = rows(con, """
        SELECT list(DISTINCT province ORDER BY province) FILTER (WHERE province IS NOT NULL) AS province,
               list(DISTINCT kind ORDER BY kind) FILTER (WHERE kind IS NOT NULL) AS kind,
               list(DISTINCT period ORDER BY period DESC) FILTER (WHERE period IS NOT NULL) AS period
        FROM documents""")[0]
    return {k: v or [] for k, v in found.items()}


def indicators(con) -> list[dict]:
    """Indicator names the targets table holds, with how many plans state each (most first)."""
    return rows(con, """
        SELECT coalesce(canonical_indicator, indicator) AS name, count(DISTINCT doc_id) AS plans
        FROM targets WHERE coalesce(canonical_indicator, indicator) IS NOT NULL
        GROUP BY 1 ORDER BY plans DESC, name""")


def facts(con, doc_id: str) -> list[dict]:
    """Every extracted fact of one document, low-confidence ones included, in text order:
    kind, anchor (``t-<target_id>``), label, quote, raw-text span, confidence, ``low``."""
    from queries.compare import format_target
    from queries.targets import list_deadlines, list_projects, list_responsibilities, query_targets

    f = Filters.parse(doc=doc_id, include_all=True)
    lists = {"targets": query_targets, "projects": list_projects, "responsibilities": list_responsibilities,
             "deadlines": list_deadlines}
    out = []
    for kind, read in lists.items():
        for r in read(con, filters=f):
            conf = r.get("confidence")
            if kind == "targets":
                r["target"] = format_target(r)
            out.append({**r, "kind": kind, "id": r[FACT_ID[kind]], "label": r.get(FACT_LABEL[kind]),
                        "anchor": f"{FACT_PREFIX[kind]}-{r[FACT_ID[kind]]}",
                        "low": conf is not None and conf < LOW_CONFIDENCE})
    out.sort(key=lambda r: (r["char_start"] if r.get("char_start") is not None else 1 << 30, r["kind"]))
    return out
