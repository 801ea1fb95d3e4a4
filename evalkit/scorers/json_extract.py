"""Find the JSON in a model's output: the whole text, fenced blocks, and values in the prose.

Models wrap JSON in prose ("According to [1], the record is {...}") or Markdown fences.
`json_candidates` returns every JSON object or array the output holds, in order (the whole
output; each ```json / ``` block; each top-level value embedded in the text), each saying
where it came from, so a scorer can pick the one that fits and say which. When there is
none it says why the most promising candidate did not parse ("not JSON" is told apart from
"JSON that breaks the schema"). `find_json` keeps the first one, for callers that want it.

The scan is bounded by work, not by bracket count: decoding stops after MAX_SCAN_CHARS
characters have been parsed in total (about linear in the output for real text; "[[[[…"
would otherwise be quadratic). NaN, Infinity and -Infinity are not JSON (RFC 8259) and are
refused unless `allow_nan` (Python's json module accepts them by default).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
JSON_FENCES = ("", "json", "jsonc", "json5", "javascript", "js")
MAX_SCAN_CHARS = 4_000_000


class NotJsonConstant(ValueError):
    pass


class TooDeep(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise NotJsonConstant(f"{name} is not valid JSON (set allow_nan: true to accept it)")


_STRICT = json.JSONDecoder(parse_constant=_refuse_constant)
_LENIENT = json.JSONDecoder()


@dataclass(frozen=True)
class Found:
    value: Any
    where: str  # "the whole output", "a ```json block at line 3", "the text at line 3"
    kind: str = "whole"  # whole | fence | text
    start: int = 0
    size: int = 0  # characters of JSON text


@dataclass(frozen=True)
class NotFound:
    reason: str  # why no JSON was found, for the explanation


@dataclass
class Candidates:
    found: list[Found] = field(default_factory=list)
    first_error: str | None = None  # why the most promising candidate did not parse
    stopped_at: int | None = None  # offset where the scan stopped for the size budget

    def reason(self, raw_error: str) -> str:
        why = self.first_error or f"the output has no JSON object or array ({raw_error})"
        if self.stopped_at is not None:
            why += (f"; the search stopped at character {self.stopped_at:,} after parsing "
                    f"{MAX_SCAN_CHARS:,} characters")
        return why


def _error(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _decode(decoder: json.JSONDecoder, text: str, start: int = 0) -> tuple[Any, int]:
    try:
        return decoder.raw_decode(text, start)
    except RecursionError:
        raise TooDeep("nested too deeply to parse") from None


def _whole(text: str, decoder: json.JSONDecoder) -> Any:
    value, end = _decode(decoder, text)
    if text[end:].strip():
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def json_candidates(text: str | None, *, mode: str = "auto", allow_nan: bool = False
                    ) -> Candidates | NotFound:
    """Every JSON value of the output (mode auto) or the whole output (raw), or why none."""
    text = text or ""
    decoder = _LENIENT if allow_nan else _STRICT
    stripped = text.strip()
    if not stripped:
        return NotFound("the output is empty")
    try:
        return Candidates([Found(_whole(stripped, decoder), "the whole output", "whole", 0,
                                 len(stripped))])
    except ValueError as exc:
        raw_error = _error(exc)
    if mode == "raw":
        return NotFound(f"the output is not JSON ({raw_error})")
    found = Candidates()
    fenced_spans = []
    for match in FENCE.finditer(text):
        language, body = match.group(1).lower(), match.group(2).strip()
        if language not in JSON_FENCES:
            continue
        where = f"a ```{language} block at line {_line_of(text, match.start())}"
        try:
            found.found.append(Found(_whole(body, decoder), where, "fence", match.start(),
                                     len(body)))
            fenced_spans.append((match.start(), match.end()))
        except ValueError as exc:
            found.first_error = found.first_error or (
                f"the ```{language} block at line {_line_of(text, match.start())} is not "
                f"valid JSON ({_error(exc)})")
    _scan_text(text, decoder, fenced_spans, found)
    if not found.found:
        return NotFound(found.reason(raw_error))
    return found


def _scan_text(text: str, decoder: json.JSONDecoder, skip: list[tuple[int, int]],
               found: Candidates) -> None:
    """Top-level objects and arrays in the prose, outside the fenced blocks already read."""
    budget = MAX_SCAN_CHARS
    position = 0
    brackets = re.compile(r"[{\[]")
    while (match := brackets.search(text, position)) is not None:
        start = match.start()
        inside = next((end for begin, end in skip if begin <= start < end), None)
        if inside is not None:
            position = inside
            continue
        if budget <= 0:
            found.stopped_at = start
            return
        try:
            value, end = _decode(decoder, text, start)
        except ValueError as exc:
            # a failure costs what was parsed before it; a too-deep nest counts as the rest
            # of the text (every bracket inside it would fail the same way)
            failed_at = len(text) if isinstance(exc, TooDeep) else getattr(exc, "pos", start)
            budget -= max(1, failed_at - start)
            if found.first_error is None:
                found.first_error = (
                    f"the text starting at line {_line_of(text, start)} "
                    f"({text[start:start + 30]!r}…) is not valid JSON "
                    f"({exc.msg if isinstance(exc, json.JSONDecodeError) else exc})")
            position = start + 1
            continue
        budget -= end - start
        found.found.append(Found(value, f"the text at line {_line_of(text, start)}", "text",
                                 start, end - start))
        position = end  # values inside this one are part of it, not candidates


def find_json(text: str | None, *, mode: str = "auto", allow_nan: bool = False
              ) -> Found | NotFound:
    """The first JSON value: the whole output, else the first fenced block, else the first
    object or array in the text."""
    candidates = json_candidates(text, mode=mode, allow_nan=allow_nan)
    return candidates if isinstance(candidates, NotFound) else candidates.found[0]
