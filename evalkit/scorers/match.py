"""Golden-answer checks on the raw text: exact match and substring containment.

`exact` compares with every acceptable answer (the case's target, a list of them, or a
golden file); `contains`, `contains_any` and `contains_all` look for the answers (or the
given values) inside the output.
"""
from __future__ import annotations

from pydantic import Field

from ..types import Case, Completion, Score
from .base import ScoreContext, SyncScorer
from .golden import ReferenceParams, references


class ExactParams(ReferenceParams):
    strip: bool = Field(True, description="ignore leading and trailing whitespace")
    case_sensitive: bool = True


class ExactScorer(SyncScorer):
    """The output equals the target (any of them, when the target is a list)."""

    Params = ExactParams
    description = "output equals the target (or one of several targets)"

    def _norm(self, text: str) -> str:
        text = text.strip() if self.params.strip else text
        return text if self.params.case_sensitive else text.casefold()

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        expected = references(self.params, self.suite_dir, case)
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


class ContainsAnyParams(ReferenceParams):
    value: str | list[str] | None = Field(
        None, description="text(s) to look for; defaults to the case's target(s)")
    case_sensitive: bool = False


class ContainsParams(ContainsAnyParams):
    all: bool = Field(False, description="require every value, not just one")


class ContainsScorer(SyncScorer):
    """The output contains the target (or the given values)."""

    Params = ContainsParams
    description = "output contains the target or the given value(s)"

    require_all = False

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        value = self.params.value
        needles = (([value] if isinstance(value, str) else list(value)) if value
                   else references(self.params, self.suite_dir, case))
        if not needles:
            return Score(self.name, None, False, "nothing to look for: no value and no target")
        fold = (lambda s: s) if self.params.case_sensitive else str.casefold
        output = fold(completion.text or "")
        found = [n for n in needles if fold(n) in output]
        missing = [n for n in needles if n not in found]
        require_all = getattr(self.params, "all", self.require_all)
        passed = not missing if require_all else bool(found)
        value_ = len(found) / len(needles)
        details = {"found": found, "missing": missing}
        if passed:
            return Score(self.name, value_, True, f"output contains {found!r}"
                         + (f" ({len(found)} of {len(needles)})" if len(needles) > 1 else ""),
                         details)
        if not require_all or not found:
            return Score(self.name, value_, False,
                         f"output contains none of {needles!r}" if len(needles) > 1
                         else f"output lacks {needles[0]!r}", details)
        return Score(self.name, value_, False, f"output lacks {missing!r} (found {found!r})",
                     details)


class ContainsAnyScorer(ContainsScorer):
    """The output contains at least one of the values (or acceptable answers)."""

    Params = ContainsAnyParams
    description = "output contains at least one of the values or target(s)"


class ContainsAllScorer(ContainsScorer):
    """The output contains every one of the values (or acceptable answers)."""

    Params = ContainsAnyParams
    description = "output contains every one of the values or target(s)"
    require_all = True
