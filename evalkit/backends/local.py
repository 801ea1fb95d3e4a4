"""What the local engines (llamacpp, hf, vllm) share: generation defaults, seeds, option checks.

Local engines have their own defaults (llama.cpp samples at 0.8 unless told, vLLM stops
after 16 tokens). evalkit makes them one documented rule instead: a suite that sets no
temperature gets greedy decoding, one that sets no max_tokens gets the backend's
`default_length`.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from ..errors import MissingExtraError, UsageError
from ..types import Call, Completion
from .base import Backend, BackendOptions

# The generation options every suite may set (suite/schema.py GenerationOptions).
STANDARD = ("temperature", "top_p", "top_k", "max_tokens", "stop", "seed")


class LocalOptions(BackendOptions):
    """Options every local engine takes."""

    seed: int = Field(0, description="base seed: a call whose suite sets no seed uses seed + sample")
    # Not "default_max_tokens": option names containing "token" are masked as secrets.
    default_length: int = Field(256, ge=1, description="max tokens when the suite sets none")
    raw: bool = Field(False, description="send chat prompts as plain text (no chat template)")


class BatchEngineBackend(Backend):
    """A local engine whose batch call blocks: `_run_batch` runs in a worker thread so the
    event loop stays free, and a single call is a batch of one."""

    local_engine = True

    def _run_batch(self, calls: Sequence[Call]) -> list[Completion]:
        raise NotImplementedError

    async def generate_batch(self, calls: Sequence[Call]) -> list[Completion]:
        return await asyncio.to_thread(self._run_batch, list(calls))

    async def generate(self, call: Call) -> Completion:
        return (await self.generate_batch([call]))[0]


class UnsupportedOption(ValueError):
    """A generation option this engine cannot honour: the case fails rather than silently
    running with different settings."""


def require_modules(extra: str, purpose: str, packages: Mapping[str, str]) -> None:
    """Fail at construction, before any fingerprint or cache work, when an extra is missing.
    `packages`: import name -> pip name. (find_spec looks a module up without importing it.)"""
    from importlib.util import find_spec

    for module, distribution in packages.items():
        if find_spec(module) is None:
            raise MissingExtraError(distribution, extra, purpose)


def check_options(options: Mapping[str, Any], supported: Iterable[str], backend: str) -> None:
    supported = set(supported)
    unknown = sorted(set(options) - supported)
    if unknown:
        raise UnsupportedOption(
            f"the {backend} backend does not support option(s) {', '.join(map(repr, unknown))}; "
            f"it supports {', '.join(sorted(supported))}")


def effective_seed(call: Call, base_seed: int) -> int:
    """The suite's seed (the runner already adds the sample index), else base + sample, so
    repeated samples differ and every run draws the same ones."""
    seed = call.options.get("seed")
    return int(seed) if seed is not None else base_seed + call.sample


def temperature(call: Call) -> float:
    value = call.options.get("temperature")
    return 0.0 if value is None else float(value)


def max_tokens(call: Call, default: int) -> int:
    value = call.options.get("max_tokens")
    return default if value is None else int(value)


def stop_list(call: Call) -> list[str]:
    stop = call.options.get("stop")
    if stop is None:
        return []
    return [stop] if isinstance(stop, str) else [str(s) for s in stop]


def messages_json(call: Call) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in call.request.messages or ()]


def local_path(model: str, cwd: Path) -> Path | None:
    """`model` as an existing file or folder (relative to the working directory), or None."""
    path = Path(model).expanduser()
    if not path.is_absolute():
        path = cwd / path
    return path if path.exists() else None


def require_file(model: str, cwd: Path, backend: str, hint: str) -> Path:
    path = local_path(model, cwd)
    if path is None or not path.is_file():
        raise UsageError(f"{backend}: no model file at '{model}' (relative to {cwd}); {hint}")
    return path.resolve()
