"""An LLM judge's grade: the prompt it is given, its answer parsed, and judges' agreement.

The judge is asked for JSON `{"score": N, "reason": "..."}` on a numeric scale. Parsing is
forgiving about form (a fenced block, prose around the JSON, `Score: 4` lines, a score given
as a string) but never guesses: an answer with no score, or a score off the scale, is an
off-format grade with the judge's words quoted.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Mapping, Sequence

from ..types import Case, Completion, Message
from .json_extract import Found, find_json
from .text import shorten

SCORE_KEYS = ("score", "rating", "grade")
REASON_KEYS = ("reason", "reasoning", "rationale", "explanation", "justification")
_SCORE_LINE = re.compile(r"\b(?:score|rating|grade)\s*[:=]\s*\**\s*(-?\d+(?:\.\d+)?)", re.I)
_REASON_LINE = re.compile(r"\b(?:reason|reasoning|rationale|explanation)\s*[:=]\s*(.+)", re.I)
FORMAT = ('Answer with a JSON object only, no other text: {{"score": <a number from {lo:g} to '
          '{hi:g}>, "reason": "<one or two sentences>"}}')


@dataclass(frozen=True)
class JudgeGrade:
    judge: str  # the judge's identity: model reference and fingerprint
    repeat: int
    score: float | None  # on the judge's scale; None when the answer was off-format
    reason: str
    error: str | None = None  # why the answer could not be used
    cached: bool = False
    constrained: bool = False  # the backend was made to answer in the grade's JSON shape

    def to_json(self) -> dict[str, Any]:
        return {"judge": self.judge, "repeat": self.repeat, "score": self.score,
                "reason": self.reason, "error": self.error, "cached": self.cached,
                "constrained": self.constrained}


MAX_ENUM_SCORES = 21  # an integer scale up to this many points is sent as an enum


def grade_schema(scale: tuple[float, float]) -> dict[str, Any]:
    """The JSON schema of a grade, `{score, reason}`, for backends that can be held to one.

    Kept inside the subset every structured-output API enforces (OpenAI's strict mode, vLLM's
    and llama.cpp's grammars): all properties required, no others, no numeric or length
    bounds. An integer scale is an enum (a grammar can forbid a score off the scale); any
    other scale is a number, checked on parsing like an unconstrained answer.
    """
    lo, hi = scale
    if float(lo).is_integer() and float(hi).is_integer() and hi - lo < MAX_ENUM_SCORES:
        score: dict[str, Any] = {"type": "integer", "enum": list(range(int(lo), int(hi) + 1))}
    else:
        score = {"type": "number"}
    return {"type": "object", "properties": {"score": score, "reason": {"type": "string"}},
            "required": ["score", "reason"], "additionalProperties": False}


def _input_text(case: Case, input_var: str | None) -> str:
    if input_var is not None:
        value = case.vars.get(input_var, "")
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    lines = []
    for name, value in case.vars.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines.append(f"{name}: {shown}")
    return "\n".join(lines)


def judge_messages(rubric: str, case: Case, completion: Completion, scale: tuple[float, float],
                   input_var: str | None = None,
                   include_target: bool = True) -> tuple[Message, ...]:
    """The system (rubric + answer format) and user (input, reference, response) messages."""
    system = f"{rubric.strip()}\n\n{FORMAT.format(lo=scale[0], hi=scale[1])}"
    parts = [f"Input:\n{_input_text(case, input_var)}"]
    if include_target and case.target is not None:
        target = case.target if isinstance(case.target, str) else json.dumps(case.target,
                                                                             ensure_ascii=False)
        parts.append(f"Reference answer:\n{target}")
    parts.append(f"Response to grade:\n{completion.text or ''}")
    return Message("system", system), Message("user", "\n\n".join(parts))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(?:/\s*\d+(?:\.\d+)?)?\s*", value)
        return float(match.group(1)) if match else None
    return None


def parse_grade(text: str | None, scale: tuple[float, float], judge: str, repeat: int) -> JudgeGrade:
    """The judge's answer as a JudgeGrade; off-format answers carry an error in words."""
    raw = text or ""
    score, reason = None, ""
    found = find_json(raw)
    if isinstance(found, Found) and isinstance(found.value, Mapping):
        fields = {str(k).lower(): v for k, v in found.value.items()}
        score = next((_number(fields[k]) for k in SCORE_KEYS if k in fields), None)
        reason = next((str(fields[k]) for k in REASON_KEYS if k in fields), "")
    if score is None:
        line = _SCORE_LINE.search(raw)
        if line:
            score = float(line.group(1))
            why = _REASON_LINE.search(raw)
            reason = why.group(1).strip() if why else raw.strip()
    if score is None:
        return JudgeGrade(judge, repeat, None, "", f"the judge answered off-format (no score; "
                       f'expected {{"score": ..., "reason": ...}}): {shorten(raw, 160)}')
    lo, hi = scale
    if not lo <= score <= hi:
        return JudgeGrade(judge, repeat, None, reason, f"the judge's score {score:g} is outside the "
                       f"scale {lo:g}–{hi:g}: {shorten(raw, 160)}")
    return JudgeGrade(judge, repeat, score, reason.strip())


def agreement(passes: Sequence[bool]) -> float:
    """The share of pairs of grades that agree on pass/fail (1.0 for a single grade)."""
    pairs = list(combinations(passes, 2))
    return 1.0 if not pairs else sum(a == b for a, b in pairs) / len(pairs)
