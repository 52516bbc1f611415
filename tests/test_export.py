"""`cnpolicy export` for people and programs: an XLSX workbook (a sheet per table, frozen
header, fitted widths), CSV list columns as JSON arrays, every fact row with its document's
title and period, confidence and reasons as columns, the default threshold and --all."""
import csv
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from extractors.registry import DEFAULT_MIN_CONFIDENCE
from pipeline.cli import app
from pipeline.cmd_export import write_rows
from pipeline.ingest import ingest_files

SAMPLES = sorted(str(p) for p in Path("corpus/samples").glob("*.txt"))[:2]
FACTS = ("targets", "projects", "responsibilities", "deadlines")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "x.duckdb"
    ingest_files(SAMPLES, path, embed=False, workers=1)
    con = duckdb.connect(str(path))
    # One fact below the default threshold, one with a multi-element list column.
    con.execute("UPDATE targets SET confidence = 0.1, reasons = ['history section'] "
                "WHERE target_id = (SELECT min(target_id) FROM targets)")
    con.execute("UPDATE responsibilities SET lead = ['市应急局', '市公安局'] "
                "WHERE resp_id = (SELECT min(resp_id) FROM responsibilities)")
    n = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in FACTS}
    n["targets_shown"] = con.execute("SELECT count(*) FROM targets WHERE confidence IS NULL OR confidence >= ?",
                                     [DEFAULT_MIN_CONFIDENCE]).fetchone()[0]
    con.close()
    return path, n


def _export(db, out, *args):
    res = CliRunner().invoke(app, ["export", "--db", str(db), "--out", str(out), *args])
    assert res.exit_code == 0, res.output
    return res


def test_xlsx_one_sheet_per_table_frozen_header_widths(db, tmp_path):
    from openpyxl import load_workbook

    path, n = db
    _export(path, tmp_path, "--format", "xlsx")
    wb = load_workbook(tmp_path / "cnpolicy.xlsx", read_only=False)
    assert {"documents", "sections", "chunks", *FACTS} <= set(wb.sheetnames)
    ws = wb["targets"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert {"doc_title", "period", "confidence", "reasons", "quote"} <= set(header)
    assert ws.max_row - 1 == n["targets_shown"] < n["targets"]  # low-confidence targets are left out
    widths = {ws.cell(1, i + 1).column_letter: ws.column_dimensions[ws.cell(1, i + 1).column_letter].width
              for i in range(len(header))}
    assert widths[ws.cell(1, header.index("quote") + 1).column_letter] > widths[ws.cell(1, header.index("unit") + 1).column_letter]
    title = ws.cell(2, header.index("doc_title") + 1).value
    assert title and "规划" in title


def test_csv_lists_are_json_arrays_and_rows_carry_title_and_period(db, tmp_path):
    path, _ = db
    _export(path, tmp_path, "--format", "csv")
    with (tmp_path / "responsibilities.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    leads = [json.loads(r["lead"]) for r in rows]
    assert ["市应急局", "市公安局"] in leads
    assert all(isinstance(x, list) for x in leads)
    assert all(r["doc_title"] and r["period"] for r in rows)
    with (tmp_path / "targets.csv").open(encoding="utf-8") as f:
        targets = list(csv.DictReader(f))
    assert all(r["doc_title"] and r["period"] == "2021-2025" for r in targets)


def test_default_threshold_and_all(db, tmp_path):
    path, n = db
    _export(path, tmp_path / "default", "--format", "jsonl")
    res = _export(path, tmp_path / "all", "--format", "jsonl", "--all")
    assert "confidence" not in res.output.split("\n")[-2]
    default = [json.loads(x) for x in (tmp_path / "default" / "targets.jsonl").read_text(encoding="utf-8").splitlines()]
    every = [json.loads(x) for x in (tmp_path / "all" / "targets.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(every) == n["targets"] and len(default) == n["targets_shown"] < n["targets"]
    low = [r for r in every if r["confidence"] is not None and r["confidence"] < DEFAULT_MIN_CONFIDENCE]
    assert ["history section"] in [r["reasons"] for r in low]
    strict = tmp_path / "strict"
    _export(path, strict, "--format", "jsonl", "--min-confidence", "1.0", "-t", "targets")
    assert [p.name for p in strict.iterdir()] == ["targets.jsonl"]


def test_bad_format_and_table_are_refused(db, tmp_path):
    path, _ = db
    for args, msg in ((["--format", "xml"], "unknown format"), (["-t", "nope"], "unknown table")):
        res = CliRunner().invoke(app, ["export", "--db", str(path), "--out", str(tmp_path), *args])
        assert res.exit_code == 2 and msg in res.output


def test_write_rows_exports_a_comparison_table(tmp_path):
    rows = [{"region": "临清市", "value": 2.5, "unit": "平方米", "reasons": ["table"]},
            {"region": "冠县", "value": 1.5, "unit": "平方米", "reasons": []}]
    for suffix in ("csv", "xlsx", "jsonl", "parquet"):
        write_rows(tmp_path / f"cmp.{suffix}", rows, sheet="compare")
    with (tmp_path / "cmp.csv").open(encoding="utf-8") as f:
        got = list(csv.DictReader(f))
    assert got[0]["region"] == "临清市" and json.loads(got[0]["reasons"]) == ["table"]
    assert duckdb.sql(f"SELECT count(*) FROM '{tmp_path / 'cmp.parquet'}'").fetchone()[0] == 2
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "cmp.xlsx")["compare"]
    assert ws.freeze_panes == "A2" and ws.cell(2, 1).value == "临清市"


def test_xlsx_to_a_buffer_survives_control_characters():
    import io

    from openpyxl import load_workbook

    from pipeline.cmd_export import write_xlsx

    buf = io.BytesIO()
    write_xlsx(buf, {"t": (["quote", "lead"], [("表\x0c格\x01", ["市应急局"])])})
    ws = load_workbook(io.BytesIO(buf.getvalue()))["t"]
    assert ws.cell(2, 1).value == "表 格 " and ws.cell(2, 2).value == '["市应急局"]'


def test_an_older_database_without_confidence_exports(tmp_path):
    """Read-only export of a database made before the evidence columns existed."""
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE documents (doc_id VARCHAR, source_file VARCHAR, title VARCHAR, region VARCHAR, "
                "province VARCHAR, prefecture VARCHAR, county VARCHAR, admin_level VARCHAR, period VARCHAR, "
                "period_start INTEGER, period_end INTEGER, kind VARCHAR, raw_text VARCHAR, text VARCHAR, offsets INTEGER[])")
    con.execute("CREATE TABLE targets (doc_id VARCHAR, target_id VARCHAR, indicator VARCHAR, char_start INTEGER)")
    con.execute("INSERT INTO documents (doc_id, source_file, title, period) VALUES ('d', 'a.txt', '某规划', '2021-2025')")
    con.execute("INSERT INTO targets VALUES ('d', 'd:t0001', '死亡率', 0)")
    con.close()
    _export(db, tmp_path / "out", "--format", "csv", "-t", "targets")
    with (tmp_path / "out" / "targets.csv").open(encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert row["indicator"] == "死亡率" and row["doc_title"] == "某规划"
