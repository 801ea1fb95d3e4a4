"""Golden answers: the case's own target (inline or from its case file), or a golden file.

A golden file maps case ids to one or several acceptable answers, as JSONL lines
(`{"id": "q1", "answer": "Paris"}` or `"answers": [...]`) or one JSON object
(`{"q1": "Paris", "q2": ["4", "four"]}`). It is read and checked when the suite loads.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from pydantic import Field, ValidationInfo, field_validator

from ..errors import MISSING_GOLDEN
from ..file_scope import MissingFile
from ..types import Case
from .base import ScorerParams, targets
from .files import read_json, read_jsonl, resolve, stamp, suite_dir

ANSWER_KEYS = ("answer", "answers", "target")


def _answers(value: Any, where: str) -> tuple[str, ...]:
    values = value if isinstance(value, (list, tuple)) else [value]
    if not values or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                             for v in values):
        raise ValueError(f"{where}: an answer must be a string or number, or a list of them")
    return tuple(str(v) for v in values)


def load_golden(path: Path) -> Mapping[str, tuple[str, ...]]:
    """Answers by case id; ValueError (with file:line) for anything malformed."""
    return _load(stamp(path))


@lru_cache(maxsize=64)
def _load(key: tuple[str, int, int]) -> Mapping[str, tuple[str, ...]]:
    path, what = Path(key[0]), "golden file"
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        answers: dict[str, tuple[str, ...]] = {}
        for line, record in read_jsonl(path, what):
            where = f"{what} {path}:{line}"
            if not isinstance(record, dict) or "id" not in record:
                raise ValueError(f"{where}: each line needs an 'id' and an 'answer' (or 'answers')")
            key = next((k for k in ANSWER_KEYS if k in record), None)
            if key is None:
                raise ValueError(f"{where}: no 'answer' or 'answers' for id {record['id']!r}")
            if str(record["id"]) in answers:
                raise ValueError(f"{where}: duplicate id {record['id']!r}")
            answers[str(record["id"])] = _answers(record[key], where)
        return answers
    data = read_json(path, what)
    if not isinstance(data, dict):
        raise ValueError(f"{what} {path}: expected a JSON object mapping case ids to answers "
                         "(or use JSONL: one {\"id\", \"answer\"} per line)")
    return {str(k): _answers(v, f"{what} {path}: id {k!r}") for k, v in data.items()}


class ReferenceParams(ScorerParams):
    """Parameters of scorers that compare with golden answers."""

    golden: str | None = Field(
        None, description="JSON or JSONL file of answers by case id, relative to the suite "
                          "(default: the case's target; a list means several accepted answers)")

    @field_validator("golden")
    @classmethod
    def _golden_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            try:
                path = resolve(value, info, "golden file")
            except MissingFile as exc:  # the kind pytest --evalkit-update-golden creates
                raise MissingFile(str(exc), MISSING_GOLDEN) from None
            load_golden(path)
        return value


def references(params: ReferenceParams, base: Path, case: Case) -> list[str]:
    """The acceptable answers for this case ([] when there are none)."""
    if params.golden is None:
        return targets(case)
    return list(load_golden((base / params.golden).resolve()).get(case.id, ()))


__all__ = ["ReferenceParams", "load_golden", "references", "suite_dir"]
