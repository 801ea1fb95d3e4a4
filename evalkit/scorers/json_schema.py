"""JSON-schema validity: the output holds JSON, the JSON fits the schema, fields have values.

Three verdicts a reviewer can tell apart (`details.stage`): `not_json` (no parsable JSON
in the output: raw, a fenced block, or the first object/array), `schema` (JSON that breaks
the schema; the explanation lists the failing paths) and `expected` (valid, but a field has
the wrong value). The draft comes from the schema's `$schema` (2020-12 by default);
`$ref` resolves to local files only. The schema is compiled when the suite loads.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..file_scope import FileScope
from ..types import Case, Completion, Score
from .base import ScoreContext, Scorer, ScorerParams
from .files import read_json, suite_dir
from .json_extract import Found, find_json
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
    schema_: str | dict[str, Any] | bool = Field(
        alias="schema",
        description="a JSON Schema file (relative to the suite) or an inline schema")
    extract: Literal["auto", "raw"] = Field(
        "auto", description="auto: raw, fenced block, or first object/array; raw: the whole output")
    expect: dict[str, Any] = Field(
        default_factory=dict,
        description="expected values by field path (items[0].id or /items/0/id)")
    expect_target: bool = Field(
        False, description="also expect each field of the case's target (a JSON object)")

    @field_validator("schema_")
    @classmethod
    def _compiles(cls, value: str | dict | bool, info: ValidationInfo) -> str | dict | bool:
        compile_schema(value, suite_dir(info))
        return value

    @model_validator(mode="after")
    def _paths(self) -> "JsonSchemaParams":
        for path in self.expect:
            if not field_path(path):
                raise ValueError(f"expect: {path!r} is not a field path (e.g. items[0].id)")
        return self


def compile_schema(value: str | dict | bool, base: Path) -> LocalSchema:
    """The compiled schema; ValueError (for a load-time error) when it is unusable."""
    scope = FileScope.of(base)
    if isinstance(value, str):
        path = scope.check(Path(base) / value, "schema file")
        schema, where = read_json(path, "schema file"), path
    else:
        schema, where = value, base / "inline-schema.json"
    try:
        return LocalSchema(schema, where, scope)
    except RefError as exc:
        origin = where.name if isinstance(value, str) else "the inline schema"
        raise ValueError(f"{exc} (in {origin})") from None


class JsonSchemaScorer(Scorer):
    """The output contains JSON valid under a JSON Schema, with optional expected values."""

    Params = JsonSchemaParams
    description = "output holds JSON valid under the schema (jsonschema), with expected values"

    def __init__(self, name, params, suite_dir):
        super().__init__(name, params, suite_dir)
        self.schema = compile_schema(params.schema_, suite_dir)

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        found = find_json(completion.text, mode=self.params.extract)
        if not isinstance(found, Found):
            return Score(self.name, 0.0, False, f"not JSON: {found.reason}", {"stage": "not_json"})
        errors = self.schema.errors(found.value)
        if errors:
            listed = "; ".join(f"{path}: {message}" for path, message in errors[:MAX_LISTED])
            more = f" (and {len(errors) - MAX_LISTED} more)" if len(errors) > MAX_LISTED else ""
            return Score(self.name, 0.0, False,
                         f"JSON in {found.where} breaks the schema at {len(errors)} "
                         f"place{'s' if len(errors) > 1 else ''}: {listed}{more}",
                         {"stage": "schema", "found_in": found.where,
                          "errors": [{"path": p, "message": m} for p, m in errors[:50]]})
        wrong = self._unexpected(found.value, case)
        if wrong:
            return Score(self.name, 0.0, False, f"JSON in {found.where} is valid, but "
                         + "; ".join(wrong[:MAX_LISTED]),
                         {"stage": "expected", "found_in": found.where, "mismatches": wrong[:50]})
        checked = len(self._expectations(case))
        return Score(self.name, 1.0, True, f"JSON in {found.where} is valid under the schema"
                     + (f" and has the {checked} expected value{'s' if checked > 1 else ''}"
                        if checked else ""), {"stage": "ok", "found_in": found.where})

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
