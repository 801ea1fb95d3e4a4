"""Numeric: the number in the output is within a tolerance of the target number.

Numbers are read with signs, decimals, thousands separators (1,234.5), exponents (1e-3)
and the Unicode minus sign. By default the last number of the output is the answer (models
tend to reason first and conclude last); `extract` picks another.
"""
from __future__ import annotations

import math
import re
import unicodedata
from typing import Literal

from pydantic import Field

from ..types import Case, Completion, Score
from .base import ScoreContext, Scorer
from .golden import ReferenceParams, references
from .text import shorten

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?"
                    r"(?![\w])")


def numbers(text: str) -> list[float]:
    """Every number in the text, in order."""
    text = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    found = []
    for match in NUMBER.finditer(text):
        token = match.group(0)
        if not any(ch.isdigit() for ch in token) or token[0] in "eE":
            continue
        try:
            found.append(float(token.replace(",", "")))
        except ValueError:
            continue
    return found


class NumericParams(ReferenceParams):
    abs_tol: float = Field(0.0, ge=0, description="absolute tolerance")
    rel_tol: float = Field(1e-9, ge=0, description="relative tolerance (0.01 = 1 %)")
    extract: Literal["last", "first", "only", "any"] = Field(
        "last", description="which number of the output is its answer; only: exactly one "
                            "number allowed; any: pass if any number is close")


class NumericScorer(Scorer):
    """The output's number is close to the target's."""

    Params = NumericParams
    description = "number in the output within abs_tol / rel_tol of the target number"

    def _close(self, a: float, b: float) -> bool:
        return math.isclose(a, b, rel_tol=self.params.rel_tol, abs_tol=self.params.abs_tol)

    def _tolerance(self) -> str:
        p = self.params
        parts = ([f"±{p.abs_tol:g}"] if p.abs_tol else []) + (
            [f"±{p.rel_tol:.3g} relative"] if p.rel_tol > 1e-9 else [])
        return " or ".join(parts) or "exactly"

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        answers = references(self.params, self.suite_dir, case)
        expected = []
        for answer in answers:
            parsed = numbers(answer)
            if len(parsed) != 1:
                return Score(self.name, None, False,
                             f"the target {answer!r} is not a single number")
            expected.append(parsed[0])
        if not expected:
            return Score(self.name, None, False, "case has no target number to compare with")
        found = numbers(completion.text or "")
        if not found:
            return Score(self.name, 0.0, False,
                         f"no number in the output {shorten(completion.text)}")
        mode = self.params.extract
        if mode == "only" and len(found) > 1:
            return Score(self.name, 0.0, False, f"the output has {len(found)} numbers "
                         f"({found[:5]}), expected exactly one", {"numbers": found[:50]})
        candidates = found if mode == "any" else [found[-1] if mode == "last" else found[0]]
        for value in candidates:
            for target in expected:
                if self._close(value, target):
                    return Score(self.name, 1.0, True,
                                 f"the output's number {value:g} matches the target {target:g} "
                                 f"({self._tolerance()})",
                                 {"number": value, "target": target, "error": value - target})
        value, target = candidates[-1], min(expected, key=lambda t: abs(t - candidates[-1]))
        return Score(self.name, 0.0, False,
                     f"the output's {'numbers' if mode == 'any' else mode + ' number'} "
                     f"{', '.join(f'{c:g}' for c in candidates[:5])} "
                     f"{'are' if len(candidates) > 1 else 'is'} not within "
                     f"{self._tolerance()} of the "
                     f"target {target:g} (off by {value - target:+g})",
                     {"number": value, "target": target, "error": value - target,
                      "numbers": found[:50]})
