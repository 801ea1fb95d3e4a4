"""Numeric: the number in the output is within a tolerance of the target number.

How numbers are read (units, currency, percent, fractions, locales) is in `numbers.py`.
`extract` says which number of the output is its answer, and the explanation always says
what was read, from which text, and why (never another number in silence):

- `last` (default): the last quantity (models reason first and conclude last);
- `first`: the first quantity;
- `only`: the output must hold exactly one distinct quantity ("12 km, i.e. 12 km" is fine);
  several different ones fail, listed;
- `any`: passes if any quantity is close to the target;
- `gsm8k`: lm-evaluation-harness's GSM8K "strict-match": the first `#### N` (regex
  `#### (\\-?[0-9\\.\\,]+)`); no such line fails, whatever else the output says;
- `gsm8k_flexible`: its "flexible-extract": the last match of `(-?[$0-9.,]{2,})|(-?[0-9]+)`.
  In both GSM8K modes the extracted text loses "," and "$" and one trailing "." (the task's
  `regexes_to_ignore`), and a target holding `#### N` (a GSM8K answer) is read the same way.
  Unlike lm-evaluation-harness, values are compared as numbers ("18.00" equals "18").
"""
from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import Field

from ..types import Case, Completion, Score
from .base import ScoreContext, SyncScorer
from .golden import ReferenceParams, references
from .numbers import Locale, Number, PercentAs, Reading, numbers, read_numbers
from .text import shorten

__all__ = ["NumericScorer", "NumericParams", "numbers", "gsm8k_extract"]

# lm-evaluation-harness, lm_eval/tasks/gsm8k/gsm8k.yaml (filters and exact_match's ignores)
GSM8K_STRICT = re.compile(r"#### (\-?[0-9\.\,]+)")
GSM8K_FLEXIBLE = re.compile(r"(-?[$0-9.,]{2,})|(-?[0-9]+)")
GSM8K_IGNORED = (re.compile(","), re.compile(r"\$"), re.compile(r"(?s).*#### "),
                 re.compile(r"\.$"))
GSM8K_INVALID = "[invalid]"  # the harness's fallback when nothing matches
MAX_LISTED = 5


def gsm8k_extract(text: str, flexible: bool = False) -> str:
    """The answer text lm-evaluation-harness's GSM8K filter takes (strict or flexible)."""
    found = (GSM8K_FLEXIBLE if flexible else GSM8K_STRICT).findall(text)
    if not found:
        return GSM8K_INVALID
    match = found[-1] if flexible else found[0]
    if isinstance(match, tuple):
        match = next((part for part in match if part), GSM8K_INVALID)
    return match.strip()


def gsm8k_normalize(text: str) -> str:
    for pattern in GSM8K_IGNORED:
        text = pattern.sub("", text)
    return text.lower()


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class NumericParams(ReferenceParams):
    abs_tol: float = Field(0.0, ge=0, description="absolute tolerance")
    rel_tol: float = Field(1e-9, ge=0, description="relative tolerance (0.01 = 1 %)")
    extract: Literal["last", "first", "only", "any", "gsm8k", "gsm8k_flexible"] = Field(
        "last", description="which number is the answer: last | first | only (exactly one "
                            "distinct number) | any (any close one passes) | gsm8k ('#### N', "
                            "as lm-evaluation-harness strict-match) | gsm8k_flexible (its "
                            "flexible-extract: the last number-like text)")
    locale: Literal["en", "eu", "in", "si"] = Field(
        "en", description="digit grouping: en 1,000.5 | eu 1.000,5 or 1 000,5 | in 1,00,000.5 "
                          "| si 1 000.5 (thin and no-break spaces group digits in all)")
    magnitudes: bool = Field(
        True, description="'5 million', '3 lakh', '$5M', '€3.2bn', '$10k' scale the number "
                          "(suffixes only after a currency); false: the digits only")
    percent: Literal["number", "fraction"] = Field(
        "number", description="'45%' reads as 45 (number) or 0.45 (fraction)")


