"""What an ingest runs (no Doc kept: one token, no spans) gives the records a caller keeping
the Docs gets, whose Docs still have a token per sentence and every record's span."""
from pathlib import Path

from extractors.base import default_nlp, run, text_doc
from pipeline.process import analyse

SAMPLES = sorted((Path(__file__).parent.parent / "corpus" / "samples").glob("*.txt"))


def test_records_are_the_same_with_and_without_kept_docs():
    for path in SAMPLES[:3]:
        kept = run([analyse(str(path))], keep_docs=True)[0]
        plain = run([analyse(str(path))])[0]
        assert plain.records == kept.records and plain.warnings == kept.warnings
        assert plain.doc is None
        assert len(kept.doc) > 1 and all(t.is_sent_start for t in kept.doc)
        assert {name: len(kept.doc.spans[name]) for name in kept.records} == \
            {name: len(rows) for name, rows in kept.records.items()}


def test_a_text_doc_is_one_sentence_holding_the_text():
    nlp = default_nlp()
    doc = text_doc(nlp, "到2025年，覆盖率达到90%。\n建成5个示范区；")
    assert doc.text == "到2025年，覆盖率达到90%。\n建成5个示范区；" and len(doc) == 1
    assert [s.text for s in doc.sents] == [doc.text]
    assert len(text_doc(nlp, "")) == 0
