"""Build a small random causal LM and its tokenizer offline, saved as a transformers folder.

Used by the hf backend tests, `benchmarks/bench_local.py` and `scripts/gpu_check.sh`.
Needs only torch, transformers and tokenizers (a transformers dependency): no hub, no
network. The weights are random, so the outputs are nonsense, but everything around the
model (tokenizer, chat template, padding, batching, seeds, devices) is the real thing.
"""
from __future__ import annotations

from pathlib import Path

SPECIALS = ["<pad>", "<unk>", "<s>", "</s>"]
# Role names and chat punctuation, then filler words: enough to tokenize the test prompts.
WORDS = ["system", "user", "assistant", ":", "?", ".", ",", "the", "is", "of", "what", "capital",
         "france", "italy", "germany", "paris", "rome", "berlin", "answer", "question"]
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}{{ m['role'] }} : {{ m['content'] }} {{ eos_token }} "
    "{% endfor %}{% if add_generation_prompt %}assistant :{% endif %}")


def build_tokenizer(vocab_size: int = 512):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = SPECIALS + WORDS + [f"w{i}" for i in range(vocab_size - len(SPECIALS) - len(WORDS))]
    vocab = {word: index for index, word in enumerate(words)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.normalizer = normalizers.Lowercase()
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", eos_token="</s>",
                                        unk_token="<unk>", pad_token="<pad>")
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_tiny_model(folder: str | Path, *, hidden: int = 64, layers: int = 2, heads: int = 4,
                     vocab_size: int = 512, seed: int = 0, init_std: float = 0.5) -> Path:
    """Write a random Llama-architecture model and its tokenizer to `folder`.

    `init_std` is large on purpose: with the usual 0.02 every next-token distribution is
    nearly flat, greedy decoding hangs on near-ties, and rounding noise decides them.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = Path(folder)
    tokenizer = build_tokenizer(vocab_size)
    config = LlamaConfig(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=hidden * 2,
                         num_hidden_layers=layers, num_attention_heads=heads,
                         num_key_value_heads=heads, max_position_embeddings=2048,
                         initializer_range=init_std, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
                         tie_word_embeddings=False)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
