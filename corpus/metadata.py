"""Document metadata (title, issuer, 文号, date, period, kind, region). Placeholder."""
from __future__ import annotations

from corpus.model import Document

FIELDS = ("title", "issuer", "doc_number", "issue_date", "region", "province", "prefecture",
          "county", "admin_code", "admin_level", "period", "period_start", "period_end", "kind")


def extract_metadata(doc: Document) -> dict:
    meta = {f: None for f in FIELDS}
    first = next((ln.strip() for ln in doc.text.splitlines() if ln.strip()), "")
    meta["title"] = first[:80]
    return meta
