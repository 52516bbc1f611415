"""A page's table as a download: CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX.

List cells (lead departments) are written as JSON arrays, so a program reads them back
exactly; every fact row carries its document's title and period."""
from __future__ import annotations

import csv
import io
import json

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def cell(v):
    if isinstance(v, (list, tuple)):
        return json.dumps(list(v), ensure_ascii=False)
    return v


def to_csv(rows: list[dict], columns: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if cell(r.get(c)) is None else cell(r.get(c)) for c in columns])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(rows: list[dict], columns: list[str], sheet: str) -> bytes:
    """One sheet, frozen bold header, fitted widths, by ``cnpolicy export``'s writer, which
    also turns control characters (PDF debris a workbook refuses) into spaces."""
    from pipeline.cmd_export import write_xlsx

    out = io.BytesIO()
    write_xlsx(out, {sheet: (columns, [tuple(r.get(c) for c in columns) for r in rows])})
    return out.getvalue()
