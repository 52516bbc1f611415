"""Fact extractors: spaCy components registered in :mod:`extractors.registry`.

spaCy imports thinc, and thinc imports torch whenever it is installed (sentence-transformers
brings it): 1.5–2 CPU-s in every process that extracts — each pool worker, and the whole cost
of `cnpolicy ingest one.pdf` twice over — for tensor support no component here uses.  So the
first import of spaCy runs with torch hidden (thinc then records ``has_torch = False``), and
torch is importable again right after, for the sentence-transformers embedder.  A process
that imported torch before spaCy keeps thinc's torch support.
"""
from __future__ import annotations

import sys


def _import_spacy_without_torch() -> None:
    if "spacy" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError
    try:
        import spacy  # noqa: F401
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]


_import_spacy_without_torch()
