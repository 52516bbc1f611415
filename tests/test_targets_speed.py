"""The fast paths of the targets extractor read the same text as the plain definitions."""
import random
import re

from extractors.context import HAS_DIGIT, SENTENCE, numeric_sentences
from extractors.targets import CLAUSE_HAS_VALUE, VALUE_RE


def _plain_numeric(text: str) -> list[str]:
    return [s for s in SENTENCE.findall(text) if HAS_DIGIT.search(s)]


def test_numeric_sentences_match_the_plain_filter():
    cases = ["", "1", "。", "\n\n", "abc", "。。1。", "a\n\n2b;", "；x", "x1", "1x。abc", "abc。", "到2025年，覆盖率达到90%。现状：良好\n",
             "（一）总体目标\n到2025年，建成5个示范区；全市10个县全部达标！", "一二三。四五六", "１２３全角。"]
    rng = random.Random(7)
    alphabet = "a1。；\n五 ,!９"
    cases += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(500)]
    for text in cases:
        assert numeric_sentences(text) == _plain_numeric(text), text


def test_numeric_sentences_is_linear_on_a_long_digitless_tail():
    text = "1。" + "没有数字的句子。" * 20000
    assert numeric_sentences(text) == ["1"]


def test_a_clause_without_a_possible_value_has_no_value_a_unit_could_follow():
    # Every Chinese-numeral value that prose_targets can keep has a unit after it; a clause
    # the prefilter drops holds no such match.
    for clause in ["进一步完善体制", "“十四五”期间", "地跨黄淮两大流域", "一岗双责"]:
        assert not CLAUSE_HAS_VALUE.search(clause)
        assert all(not (m.group("unit") or m.group("unit1")) for m in VALUE_RE.finditer(clause))
    for clause in ["建成三个示范区", "达到5处", "百分之九十", "力争为零", "千兆到户"]:
        assert CLAUSE_HAS_VALUE.search(clause)


def test_vocabulary_test_finds_what_the_vocabulary_finds():
    from pathlib import Path

    from extractors.context import DATA, vocabulary, vocabulary_test

    texts = []
    for doc in sorted(Path(__file__).parent.glob("heldout/*.txt"))[:6]:
        texts += doc.read_text(encoding="utf-8").split("。")
    texts += ["", "了", "为了5个", "已经建成", "到2025年", "规划期内", "比“十三五”末", "共发生3起"]
    for name in ("forward_cues", "past_cues", "count_verbs", "condition_cues", "definition_cues",
                 "rule_cues", "result_cues", "scoring_cues"):
        slow, fast = vocabulary(name), vocabulary_test(name)
        for t in texts:
            assert bool(slow.search(t)) == bool(fast.search(t)), (name, t)
            assert bool(slow.search(t, 0, len(t) // 2)) == bool(fast.search(t, 0, len(t) // 2)), (name, t)


def test_a_match_of_one_number_test_implies_the_other():
    from extractors.targets import CLAUSE_HAS_NUMBER, _implies_number, _implies_value

    rng = random.Random(11)
    alphabet = "1５一两十百千万零〇分之兆为个人年a，"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8)))
        number, value = CLAUSE_HAS_NUMBER.search(text), CLAUSE_HAS_VALUE.search(text)
        if number and _implies_value(number.group()):
            assert value, text
        if value and _implies_number(value.group()):
            assert number, text


def test_the_clause_prefilter_drops_only_clauses_without_targets(monkeypatch):
    # Random goal-like clauses: with the prefilter replaced by one that passes every clause,
    # the records are the same.
    from corpus.model import Document
    from corpus.normalise import normalise
    from corpus.sections import build_sections

    import extractors.targets as targets

    rng = random.Random(5)
    pieces = ["到2025年", "2021年", "5月", "3号", "1.", "2、", "建成", "示范区", "5个", "50年一遇", "年均", "增长",
              "10%", "不低于", "两个", "三类", "达到", "覆盖率", "平均受教育年限", "提高到11.3年", "百分之九十",
              "为零", "千兆", "（1）", "一岗双责", "进一步", "，", "；", "。", "\n"]
    lines = ["二、主要目标"] + ["".join(rng.choice(pieces) for _ in range(rng.randint(2, 12))) + "。" for _ in range(300)]
    doc = normalise(Document(doc_id="s" * 16, source_path="synthetic.txt", file_type="txt", raw_text="\n".join(lines)))
    doc.sections = build_sections(doc)
    fast = targets.extract_targets(doc)
    monkeypatch.setattr(targets, "CLAUSE_MAY_STATE_SCAN", re.compile(r"(?s:(.))"))  # every clause read
    assert targets.extract_targets(doc) == fast
    assert fast  # the text does state targets


