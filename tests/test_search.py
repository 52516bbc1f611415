"""Hybrid search on the ingested seed plans: right passages, filters, modes, index upkeep, errors."""
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.ingest import ingest_files
from queries.search import SearchError, search

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted(str(p) for p in (ROOT / "corpus" / "samples").glob("*.txt"))
SMALLEST = min(SAMPLES, key=lambda p: Path(p).stat().st_size)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "s.duckdb"
    report = ingest_files(SAMPLES, path, extract=False)
    assert all(r["status"] == "stored" for r in report)
    return str(path)


@pytest.fixture(scope="module")
def con(db):
    c = duckdb.connect(db, read_only=True)
    yield c
    c.close()


def test_ingest_builds_indexes(db, con):
    """Both retrievers answer after ingest (how the indexes are stored is index/'s business)."""
    assert con.execute("SELECT count(*) FROM chunks").fetchone()[0] > 0
    assert search(con, "应急避难场所", k=2, mode="bm25") and search(con, "应急避难场所", k=2, mode="dense")


def test_shelter_query_finds_shelter_passage(con):
    hits = search(con, "避难场所", k=5)
    assert len(hits) == 5
    assert "应急避难场所" in hits[0]["text"]
    assert {"避难", "场所"} <= set(hits[0]["highlights"])
    for key in ("doc_id", "source_file", "title", "region", "admin_level", "kind", "section_path", "page",
                "char_start", "char_end", "text", "score"):
        assert key in hits[0]


@pytest.mark.parametrize("query, region, phrase", [
    ("以人的素质提升为核心的安全品牌工程", "济宁市", "素质固安"),
    ("林区缺少防火隔离带", "山亭区", "阻隔"),
    ("网格员承担哪些应急管理职责", "船山区", "网格员"),
])
def test_paraphrased_questions_find_their_passage(con, query, region, phrase):
    hits = search(con, query, k=5)
    assert any(h["region"] == region and phrase in h["text"] for h in hits)


def test_passage_span_points_into_the_original(con):
    hit = search(con, "应急物资储备库", k=1)[0]
    raw = con.execute("SELECT raw_text FROM documents WHERE doc_id = ?", [hit["doc_id"]]).fetchone()[0]
    quote = raw[hit["char_start"]:hit["char_end"]]
    assert "".join(quote.split())[:20] == "".join(hit["text"].split())[:20]


def test_region_filter(con):
    hits = search(con, "人均避难场所面积", k=5, region="临清市")
    assert hits and all(h["region"] == "临清市" for h in hits)
    assert "避难场所" in hits[0]["text"]


def test_level_year_and_province_filters(con):
    assert all(h["admin_level"] == "district" for h in search(con, "应急救援队伍", k=10, admin_level="district"))
    covering = {r[0] for r in con.execute(
        "SELECT doc_id FROM documents WHERE period_start <= 2030 AND 2030 <= coalesce(period_end, period_start)").fetchall()}
    assert {h["doc_id"] for h in search(con, "应急救援队伍", k=10, year=2030)} <= covering
    assert search(con, "应急救援队伍", k=3, region="不存在的县") == []
    province = con.execute("SELECT province FROM documents WHERE province IS NOT NULL LIMIT 1").fetchone()[0]
    assert search(con, "应急救援队伍", k=3, province=province)


def test_modes(con):
    bm25 = search(con, "森林防火", k=3, mode="bm25")
    assert bm25 and all(h["bm25_rank"] and h["dense_rank"] is None for h in bm25)
    assert all("防火" in h["text"] for h in bm25)
    dense = search(con, "危险化学品全链条安全监管", k=3, mode="dense")
    assert dense and all(h["dense_rank"] for h in dense) and dense[0]["score"] > 0.3


def test_search_accepts_a_path(db):
    assert search(db, "应急广播", k=2)


@pytest.mark.parametrize("kwargs, message", [
    ({"query": ""}, "empty query"),
    ({"query": "  "}, "empty query"),
    ({"query": "避难", "k": 0}, "k must be"),
    ({"query": "避难", "admin_level": "town"}, "unknown level"),
    ({"query": "避难", "mode": "fuzzy"}, "unknown mode"),
    ({"query": "避难", "year": 25}, "year"),
])
def test_bad_parameters(con, kwargs, message):
    with pytest.raises(SearchError, match=message):
        search(con, **kwargs)


