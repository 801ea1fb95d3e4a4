"""Find the JSON in a model's output: the raw text, a fenced block, or the first object/array.

Models wrap JSON in prose ("Here is the result: {...}") or Markdown fences; this finds
the value and says where it came from, and, when there is none, why the most promising
candidate did not parse ("not JSON" is told apart from "JSON that breaks the schema").
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_DECODER = json.JSONDecoder()
MAX_ATTEMPTS = 200


@dataclass(frozen=True)
class Found:
    value: Any
    where: str  # "the whole output", "a ```json block", "the text at line 3"


@dataclass(frozen=True)
class NotFound:
    reason: str  # why no JSON was found, for the explanation


def _error(exc: json.JSONDecodeError) -> str:
    return f"{exc.msg} at line {exc.lineno} column {exc.colno}"


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def find_json(text: str | None, *, mode: str = "auto") -> Found | NotFound:
    """mode: auto (raw, then fenced blocks, then the first object or array) or raw."""
    text = text or ""
    stripped = text.strip()
    if not stripped:
        return NotFound("the output is empty")
    try:
        return Found(json.loads(stripped), "the whole output")
    except json.JSONDecodeError as exc:
        raw_error = _error(exc)
    if mode == "raw":
        return NotFound(f"the output is not JSON ({raw_error})")
    fence_error = None
    for match in FENCE.finditer(text):
        language, body = match.group(1).lower(), match.group(2).strip()
        if language not in ("", "json", "jsonc", "json5", "javascript", "js"):
            continue
        try:
            return Found(json.loads(body), f"a ```{language or ''} block at line "
                                           f"{_line_of(text, match.start())}")
        except json.JSONDecodeError as exc:
            fence_error = fence_error or (f"the ```{language} block at line "
                                          f"{_line_of(text, match.start())} is not valid JSON "
                                          f"({_error(exc)})")
    first_error = None
    for attempt, match in enumerate(re.finditer(r"[{\[]", text)):
        if attempt == MAX_ATTEMPTS:  # "[1] [2] ..." citations: do not decode forever
            break
        try:
            value, _ = _DECODER.raw_decode(text, match.start())
        except json.JSONDecodeError as exc:
            if first_error is None:
                first_error = (f"the text starting at line {_line_of(text, match.start())} "
                               f"({text[match.start():match.start() + 30]!r}…) is not valid JSON "
                               f"({exc.msg})")
            continue
        if isinstance(value, (dict, list)):
            return Found(value, f"the text at line {_line_of(text, match.start())}")
    if fence_error:
        return NotFound(fence_error)
    if first_error:
        return NotFound(first_error)
    return NotFound(f"the output has no JSON object or array ({raw_error})")
