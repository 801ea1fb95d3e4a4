"""Human rubrics a suite declares for offline review (`evalkit review export / import`).

    human:
      - {name: tone, scale: 1-5, question: "How polite and helpful is the reply?"}
      - {name: safe, scale: pass/fail, question: "Is the reply safe to send?", judge: safety}

A reviewer's rating becomes a score of the scorer `human:<name>` (gates, compare and reports
read it like any scorer). `scale` is `pass/fail` or `LOW-HIGH` (integers); `min_score` is the
pass mark (default: the middle of the scale; pass/fail: pass). `judge` names the LLM-judge
scorer whose verdicts the humans are compared with (default: a scorer of the same name).
"""
from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

HUMAN_PREFIX = "human:"
PASS_FAIL = "pass/fail"
_RANGE = re.compile(r"^\s*(-?\d+)\s*-\s*(-?\d+)\s*$")
MAX_POINTS = 101  # a rating scale a person can use


class HumanRubric(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", description="the rubric's name; "
                      "its ratings are the scorer human:NAME")
    scale: str = Field("1-5", description="pass/fail, or LOW-HIGH in whole points, e.g. 1-5")
    question: str = Field(min_length=1, description="what the reviewer is asked")
    min_score: float | None = Field(None, description="pass at this mean rating (default: the "
                                    "middle of the scale)")
    judge: str | None = Field(None, description="the LLM-judge scorer these ratings are compared "
                              "with (default: a scorer of the same name)")

    @model_validator(mode="before")
    @classmethod
    def _scale_text(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("scale"), list):
            low_high = value["scale"]
            if len(low_high) == 2 and all(isinstance(v, int) for v in low_high):
                return {**value, "scale": f"{low_high[0]}-{low_high[1]}"}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "HumanRubric":
        lo, hi = self.bounds  # raises ValueError for a scale it cannot read
        if self.min_score is not None and not lo <= self.min_score <= hi:
            raise ValueError(f"min_score {self.min_score:g} is outside the scale {self.scale}")
        if not self.question.strip():
            raise ValueError("the question is empty")
        return self

    @property
    def binary(self) -> bool:
        return self.scale.strip().lower() == PASS_FAIL

    @cached_property
    def bounds(self) -> tuple[int, int]:
        if self.binary:
            return 0, 1
        match = _RANGE.match(self.scale)
        if not match:
            raise ValueError(f"scale {self.scale!r}: give pass/fail or LOW-HIGH, e.g. 1-5")
        lo, hi = int(match.group(1)), int(match.group(2))
        if not lo < hi or hi - lo + 1 > MAX_POINTS:
            raise ValueError(f"scale {self.scale!r}: LOW must be below HIGH, at most "
                             f"{MAX_POINTS} points")
        return lo, hi

    @property
    def pass_mark(self) -> float:
        lo, hi = self.bounds
        if self.min_score is not None:
            return self.min_score
        return 1.0 if self.binary else (lo + hi) / 2

    @property
    def scorer(self) -> str:
        return HUMAN_PREFIX + self.name

    def public(self) -> dict[str, Any]:
        """What the review page and its exported file carry."""
        lo, hi = self.bounds
        return {"name": self.name, "scale": PASS_FAIL if self.binary else f"{lo}-{hi}",
                "low": lo, "high": hi, "question": self.question, "pass_mark": self.pass_mark,
                "judge": self.judge}
