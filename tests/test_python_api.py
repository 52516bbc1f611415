"""`from pipeline import Corpus`: ingest, list, filter, compare, ask and search from Python."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from pipeline import Corpus

    c = Corpus(tmp_path_factory.mktemp("py") / "c.duckdb")
    report = c.ingest(ROOT / "corpus" / "samples", embed=False)
    assert [r["status"] for r in report] == ["stored"] * 5
    return c


def test_documents(corpus):
    docs = corpus.documents()
    assert len(docs) == 5 and "raw_text" not in docs[0]
    assert {d["region"] for d in docs} >= {"临清市", "山亭区", "船山区"}


def test_targets_filters(corpus):
    rows = corpus.targets(indicator="人均应急避难场所面积", county_level=True, value=2.5, unit="㎡")
    assert [r["region"] for r in rows] == ["临清市"]
    assert rows[0]["quote"] and rows[0]["source_file"]


def test_compare_ask_search(corpus):
    rows = corpus.compare("道路交通万车死亡率")
    assert {r["region"] for r in rows} == {"济宁市", "临清市", "山亭区"}
    answer = corpus.ask("哪些地区要求亿元GDP生产安全事故死亡率控制在0.01以内？")
    assert sorted(answer["regions"]) == sorted(["济宁市", "临清市", "山亭区"])
    assert corpus.search("森林防火", k=3)


def test_ingest_again_is_unchanged(corpus):
    report = corpus.ingest([ROOT / "corpus" / "samples" / "000_fc45d8a9daaaf44a.txt"])
    assert report[0]["status"] == "unchanged"


def test_the_shared_filters(corpus):
    from queries.filters import FilterError

    assert {d["region"] for d in corpus.documents(region="山东", level="county")} == {"临清市", "山亭区"}
    assert [d["kind"] for d in corpus.documents(kind="article")] == ["article"]
    assert all(d["period"] == "2021-2025" for d in corpus.documents(period="十四五"))
    assert corpus.targets(region="四川") == corpus.targets(region="四川省") != []
    assert all(r["year"] == 2025 for r in corpus.deadlines(year=2025))
    doc = corpus.documents(region="临清")[0]
    assert corpus.document(doc["doc_id"][:6])["doc_id"] == doc["doc_id"]
    assert {r["doc_id"] for r in corpus.targets(doc=doc["doc_id"][:6])} == {doc["doc_id"]}
    with pytest.raises(FilterError, match="unknown level"):
        corpus.targets(level="city")


def test_comparison_names_its_period_and_diff(corpus):
    result = corpus.comparison("亿元GDP生产安全事故死亡率")
    assert result["period_label"].startswith("2021-2025") and result["rows"]
    docs = corpus.documents(period="十四五")
    assert corpus.diff(docs[0]["doc_id"][:8], docs[1]["doc_id"])["schema"] == "cnpolicy.diff/1"
