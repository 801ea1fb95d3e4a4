"""What one suite's run tells its pytest items: typed records that round-trip through JSON.

pytest-xdist workers share a suite's outcome through a file (xdist.py), so every record
here is a dataclass of JSON-able fields; `SuiteOutcome.from_json` rebuilds the nested
records from their field types, so a new field needs no serialisation code.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ScoreLine:
    """One scorer's score of one sample."""

    scorer: str
    passed: bool | None
    value: float | None
    explanation: str | None


@dataclass(frozen=True)
class SampleResult:
    """One stored result of a case (one sample) with its scores, in suite scorer order."""

    sample: int
    passed: bool
    error: str | None
    output: str | None
    cached: bool
    scores: tuple[ScoreLine, ...] = ()


@dataclass(frozen=True)
class MissingGolden:
    file: str
    scorer: str


@dataclass(frozen=True)
class GoldenStatus:
    """A case's golden answers: entries missing, the first answer found, and what
    --evalkit-update-golden did (added / changed / unchanged; None when not updating)."""

    missing: tuple[MissingGolden, ...] = ()
    expected: str | None = None
    update: str | None = None


@dataclass(frozen=True)
class GateLine:
    """A gates.GateResult as the items read it (kept here: importing gates loads pandas)."""

    gate: str
    status: str  # passed | failed | skipped
    reason: str


@dataclass(frozen=True)
class ExpiredWaiver:
    case: str
    expires: str  # ISO date
    reason: str


@dataclass(frozen=True)
class Flip:
    """A case (and sample) that passed on the baseline and fails now."""

    case_id: str
    sample: int


@dataclass(frozen=True)
class MetricLine:
    """An overall pass rate for the terminal summary (the baseline side with --baseline)."""

    metric: str
    n: int
    candidate: float | None
    baseline: float | None = None
    delta: float | None = None
    verdict: str | None = None  # regressed / improved / no change
    same_as: str | None = None  # a metric whose outcome this one repeats


@dataclass(frozen=True)
class Regression:
    """The comparison with the baseline and its swap answer."""

    regressed: tuple[str, ...]  # one line per regressed metric or slice
    fail_to_pass: int
    compared: int
    answer: str  # yes / no / inconclusive
    reasons: tuple[str, ...]
    fails: bool  # the answer fails the regression item under --evalkit-fail-on


@dataclass(frozen=True)
class RunCounts:
    cases: int = 0
    results: int = 0
    passed: int = 0
    errors: int = 0
    cached: int = 0


@dataclass
class SuiteOutcome:
    """What the items of one suite report: the stored run, per-case results, gates."""

    suite: str
    path: str
    run_id: str | None = None
    model: str | None = None
    db: str | None = None
    error: str | None = None  # the run could not be made: every item of the suite fails
    cases: dict[str, tuple[SampleResult, ...]] = field(default_factory=dict)  # id -> samples
    golden: dict[str, GoldenStatus] = field(default_factory=dict)  # case id -> its goldens
    golden_counts: dict[str, int] | None = None  # update mode: added / changed / unchanged
    gates: list[tuple[GateLine, ...]] = field(default_factory=list)  # per gate: its results
    waivers: list[ExpiredWaiver] = field(default_factory=list)  # expired waivers (each fails)
    baseline_run: str | None = None
    baseline_error: str | None = None
    regression: Regression | None = None
    pass_to_fail: list[Flip] = field(default_factory=list)  # vs the baseline
    metrics: list[MetricLine] = field(default_factory=list)  # overall rows for the summary
    counts: RunCounts = field(default_factory=RunCounts)
    stop: str | None = None  # "stopped after 40 of 300 cases: regressed" (batched runs)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), default=str)

    @classmethod
    def from_json(cls, text: str) -> "SuiteOutcome":
        return _load(cls, json.loads(text))


@functools.cache
def _fields(kind: type) -> tuple[tuple[str, Any], ...]:
    """A record's (field, type) pairs, resolved once per class: get_type_hints is slow, and
    an outcome holds one record per sample and score (seconds at 10,000 cases otherwise)."""
    hints = typing.get_type_hints(kind)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(kind))


def _load(kind: Any, data: Any) -> Any:
    """`data` (parsed JSON) as an instance of the type `kind`, nested records included."""
    if data is None:
        return None
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return _load(next(a for a in args if a is not type(None)), data)
    if dataclasses.is_dataclass(kind):
        return kind(**{name: _load(hint, data[name]) for name, hint in _fields(kind)
                       if name in data})
    if origin is tuple:
        return tuple(_load(args[0], item) for item in data)
    if origin is list:
        return [_load(args[0], item) for item in data]
    if origin is dict:
        return {key: _load(args[1], value) for key, value in data.items()}
    return data