def test_other_query_model_is_refused(con):
    with pytest.raises(SearchError, match="made with 'use-m3'"):
        search(con, "避难场所", model="/models/bge-small-zh")


def test_cli_search(db):
    from typer.testing import CliRunner

    from pipeline.cli import app

    run = CliRunner().invoke(app, ["search", "人均避难场所面积", "--region", "临清市", "-k", "2", "--db", db])
    assert run.exit_code == 0, run.output
    assert "临清市" in run.output and "避难场所" in run.output
    out = CliRunner().invoke(app, ["search", "避难场所", "-k", "1", "--json", "--db", db])
    assert json.loads(out.output)[0]["highlights"]
    bad = CliRunner().invoke(app, ["search", "避难", "--level", "town", "--db", db])
    assert bad.exit_code == 2 and "unknown level" in bad.output


def test_a_new_document_is_found_and_a_deleted_one_is_not(tmp_path):
    db = tmp_path / "one.duckdb"
    ingest_files([SMALLEST], db, extract=False)
    other = tmp_path / "other.txt"  # another plan: new chunks → the indexes follow at ingest
    other.write_text("某县应急管理规划\n一、总体要求\n到2025年，全县新建地下人防工程兼作应急避难场所三处。\n", encoding="utf-8")
    assert ingest_files([str(other)], db, extract=False)[0]["status"] == "stored"
    assert any("人防工程" in h["text"] for h in search(str(db), "地下人防工程", k=3))
    with duckdb.connect(str(db)) as w:  # a deleted document disappears from results
        w.execute("DELETE FROM chunks WHERE doc_id IN (SELECT doc_id FROM documents WHERE text LIKE '%人防工程%')")
    assert all("人防工程" not in h["text"] for h in search(str(db), "地下人防工程", k=3, mode="dense"))


def test_without_embeddings_hybrid_is_bm25(tmp_path):
    db = tmp_path / "noembed.duckdb"
    shutil.copy(SMALLEST, tmp_path / "plan.txt")
    ingest_files([str(tmp_path / "plan.txt")], db, extract=False, embed=False)
    assert not Path(f"{db}.faiss").exists()
    hits = search(str(db), "防汛抢险应急演练", k=3)
    assert hits and all(h["dense_rank"] is None for h in hits)
    with pytest.raises(SearchError, match="no embeddings"):
        search(str(db), "防汛", mode="dense")


def test_result_rows_from_the_index_equal_the_store(con):
    """Search results read their passage from the keyword index (no DuckDB scan): the same
    fields and values as the store's join."""
    from index import passage_rows
    from queries.search import result_sql

    ids = [r[0] for r in con.execute("SELECT chunk_id FROM chunks ORDER BY chunk_id LIMIT 40").fetchall()]
    cur = con.execute(result_sql(con), [ids])
    names = [c[0] for c in cur.description]
    stored = {r[0]: dict(zip(names, r)) for r in cur.fetchall()}
    assert len(stored) == 40 and passage_rows(con, ids + ["no-such-chunk"]) == stored


def test_the_cold_query_path_gives_the_same_hits_and_scores(con, monkeypatch):
    """A cold search cuts the query with a small piece model and multiplies in numpy (no
    full sentencepiece load, no ONNX Runtime): every hit and score equals those of the full
    tokenizer with every product through ONNX Runtime."""
    from index import embedders

    queries = ["人均避难场所面积", "网格员承担哪些应急管理职责", "林区缺少防火隔离带", "Hello 应急物资储备库 2025年"]

    def run():
        embedders._load.cache_clear()  # a fresh embedder, as in a new process
        return [search(con, q, k=10, mode=m) for q in queries for m in ("hybrid", "dense")]

    cold = run()
    assert isinstance(embedders.get_embedder()._model._sp, embedders.LazySentencePiece)
    assert embedders.get_embedder()._model._sp._full is None  # the whole tokenizer never loaded
    monkeypatch.setenv("CNPOLICY_SP_PIECES", "0")
    monkeypatch.setattr(embedders, "_NUMPY_INT8_ROWS", 0)
    try:
        assert run() == cold
    finally:
        embedders._load.cache_clear()
