"""extractors.scan.LiteralLed: the literal-led scan finds exactly what the regex finds."""
import random
import re

from extractors.scan import LiteralLed, literal_prefixes


def test_prefixes_read_from_the_pattern():
    assert literal_prefixes(r"月|年[底末内]|半年|季度") == ["月", "年", "半年", "季度"]
    assert literal_prefixes(r"[（(](?:由)?负责") == ["（", "("]
    assert literal_prefixes(r"(?:项目|工程|名\s*称)$") == ["项目", "工程", "名"]
    # no fixed start: an optional lead, a range, a class of categories
    assert literal_prefixes(r"(?:到)?2025年") is None
    assert literal_prefixes(r"[1-9]月") is None
    assert literal_prefixes(r"\d+年") is None


def test_same_matches_as_the_regex():
    patterns = [re.compile(p) for p in (r"月|年[底末内]|半年|季度", r"年(?:左右|的|时间|内|努力)|行动",
                                        r"[（(](?:由)?(?P<list>[^（）()。\n]{2,20}?)负责[）)]",
                                        r"(?<![年\d])月(?!份)", r"单位|部门|单位组")]
    patterns.append(re.compile(r"(?:项目|工程|名\s*称)[ \t]*(?:[\t|]|$)", re.M))
    pieces = ["月", "年", "年底", "半年", "季度", "左右", "行动", "（", "(", "由", "市局", "负责", "）", ")",
              "项目", "工程", "名 称", "名", "\t", "|", "\n", "单位", "单位组", "部门", "份", "2", " "]
    rng = random.Random(5)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        for p in patterns:
            fast = LiteralLed(p)
            assert fast.prefixes
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in p.finditer(text)], (p, text)
            a, b = rng.randint(0, len(text)), rng.randint(0, len(text))
            assert [m.span() for m in fast.finditer(text, a, b)] == [m.span() for m in p.finditer(text, a, b)]
            got, want = fast.search(text), p.search(text)
            assert (got and got.span()) == (want and want.span())


def test_pattern_without_prefix_is_scanned_as_before():
    p = re.compile(r"\d{4}年")
    fast = LiteralLed(p)
    assert fast.prefixes is None
    assert LiteralLed(re.compile("ab|cd", re.I)).prefixes is None  # other cases match too
    assert [m.group() for m in fast.finditer("2024年和2025年")] == ["2024年", "2025年"]


def test_suffix_led_same_matches_as_the_regex():
    from extractors.deadlines import YEAR_ANCHOR
    from extractors.scan import SuffixLed

    year = YEAR_ANCHOR.regex if isinstance(YEAR_ANCHOR, SuffixLed) else YEAR_ANCHOR
    fast = SuffixLed(year, "年", 4)
    pieces = ["2025", "1999", "20", "19", "二〇二五", "一九", "〇", "年", " ", "\u3000", "\n", "月", "1", "2", "二"]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in year.finditer(text)], text
        a = rng.randint(0, len(text))
        assert [m.span() for m in fast.finditer(text, a)] == [m.span() for m in year.finditer(text, a)], (text, a)


def test_class_led_finds_the_matches_of_the_pattern_itself():
    from extractors.scan import ClassLed
    from extractors.targets import GOAL_YEAR, GOAL_YEAR_SCAN, PERIOD_FRAME, PERIOD_FRAME_SCAN

    rng = random.Random(3)
    alphabet = "到至展望2019二〇一五年底末前，,要将力争达到控制 “”\"十四九五期间时期规划"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(5000)]
    texts += ["到2025年底，", " “2025年，全面建成", "二〇二五年前", "“十四五”期间，2020年底前要", ""]
    for text in texts:
        for regex, fast in ((GOAL_YEAR, GOAL_YEAR_SCAN), (PERIOD_FRAME, PERIOD_FRAME_SCAN)):
            assert fast.finditer(text) == [(m.start(), m.groups()) for m in regex.finditer(text)], text
    digits = ClassLed(re.compile(r"\d+"), r"\d")
    assert digits.finditer("a12b3") == [(1, ()), (4, ())]
