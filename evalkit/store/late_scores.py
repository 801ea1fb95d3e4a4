"""Scores added after their results were stored: batch scorers (toxicity) run at the end of
a run over every stored output that still lacks their score.

The outputs are read back from `results`, the scores written in one bulk INSERT, and each
result's `passed` flag cleared where a late score failed, in the same transaction.
"""
from __future__ import annotations

import json
from typing import Sequence

from ..redact import redact
from ..types import Completion, Score
from .reads import COMPLETION_COLUMNS, completion_of
from .rows import columns
from .schema import SCORE_COLUMNS
from .store import Store


def unscored_outputs(store: Store, run_id: str, scorer: str) -> list[tuple[str, int, Completion]]:
    """(case_id, sample, completion) of the run's results without a score from `scorer`."""
    found = store.query(
        f"SELECT r.case_id, r.sample, {COMPLETION_COLUMNS} FROM results r "
        "WHERE r.run_id = ? AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.run_id = r.run_id "
        "AND s.case_id = r.case_id AND s.sample = r.sample AND s.scorer = ?) "
        "ORDER BY r.case_id, r.sample", [run_id, scorer])
    return [(case_id, sample, completion_of(rest)) for case_id, sample, *rest in found]


def add_scores(store: Store, run_id: str, scored: Sequence[tuple[str, int, Score]]
               ) -> set[tuple[str, int]]:
    """Store late scores; returns the (case_id, sample) of results turned from passed to failed."""
    if not scored:
        return set()
    rows = [(run_id, case_id, sample, s.scorer, s.value, s.passed, redact(s.explanation),
             json.dumps(dict(s.details), ensure_ascii=False, default=str) if s.details else None)
            for case_id, sample, s in scored]
    failing = [[case_id, sample] for case_id, sample, s in scored if s.passed is False]
    with store.transaction(), store.registered("_late_scores",
                                               columns(rows, SCORE_COLUMNS)) as con:
        con.execute(f"INSERT OR REPLACE INTO scores ({', '.join(SCORE_COLUMNS)}) "
                    "SELECT * FROM _late_scores")
        if not failing:
            return set()
        keys = {"run": run_id, "ids": [k[0] for k in failing],
                "samples": [k[1] for k in failing]}
        return {(c, s) for c, s in con.execute(
            "UPDATE results SET passed = false FROM (SELECT unnest($ids::VARCHAR[]) AS "
            "case_id, unnest($samples::INTEGER[]) AS sample) f WHERE results.run_id = $run "
            "AND results.case_id = f.case_id AND results.sample = f.sample AND "
            "results.passed RETURNING results.case_id, results.sample", keys).fetchall()}
