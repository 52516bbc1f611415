"""Fact extractors: spaCy components registered in :mod:`extractors.registry`.

spaCy imports thinc, and ``thinc.compat`` imports torch whenever it is installed
(sentence-transformers brings it): 1.5–2 CPU-s in every process that extracts — each pool
worker, and the whole cost of `cnpolicy ingest one.pdf` twice over — for tensor support no
component here uses.  So while ``thinc.compat`` is being imported, torch is reported missing
(thinc then records ``has_torch = False``); every other import of torch, such as the
sentence-transformers embedder's, is untouched, and a process that imported torch before
spaCy keeps thinc's torch support.  Nothing is imported here: `import extractors.registry`
stays cheap.
"""
from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder


class _TorchHiddenFromThinc(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            importer = sys.modules.get("thinc.compat")
            if importer is not None and getattr(importer.__spec__, "_initializing", False):
                raise ModuleNotFoundError("torch is not needed by thinc here", name="torch")
        return None


if not any(isinstance(f, _TorchHiddenFromThinc) for f in sys.meta_path):
    sys.meta_path.insert(0, _TorchHiddenFromThinc())
