"""The backend interface: one kind of model behind `generate` (and `generate_batch`).

API backends answer one call at a time with many in flight; local engines set
`batch_size` > 1 and receive whole batches in `generate_batch`. Start/close,
concurrency, retries and timeouts belong to Model (model.py), caching to the runner: not
to backends.
"""
from __future__ import annotations

import asyncio
import json
import math
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import UsageError, did_you_mean
from ..redact import redact_mapping, register_options
from ..registry import BACKENDS, backend_class, names
from ..types import Call, Completion, RecordedOutputs, sha256_hex


class TransientError(Exception):
    """A failure worth retrying (429, 5xx, connection error); may carry a server-given delay."""

    def __init__(self, message: str, retry_after: float | None = None, status: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class BackendOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def public(self) -> dict[str, Any]:
        """Options safe to store: secrets masked (they never reach DuckDB or reports): every
        SecretStr, values under secret or header names, and credentials inside URLs."""
        return redact_mapping(self.model_dump(mode="python"))


@dataclass(frozen=True)
class BackendEnv:
    """What a backend may need from its surroundings, without importing later layers."""

    cwd: Path
    recorded: RecordedOutputs | None = None


class Backend:
    Options: ClassVar[type[BackendOptions]] = BackendOptions
    default_concurrency: ClassVar[int] = 16
    cacheable: ClassVar[bool] = True  # False where a call is already a lookup (replay)
    # The model runs inside this process (weights loaded in start). `--executor ray` runs such
    # backends as replicas on the cluster; I/O-bound API backends stay on the driver.
    local_engine: ClassVar[bool] = False
    batch_size: int = 1

    def __init__(self, model: str, options: BackendOptions, env: BackendEnv):
        self.model = model
        self.options = options
        self.env = env
        register_options(options.model_dump())  # keys, headers, URL credentials: masked everywhere

    def load(self) -> None:
        """Import the user code the reference names (a python pipeline). Only a run calls
        this, never validation: a suite is data, and checking one runs none of its code."""

    async def start(self) -> None:
        """Load weights or open connections once (never per case). fingerprint() must not
        depend on it: a fully cached run never starts the backend."""

    async def ensure_started(self) -> None:
        if not getattr(self, "_started", False):
            await self.start()
            self._started = True

    async def close(self) -> None:
        pass

    async def ensure_closed(self) -> None:
        """close(), after which the next call starts the backend again."""
        self._started = False
        await self.close()

    async def generate(self, call: Call) -> Completion:
        raise NotImplementedError

    async def generate_batch(self, calls: Sequence[Call]) -> list[Completion]:
        return list(await asyncio.gather(*(self.generate(c) for c in calls)))

    def fingerprint(self) -> str:
        """Model identity for the cache: changes whenever outputs could change."""
        return sha256_hex(type(self).__name__, self.model, self.options.public())

    def structured_output(self, schema: Mapping[str, Any]) -> dict[str, Any] | None:
        """The generation options that make this backend answer in `schema`'s shape (a JSON
        Schema of an object), or None when it cannot be asked for a shape."""
        return None

    def cache_inputs(self, call: Call) -> Any:
        """What this backend receives of a call besides its options and sample (the cache
        key is made of it): the rendered request. A backend that sees more of the case (the
        python pipeline) returns all of it, so two calls share an answer only when
        everything the backend receives is the same."""
        return call.request.to_json()


@dataclass(frozen=True)
class ModelRef:
    backend: str
    model: str

    def __str__(self) -> str:
        return f"{self.backend}/{self.model}"


def parse_model_ref(text: str) -> ModelRef:
    backend, sep, model = text.partition("/")
    if not sep or not model:
        raise UsageError(f"model reference '{text}' must look like BACKEND/MODEL "
                         f"(e.g. litellm/openai/gpt-4o-mini); backends: {', '.join(names(BACKENDS))}")
    backend_class(backend)  # unknown names fail here, with a suggestion
    return ModelRef(backend, model)


def parse_model_args(pairs: Sequence[str]) -> dict[str, Any]:
    """`-M key=value` pairs; values that parse as JSON (numbers, true, {...}) are typed.
    Secrets among them (keys, headers, URL credentials) are registered for masking."""
    args: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"model arg '{pair}' must look like key=value")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        args[key.strip()] = value
    register_options(args)
    return args


def create_backend(ref: ModelRef, args: Mapping[str, Any], env: BackendEnv) -> Backend:
    cls = backend_class(ref.backend)
    try:
        options = cls.Options.model_validate(dict(args))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"])
            if error["type"] == "extra_forbidden":
                hint = did_you_mean(key, cls.Options.model_fields)
                problems.append(f"unknown model arg '{key}' for backend '{ref.backend}'"
                                + (f"; {hint}" if hint else ""))
            else:
                problems.append(f"model arg '{key}': {error['msg']}")
        raise UsageError("\n".join(problems)) from None
    return cls(ref.model, options, env)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delay-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import datetime, timezone
    from email.utils import parsedate_to_datetime
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})


MAX_TEXT_CHARS = 64 * 2**20  # a reply's text, whatever the backend (HTTP bodies have their own cap)
MAX_LABEL_CHARS = 1000  # model_id, finish_reason


def completion_field_problem(record: Mapping[str, Any]) -> str | None:
    """What is wrong with the optional Completion fields of backend or user-supplied data (a
    pipeline's dict, a replay record, any backend's reply), or None. Caught here, a wrong type
    or range is that case's error; missed, it would fail the store's bulk insert (or a scorer)."""
    for key in ("tokens_in", "tokens_out"):
        value = record.get(key)
        if value is None or (type(value) is int and 0 <= value < 2**63):  # the usual: fast
            continue
        if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
                or not -2**63 <= value < 2**63):  # the store's BIGINT
            return f"'{key}' must be an integer, got {value!r}"
        if value < 0:
            return f"'{key}' must not be negative, got {value!r}"
    for key in ("cost_usd", "latency_s"):
        value = record.get(key)
        if value is None or (type(value) is float and 0.0 <= value < math.inf):  # the usual
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return f"'{key}' must be a number, got {value!r}"
        if not (math.isfinite(value) and value >= 0):
            return f"'{key}' must be a finite number ≥ 0, got {value!r}"
    for key in ("model_id", "finish_reason", "error"):
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            return f"'{key}' must be a string, got {value!r}"
        if key != "error" and value is not None and len(value) > MAX_LABEL_CHARS:
            return f"'{key}' is {len(value):,} characters long (at most {MAX_LABEL_CHARS:,})"
    for key in ("context", "citations"):
        value = record.get(key)
        if value is not None and not isinstance(value, (list, tuple)):
            return f"'{key}' must be a list, got {type(value).__name__}"
    return None


def reply_problem(completion: Any) -> str | None:
    """What is wrong with a Completion a backend returned (types, sizes, ranges), or None.
    The runner checks every reply here, so one bad reply is an error on its own case."""
    if not isinstance(completion, Completion):
        return f"the backend returned {type(completion).__name__}, not a Completion"
    text = completion.text
    if text is not None and not isinstance(text, str):
        return f"the output must be a string, got {type(text).__name__} {text!r:.80}"
    if text is not None and len(text) > MAX_TEXT_CHARS:
        return f"the output is {len(text):,} characters long (at most {MAX_TEXT_CHARS:,})"
    return completion_field_problem(vars(completion))
