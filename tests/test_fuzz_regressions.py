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


def test_fuzz_harness_runs(tmp_path):
    """A few cases of bench/fuzz.py end to end (worker subprocess, limits, summary line)."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, FUZZ_CASES="4", FUZZ_SEED="11", FUZZ_EXTRACT="0", FUZZ_CRASHERS=str(tmp_path))
    out = subprocess.run([sys.executable, "bench/fuzz.py"], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"^4 cases in \d+ s \(seed 11, timeout 30 s, 2048 MB\): ", out.stdout, re.M)
