"""The JSON a review page exports (static/review.js `exported()`), read and checked.

    {"evalkit_review": 1, "review_id", "suite", "reviewer", "exported_at", "blind",
     "candidate_run", "baseline_run", "rubrics": [...],
     "ratings": [{"run_id", "case_ref", "case_id", "sample", "rubric", "score", "comment",
                  "rated_at"}],
     "adjudications": [{"case_ref", "case_id", "sample", "candidate_run", "baseline_run",
                        "decision", "reason", "decided_at"}]}

`case_ref` finds the stored case id (the shown `case_id` is redacted). Problems are one-line
UsageErrors naming the file and the entry.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import UsageError
from ..suite.human_spec import HumanRubric

MAX_FILE_BYTES = 64 * 2**20


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RubricEntry(_Entry):
    name: str
    scale: str
    low: int | None = None
    high: int | None = None
    question: str
    pass_mark: float | None = None
    judge: str | None = None

    def rubric(self) -> HumanRubric:
        return HumanRubric(name=self.name, scale=self.scale, question=self.question,
                           min_score=self.pass_mark, judge=self.judge)


class RatingEntry(_Entry):
    run_id: str = Field(min_length=1)
    case_ref: str = Field(min_length=1)
    case_id: str = ""  # as shown (redacted); the ref finds the stored id
    sample: int = Field(0, ge=0)
    rubric: str
    score: float
    comment: str = Field("", max_length=20_000)
    rated_at: datetime | None = None


class DecisionEntry(_Entry):
    case_ref: str = Field(min_length=1)
    case_id: str = ""
    sample: int = Field(0, ge=0)
    candidate_run: str = Field(min_length=1)
    baseline_run: str = Field(min_length=1)
    decision: Literal["regression", "acceptable", "golden_wrong"]
    reason: str = Field("", max_length=20_000)
    decided_at: datetime | None = None


class ReviewFile(_Entry):
    evalkit_review: Literal[1] = Field(description="the format version")
    review_id: str
    suite: str = ""
    reviewer: str = Field(min_length=1, max_length=200)
    exported_at: datetime | None = None
    blind: bool = False
    candidate_run: str | None = None
    baseline_run: str | None = None
    rubrics: list[RubricEntry] = Field(default_factory=list)
    ratings: list[RatingEntry] = Field(default_factory=list)
    adjudications: list[DecisionEntry] = Field(default_factory=list)


def naive_utc(moment: datetime | None) -> datetime | None:
    """UTC without a zone, as the store keeps times."""
    if moment is None or moment.tzinfo is None:
        return moment
    return (moment - moment.utcoffset()).replace(tzinfo=None)


def read_review_file(path: Path) -> ReviewFile:
    """The file, checked; a one-line UsageError naming the file and the problem otherwise."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UsageError(f"{path}: over {MAX_FILE_BYTES // 2**20} MB; is this a review "
                             "export?")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: not JSON ({exc.msg})\n"
                         "  fix: give the file the review page's Download button wrote") from None
    if not isinstance(data, dict) or "evalkit_review" not in data:
        raise UsageError(f"{path}: not an evalkit review export (no 'evalkit_review' key)\n"
                         "  fix: give the file the review page's Download button wrote")
    try:
        review = ReviewFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"{path}: {where}: {first['msg']} ({len(exc.errors())} problem"
                         f"{'s' if len(exc.errors()) != 1 else ''})") from None
    if not review.reviewer.strip():
        raise UsageError(f"{path}: reviewer: the reviewer's name is empty")
    return review
