"""Golden answers: the case's own target (inline or from its case file), or a golden file
(read and written by golden_file.py; checked when the suite loads)."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator

from ..errors import MISSING_GOLDEN
from ..file_scope import MissingFile
from ..types import Case
from .base import ScorerParams, targets
from .files import resolve, suite_dir
from .golden_file import load_golden


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
