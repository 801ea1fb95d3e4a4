"""One scorer's values on one run, for the report's score distributions."""
from __future__ import annotations

from dataclasses import dataclass

from .store import Store


@dataclass(frozen=True)
class ScoreValues:
    values: tuple[float, ...]  # every recorded value (a failed call records none)
    failed: int  # scores that failed
    scored: int  # scores recorded, with or without a value


def score_values(store: Store, run_id: str, scorer: str) -> ScoreValues:
    """The values `scorer` recorded on `run_id`, with its failed and total score counts."""
    rows = store.query("SELECT list(value) FILTER (WHERE value IS NOT NULL), "
                       "count(*) FILTER (WHERE passed = false), count(*) "
                       "FROM scores WHERE run_id = ? AND scorer = ?", [run_id, scorer])
    values, failed, scored = rows[0]
    return ScoreValues(tuple(float(v) for v in values or ()), int(failed), int(scored))
