"""Batched generation with a transformers causal LM: left padding, length-sorted batches,
per-row seeds.

Standalone on purpose: it imports only the standard library, and torch and transformers
inside functions, so `scripts/gpu_check.sh` can load this file on a machine that has
nothing else installed. `hf.py` wraps it as an evalkit backend.

Seeds: `generate` with `do_sample=True` draws every row from one global RNG, so a row's
output would depend on which rows share its batch. Instead decoding stays greedy and a
logits processor adds Gumbel noise from each row's own generator: the argmax of
log-probabilities plus Gumbel noise is an exact draw from the distribution, and each call
gets the same draw whatever batch it lands in.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sampling:
    """Settings shared by the rows of one `generate` call (calls differing here are not batched
    together)."""

    max_new_tokens: int
    temperature: float = 0.0  # 0: greedy
    top_p: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    repetition_penalty: float | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Output:
    text: str
    tokens_in: int
    tokens_out: int
    finish_reason: str  # "stop" (EOS or a stop string) or "length"


def _torch_dtype(dtype: str | None, device: str):
    import torch

    if dtype is None:  # CPUs are slow (or unsupported) at half precision
        return torch.float32 if device.startswith("cpu") else "auto"
    return dtype if dtype == "auto" else getattr(torch, dtype)


def load(model: str, *, device: str | None = None, device_map: Any = None,
         dtype: str | None = None, revision: str | None = None, gguf_file: str | None = None,
         trust_remote_code: bool = False, chat_template: str | None = None) -> Engine:
    """Load a model folder or hub id (a .gguf inside a folder with `gguf_file`)."""
    import torch
    import transformers

    if device is None and device_map is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    common: dict[str, Any] = {"revision": revision, "trust_remote_code": trust_remote_code}
    if gguf_file:
        common["gguf_file"] = gguf_file
    tokenizer = transformers.AutoTokenizer.from_pretrained(model, **common)
    # transformers renamed torch_dtype to dtype in 4.56.
    major, minor = (int(p) for p in transformers.__version__.split(".")[:2])
    dtype_key = "dtype" if (major, minor) >= (4, 56) else "torch_dtype"
    common[dtype_key] = _torch_dtype(dtype, device or "cuda")
    if device_map is not None:
        common["device_map"] = device_map
    lm = transformers.AutoModelForCausalLM.from_pretrained(model, **common)
    if device_map is None:
        lm.to(device)
    lm.eval()
    if chat_template is not None:
        tokenizer.chat_template = chat_template
    return Engine(lm, tokenizer)


class Engine:
    def __init__(self, model: Any, tokenizer: Any):
        self.model, self.tokenizer = model, tokenizer
        eos = getattr(model.generation_config, "eos_token_id", None)
        if eos is None:
            eos = tokenizer.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, (list, tuple)) else [eos]) - {None}
        pad = tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else min(self.eos_ids, default=0)

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def encode(self, messages: list[dict] | None = None, prompt: str | None = None) -> list[int]:
        """Token ids of a chat (rendered with the chat template) or of a raw prompt."""
        if messages is not None:
            text = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                                      tokenize=False)
            # The template writes its own BOS; adding special tokens again would double it.
            return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        return list(self.tokenizer(prompt)["input_ids"])

    def generate(self, rows: Sequence[list[int]], sampling: Sampling, seeds: Sequence[int],
                 batch_size: int) -> list[Output]:
        """Rows sorted by length (less padding), cut into batches, answered in input order."""
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]), reverse=True)
        outputs: list[Output | None] = [None] * len(rows)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            done = self._batch([rows[i] for i in chunk], sampling, [seeds[i] for i in chunk])
            for i, output in zip(chunk, done):
                outputs[i] = output
        return outputs  # type: ignore[return-value]

    def _batch(self, rows: list[list[int]], sampling: Sampling, seeds: list[int]) -> list[Output]:
        import torch
        from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteriaList

        device = self.model.device
        width = max(len(r) for r in rows)
        input_ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):  # left padding: every row ends where generation starts
            input_ids[i, width - len(row):] = torch.tensor(row, dtype=torch.long)
            attention[i, width - len(row):] = 1
        # An explicit config: the checkpoint's sampling defaults never apply behind the suite's back.
        config = GenerationConfig(max_new_tokens=sampling.max_new_tokens, do_sample=False,
                                  pad_token_id=self.pad_id, eos_token_id=sorted(self.eos_ids),
                                  repetition_penalty=sampling.repetition_penalty)
        processors = LogitsProcessorList()
        if sampling.temperature > 0:
            processors.append(SeededSampler(sampling, seeds))
        criteria = StoppingCriteriaList()
        if sampling.stop:
            criteria.append(StopStrings(self.tokenizer, sampling.stop, width))
        with torch.inference_mode():
            out = self.model.generate(input_ids=input_ids.to(device),
                                      attention_mask=attention.to(device), generation_config=config,
                                      logits_processor=processors, stopping_criteria=criteria)
        return [self._output(out[i, width:].tolist(), len(rows[i]), sampling)
                for i in range(len(rows))]

    def _output(self, tokens: list[int], tokens_in: int, sampling: Sampling) -> Output:
        finish = "length"
        for index, token in enumerate(tokens):
            if token in self.eos_ids:
                tokens, finish = tokens[:index + 1], "stop"
                break
        else:
            # A row ended by a stop string is padded while the others go on.
            while tokens and tokens[-1] == self.pad_id:
                tokens = tokens[:-1]
        text = self.tokenizer.decode(tokens, skip_special_tokens=True)
        cut = min((text.find(s) for s in sampling.stop if s in text), default=-1)
        if cut >= 0:
            text, finish = text[:cut], "stop"
        return Output(text=text, tokens_in=tokens_in, tokens_out=len(tokens), finish_reason=finish)


class SeededSampler:
    """A logits processor that turns greedy decoding into sampling with one RNG per row."""

    def __init__(self, sampling: Sampling, seeds: Sequence[int]):
        from transformers import (
            MinPLogitsWarper,
            TemperatureLogitsWarper,
            TopKLogitsWarper,
            TopPLogitsWarper,
        )

        self.warpers: list[Any] = [TemperatureLogitsWarper(sampling.temperature)]
        if sampling.top_k:
            self.warpers.append(TopKLogitsWarper(sampling.top_k))
        if sampling.top_p is not None and sampling.top_p < 1:
            self.warpers.append(TopPLogitsWarper(sampling.top_p))
        if sampling.min_p:
            self.warpers.append(MinPLogitsWarper(sampling.min_p))
        self.seeds, self.generators = [int(s) for s in seeds], []

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        if not self.generators:  # on the logits' device (the last one under a device_map)
            self.generators = [torch.Generator(device=scores.device).manual_seed(s)
                               for s in self.seeds]
        scores = scores.float()
        for warper in self.warpers:
            scores = warper(input_ids, scores)
        vocab = scores.shape[-1]
        exp = torch.stack([torch.empty(vocab, device=scores.device).exponential_(generator=g)
                           for g in self.generators])
        # argmax(logits - log E) with E ~ Exp(1) is argmax(logits + Gumbel): a draw from softmax.
        return torch.log_softmax(scores, dim=-1) - exp.log()


class StopStrings:
    """Ends each row once its generated text contains a stop string. (transformers' own
    `stop_strings` assumes a BPE-like vocabulary and fails on others.)"""

    def __init__(self, tokenizer: Any, stop: Sequence[str], prompt_width: int):
        self.tokenizer, self.stop, self.width = tokenizer, tuple(stop), prompt_width

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        texts = self.tokenizer.batch_decode(input_ids[:, self.width:], skip_special_tokens=True)
        done = [any(s in text for s in self.stop) for text in texts]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)
