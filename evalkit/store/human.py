"""Human ratings and flip adjudications in the store (`evalkit review import`).

Every reviewer's rating is a `human_ratings` row; the `scores` row of scorer `human:<rubric>`
for that output is their aggregate (the mean rating, as a share of the scale, and pass when
the mean reaches the rubric's pass mark; a pass/fail tie has no verdict), rewritten whenever
a rating of that output arrives. So `show`, `compare` (paired on outputs both runs had
rated), gates and reports read human ratings like any scorer's. A human score does not
change `results.passed`: a sample of rated outputs would make the overall pass rate depend
on which outputs were picked.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Iterator, Sequence

from ..suite.human_spec import HumanRubric
from ..types import Score
from .rows import _storable
from .store import Store

DECISIONS = {"regression": "regression", "acceptable": "acceptable change",
             "golden_wrong": "golden was wrong"}


@dataclass(frozen=True)
class Rating:
    run_id: str
    case_id: str
    sample: int
    rubric: str
    reviewer: str
    score: float  # on the rubric's scale; pass/fail as 1/0
    comment: str = ""
    rated_at: datetime | None = None
    review_id: str = ""
    blind: bool = False

    @property
    def output(self) -> tuple[str, str, int]:
        return self.run_id, self.case_id, self.sample


@dataclass(frozen=True)
class Adjudication:
    suite: str
    case_id: str
    sample: int
    baseline_run: str
    candidate_run: str
    decision: str  # a key of DECISIONS
    reason: str
    reviewer: str
    decided_at: datetime | None = None
    expires: date | None = None


@contextmanager
def transaction(store: Store) -> Iterator[Any]:
    """The store's connection inside one transaction (rolled back on any error)."""
    with store._lock:
        con = store.con
        con.execute("BEGIN")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def missing_outputs(store: Store, outputs: Iterable[tuple[str, str, int]]) -> list[tuple]:
    """The (run, case, sample) of these that the store has no result for."""
    wanted = sorted(set(outputs))
    if not wanted:
        return []
    found = {tuple(r) for r in store.query(
        "SELECT r.run_id, r.case_id, r.sample FROM results r JOIN (SELECT unnest($runs::VARCHAR[]) "
        "AS run_id, unnest($cases::VARCHAR[]) AS case_id, unnest($samples::INTEGER[]) AS sample) "
        "w USING (run_id, case_id, sample)",
        {"runs": [w[0] for w in wanted], "cases": [w[1] for w in wanted],
         "samples": [w[2] for w in wanted]})}
    return [w for w in wanted if w not in found]


def human_score(rubric: HumanRubric, ratings: Sequence[tuple[str, float, str]]) -> Score:
    """The `human:<rubric>` score of one output from its (reviewer, rating, comment) rows."""
    lo, hi = rubric.bounds
    mean = sum(r[1] for r in ratings) / len(ratings)
    tie = rubric.binary and mean == 0.5
    passed = None if tie else mean >= rubric.pass_mark
    shown = ", ".join(f"{who} {_rating_text(rubric, score)}" for who, score, _ in ratings)
    if tie:
        verdict = "reviewers split: no verdict"
    elif rubric.binary:
        verdict = "pass" if passed else "fail"
    else:
        verdict = (f"mean {mean:.2f} of {hi}, {'at least' if passed else 'below'} the pass mark "
                   f"{rubric.pass_mark:g}")
    comments = "; ".join(f"{who}: {text}" for who, _, text in ratings if text)
    why = (f"{len(ratings)} reviewer{'s' if len(ratings) != 1 else ''} ({shown}): {verdict}"
           + (f" | {comments}" if comments else ""))
    details = {"scale": rubric.public()["scale"], "pass_mark": rubric.pass_mark,
               "judge": rubric.judge or rubric.name,
               "mean": mean, "ratings": [{"reviewer": who, "score": score, "comment": text}
                                         for who, score, text in ratings]}
    return Score(rubric.scorer, (mean - lo) / (hi - lo), passed, why, details)


def _rating_text(rubric: HumanRubric, score: float) -> str:
    if rubric.binary:
        return "pass" if score >= 1 else "fail"
    return f"{score:g}"


