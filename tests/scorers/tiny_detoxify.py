"""A tiny checkpoint in detoxify's own format: a 1-layer BERT with random weights, its config
and tokenizer saved to a folder (so loading stays offline), built in well under a second.

The classifier's bias fixes each label's score (toxicity ≈ 0.98, the others ≈ 0.02) and its
small random weights make scores differ a little from text to text, so batching mistakes
(padding leaking into the result, rows swapped) show up.
"""
from __future__ import annotations

from pathlib import Path

CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
LABELS = ["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"]
WORDS = ("you are an idiot kind nice hello world the a stupid thanks have day great "
         "what this is not fine").split()


def build(folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """(checkpoint file, config+tokenizer folder)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    hf = folder / "hf"
    hf.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    (hf / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizer(str(hf / "vocab.txt")).save_pretrained(str(hf))
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                        num_labels=len(CLASSES))
    config.save_pretrained(str(hf))
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.mul_(300.0)
        model.classifier.bias.copy_(torch.tensor([4.0, -4.0, -4.0, -4.0, -4.0, -4.0]))
    checkpoint = folder / "tiny-detoxify.ckpt"
    torch.save({"config": {"arch": {"args": {
        "model_type": str(hf), "model_name": "BertForSequenceClassification",
        "tokenizer_name": "BertTokenizer", "num_classes": len(CLASSES)}},
        "dataset": {"args": {"classes": CLASSES}}},
        "state_dict": model.state_dict()}, checkpoint)
    return checkpoint, hf
