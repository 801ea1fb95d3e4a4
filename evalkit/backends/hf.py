"""Causal LMs through transformers: `hf/path/to/folder`, `hf/path/to/model.gguf` or
`hf/org/name` (a hub id, read from the local Hugging Face cache when offline).

The runner hands `batch_size` calls at a time to `generate_batch` (it orders a batched
backend's calls by prompt length first); calls with the same sampling settings are
generated together, left-padded, longest first (see hf_engine.py). Runs on CPU and CUDA
(`-M device=cuda:1`, or `-M device_map=auto` to spread a large model over GPUs).
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from ..errors import MissingExtraError, UsageError
from ..types import Call, Completion, sha256_hex
from .local import (
    STANDARD,
    BatchEngineBackend,
    LocalOptions,
    UnsupportedOption,
    check_options,
    effective_seed,
    local_path,
    max_tokens,
    messages_json,
    require_modules,
    stop_list,
    temperature,
)
from .weights import folder_hashes, hub_commit, package_version

EXTRA_SAMPLING = ("min_p", "repetition_penalty")
PERFORMANCE_ONLY = ("batch_size",)


class HFOptions(LocalOptions):
    device: str | None = Field(None, description="cpu, cuda, cuda:1, mps (default: cuda if available)")
    device_map: str | dict[str, Any] | None = Field(
        None, description="instead of device: e.g. auto, to spread the model over GPUs (accelerate)")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] | None = Field(
        None, description="default: float32 on CPU, the checkpoint's own on GPUs")
    batch_size: int = Field(8, ge=1, description="calls generated together")
    revision: str | None = Field(None, description="hub revision (branch, tag or commit)")
    gguf_file: str | None = Field(None, description="a .gguf in the model folder (dequantized; "
                                  "needs gguf)")
    chat_template: str | None = Field(None, description="a Jinja chat template, or a file holding "
                                      "one, instead of the tokenizer's")
    trust_remote_code: bool = False

    @model_validator(mode="after")
    def _one_placement(self) -> HFOptions:
        if self.device is not None and self.device_map is not None:
            raise ValueError("give device or device_map, not both")
        return self


class HFBackend(BatchEngineBackend):
    """Causal LMs through transformers: batched, on CPU or CUDA."""
    Options = HFOptions
    default_concurrency = 1  # one engine: the batches are the parallelism

    def __init__(self, model, options, env):
        super().__init__(model, options, env)
        require_modules("hf", "the hf backend", {"torch": "torch", "transformers": "transformers"})
        self.batch_size = options.batch_size
        self.gguf_file = options.gguf_file
        path = local_path(model, env.cwd)
        if path is not None and path.is_file():
            if path.suffix != ".gguf":
                raise UsageError(f"hf: '{model}' is a file; give a model folder or a .gguf file")
            path, self.gguf_file = path.parent, path.name
        elif path is None and (model.startswith((".", "/", "~")) or model.endswith(".gguf")):
            raise UsageError(f"hf: no model folder or file at '{model}' (relative to {env.cwd})")
        self.folder = path.resolve() if path is not None else None
        if self.folder is not None and self.gguf_file and not (self.folder / self.gguf_file).is_file():
            raise UsageError(f"hf: no file '{self.gguf_file}' in {self.folder}")
        self.chat_template = self._read_template(options.chat_template, env.cwd)
        self._engine: Any = None

    @staticmethod
    def _read_template(value: str | None, cwd: Path) -> str | None:
        if value is None or "{" in value:
            return value
        path = local_path(value, cwd)
        if path is None or not path.is_file():
            raise UsageError(f"hf: chat_template '{value}' is neither a template nor a file")
        return path.read_text(encoding="utf-8")

    def fingerprint(self) -> str:
        if self.folder is not None:
            identity: Any = folder_hashes(self.folder, only_gguf=self.gguf_file)
        else:
            identity = hub_commit(self.model, self.options.revision)
        options = {k: v for k, v in self.options.public().items() if k not in PERFORMANCE_ONLY}
        options["chat_template"] = self.chat_template  # the text, not a file name
        return sha256_hex("hf", identity, options, package_version("transformers"),
                          package_version("torch"))

    async def start(self) -> None:
        for module in ("torch", "transformers"):
            try:
                __import__(module)
            except ImportError:
                raise MissingExtraError(module, "hf", "the hf backend") from None
        if self.gguf_file:
            try:
                __import__("gguf")
            except ImportError:
                raise MissingExtraError("gguf", "hf", "loading a .gguf through transformers") from None
        if self.options.device_map is not None:
            try:
                __import__("accelerate")
            except ImportError:
                raise MissingExtraError("accelerate", "hf", "device_map") from None
        from . import hf_engine

        o = self.options
        source = str(self.folder) if self.folder is not None else self.model
        try:
            self._engine = await asyncio.to_thread(
                hf_engine.load, source, device=o.device, device_map=o.device_map, dtype=o.dtype,
                revision=o.revision, gguf_file=self.gguf_file, trust_remote_code=o.trust_remote_code,
                chat_template=self.chat_template)
        except (OSError, ValueError) as exc:
            raise UsageError(f"hf: cannot load '{self.model}': {exc}") from None

    async def close(self) -> None:
        self._engine = None

    def sampling(self, call: Call):
        """The call's engine settings (calls with equal settings share a batch)."""
        from .hf_engine import Sampling  # light: the engine imports torch only when it runs

        check_options(call.options, STANDARD + EXTRA_SAMPLING, "hf")
        opts = call.options
        return Sampling(max_new_tokens=max_tokens(call, self.options.default_length),
                        temperature=temperature(call), top_p=opts.get("top_p"),
                        top_k=opts.get("top_k"), min_p=opts.get("min_p"),
                        repetition_penalty=opts.get("repetition_penalty"),
                        stop=tuple(stop_list(call)))

    def _encode(self, call: Call) -> list[int]:
        if call.request.messages is None or self.options.raw:
            return self._engine.encode(prompt=call.request.text())
        if not self._engine.has_chat_template:
            raise UnsupportedOption(f"hf/{self.model} has no chat template: set -M chat_template="
                                    "..., or -M raw=true to send the prompt as plain text")
        return self._engine.encode(messages=messages_json(call))

    def _run_batch(self, calls: Sequence[Call]) -> list[Completion]:
        results: list[Completion | None] = [None] * len(calls)
        groups: dict[Any, list[tuple[int, list[int], int]]] = {}
        for index, call in enumerate(calls):
            try:
                sampling, ids = self.sampling(call), self._encode(call)
            except UnsupportedOption as exc:  # this case's error, not the batch's
                results[index] = Completion(text=None, error=f"UnsupportedOption: {exc}")
                continue
            seed = effective_seed(call, self.options.seed)
            groups.setdefault(sampling, []).append((index, ids, seed))
        for sampling, members in groups.items():
            started = time.perf_counter()
            outputs = self._engine.generate([m[1] for m in members], sampling,
                                            [m[2] for m in members], self.batch_size)
            latency = time.perf_counter() - started  # every call in the batch waited this long
            for (index, _, _), out in zip(members, outputs):
                results[index] = Completion(
                    text=out.text, latency_s=latency, tokens_in=out.tokens_in,
                    tokens_out=out.tokens_out, finish_reason=out.finish_reason,
                    model_id=self.model)
        return results  # type: ignore[return-value]
