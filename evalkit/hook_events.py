"""The typed, frozen events evalkit hands its hooks (hooks.py; docs/hooks.md). Kept apart so
a process without hooks never builds these classes (`evalkit.hooks.RunStarted` and the others
still resolve, on first use)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    suite: str
    model: str
    label: str | None
    db: str
    cases: int
    samples: int


@dataclass(frozen=True)
class ResultStored:
    run_id: str
    case_id: str
    sample: int
    passed: bool
    error: str | None
    latency_s: float | None
    cost_usd: float | None
    cached: bool
    scores: dict[str, float | None] = field(default_factory=dict)  # scorer -> value


@dataclass(frozen=True)
class RunFinished:
    run_id: str
    suite: str
    model: str
    label: str | None
    status: str  # completed | failed | interrupted
    total: int
    passed: int
    errors: int
    cached: int
    wall_s: float
    db: str


@dataclass(frozen=True)
class ComparisonMade:
    suite: str
    baseline_run: str
    candidate_run: str
    answer: str  # yes | no | inconclusive
    reasons: tuple[str, ...]
    metrics: tuple[dict[str, Any], ...]  # the overall rows: metric, stat, n, baseline, ...
