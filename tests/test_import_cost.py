"""Processes that extract do not pay for torch (thinc imports it with spaCy unless hidden)."""
import subprocess
import sys

CHECK = """
import sys
import extractors.base
assert "torch" not in sys.modules, "spaCy's import loaded torch"
import thinc.compat
assert not thinc.compat.has_torch
import importlib.util
assert importlib.util.find_spec("torch") is None or __import__("torch") is not None  # still importable
print("ok")
"""


def test_extractors_import_spacy_without_torch():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"


def test_registry_import_stays_cheap():
    code = "import sys, extractors.registry, pipeline.schema; print('spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False"



CUT = """
import json, sys
from pathlib import Path
import jieba
from index import fts
fts.MAPPED_CUT_CHARS = int(sys.argv[1])
text = sorted(Path("corpus/samples").glob("*.txt"))[0].read_text()
lines = [t for t in text.splitlines() if t.strip()][:300]
out = [fts.tokens(t) for t in lines]
print(json.dumps({"full_loaded": jieba.dt.initialized, "tokens": out}, ensure_ascii=False))
"""


def test_chunk_tokens_cut_alike_over_mapped_and_full_dictionary(tmp_path):
    """A short-lived ingest cuts its first characters over the memory-mapped dictionary
    (no 0.7-1 s load of jieba's), a long one then loads the full one: same tokens."""
    import json
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "CNPOLICY_CACHE": str(tmp_path)}

    def cut(limit: int) -> dict:
        out = subprocess.run([sys.executable, "-c", CUT, str(limit)], capture_output=True, text=True,
                             timeout=300, cwd=root, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        return json.loads(out.stdout)

    first = cut(10**9)  # no mapped copy in a new cache yet: the full dictionary cuts and writes it
    mapped, full = cut(10**9), cut(0)
    assert first["full_loaded"] and not mapped["full_loaded"] and full["full_loaded"]
    assert mapped["tokens"] == full["tokens"] == first["tokens"]
