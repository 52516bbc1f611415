"""Every input bench/fuzz.py ever saved (tests/fixtures/fuzz/, with a .json note of what it
did then) now ends in a stored document or a named error, within the fuzz time limit."""
import json
import re
import time
from pathlib import Path

import pytest

from pipeline.process import process_file

CASES = sorted(p for p in Path("tests/fixtures/fuzz").glob("*") if p.suffix != ".json")
UNCAUGHT = re.compile(r"^[A-Z][A-Za-z0-9_.]*: ")  # process_file's catch-all: "KeyError: 'x'"


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_fuzz_crasher_is_handled(case):
    note = json.loads(case.with_name(case.name + ".json").read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    res = process_file(str(case), extract=True, embed=False, ocr="never")
    assert time.perf_counter() - t0 < 30, note
    assert res.error is None or not UNCAUGHT.match(res.error), (res.error, note)
