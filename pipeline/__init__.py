"""cnpolicy's pipeline.  ``from pipeline import Corpus`` is the Python API (loaded lazily,
so importing the package for the CLI stays cheap)."""


def __getattr__(name: str):
    if name == "Corpus":
        from pipeline.corpus import Corpus

        return Corpus
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
