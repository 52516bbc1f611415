"""A page's table as a download: CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX.

List cells (lead departments) are written as JSON arrays, so a program reads them back
exactly; every fact row carries its document's title and period."""
from __future__ import annotations

import csv
import io
import json

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MAX_WIDTH = 60  # characters: wider columns (quotes) wrap in Excel instead of running off


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
    """One sheet, frozen bold header, column widths from the content."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append(columns)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append([cell(r.get(c)) for c in columns])
    ws.freeze_panes = "A2"
    for i, name in enumerate(columns, 1):
        longest = max([len(str(name))] + [len(str(cell(r.get(name)) or "")) for r in rows[:500]])
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(8, longest * 1.6 + 2))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
