"""Regex: the output matches one (or every) pattern, or must not match any.

Patterns are compiled when the suite loads: an invalid pattern is a load-time error that
says what is wrong and where in the pattern.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from ..types import Case, Completion, Score
from .base import ScoreContext, ScorerParams, SyncScorer
from .text import shorten


def compile_pattern(pattern: str, flags: int = 0) -> re.Pattern:
    """re.compile with an error message a suite author understands (ValueError)."""
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        raise ValueError(f"invalid regular expression {pattern!r}: {exc.msg}{where}") from None


class RegexParams(ScorerParams):
    pattern: str | list[str] = Field(description="Python regular expression(s)")
    match: Literal["search", "full"] = Field(
        "search", description="search: anywhere in the output; full: the whole output")
    require: Literal["any", "all", "none"] = Field(
        "any", description="any / all patterns must match; none: no pattern may match")
    ignore_case: bool = False
    multiline: bool = False
    dotall: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | list[str]) -> str | list[str]:
        patterns = [value] if isinstance(value, str) else value
        if not patterns:
            raise ValueError("give at least one pattern")
        for pattern in patterns:
            compile_pattern(pattern)
        return value


class RegexScorer(SyncScorer):
    """The output matches (or avoids) regular expressions."""

    Params = RegexParams
    description = "output matches any/all of the patterns, or none of them"

    def __init__(self, name, params, suite_dir):
        super().__init__(name, params, suite_dir)
        flags = ((re.IGNORECASE if params.ignore_case else 0)
                 | (re.MULTILINE if params.multiline else 0) | (re.DOTALL if params.dotall else 0))
        raw = [params.pattern] if isinstance(params.pattern, str) else params.pattern
        self.patterns = [compile_pattern(p, flags) for p in raw]

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        text = completion.text or ""
        matched, missed, spans = [], [], {}
        for pattern in self.patterns:
            hit = pattern.fullmatch(text) if self.params.match == "full" else pattern.search(text)
            if hit:
                matched.append(pattern.pattern)
                spans[pattern.pattern] = hit.group(0)[:200]
            else:
                missed.append(pattern.pattern)
        require = self.params.require
        passed = {"any": bool(matched), "all": not missed, "none": not matched}[require]
        value = len(matched) / len(self.patterns)
        details = {"matched": matched, "missed": missed, "matched_text": spans}
        how = ("matches the whole output" if self.params.match == "full"
               else "is found in the output")
        if require == "none":
            why = ("no forbidden pattern matches" if passed else
                   f"forbidden pattern {matched[0]!r} matches {spans[matched[0]]!r}")
        elif passed:
            why = f"pattern {matched[0]!r} {how} ({spans[matched[0]]!r})" + (
                f" and {len(matched) - 1} more" if len(matched) > 1 else "")
        else:
            why = (f"pattern {missed[0]!r} is not matched" if require == "all" and matched
                   else f"no pattern matches the output {shorten(text)}: {missed!r}")
        return Score(self.name, value, passed, why, details)
