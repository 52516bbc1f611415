"""extractors.texttables: the separator scan led by one character class finds what the
plain alternation finds."""
import random
import re

from extractors.texttables import SEPARATOR_START

ALTERNATION = re.compile(r"[\t\u3000|]|[ \u00a0](?=[ \u00a0])")  # the readable form


def test_separator_start_is_the_alternation():
    pieces = ["\u3000", "\u3000\u3000", " ", "  ", "\t", "|", "\u00a0", "\n", "项目", "投资", "1", "。"]
    rng = random.Random(9)
    for _ in range(5000):
        raw = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 18)))
        assert [m.span() for m in SEPARATOR_START.finditer(raw)] == [m.span() for m in ALTERNATION.finditer(raw)], repr(raw)
