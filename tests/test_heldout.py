"""Targets on held-out plans the extractor was not tuned on (tests/heldout: 粤/浙/豫/甘/蒙/川,
十二五–十四五, province to county, a 政策解读 article), scored against hand-made gold.

Measured when written: batch 1 (ho1–ho5) scored F1 0.914 before the extractor was fixed for it,
batch 2 (ho6–ho7, written blind after those fixes) F1 0.987; all seven now F1 0.99 with every
field ≥ 0.98.  The floors below leave room for honest drift, not for regressions.
"""
import json
from pathlib import Path

import duckdb
import pytest

from pipeline.evaluate import evaluate
from pipeline.ingest import ingest_files

HELDOUT = Path(__file__).parent / "heldout"
DOCS = sorted(str(p) for p in HELDOUT.glob("*.txt"))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("heldout") / "h.duckdb"
    ingest_files(DOCS, path, extract=True, embed=False)
    con = duckdb.connect(str(path), read_only=True)
    try:
        return evaluate(con, HELDOUT)
    finally:
        con.close()


def test_gold_quotes_stand_on_their_lines():
    for line in (HELDOUT / "targets.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        lines = (HELDOUT / g["doc"]).read_text(encoding="utf-8").splitlines()
        assert g["quote"] in lines[g["line"] - 1], g


def test_every_heldout_document_is_scored(report):
    assert report["missing_docs"] == []
    assert len(DOCS) >= 7


def test_targets_precision_recall(report):
    t = report["types"]["targets"]
    assert t.gold >= 140
    assert t.precision >= 0.95, [e["quote"] for e in t.extras]
    assert t.recall >= 0.93, [m["quote"] for m in t.misses]
    assert t.f1 >= 0.94


@pytest.mark.parametrize("field", ["value", "unit", "comparator", "year", "attribute"])
def test_target_fields(report, field):
    t = report["types"]["targets"]
    assert t.accuracy(field) >= 0.95, [(g["quote"], g.get(field), p.get(field)) for g, p, bad in t.wrong if field in bad]


def test_each_document_holds_up(report):
    for doc, scores in report["per_doc"].items():
        assert scores["targets"].f1 >= 0.85, (doc, scores["targets"])


def test_history_and_baselines_are_not_targets(report):
    """Results of an earlier period (“十三五”期间…控制在0.9‰以内) and baseline table columns
    (2020年 | 1.42) are the classic false targets: none may come back."""
    extras = report["types"]["targets"].extras
    assert not [e for e in extras if e.get("source_kind") == "table"]
    assert len(extras) <= 2, [e["quote"] for e in extras]


# --- real documents annotated blind (tests/blind/<name>/targets.jsonl) ----------------------
# Gold written from the document before the extractor's records on it were seen; the documents
# themselves stay in ../shared/eval/real/unlabelled.  Measured when each was annotated
# (targets F1, then after the general fixes of that session):
#   shanghai_shangye-hangtian-xingdong-jihua_2023      0.769 → 0.857 untuned → 1.000 after fixes it prompted
#   guojia_shuzi-jingji-fazhan-guihua-14-5_2021        1.000 → 0.500 untuned (千兆光纤网络 as bandwidth) → 1.000
#   shanghai_gaoduan-yiliao-qixie-xingdong-fangan_2025 0.667 → 0.857 untuned → 1.000 after fixes it prompted
#   shanghai-yangpu-qu_yangshupu-chuangxinqu-jianshe-fangan_2025 0.667 → 0.667 untuned (extras: zone areas
#   described with 面积约…平方公里; gold corrected once, see its README) → 1.000 after 空间布局 became a
#   baseline heading (prompted by it)
# All four together: 0.718 before, 0.905 after the untuned changes, 1.000 with the changes they prompted.
# Annotated blind by another helper (R_*, targets): R_nongye-jixiehua 0.000 → 0.878 (untuned) → 0.978 after 补齐短板 titles became tasks (prompted by it), R_zhengfu-baogao-2021
# 0.588 (before, and when first run here) → 1.000 after the work-report fixes it prompted (今年, lead-ins,
# 万亿, 岁, telephone numbers, report prior −0.8, the next value after 、/和, 年限…年, 改造 counts).
# Stop 17 (helpers S and G): R_gonggong-weisheng and R_guangyuan-zhiben state no target (0 reported,
# untuned); R_shipin-keji 0.800 untuned → 1.000 after the fixes it prompted (种/款 counts, 突破, 研制/
# 获批 counts, a paragraph framed by the year it opens on), so it is no longer held out.
# R_zhongyang-yihao 1.000 untuned (one year wrong: …，2021年建设1亿亩 → a clause's own year, fixed);
# R_zhichi-qiye and R_qiye-anquan-2010: no confident target but one condition (对于…发生, fixed).
BLIND = Path(__file__).parent / "blind"
UNLABELLED = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "real" / "unlabelled"


def _blind_cases():
    return sorted(p for p in BLIND.glob("*/targets.jsonl")) if BLIND.exists() else []


@pytest.mark.skipif(not UNLABELLED.exists(), reason="real unlabelled set not present")
@pytest.mark.parametrize("gold_file", _blind_cases(), ids=lambda p: p.parent.name)
def test_blind_real_documents(gold_file):
    from extractors.targets import confident, extract_targets
    from pipeline.evaluate import locate, match_records
    from pipeline.process import analyse

    gold = [json.loads(x) for x in gold_file.read_text(encoding="utf-8").splitlines() if x.strip()]
    if not gold:  # a document that states no target: nothing may be reported
        name = json.loads((gold_file.parent / "documents.jsonl").read_text(encoding="utf-8").splitlines()[0])["doc"]
        found = confident(extract_targets(analyse(str(UNLABELLED / name))))
        assert not found, [r["quote"] for r in found]
        return
    doc = analyse(str(UNLABELLED / gold[0]["doc"]))
    for g in gold:
        g["_span"] = locate(doc.raw_text, g["quote"], g.get("line"))
        assert g["_span"], g["quote"]
    score = match_records("targets", gold, confident(extract_targets(doc)))
    assert score.recall >= 0.7, [m["quote"] for m in score.misses]
    assert score.f1 >= 0.8, ([m["quote"] for m in score.misses], [e["quote"] for e in score.extras])
