"""The fast paths of extraction give the answers of the plain ones, and long texts work:
a text over spaCy's 1,000,000-character limit is extracted, metadata of a long text reads
its header and closing lines only.  Functional tests; timing lives in bench/extract.py."""
from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from corpus.metadata import extract_metadata
from corpus.model import Document, Section
from extractors.base import run
from extractors.targets import _span_test
from pipeline.process import analyse

ROOT = Path(__file__).parent.parent
SAMPLES = sorted((ROOT / "corpus" / "samples").glob("*.txt"))


@pytest.fixture(scope="module")
def sample():
    return analyse(str(SAMPLES[0]))


def _linear_section_at(doc: Document, pos: int) -> Section | None:
    """The plain definition: the deepest section holding pos, the last listed on a tie."""
    best = None
    for s in doc.sections:
        if s.start <= pos < s.end and (best is None or s.level >= best.level):
            best = s
    return best


def test_section_at_matches_a_scan_of_every_section(sample):
    assert sample.sections
    for pos in range(0, len(sample.text), 37):
        assert sample.section_at(pos) is _linear_section_at(sample, pos)


def test_section_at_follows_changed_sections(sample):
    doc = copy.copy(sample)
    doc.sections = list(sample.sections)
    doc.section_at(0)
    doc.sections.append(Section("s9999", 9, "", "late", "item", None, 0, len(doc.text)))
    assert doc.section_at(5).id == "s9999"


def test_span_test_agrees_with_any():
    rnd = random.Random(7)
    for _ in range(50):
        spans = [(a, a + rnd.randint(0, 40)) for a in (rnd.randint(0, 200) for _ in range(rnd.randint(0, 6)))]
        covers = _span_test(spans)
        for pos in range(-2, 260):
            assert covers(pos) == any(a <= pos < b for a, b in spans), (spans, pos)


def _repeated(doc: Document, chars: int) -> Document:
    """The document's text repeated to at least ``chars`` characters (one Document)."""
    big = copy.copy(doc)
    big.text = "\n".join([doc.text] * (chars // len(doc.text) + 1))
    big.raw_text, big.offsets, big.pages, big.tables = big.text, list(range(len(big.text) + 1)), [], []
    big.sections = []
    return big


def test_text_over_spacys_limit_is_extracted(sample):
    big = _repeated(sample, 1_200_000)
    assert len(big.text) > 1_000_000
    ex = run([big])[0]
    assert not ex.warnings
    targets = ex.records["targets"]
    one = len(run([_repeated(sample, 1)])[0].records["targets"])
    assert len(targets) >= one * 2
    late = [r for r in targets if r["char_start"] > 1_000_000]
    assert late, "targets found past the first million characters"
    for r in late[:20]:
        assert big.raw_text[r["char_start"]:r["char_end"]] == r["quote"]


def test_metadata_of_a_long_text_reads_its_header_and_closing(sample):
    """Half a million characters of body between header and closing lines change nothing."""
    lines = sample.text.split("\n")
    head, tail = "\n".join(lines[:80]), "\n".join(lines[-30:])
    body = "\n".join(lines[80:-30]) or "正文。"
    short = Document(doc_id="a", source_path="a.txt", file_type="txt", raw_text=head + "\n" + body + "\n" + tail)
    long = Document(doc_id="b", source_path="b.txt", file_type="txt",
                    raw_text=head + "\n" + "\n".join([body] * (500_000 // len(body) + 1)) + "\n" + tail)
    for d in (short, long):
        d.text = d.raw_text
    want, got = extract_metadata(short), extract_metadata(long)
    for field in ("title", "issuer", "doc_number", "issue_date", "region", "kind"):
        assert got[field] == want[field], field
