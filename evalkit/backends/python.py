"""The user's own pipeline: `python/package.module:function` (sync or async).

The callable receives whichever of these parameters it declares: `prompt` (the
rendered text), `messages`, `vars` (the suite's `vars`, `-V` overrides applied, merged with
the case's fields — the case wins, as in templates), `case` (the Case: id, its own fields as
`vars`, target, metadata), `options` (generation options and the extra `-M` model args),
`sample`; a callable with a single other parameter gets the prompt text. Everything it can
receive is in the cache key (`cache_inputs`). It returns the answer text, or a dict
with `text` plus optional `context` (retrieved documents), `citations`,
`tokens_in`, `tokens_out`, `cost_usd`, `model_id`, `finish_reason`.

The module is imported by `load()` (a run), never when a suite is validated; what it may be
is user_code.py's rule. Sync callables run in abandonable threads (threads.py).
"""
from __future__ import annotations

import asyncio
import inspect
import time
from pathlib import Path
from typing import Any, Callable

from pydantic import ConfigDict, Field

from ..redact import redact
from ..types import Call, Completion, sha256_hex
from .base import Backend, BackendOptions, completion_field_problem
from .threads import AbandonableThreads
from .user_code import PipelineRef, import_callable, module_file, search_folders

KNOWN_PARAMS = ("prompt", "messages", "vars", "case", "options", "sample")
RESULT_KEYS = {"text", "context", "citations", "tokens_in", "tokens_out", "cost_usd",
               "model_id", "finish_reason"}


class PythonOptions(BackendOptions):
    model_config = ConfigDict(extra="allow", frozen=True)  # the rest reaches `options`
    path: str | None = Field(None, description="folder added to sys.path before importing")
    concurrency: int = Field(8, ge=1, description="calls in flight (sync ones run in threads)")


def _to_completion(value: Any, latency: float) -> Completion:
    if isinstance(value, str):
        return Completion(text=value, latency_s=latency)
    if isinstance(value, dict):
        unknown = set(value) - RESULT_KEYS - {"output"}
        text = value.get("text", value.get("output"))
        problem = (f"unknown keys {sorted(unknown)}" if unknown else "no 'text' string"
                   if not isinstance(text, str) else completion_field_problem(value))
        if problem:
            return Completion(text=None, latency_s=latency,
                              error=f"pipeline returned a dict with {problem}")
        context = value.get("context")
        citations = value.get("citations")
        return Completion(
            text=text, latency_s=latency,
            context=tuple(context) if context is not None else None,
            citations=tuple(str(c) for c in citations) if citations is not None else None,
            tokens_in=value.get("tokens_in"), tokens_out=value.get("tokens_out"),
            cost_usd=value.get("cost_usd"), model_id=value.get("model_id"),
            finish_reason=value.get("finish_reason"))
    return Completion(text=None, latency_s=latency,
                      error=f"pipeline returned {type(value).__name__}; expected str or dict")


class PythonBackend(Backend):
    """Your own pipeline: an import path to a sync or async callable."""
    Options = PythonOptions

    def __init__(self, model, options, env):
        super().__init__(model, options, env)
        # Only the reference is checked here: validating a suite (a python judge) imports nothing.
        self.ref = PipelineRef.parse(model)
        self._folders = search_folders(options.path, env.cwd)
        self.default_concurrency = options.concurrency
        self.fn: Callable | None = None
        self._threads = AbandonableThreads()

    def load(self) -> None:
        if self.fn is None:
            self.fn = import_callable(self.ref, self._folders)
            self._params = self._accepted_params()

    async def start(self) -> None:
        self.load()

    def _accepted_params(self) -> list[str]:
        parameters = inspect.signature(self.fn).parameters
        named = [p for p in KNOWN_PARAMS if p in parameters]
        if not named and len(parameters) >= 1:
            return ["<positional>"]
        return named

    def fingerprint(self) -> str:
        # The module's source: editing the pipeline changes the identity (and the cache key).
        # Found without importing it, so a fully cached run or a validated suite runs no code.
        try:
            source = (module_file(self.ref.module, self._folders) or Path("")).read_bytes()
        except (OSError, ImportError, ValueError):
            source = b""
        return sha256_hex("python", self.model, sha256_hex(source.hex()), self.options.public())

    def cache_inputs(self, call: Call) -> Any:
        # The pipeline may read any case field, the target, the metadata or a suite var
        # that the prompt template never uses: all of it identifies the answer.
        case = call.case
        return {"request": call.request.to_json(), "suite_vars": dict(call.suite_vars),
                "case": {"id": case.id, "vars": dict(case.vars), "target": case.target,
                         "metadata": dict(case.metadata)}}

    def _arguments(self, call: Call) -> tuple[list, dict]:
        available = {
            "prompt": call.request.text(),
            "messages": [{"role": m.role, "content": m.content}
                         for m in call.request.messages or ()],
            "vars": {**call.suite_vars, **call.case.vars}, "case": call.case, "sample": call.sample,
            "options": {**call.options, **(self.options.model_extra or {})},
        }
        if self._params == ["<positional>"]:
            return [available["prompt"]], {}
        return [], {name: available[name] for name in self._params}

    async def generate(self, call: Call) -> Completion:
        self.load()
        args, kwargs = self._arguments(call)
        started = time.perf_counter()
        if inspect.iscoroutinefunction(self.fn):
            try:
                value = await self.fn(*args, **kwargs)
            except (asyncio.CancelledError, KeyboardInterrupt):
                raise  # the runner's timeout, or Ctrl-C: not the pipeline's answer
            except BaseException as exc:  # noqa: B036 - sys.exit() in a pipeline fails its case
                return _failed(exc, started)
        else:
            # A thread the runner's timeout can abandon: a hung function cannot hold the run.
            ok, value = await self._threads.run(self.fn, *args, **kwargs)
            if not ok:
                return _failed(value, started)
        return _to_completion(value, time.perf_counter() - started)


def _failed(exc: BaseException, started: float) -> Completion:
    """The pipeline's exception (SystemExit and other BaseExceptions too) as its case's error."""
    return Completion(text=None, latency_s=time.perf_counter() - started,
                      error=redact(f"{type(exc).__name__}: {exc}"))
