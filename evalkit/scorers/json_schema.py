"""JSON-schema validity: the output holds JSON, the JSON fits the schema, fields have values.

Three outcomes a reviewer can tell apart (`details.stage`): `not_json` (no parsable JSON
in the output), `schema` (JSON that breaks the schema; the explanation lists the failing
paths) and `expected` (valid, but a field has the wrong value).

Which JSON is scored: the whole output when it is JSON; otherwise every fenced block and
every object or array in the prose is a candidate (json_extract.py), and the scorer takes
the one that validates (several: a fenced block before prose, then the largest, then the
last), else the last fenced block, else the largest candidate. The explanation names it
and says how many candidates there were, so "According to [1], the record is {…}" is
scored on the record, and says so.

The draft comes from the schema's `$schema` (2020-12 by default); `$ref` resolves within
the schema, to the bundled draft metaschemas and to local files only (schema_refs.py);
`formats` is one policy (schema_formats.py). NaN and Infinity are not JSON unless
`allow_nan`. The schema is compiled when the suite loads.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..file_scope import FileScope
from ..types import Case, Completion, Score
from .base import ScoreContext, ScorerParams, SyncScorer
from .files import read_json, suite_dir
from .json_extract import Candidates, Found, json_candidates
from .schema_formats import FormatPolicy
from .schema_refs import LocalSchema, RefError

MAX_LISTED = 5
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def field_path(path: str) -> list[str | int]:
    """'items[0].price' → ['items', 0, 'price']; a JSON Pointer ('/items/0') works too."""
    if path.startswith("/"):
        return [int(p) if p.isdigit() else p.replace("~1", "/").replace("~0", "~")
                for p in path[1:].split("/")]
    return [int(index) if index else name for name, index in _PATH_PART.findall(path)]


def get_field(value: Any, path: list[str | int]) -> tuple[bool, Any]:
    for part in path:
        if isinstance(part, int) and isinstance(value, list) and -len(value) <= part < len(value):
            value = value[part]
        elif isinstance(value, dict) and str(part) in value:
            value = value[str(part)]
        else:
            return False, None
    return True, value


class JsonSchemaParams(ScorerParams):
    # before `schema`, so compiling the schema sees them
    formats: FormatPolicy | None = Field(
        None, description="assert: a value that breaks its format fails; annotate: it is only "
                          "reported; unset: the draft's rule (drafts 3-7 assert, 2019-09 and "
                          "2020-12 annotate)")
    allow_nan: bool = Field(False, description="accept NaN / Infinity (not JSON) as numbers")
    schema_: str | dict[str, Any] | bool = Field(
        alias="schema",
        description="a JSON Schema file (relative to the suite) or an inline schema")
    extract: Literal["auto", "raw"] = Field(
        "auto", description="auto: the whole output, else the fenced block or embedded "
                            "object/array that validates (else the last fenced / largest); "
                            "raw: the whole output only")
    expect: dict[str, Any] = Field(
        default_factory=dict,
        description="expected values by field path (items[0].id or /items/0/id)")
    expect_target: bool = Field(
        False, description="also expect each field of the case's target (a JSON object)")

    @field_validator("schema_")
    @classmethod
    def _compiles(cls, value: str | dict | bool, info: ValidationInfo) -> str | dict | bool:
        compile_schema(value, suite_dir(info), info.data.get("formats"))
        return value

    @model_validator(mode="after")
    def _paths(self) -> "JsonSchemaParams":
        for path in self.expect:
            if not field_path(path):
                raise ValueError(f"expect: {path!r} is not a field path (e.g. items[0].id)")
        return self


def compile_schema(value: str | dict | bool, base: Path,
                   formats: FormatPolicy | None = None) -> LocalSchema:
    """The compiled schema; ValueError (for a load-time error) when it is unusable."""
    scope = FileScope.of(base)
    if isinstance(value, str):
        path = scope.check(Path(base) / value, "schema file")
        schema, where = read_json(path, "schema file"), path
    else:
        schema, where = value, base / "inline-schema.json"
    try:
        return LocalSchema(schema, where, formats, scope)
    except RefError as exc:
        origin = where.name if isinstance(value, str) else "the inline schema"
        raise ValueError(f"{exc} (in {origin})") from None


class JsonSchemaScorer(SyncScorer):
    """The output contains JSON valid under a JSON Schema, with optional expected values."""

    Params = JsonSchemaParams
    description = ("output holds JSON valid under the schema (jsonschema): scores the candidate "
                   "that validates (whole, fenced, embedded) and names it; NaN is not JSON; "
                   "formats assert | annotate (default by draft); $ref local or bundled "
                   "metaschemas only; expected values")

    def __init__(self, name, params, suite_dir):
        super().__init__(name, params, suite_dir)
        self.schema = compile_schema(params.schema_, suite_dir, params.formats)

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        found = json_candidates(completion.text, mode=self.params.extract,
                                allow_nan=self.params.allow_nan)
        if not isinstance(found, Candidates):
            return Score(self.name, 0.0, False, f"not JSON: {found.reason}", {"stage": "not_json"})
        chosen, errors, why = self._choose(found)
        details = {"found_in": chosen.where, "candidates": len(found.found)}
        where = f"{chosen.where}{why}"
        if errors:
            listed = "; ".join(f"{path}: {message}" for path, message in errors[:MAX_LISTED])
            more = f" (and {len(errors) - MAX_LISTED} more)" if len(errors) > MAX_LISTED else ""
            return Score(self.name, 0.0, False,
                         f"JSON in {where} breaks the schema at {len(errors)} "
                         f"place{'s' if len(errors) > 1 else ''}: {listed}{more}",
                         {"stage": "schema", **details,
                          "errors": [{"path": p, "message": m} for p, m in errors[:50]]})
        notes = self._format_notes(chosen.value)
        if notes:
            details["format_notes"] = [{"path": p, "message": m} for p, m in notes[:50]]
        wrong = self._unexpected(chosen.value, case)
        if wrong:
            return Score(self.name, 0.0, False, f"JSON in {where} is valid, but "
                         + "; ".join(wrong[:MAX_LISTED]),
                         {"stage": "expected", **details, "mismatches": wrong[:50]})
        checked = len(self._expectations(case))
        return Score(self.name, 1.0, True, f"JSON in {where} is valid under the schema"
                     + (f" and has the {checked} expected value{'s' if checked > 1 else ''}"
                        if checked else "") + self._notes_text(notes),
                     {"stage": "ok", **details})

    def _choose(self, found: Candidates) -> tuple[Found, list[tuple[str, str]], str]:
        """The candidate to score, its schema errors, and why it was chosen (for the text).

        Candidates are tried in order of preference (fenced blocks, then the largest, then
        the last) and the first that validates wins, so usually one validation suffices."""
        candidates = found.found
        if len(candidates) == 1:
            return candidates[0], self.schema.errors(candidates[0].value), ""
        preferred = sorted(candidates, key=lambda c: (c.kind == "fence", c.size, c.start),
                           reverse=True)
        best = next((c for c in preferred if self.schema.is_valid(c.value)), None)
        if best is not None:
            return best, [], (f" (the {'fenced block' if best.kind == 'fence' else 'largest value'}"
                              f" that validates, of {len(candidates)} JSON values in the output)")
        fences = [c for c in candidates if c.kind == "fence"]
        best = fences[-1] if fences else preferred[0]
        rule = "the last fenced block" if fences else "the largest"
        return best, self.schema.errors(best.value), (
            f" ({rule} of {len(candidates)} JSON values; none validates)")

    def _format_notes(self, value: Any) -> list[tuple[str, str]]:
        return self.schema.format_mismatches(value)

    def _notes_text(self, notes: list[tuple[str, str]]) -> str:
        text = ""
        if notes:
            listed = "; ".join(f"{path}: {message}" for path, message in notes[:MAX_LISTED])
            text = (f"; note: formats are annotations here (formats: assert checks them), and "
                    f"{len(notes)} value{'s do' if len(notes) > 1 else ' does'} not match: "
                    f"{listed}")
        ignored = self.schema.ignored_formats
        if ignored:
            text += (f"; format{'s' if len(ignored) > 1 else ''} "
                     f"{', '.join(repr(n) for n in ignored)} not checked (unknown to jsonschema)")
        return text

    def _expectations(self, case: Case) -> dict[str, Any]:
        expected = dict(self.params.expect)
        if self.params.expect_target and isinstance(case.target, dict):
            expected.update(case.target)
        return expected

    def _unexpected(self, value: Any, case: Case) -> list[str]:
        target = case.target
        if self.params.expect_target and target is not None and not isinstance(target, dict):
            return [f"the case's target is not a JSON object of expected fields: {case.target!r}"]
        wrong = []
        for path, want in self._expectations(case).items():
            present, got = get_field(value, field_path(path))
            if not present:
                wrong.append(f"field {path} is missing (expected {want!r})")
            elif got != want:
                wrong.append(f"field {path} is {got!r}, expected {want!r}")
        return wrong
