"""Pydantic validation errors as suite problems: each at its key's file:line, with the key
path and a "did you mean" for unknown keys."""
from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import INVALID_VALUE, MISSING_KEY, UNKNOWN_KEY, Problem, did_you_mean
from .yaml_source import KeyPath, YamlDoc, format_key_path


def _data_path(data: Any, loc: tuple) -> KeyPath:
    """Map a pydantic error location onto the document, skipping union tags and the like."""
    path: list = []
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
            path.append(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
            path.append(part)
        elif isinstance(data, dict) and part == "from_" and "from" in data:
            data, path = data["from"], path + ["from"]
    return tuple(path)


def _field_names(annotation: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {f.alias or n for n, f in annotation.model_fields.items()}
    for arg in typing.get_args(annotation):
        names |= _field_names(arg)
    return names


def _allowed_keys(model: type[BaseModel], loc: tuple) -> set[str]:
    """Field names valid at the parent of `loc` (for 'did you mean')."""
    annotation: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        for candidate in _models_in(annotation):
            field = candidate.model_fields.get(part) or next(
                (f for f in candidate.model_fields.values() if f.alias == part), None)
            if field is not None:
                annotation = field.annotation
                break
    return _field_names(annotation)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def validation_problems(exc: ValidationError, model: type[BaseModel], doc: YamlDoc,
                        data: Any, prefix: KeyPath = ()) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        path = prefix + _data_path(data, loc)
        if error["type"] == "extra_forbidden":
            key = str(loc[-1])
            problems.append(Problem(f"unknown key '{key}'", doc.location(path, at_key=True),
                                    format_key_path(path),
                                    did_you_mean(key, _allowed_keys(model, loc)), UNKNOWN_KEY))
        elif error["type"] == "missing":
            field = str(loc[-1])
            problems.append(Problem(f"missing required key '{field}'", doc.location(path),
                                    format_key_path(path) or "(top level)",
                                    f"add '{field}:' here", MISSING_KEY))
        else:
            message = error["msg"].removeprefix("Value error, ")
            shown = error.get("input")
            if isinstance(shown, (str, int, float, bool)) and error["type"] != "value_error":
                message += f" (got {shown!r})"
            # a validator's exception may say what kind of problem it is (a missing file)
            kind = getattr((error.get("ctx") or {}).get("error"), "kind", INVALID_VALUE)
            problems.append(Problem(message, doc.location(path), format_key_path(path),
                                    kind=kind))
    return sorted(problems, key=lambda p: (p.location.line or 0, p.location.col or 0))
