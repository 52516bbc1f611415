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


def _write_gold(folder: Path, files: dict[str, list[dict]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                             encoding="utf-8")
    return folder


def _one_target(con):
    """A stored (doc name, indicator, value, quote, span) to build gold from."""
    con.execute("DELETE FROM targets")
    doc_id, raw, name = con.execute("SELECT doc_id, raw_text, source_file FROM documents ORDER BY source_file").fetchone()
    quote = raw[raw.index("%") - 20: raw.index("%") + 1]
    a = raw.index(quote)
    return doc_id, name, quote, a, a + len(quote)


def test_folder_with_only_some_types_and_not_targets(db, tmp_path):
    """No projects.jsonl is not an error (projects are just not scored); a prediction that
    matches not_targets.jsonl is a false positive and counted as a not-target hit."""
    con = connect(db)
    doc_id, name, quote, a, b = _one_target(con)
    con.execute("INSERT INTO targets (doc_id, target_id, indicator, value, char_start, char_end, quote, confidence) "
                "VALUES (?, 'x1', '考评权重', 60, ?, ?, ?, 0.9)", [doc_id, a, b, quote])
    gold = _write_gold(tmp_path / "g", {
        "targets": [{"doc": name, "indicator": "另一个指标", "value": 1, "quote": "不存在的句子"}],
        "not_targets": [{"doc": name, "indicator": "考评权重", "value": 60, "quote": quote}],
    })
    report = evaluate(con, gold)
    con.close()
    assert set(report["types"]) == {"targets"} and "projects" in report["unscored"]
    t = report["types"]["targets"]
    assert t.pred == 1 and t.tp == 0 and t.precision == 0.0
    assert t.not_gold == 1 and len(t.forbidden) == 1
    assert summary(report)["types"]["targets"]["not_gold_hit"] == 1


def test_threshold_and_verbose_per_document(db, tmp_path):
    con = connect(db)
    doc_id, name, quote, a, b = _one_target(con)
    con.execute("INSERT INTO targets (doc_id, target_id, indicator, value, char_start, char_end, quote, confidence) "
                "VALUES (?, 'x1', '低置信度指标', 7, ?, ?, ?, 0.2)", [doc_id, a, b, quote])
    con.close()
    gold = _write_gold(tmp_path / "g", {"targets": [{"doc": name, "indicator": "漏掉的指标", "value": 3, "quote": "不存在"}]})
    runner = CliRunner()
    res = runner.invoke(app, ["eval", "--db", str(db), "--gold", str(gold), "--json"])
    assert json.loads(res.output)["types"]["targets"]["pred"] == 0  # below the default threshold
    res = runner.invoke(app, ["eval", "--db", str(db), "--gold", str(gold), "--all", "-v"])
    assert res.exit_code == 0, res.output
    assert "MISS" in res.output and "漏掉的指标" in res.output
    assert "EXTRA" in res.output and "低置信度指标" in res.output
    assert f"── {Path(name).stem}" in res.output  # grouped under its document
    res = runner.invoke(app, ["eval", "--db", str(db), "--gold", str(gold), "--min-confidence", "0.1", "--json", "-v"])
    out = json.loads(res.output)
    assert out["types"]["targets"]["pred"] == 1
    per = out["per_doc"][Path(name).stem]["targets"]
    assert per["misses"][0]["indicator"] == "漏掉的指标" and per["extras"][0]["indicator"] == "低置信度指标"


def test_bad_gold_line_names_the_file(db, tmp_path):
    gold = tmp_path / "g"
    gold.mkdir()
    (gold / "targets.jsonl").write_text('{"doc": "a.txt"}\nnot json\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", "--db", str(db), "--gold", str(gold)])
    assert res.exit_code == 2 and "targets.jsonl:2: not valid JSON" in res.output
