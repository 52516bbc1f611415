"""Embeddings for chunks, computed at ingest in the worker processes.

``embed_chunks`` fills each chunk dict's ``"embedding"`` (a list of floats) with the model
chosen by ``$CNPOLICY_EMBED_MODEL`` (default ``use-m3``); ``index.refresh`` records that
model in the database and embeds whatever a worker left empty.
"""
from __future__ import annotations


def passage_text(section_path: str | None, text: str) -> str:
    """What gets embedded: the chunk's own heading, then its text (the heading names the topic)."""
    heading = (section_path or "").rsplit("/", 1)[-1].strip()
    return f"{heading}\n{text}" if heading and heading not in text[:len(heading) + 20] else text


def embed_chunks(chunks: list[dict], model: str | None = None) -> None:
    """Set ``chunk["embedding"]`` for every chunk (in place), in batches."""
    if not chunks:
        return
    from index.embedders import get_embedder

    embedder = get_embedder(model)
    vectors = embedder.encode([passage_text(c.get("section_path"), c.get("text") or "") for c in chunks])
    for c, v in zip(chunks, vectors):
        c["embedding"] = v.tolist()
