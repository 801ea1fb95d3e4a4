"""Minimal golden-answer checks: exact match and substring containment."""
from __future__ import annotations

from pydantic import Field

from ..types import Case, Completion, Score
from .base import ScoreContext, Scorer, ScorerParams, targets


class ExactParams(ScorerParams):
    strip: bool = Field(True, description="ignore leading and trailing whitespace")
    case_sensitive: bool = True


class ExactScorer(Scorer):
    """The output equals the target (any of them, when the target is a list)."""

    Params = ExactParams
    description = "output equals the target (or one of several targets)"

    def _norm(self, text: str) -> str:
        text = text.strip() if self.params.strip else text
        return text if self.params.case_sensitive else text.casefold()

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        expected = targets(case)
        if not expected:
            return Score(self.name, None, False, "case has no target to compare with")
        output = self._norm(completion.text or "")
        hit = next((t for t in expected if self._norm(t) == output), None)
        if hit is not None:
            return Score(self.name, 1.0, True, f"output equals the target {hit!r}")
        shown = (completion.text or "")[:200]
        return Score(self.name, 0.0, False,
                     f"output {shown!r} differs from the target"
                     + (f" {expected[0]!r}" if len(expected) == 1 else f"s {expected!r}"))


class ContainsParams(ScorerParams):
    value: str | list[str] | None = Field(
        None, description="text(s) that must appear; defaults to the case's target(s)")
    all: bool = Field(False, description="require every value, not just one")
    case_sensitive: bool = False


class ContainsScorer(Scorer):
    """The output contains the target (or the given values)."""

    Params = ContainsParams
    description = "output contains the target or the given value(s)"

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        value = self.params.value
        needles = ([value] if isinstance(value, str) else list(value)) if value else targets(case)
        if not needles:
            return Score(self.name, None, False, "nothing to look for: no value and no target")
        fold = (lambda s: s) if self.params.case_sensitive else str.casefold
        output = fold(completion.text or "")
        found = [n for n in needles if fold(n) in output]
        missing = [n for n in needles if n not in found]
        passed = not missing if self.params.all else bool(found)
        value_ = len(found) / len(needles)
        if passed:
            return Score(self.name, value_, True, f"output contains {found!r}")
        return Score(self.name, value_, False, f"output lacks {missing!r}",
                     {"found": found, "missing": missing})
