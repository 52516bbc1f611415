"""The extractor registry: a one-file extractor declares its table and is stored, exported
and counted without touching the schema; a record for an undeclared table is an error;
keys that are not columns survive in ``extra``."""
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from extractors import registry

SAMPLE = sorted(str(p) for p in Path("corpus/samples").glob("*.txt"))[0]

PLUGIN = '''
from spacy.language import Language
from extractors.base import provenance
from extractors.registry import fact_table

fact_table("{table}", id_prefix="{prefix}", columns={{"hazard": "VARCHAR", "n_chars": "INTEGER"}},
           key="hazard", scored=("n_chars",))


@Language.component("{table}")
def find_hazards(doc):
    src = doc._.source
    for word in ("地震", "洪涝", "火灾"):
        i = src.text.find(word)
        if i >= 0:
            doc._.records["{table}"].append(
                {{"hazard": word, "n_chars": len(src.text), "note": "a key that is not a column",
                  "confidence": 0.9, "reasons": ["keyword"], **provenance(src, i, i + len(word))}})
    return doc
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch, request):
    """A plugin module in a temporary folder, loaded the way users load one ($CNPOLICY_EXTRACTORS)."""
    table = f"hazards_{request.node.name[-6:].strip('_').lower()}"
    table = "".join(ch if ch.isalnum() else "_" for ch in table)
    mod = f"plugin_{table}"
    (tmp_path / f"{mod}.py").write_text(PLUGIN.format(table=table, prefix=f"h{abs(hash(table)) % 9999}"),
                                        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(registry.ENV_VAR, mod)
    with registry.scoped():
        yield table


def test_plugin_table_is_stored_and_exported(plugin, tmp_path):
    from pipeline.cli import app
    from pipeline.ingest import ingest_files

    db = tmp_path / "p.duckdb"
    ingest_files([SAMPLE], db, embed=False, workers=1)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(f"SELECT hazard, confidence, reasons, extra, quote, {registry.get(plugin).id_column} FROM {plugin}").fetchall()
    con.close()
    assert rows, "the plugin's records were not stored"
    hazard, conf, reasons, extra, quote, rid = rows[0]
    assert quote == hazard and conf == 0.9 and reasons == ["keyword"]
    assert json.loads(extra) == {"note": "a key that is not a column"}
    assert rid.endswith("0001")

    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["export", "--db", str(db), "--out", str(out), "--format", "csv"])
    assert res.exit_code == 0, res.output
    header = (out / f"{plugin}.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert {"hazard", "doc_title", "period", "confidence", "reasons"} <= set(header)


def test_plugin_table_is_in_schema_and_pipeline(plugin):
    from extractors.base import default_components
    from pipeline.schema import DOC_TABLES, FACT_TABLES, TABLES, columns

    assert plugin in TABLES and plugin in FACT_TABLES and plugin in DOC_TABLES
    assert plugin in default_components()
    assert columns(plugin)[:2] == ["doc_id", registry.get(plugin).id_column]
    assert {"confidence", "reasons", "section_role", "extra", "quote"} <= set(columns(plugin))


def test_plugin_table_is_scored_by_eval(plugin, tmp_path):
    from pipeline.evaluate import evaluate
    from pipeline.ingest import ingest_files

    db = tmp_path / "e.duckdb"
    ingest_files([SAMPLE], db, embed=False, workers=1)
    con = duckdb.connect(str(db), read_only=True)
    hazard, quote = con.execute(f"SELECT hazard, quote FROM {plugin} ORDER BY char_start LIMIT 1").fetchone()
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / f"{plugin}.jsonl").write_text(json.dumps(
        {"doc": Path(SAMPLE).name, "hazard": hazard, "quote": quote}, ensure_ascii=False) + "\n", encoding="utf-8")
    report = evaluate(con, gold)
    con.close()
    s = report["types"][plugin]
    assert s.tp == 1 and s.gold == 1
    assert "targets" in report["unscored"]  # no targets.jsonl: not scored, not an error


def test_record_for_undeclared_table_is_an_error():
    from spacy.language import Language

    from extractors.base import make_nlp, run
    from pipeline.process import analyse

    @Language.component("writes_to_nowhere")
    def writes_to_nowhere(doc):
        doc._.records.setdefault("nowhere", []).append({"x": 1})
        return doc

    nlp = make_nlp(("cn_sentencizer", "writes_to_nowhere"))
    with pytest.raises(registry.RegistryError, match="unknown table 'nowhere'"):
        run([analyse(SAMPLE)], nlp)


def test_bad_declarations_are_refused():
    with registry.scoped():
        with pytest.raises(registry.RegistryError, match="added by the registry"):
            registry.fact_table("things", id_prefix="zz", columns={"quote": "VARCHAR"})
        with pytest.raises(registry.RegistryError, match="id prefix"):
            registry.fact_table("things", id_prefix="t", columns={"thing": "VARCHAR"})
        with pytest.raises(registry.RegistryError, match="already declared"):
            registry.fact_table("targets", id_prefix="t", columns={"thing": "VARCHAR"})


def test_a_failing_component_costs_only_its_own_records():
    from spacy.language import Language

    from extractors.base import make_nlp, run
    from pipeline.process import analyse

    @Language.component("always_fails")
    def always_fails(doc):
        raise ValueError("boom")

    nlp = make_nlp(("cn_sentencizer", "always_fails", "targets"))
    res = run([analyse(SAMPLE)], nlp)[0]
    assert res.records["targets"] and "always_fails" in res.warnings[0] and "boom" in res.warnings[0]


def test_records_spans_are_on_the_doc():
    from extractors.base import run
    from pipeline.process import analyse

    res = run([analyse(SAMPLE)], keep_docs=True)[0]
    spans = res.doc.spans["targets"]
    assert len(spans) == len(res.records["targets"]) > 0
    first = res.records["targets"][0]
    assert any(s.start_char <= res.doc._.source.text.find(first["indicator"]) < s.end_char for s in spans)
    assert list(res.doc.sents)


def test_an_older_database_gains_the_new_columns(tmp_path):
    from pipeline.store import connect

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE targets (doc_id VARCHAR, target_id VARCHAR, indicator VARCHAR, value DOUBLE, "
                "char_start INTEGER, char_end INTEGER, quote VARCHAR)")
    con.execute("INSERT INTO targets VALUES ('d', 'd:t0001', '死亡率', 1.0, 0, 3, '死亡率')")
    con.close()
    con = connect(db)
    cols = {r[0]: r[1] for r in con.execute("DESCRIBE targets").fetchall()}
    assert cols["confidence"] == "DOUBLE" and cols["reasons"] == "VARCHAR[]" and cols["extra"] == "JSON"
    assert {"frequency", "measure", "year_implied", "section_role"} <= set(cols)
    assert con.execute("SELECT indicator, confidence FROM targets").fetchall() == [("死亡率", None)]
    con.close()


def test_a_failing_extractor_is_noted_on_the_stored_document(tmp_path, monkeypatch):
    import extractors.base as base
    from pipeline.process import process_file
    from spacy.language import Language

    @Language.component("fails_in_ingest")
    def fails_in_ingest(doc):
        raise ValueError("kaputt")

    nlp = base.make_nlp(("cn_sentencizer", "fails_in_ingest", "targets"))
    monkeypatch.setattr(base, "default_nlp", lambda: nlp)
    res = process_file(SAMPLE, embed=False)
    assert res.error is None and res.rows["targets"]
    assert "kaputt" in res.warnings[0]
    assert "kaputt" in json.loads(res.rows["documents"][0]["meta"])["extract_warnings"][0]


def test_an_installed_plugin_is_found_by_its_entry_point(tmp_path, monkeypatch):
    """A package that declares ``[project.entry-points."cnpolicy.extractors"]`` is loaded
    without any setting (here: a distribution's metadata in a folder on sys.path)."""
    mod = "plugin_entry_point_hazards"
    (tmp_path / f"{mod}.py").write_text(PLUGIN.format(table="ep_hazards", prefix="eph"), encoding="utf-8")
    dist = tmp_path / "cnpolicy_ep_hazards-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: cnpolicy-ep-hazards\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(f"[{registry.ENTRY_POINT_GROUP}]\nhazards = {mod}\n", encoding="utf-8")
    monkeypatch.delenv(registry.ENV_VAR, raising=False)
    try:
        with registry.scoped():
            monkeypatch.syspath_prepend(str(tmp_path))
            registry._entry_point_modules.cache_clear()
            assert "ep_hazards" in registry.tables()
            monkeypatch.undo()
    finally:
        monkeypatch.undo()
        registry._entry_point_modules.cache_clear()
    assert "ep_hazards" not in registry.tables()  # uninstalled: gone


def test_the_sentence_tokenizer_makes_the_sentencizers_sentences():
    """One token per sentence: the tokens join back to the text, every token starts a
    sentence, and the sentences are the ones the sentencizer finds on a Doc of one token
    per character (ends of SENT_END's matches)."""
    import random

    from spacy.tokens import Doc

    from extractors.base import cn_sentencizer, default_nlp

    nlp = default_nlp()
    marks = list("。！？；!?;，,：:”」’』）)\n") + ["规划", "目标", " "] * 3
    rng = random.Random(4)
    for _ in range(2000):
        text = "".join(rng.choice(marks) for _ in range(rng.randint(1, 25)))
        doc = nlp.make_doc(text)
        assert "".join(t.text for t in doc) == text
        assert all(t.is_sent_start for t in doc), text
        chars = cn_sentencizer(Doc(nlp.vocab, words=list(text), spaces=[False] * len(text)))
        assert [(s.start_char, s.end_char) for s in doc.sents] == \
            [(s.start_char, s.end_char) for s in chars.sents], text
