"""Embeddings for chunks. Placeholder: leaves embeddings empty until issue 5 lands."""


def embed_chunks(chunks: list[dict]) -> None:
    for c in chunks:
        c.setdefault("embedding", None)
