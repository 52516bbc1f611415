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
