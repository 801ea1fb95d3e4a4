"""The user's own pipeline: `python/package.module:function` (sync or async).

The callable receives whichever of these parameters it declares: `prompt` (the
rendered text), `messages`, `vars` (the suite's `vars`, `-V` overrides applied, merged with
the case's fields — the case wins, as in templates), `case` (the Case: id, its own fields as
`vars`, target, metadata), `options` (generation options and the extra `-M` model args),
`sample`; a callable with a single other parameter gets the prompt text. Everything it can
receive is in the cache key (`cache_inputs`). It returns the answer text, or a dict
with `text` plus optional `context` (retrieved documents), `citations`,
`tokens_in`, `tokens_out`, `cost_usd`, `model_id`, `finish_reason`.
"""
from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
import time
from pathlib import Path
from typing import Any, Callable

from pydantic import ConfigDict, Field

from ..errors import UsageError
from ..redact import redact
from ..types import Call, Completion, sha256_hex
from .base import Backend, BackendOptions, completion_field_problem

KNOWN_PARAMS = ("prompt", "messages", "vars", "case", "options", "sample")
RESULT_KEYS = {"text", "context", "citations", "tokens_in", "tokens_out", "cost_usd",
               "model_id", "finish_reason"}


class PythonOptions(BackendOptions):
    model_config = ConfigDict(extra="allow", frozen=True)  # the rest reaches `options`
    path: str | None = Field(None, description="folder added to sys.path before importing")
    concurrency: int = Field(8, ge=1, description="calls in flight (sync ones run in threads)")


def load_callable(spec: str, extra_path: str | None, cwd: Path) -> Callable:
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"python model '{spec}' must look like package.module:function")
    for folder in filter(None, [extra_path and str((cwd / extra_path).resolve()), str(cwd)]):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise UsageError(f"cannot import '{module_name}' for python/{spec}: "
                         f"{type(exc).__name__}: {exc}") from None
    for part in attr.split("."):
        if not hasattr(target, part):
            raise UsageError(f"'{module_name}' has no attribute '{attr}' (python/{spec})")
        target = getattr(target, part)
    if not callable(target):
        raise UsageError(f"python/{spec} is not callable")
    return target


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
        self.fn = load_callable(model, options.path, env.cwd)
        self.default_concurrency = options.concurrency
        self._params = self._accepted_params()

    def _accepted_params(self) -> list[str]:
        parameters = inspect.signature(self.fn).parameters
        named = [p for p in KNOWN_PARAMS if p in parameters]
        if not named and len(parameters) >= 1:
            return ["<positional>"]
        return named

    def fingerprint(self) -> str:
        # The source file's content: editing the pipeline changes the identity (and the cache key).
        try:
            source = Path(inspect.getsourcefile(self.fn) or "").read_bytes()
        except (OSError, TypeError):
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
        args, kwargs = self._arguments(call)
        started = time.perf_counter()
        try:
            if inspect.iscoroutinefunction(self.fn):
                value = await self.fn(*args, **kwargs)
            else:
                value = await asyncio.to_thread(self.fn, *args, **kwargs)
        except Exception as exc:  # the pipeline's failure is this case's data
            return Completion(text=None, latency_s=time.perf_counter() - started,
                              error=redact(f"{type(exc).__name__}: {exc}"))
        return _to_completion(value, time.perf_counter() - started)