def put_ratings(store: Store, ratings: Sequence[Rating], rubrics: dict[str, HumanRubric]) -> int:
    """Store the ratings (a reviewer's new rating of an output replaces their old one) and
    rewrite the human scores of the outputs they rate, in one transaction. Returns the number
    of outputs whose human scores were written."""
    touched = sorted({(r.run_id, r.case_id, r.sample, r.rubric) for r in ratings})
    if not touched:
        return 0
    with transaction(store) as con:
        for r in ratings:
            con.execute("DELETE FROM human_ratings WHERE run_id = ? AND case_id = ? AND "
                        "sample = ? AND rubric = ? AND reviewer = ?",
                        [r.run_id, r.case_id, r.sample, r.rubric, _storable(r.reviewer)])
            con.execute("INSERT INTO human_ratings (run_id, case_id, sample, rubric, reviewer,"
                        " score, comment, rated_at, review_id, blind) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [r.run_id, r.case_id, r.sample, r.rubric, _storable(r.reviewer),
                         r.score, _storable(r.comment), r.rated_at, r.review_id, r.blind])
        for run_id, case_id, sample, rubric in touched:
            rows = con.execute("SELECT reviewer, score, coalesce(comment, '') FROM "
                               "human_ratings WHERE run_id = ? AND case_id = ? AND sample = ? "
                               "AND rubric = ? ORDER BY reviewer",
                               [run_id, case_id, sample, rubric]).fetchall()
            score = human_score(rubrics[rubric], rows)
            con.execute("INSERT OR REPLACE INTO scores (run_id, case_id, sample, scorer, "
                        "value, passed, explanation, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [run_id, case_id, sample, score.scorer, score.value, score.passed,
                         _storable(score.explanation),
                         _storable(json.dumps(score.details, ensure_ascii=False))])
    return len({key[:3] for key in touched})


def put_adjudications(store: Store, decisions: Sequence[Adjudication]) -> None:
    """Store flip decisions; a reviewer's new decision on a flip replaces their old one."""
    with transaction(store) as con:
        for d in decisions:
            con.execute("DELETE FROM adjudications WHERE baseline_run = ? AND candidate_run = ?"
                        " AND case_id = ? AND sample = ? AND reviewer = ?",
                        [d.baseline_run, d.candidate_run, d.case_id, d.sample,
                         _storable(d.reviewer)])
            con.execute("INSERT INTO adjudications (suite, case_id, sample, baseline_run, "
                        "candidate_run, decision, reason, reviewer, decided_at, expires) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [d.suite, d.case_id, d.sample, d.baseline_run, d.candidate_run,
                         d.decision, _storable(d.reason), _storable(d.reviewer),
                         d.decided_at, d.expires])


def mark_golden_applied(store: Store, decisions: Sequence[Adjudication]) -> None:
    for d in decisions:
        store.query("UPDATE adjudications SET golden_applied = true WHERE baseline_run = ? AND "
                    "candidate_run = ? AND case_id = ? AND sample = ? AND reviewer = ?",
                    [d.baseline_run, d.candidate_run, d.case_id, d.sample, _storable(d.reviewer)])


def has_review_tables(store: Store) -> bool:
    """False on a database from before migration 6 opened read-only (nothing was reviewed)."""
    return bool(store.query("SELECT 1 FROM duckdb_tables() WHERE table_name = 'adjudications'"))


def adjudications(store: Store, suite: str):
    """Every adjudication of the suite's flips, newest first (a DataFrame)."""
    if not has_review_tables(store):
        return None
    return store.df("SELECT * FROM adjudications WHERE suite = ? ORDER BY decided_at DESC NULLS "
                    "LAST, case_id, sample", [suite])


def ratings(store: Store, run_ids: Sequence[str], rubric: str | None = None):
    """Every rating of these runs' outputs (a DataFrame), optionally of one rubric."""
    if not has_review_tables(store):
        return None
    sql = ("SELECT * FROM human_ratings WHERE run_id IN (SELECT unnest(?::VARCHAR[]))"
           + (" AND rubric = ?" if rubric else "") + " ORDER BY run_id, case_id, sample, reviewer")
    return store.df(sql, [list(run_ids)] + ([rubric] if rubric else []))
