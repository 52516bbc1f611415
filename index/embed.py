"""Embeddings for chunks, computed at ingest in the worker processes, stored compactly.

``embed_chunks`` fills each chunk dict's ``"vec"`` with the packed embedding (see ``pack``) made
by the model chosen by ``$CNPOLICY_EMBED_MODEL`` (default ``use-m3``); ``index.refresh`` records
that model in the database and embeds whatever a worker left empty.

Storage: a unit vector as int8 with one float32 scale per vector (516 bytes for 512-d instead
of 2,048 as FLOAT[]).  The dequantised vector's cosine to the original is > 0.9999 and the
top-10 neighbours match flat float32 (tests/test_incremental.py checks recall).
"""
from __future__ import annotations

import numpy as np


def passage_text(section_path: str | None, text: str) -> str:
    """What gets embedded: the chunk's own heading, then its text (the heading names the topic)."""
    heading = (section_path or "").rsplit("/", 1)[-1].strip()
    return f"{heading}\n{text}" if heading and heading not in text[:len(heading) + 20] else text


def pack(v: np.ndarray) -> bytes:
    """One vector → float32 scale + int8 components (per-vector symmetric quantisation)."""
    v = np.asarray(v, dtype=np.float32).ravel()
    scale = float(np.abs(v).max()) / 127.0 or 1.0
    q = np.clip(np.rint(v / scale), -127, 127).astype(np.int8)
    return np.float32(scale).tobytes() + q.tobytes()


def unpack(blobs: list[bytes]) -> np.ndarray:
    """Packed vectors (all the same length) → (n, dim) float32, rows renormalised."""
    if not blobs:
        return np.zeros((0, 0), np.float32)
    raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), -1)
    scale = raw[:, :4].copy().view(np.float32)
    v = raw[:, 4:].view(np.int8).astype(np.float32) * scale
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def dim_of(blob: bytes) -> int:
    return len(blob) - 4


def embed_chunks(chunks: list[dict], model: str | None = None) -> None:
    """Set ``chunk["vec"]`` (packed) for every chunk, in place."""
    if not chunks:
        return
    from index.embedders import get_embedder

    embedder = get_embedder(model)
    vectors = embedder.encode([passage_text(c.get("section_path"), c.get("text") or "") for c in chunks])
    for c, v in zip(chunks, vectors):
        c["vec"] = pack(v)
