"""`--json`: one JSON document on stdout per command, in a documented, versioned shape.

Every document has `schema` (which document: `evalkit.runs`, `evalkit.compare`, ...) and
`schema_version`. The version changes only when a field is removed, renamed or changes
meaning; new fields can appear within a version, so readers ignore fields they do not know.
The JSON Schema of each document ships in the package (evalkit/cli/json_schemas/,
`schema_file(name)`); docs/json-output.md describes the fields.

Untrusted text (model output, targets, explanations) is masked like any other sink (secrets)
and written with `ensure_ascii`, so no control or bidi character reaches a terminal raw.
"""
from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

SCHEMA_VERSION = 1
SCHEMA_DIR = Path(__file__).with_name("json_schemas")

json_option = click.option("--json", "as_json", is_flag=True,
                           help="print one JSON document instead (docs/json-output.md)")


def schema_file(name: str) -> Path:
    """The JSON Schema of document `name` (runs, show, compare, validate, list, baseline)."""
    return SCHEMA_DIR / f"{name}.schema.json"


def jsonable(value: Any) -> Any:
    """Plain JSON values from what the store and pandas hand back (NumPy scalars, NaN and
    NaT as null, timestamps as ISO 8601 strings, tuples as lists)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (int, float)):  # a NumPy scalar
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
        return jsonable(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int):
        return value
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    return str(value)


def untrusted(text: Any) -> str | None:
    """Text from a model, a suite or a scorer: secrets masked (None stays None)."""
    if text is None:
        return None
    from ..redact import redact

    return redact(str(text))


def untrusted_json(text: Any) -> Any:
    """A JSON value stored as text (a case's target): parsed, its strings masked."""
    if text is None:
        return None
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return untrusted(text)
    if isinstance(value, str):
        return untrusted(value)
    if isinstance(value, list):
        return [untrusted_json(json.dumps(v)) for v in value]
    if isinstance(value, dict):
        return {k: untrusted_json(json.dumps(v)) for k, v in value.items()}
    return jsonable(value)


def emit(name: str, body: dict[str, Any]) -> None:
    document = {"schema": f"evalkit.{name}", "schema_version": SCHEMA_VERSION,
                **jsonable(body)}
    click.echo(json.dumps(document, ensure_ascii=True, allow_nan=False, indent=2))


def records(rows, columns: dict[str, str]) -> list[dict[str, Any]]:
    """Rows (a DataFrame's, or typed records) as dicts, renaming attribute -> field as
    `columns` says."""
    rows = rows.itertuples() if hasattr(rows, "itertuples") else rows
    return [{field: jsonable(getattr(row, column)) for column, field in columns.items()}
            for row in rows]
