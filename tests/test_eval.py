"""The scorer: gold records fed back as predictions score 1.0; dropped and altered ones
show up as misses and wrong fields; CLI prints the table and fails clearly on a bad --gold."""
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.evaluate import evaluate, load_gold, locate, summary
from pipeline.ingest import ingest_files
from pipeline.store import connect

GOLD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "gold"
SAMPLES = sorted(str(p) for p in Path("corpus/samples").glob("*.txt"))
pytestmark = pytest.mark.skipif(not GOLD.exists(), reason="../shared/eval/gold not present")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("eval") / "e.duckdb"
    ingest_files(SAMPLES, path, extract=False, embed=False)
    return path


def _gold_as_predictions(con, drop_every: int = 0, bump_values: bool = False) -> None:
    gold = load_gold(GOLD)
    ids = dict(con.execute("SELECT source_file, doc_id FROM documents").fetchall())
    raws = dict(con.execute("SELECT doc_id, raw_text FROM documents").fetchall())
    for kind in ("targets", "projects", "responsibilities", "deadlines"):
        con.execute(f"DELETE FROM {kind}")
        for i, g in enumerate(gold[kind]):
            if drop_every and i % drop_every == 0:
                continue
            doc_id = ids[g["doc"]]
            a, b = locate(raws[doc_id], g["quote"], g.get("line"))
            row = {k: g.get(k) for k in ("indicator", "value", "unit", "comparator", "year", "attribute",
                                          "name", "investment", "task", "lead", "support", "what", "month", "relative")}
            if bump_values and kind == "targets":
                row["value"] = (row["value"] or 0) + 1
            cols = [c for c in row if c in {d[0] for d in con.execute(f"DESCRIBE {kind}").fetchall()}]
            con.execute(f"INSERT INTO {kind} (doc_id, char_start, char_end, quote, {', '.join(cols)}) "
                        f"VALUES (?, ?, ?, ?, {', '.join('?' * len(cols))})",
                        [doc_id, a, b, g["quote"], *[row[c] for c in cols]])


def test_gold_fed_back_scores_perfectly(db, tmp_path):
    con = connect(db)
    _gold_as_predictions(con)
    s = summary(evaluate(con, GOLD))
    for kind, t in s["types"].items():
        assert t["f1"] == 1.0, kind
        assert all(v in (None, 1.0) for v in t["field_accuracy"].values()), kind
    con.close()


def test_dropped_and_wrong_records_are_counted(db):
    con = connect(db)
    _gold_as_predictions(con, drop_every=4, bump_values=True)
    report = evaluate(con, GOLD)
    t = report["types"]["targets"]
    assert t.recall < 0.8 and t.misses
    assert t.accuracy("value") < 0.5  # values were changed on matched pairs
    con.close()


def test_cli_eval_prints_scores_and_rejects_missing_gold(db, tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["eval", "--db", str(db), "--gold", str(GOLD), "--json"])
    assert res.exit_code == 0, res.output
    assert set(json.loads(res.output)["types"]) == {"targets", "projects", "responsibilities", "deadlines"}
    res = runner.invoke(app, ["eval", "--db", str(db), "--gold", str(tmp_path / "nope")])
    assert res.exit_code == 2 and "gold folder missing" in res.output


def test_export_writes_every_table(db, tmp_path):
    runner = CliRunner()
    for fmt in ("parquet", "csv", "jsonl"):
        res = runner.invoke(app, ["export", "--db", str(db), "--out", str(tmp_path / fmt), "--format", fmt])
        assert res.exit_code == 0, res.output
        assert {p.name for p in (tmp_path / fmt).iterdir()} >= {f"targets.{fmt}", f"documents.{fmt}"}
    docs = duckdb.sql(f"SELECT source_file FROM '{tmp_path / 'parquet' / 'documents.parquet'}'").fetchall()
    assert len(docs) == 5
    res = runner.invoke(app, ["export", "--db", str(db), "--out", str(tmp_path / "x"), "--format", "xml"])
    assert res.exit_code == 2 and "unknown format" in res.output