def test_the_section_lookup_agrees_with_a_scan_of_every_section():
    """Document.section_at (answered once per stretch between section bounds), the
    extractors' SectionIndex.at and the record locator all give what a scan of every
    section gives: the deepest holding the position, the last listed on a tie — on random
    nested, overlapping and empty sections."""
    from corpus.model import Document, Section
    from extractors.base import _Locator
    from extractors.context import section_index

    def scan(doc, pos):
        best = None
        for s in doc.sections:
            if s.start <= pos < s.end and (best is None or s.level >= best.level):
                best = s
        return best

    rng = random.Random(5)
    for _ in range(200):
        n = rng.randint(0, 12)
        sections = []
        for i in range(n):
            a = rng.randint(0, 90)
            sections.append(Section(id=f"s{i}", level=rng.randint(1, 3), number="", title="t", kind="",
                                    parent=None, path="", start=a, end=a + rng.randint(0, 30)))
        doc = Document(doc_id="d", source_path="x.txt", file_type="txt", raw_text="x" * 130, text="x" * 130,
                       sections=sections)
        where = _Locator(doc)
        for pos in range(125):
            expected = scan(doc, pos)
            assert doc.section_at(pos) is expected
            assert where.section_fields(pos)[0] == (expected.id if expected else None)
        index = section_index(doc)
        assert all(index.at(pos) is scan(doc, pos) for pos in range(125))


def test_folding_keeps_extra_keys_in_the_record_order():
    from extractors import registry

    table = registry.tables()["targets"]
    row = {"indicator": "x", "zeta": 1, "_span": (0, 1), "alpha": 2, "reasons": ("a",)}
    out = registry.fold_record(table, row)
    assert list(out) == list(table.all_columns)
    assert out["extra"] == '{"zeta": 1, "alpha": 2}' and out["reasons"] == ["a"]


def test_the_class_led_clause_scans_find_what_the_plain_patterns_find():
    # Every clause and sentence of the samples and of random pieces: the scan led by the first
    # characters finds the same first match as the plain search (its text is group 1).
    from pathlib import Path

    from extractors.targets import (CLAUSE_HAS_VALUE_SCAN, CLAUSE_MAY_STATE, CLAUSE_MAY_STATE_SCAN, CLAUSE_RE,
                                    SENTENCE_RE)

    texts = []
    for path in sorted((Path(__file__).resolve().parents[1] / "corpus" / "samples").glob("*.txt")):
        for sentence in SENTENCE_RE.findall(path.read_text(encoding="utf-8")):
            texts += [sentence, *CLAUSE_RE.findall(sentence)]
    rng = random.Random(11)
    pieces = ["2025年", "5月", "50年一遇", "年均", "年限", "1.", "百分之", "零", "两个", "十四五", "万兆", "亿元", "3", "x"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(2000)]
    for plain, led in ((CLAUSE_HAS_VALUE, CLAUSE_HAS_VALUE_SCAN), (CLAUSE_MAY_STATE, CLAUSE_MAY_STATE_SCAN)):
        for text in texts:
            m, hit = plain.search(text), led.search(text)
            assert (m.span() if m else None) == ((hit.start(), hit.end(1)) if hit else None), text


def test_trailing_noise_is_dropped_as_the_plain_substitution_drops_it():
    # The leftmost match of the led scan is where TRAIL_NOISE.sub("") cuts a stripped text:
    # on the samples' clause heads and on random pieces of noise and names.
    from pathlib import Path

    from extractors.targets import CLAUSE_RE, SENTENCE_RE, TRAIL_NOISE, _drop_trailing_noise

    texts = []
    for path in sorted((Path(__file__).resolve().parents[1] / "corpus" / "samples").glob("*.txt")):
        for sentence in SENTENCE_RE.findall(path.read_text(encoding="utf-8")):
            for clause in CLAUSE_RE.findall(sentence):
                texts += [clause[:k].strip() for k in range(1, min(len(clause), 30))]
    rng = random.Random(13)
    pieces = ["建成", "达到", "2025年", "到2025年底前", "均", "年均", "都", "的", "和", "覆盖率", "面积", "、", "，", "1", "x", "基本"]
    texts += ["".join(rng.choice(pieces + ["\n"]) for _ in range(rng.randint(0, 6))) for _ in range(3000)]
    texts += ["ab的\n的", "均\n，", "覆盖率\n", "\n"]  # a line break inside or at the end (the reviewer's cases)
    for text in texts:
        assert _drop_trailing_noise(text) == TRAIL_NOISE.sub("", text), text
