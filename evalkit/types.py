"""The nouns every stage shares, as frozen dataclasses (pydantic stays at the edges)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence

from .location import Location


def canonical_json(value: Any) -> str:
    """Stable JSON for hashing: sorted keys, no whitespace, non-JSON values as strings."""
    return _CANONICAL.encode(value)


# What json.dumps(value, sort_keys=True, ...) builds per call (the same bytes), built once:
# a cache key hashes four values per model call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              default=str)


def sha256_hex(*parts: Any) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(canonical_json(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


@dataclass(frozen=True)
class Case:
    """One test item. `id` is the join key across runs."""

    id: str
    vars: Mapping[str, Any]
    target: Any = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    location: Location | None = None  # where the case came from (None: built in code)

    @property
    def source(self) -> str:
        """Where the case came from, for people: `file:line:col` or `file (row N)`."""
        return self.location.shown() if self.location is not None else ""

    def content_hash(self) -> str:
        # Remembered on the case: loading hashes every case, and the writer stores it again.
        found = self.__dict__.get("_content_hash")
        if found is None:
            found = sha256_hex(self.vars, self.target, self.metadata)
            object.__setattr__(self, "_content_hash", found)
        return found


@dataclass(frozen=True)
class Message:
    role: str
    content: str


@dataclass(frozen=True)
class Request:
    """A rendered prompt: chat messages, or a raw completion prompt (exactly one is set)."""

    messages: tuple[Message, ...] | None = None
    prompt: str | None = None

    def to_json(self) -> dict:
        if self.messages is not None:  # (not asdict(): this runs several times per call)
            return {"messages": [{"role": m.role, "content": m.content} for m in self.messages]}
        return {"prompt": self.prompt}

    def text(self) -> str:
        """The prompt as one string (for backends without a chat format, and for display)."""
        if self.prompt is not None:
            return self.prompt
        return "\n\n".join(m.content for m in self.messages or ())

    @staticmethod
    def from_json(data: Mapping) -> "Request":
        if "messages" in data:
            return Request(messages=tuple(Message(**m) for m in data["messages"]))
        return Request(prompt=data["prompt"])


@dataclass(frozen=True)
class Call:
    """What the runner hands a backend: one case, one sample, its rendered request."""

    case: Case
    sample: int
    request: Request
    options: Mapping[str, Any]  # generation options (temperature, max_tokens, ...)
    suite_vars: Mapping[str, Any] = field(default_factory=dict)  # the suite's shared `vars`


@dataclass(frozen=True)
class Completion:
    """One model output. A failed call is a Completion with `error` set: errors are data."""

    text: str | None
    error: str | None = None
    latency_s: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost_usd: float | None = None
    finish_reason: str | None = None
    model_id: str | None = None  # the model id the backend reports (APIs return one)
    cached: bool = False
    attempts: int = 1
    context: tuple[Mapping[str, Any], ...] | None = None  # retrieved documents (RAG)
    citations: tuple[str, ...] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict:
        """A JSON-ready copy (what asdict() gives, at a fraction of its cost per call)."""
        data = dict(self.__dict__)
        if self.context is not None:
            data["context"] = [dict(c) for c in self.context]
        if self.citations is not None:
            data["citations"] = list(self.citations)
        data["extra"] = dict(self.extra)
        return data

    @staticmethod
    def from_json(data: Mapping) -> "Completion":
        data = dict(data)
        if data.get("context") is not None:
            data["context"] = tuple(data["context"])
        if data.get("citations") is not None:
            data["citations"] = tuple(data["citations"])
        return Completion(**data)


@dataclass(frozen=True)
class Score:
    scorer: str
    value: float | None
    passed: bool | None
    explanation: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkerRef:
    """Where a call ran when an executor spreads calls over a cluster (Ray node and worker)."""

    node_id: str
    worker_id: str


@dataclass(frozen=True)
class Result:
    """A case's sample after the model call and scoring: one `results` row plus `scores` rows."""

    case: Case
    sample: int
    request: Request
    completion: Completion
    scores: tuple[Score, ...]
    worker: WorkerRef | None = None  # None: ran in this process, or served from the cache

    @property
    def passed(self) -> bool:
        return self.completion.ok and all(s.passed is not False for s in self.scores)


class RecordedOutputs(Protocol):
    """What the replay backend needs from a store, without importing the store."""

    def recorded_outputs(self, run_ref: str) -> Mapping[tuple[str, int], Completion]: ...


class JudgeCache(Protocol):
    """What a judging scorer needs from a store to cache its grades, without importing it.

    Grades are kept apart from the model's response cache: a judge's answer about an output
    is keyed by (judge identity, rubric hash, the judged case and output, repeat).
    """

    def cached_judge_grades(self, keys: Sequence[str]) -> Mapping[str, Mapping[str, Any]]: ...

    def put_judge_grades(self, entries: Sequence[tuple[str, str, Mapping[str, Any]]]) -> None:
        """(key, judge identity, grade) rows, written in one statement."""