class NumericScorer(SyncScorer):
    """The output's number is close to the target's."""

    Params = NumericParams
    description = ("number in the output within abs_tol / rel_tol of the target: units "
                   "(12km, 18th), currency ($5M), percent, fractions (12/5, 3½), locale "
                   "digit grouping; extract last | first | only | any | gsm8k | gsm8k_flexible")

    def _read(self, text: str) -> Reading:
        p = self.params
        locale: Locale = p.locale
        percent: PercentAs = p.percent
        return read_numbers(text, locale, magnitudes=p.magnitudes, percent=percent)

    def _close(self, a: float, b: float) -> bool:
        return math.isclose(a, b, rel_tol=self.params.rel_tol, abs_tol=self.params.abs_tol)

    def _tolerance(self) -> str:
        p = self.params
        parts = ([f"±{p.abs_tol:g}"] if p.abs_tol else []) + (
            [f"±{p.rel_tol:.3g} relative"] if p.rel_tol > 1e-9 else [])
        return " or ".join(parts) or "exactly"

    def _target(self, answer: str) -> float | str:
        """The target's value, or why it has none."""
        if self.params.extract.startswith("gsm8k") and "#### " in answer:
            value = _float(gsm8k_normalize(answer))
            return value if value is not None else f"the target {answer!r} has no number after '#### '"
        values = {n.value for n in self._read(answer).numbers}
        if len(values) != 1:
            return f"the target {answer!r} is not a single number"
        return values.pop()

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        expected = []
        for answer in references(self.params, self.suite_dir, case):
            value = self._target(answer)
            if isinstance(value, str):
                return Score(self.name, None, False, value)
            expected.append(value)
        if not expected:
            return Score(self.name, None, False, "case has no target number to compare with")
        text = completion.text or ""
        if self.params.extract.startswith("gsm8k"):
            return self._score_gsm8k(text, expected)
        reading = self._read(text)
        found = reading.numbers
        details = {"numbers": [n.value for n in found[:50]],
                   "skipped": [{"text": s.text, "why": s.why} for s in reading.skipped[:20]]}
        if not found:
            passed_over = _passed_over(reading, None, "all")
            return Score(self.name, 0.0, False,
                         f"no number in the output {shorten(text)}{passed_over}", details)
        mode = self.params.extract
        if mode == "only":
            distinct = list(dict.fromkeys(n.value for n in found))
            if len(distinct) > 1:
                listed = ", ".join(f"{v:g}" for v in distinct[:MAX_LISTED])
                return Score(self.name, 0.0, False,
                             f"the output has {len(distinct)} different numbers ({listed}"
                             f"{', …' if len(distinct) > MAX_LISTED else ''}); extract: only "
                             "wants exactly one", details)
        chosen = found if mode == "any" else [found[-1] if mode == "last" else found[0]]
        for number in chosen:
            target = next((t for t in expected if self._close(number.value, t)), None)
            if target is not None:
                return Score(self.name, 1.0, True,
                             f"{_which(mode, number)} matches the target {target:g} "
                             f"({self._tolerance()}){_passed_over(reading, number, mode)}",
                             {**details, **_about(number, target)})
        number = chosen[-1]
        target = min(expected, key=lambda t: abs(t - number.value))
        what = (f"none of the output's numbers ({', '.join(f'{n.value:g}' for n in found[:5])}) "
                "is" if mode == "any" else f"{_which(mode, number)} is not")
        return Score(self.name, 0.0, False,
                     f"{what} within {self._tolerance()} of the target {target:g} (off by "
                     f"{number.value - target:+g}){_passed_over(reading, number, mode)}",
                     {**details, **_about(number, target)})

    def _score_gsm8k(self, text: str, expected: list[float]) -> Score:
        flexible = self.params.extract == "gsm8k_flexible"
        rule = ("flexible-extract (the last number-like text)" if flexible
                else "strict-match (the first '#### N')")
        extracted = gsm8k_extract(text, flexible)
        details = {"extracted": extracted, "rule": "flexible" if flexible else "strict"}
        if extracted == GSM8K_INVALID:
            why = "no number-like text" if flexible else "no '#### N' answer line"
            return Score(self.name, 0.0, False, f"GSM8K {rule}: the output has {why} "
                         f"{shorten(text)}", details)
        value = _float(gsm8k_normalize(extracted))
        if value is None:
            return Score(self.name, 0.0, False, f"GSM8K {rule} took {extracted!r}, which is "
                         "not a number", details)
        target = min(expected, key=lambda t: abs(t - value))
        passed = self._close(value, target)
        relation = "matches" if passed else f"is not within {self._tolerance()} of"
        off = "" if passed else f" (off by {value - target:+g})"
        return Score(self.name, float(passed), passed, f"GSM8K {rule} took {extracted!r} = "
                     f"{value:g}, which {relation} the target {target:g}{off}",
                     {**details, "number": value, "target": target, "error": value - target})


def _which(mode: str, number: Number) -> str:
    """'the last number of the output, 12 (read from '12km', unit km)'."""
    position = {"last": "the last number", "first": "the first number",
                "only": "the only number", "any": "a number"}[mode]
    notes = [f"read from {number.text!r}"] if number.text != f"{number.value:g}" else []
    if number.unit:
        notes.append(f"unit {number.unit}")
    if number.scaled:
        notes.append(f"× {number.scaled}")
    return f"{position} of the output, {number.value:g}" + (f" ({', '.join(notes)})"
                                                            if notes else "")


def _passed_over(reading: Reading, chosen: Number | None, mode: str) -> str:
    """Number-like text that was not read as a number where it would have been chosen."""
    if chosen is None or mode in ("only", "any", "all"):
        relevant = reading.skipped
    elif mode == "last":
        relevant = [s for s in reading.skipped if s.start > chosen.start]
    else:
        relevant = [s for s in reading.skipped if s.start < chosen.start]
    if not relevant:
        return ""
    listed = ", ".join(f"{s.text!r} ({s.why})" for s in relevant[:3])
    return f"; not read as numbers: {listed}" + (" …" if len(relevant) > 3 else "")


def _about(number: Number, target: float) -> dict:
    return {"number": number.value, "target": target, "error": number.value - target,
            "read_from": number.text, "unit": number.unit}
