"""Operational scorers: latency, cost, output length, empty output.

They turn what every Completion already carries into scores, so a suite can gate on them
like on any other metric ("p95 latency must not regress", "no empty answers"). The value
is the measured quantity (seconds, dollars, characters/words/tokens); `passed` says whether
it is within the limits given (no limit: always passed).
"""
from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from ..types import Case, Completion, Score
from .base import ScoreContext, ScorerParams, SyncScorer


def _invalid(name: str, value) -> str | None:
    """Why a reported measure cannot be scored (NaN, infinite, negative, not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"the backend reported an invalid {name}: {value!r} is not a number"
    if not math.isfinite(value) or value < 0:
        return f"the backend reported an invalid {name}: {value!r}"
    return None


def _within(name: str, value: float, unit: str, low: float | None, high: float | None,
            ) -> tuple[bool, str]:
    shown = f"{value:g} {unit}".strip()
    if high is not None and value > high:
        return False, f"{name} {shown} is above the maximum {high:g}"
    if low is not None and value < low:
        return False, f"{name} {shown} is below the minimum {low:g}"
    limits = (([f"≥ {low:g}"] if low is not None else [])
              + ([f"≤ {high:g}"] if high is not None else []))
    return True, f"{name} {shown}" + (f" ({' and '.join(limits)})" if limits else "")


class LatencyParams(ScorerParams):
    max_s: float | None = Field(None, gt=0, description="fail above this many seconds")


class LatencyScorer(SyncScorer):
    """The call's latency in seconds (cached answers keep the latency of the original call)."""

    Params = LatencyParams
    description = "latency of the call in seconds (pass: ≤ max_s)"

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        if completion.latency_s is None:
            return Score(self.name, None, None, "the backend reported no latency")
        invalid = _invalid("latency", completion.latency_s)
        if invalid:
            return Score(self.name, None, False, invalid)
        passed, why = _within("latency", completion.latency_s, "s", None, self.params.max_s)
        return Score(self.name, completion.latency_s, passed, why)


class CostParams(ScorerParams):
    max_usd: float | None = Field(None, ge=0, description="fail above this many US dollars")


class CostScorer(SyncScorer):
    """The call's cost in US dollars, as the backend reports or prices it."""

    Params = CostParams
    description = "cost of the call in US dollars (pass: ≤ max_usd)"

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        if completion.cost_usd is None:
            return Score(self.name, None, None, "the backend reported no cost (unknown price)")
        invalid = _invalid("cost", completion.cost_usd)
        if invalid:
            return Score(self.name, None, False, invalid)
        passed, why = _within("cost $", completion.cost_usd, "", None, self.params.max_usd)
        return Score(self.name, completion.cost_usd, passed, why)


class LengthParams(ScorerParams):
    unit: Literal["chars", "words", "tokens"] = Field(
        "chars", description="tokens: the backend's output token count")
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _order(self) -> "LengthParams":
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is larger than max ({self.max})")
        return self


class LengthScorer(SyncScorer):
    """The output's length in characters, words or tokens."""

    Params = LengthParams
    description = "output length in chars, words or tokens (pass: within min..max)"

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        text, unit = completion.text or "", self.params.unit
        if unit == "tokens":
            if completion.tokens_out is None:
                return Score(self.name, None, None, "the backend reported no output token count")
            length = completion.tokens_out
        else:
            length = len(text) if unit == "chars" else len(text.split())
        passed, why = _within("output length", length, unit, self.params.min, self.params.max)
        return Score(self.name, float(length), passed, why)


class EmptyParams(ScorerParams):
    pass


class EmptyScorer(SyncScorer):
    """Fails an empty (or whitespace-only) output. Value 1 when empty, so its mean is the
    empty-output rate."""

    Params = EmptyParams
    description = "fails empty or whitespace-only output (value: 1 = empty)"

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        text = completion.text or ""
        if text.strip():
            return Score(self.name, 0.0, True, f"output has {len(text.strip())} characters")
        finish = f" (finish reason: {completion.finish_reason})" if completion.finish_reason else ""
        return Score(self.name, 1.0, False, "the output is empty" + finish)
