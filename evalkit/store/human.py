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
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Sequence

from ..suite.human_spec import HumanRubric
from ..types import Score
from .rows import _storable, columns
from .schema import SCORE_COLUMNS
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
    details = {"scale": "pass/fail" if rubric.binary else f"{lo}-{hi}",
               "pass_mark": rubric.pass_mark, "judge": rubric.judge or rubric.name, "mean": mean, "ratings": [{"reviewer": who, "score": score, "comment": text}
                                         for who, score, text in ratings]}
    return Score(rubric.scorer, (mean - lo) / (hi - lo), passed, why, details)


def _rating_text(rubric: HumanRubric, score: float) -> str:
    if rubric.binary:
        return "pass" if score >= 1 else "fail"
    return f"{score:g}"


RATING_COLUMNS = ("run_id", "case_id", "sample", "rubric", "reviewer", "score", "comment",
                  "rated_at", "review_id", "blind")
KEY = "run_id, case_id, sample, rubric"


def put_ratings(store: Store, ratings: Sequence[Rating], rubrics: dict[str, HumanRubric]) -> int:
    """Store the ratings (a reviewer's new rating of an output replaces their old one) and
    rewrite the human scores of the outputs they rate, in one transaction and a few bulk
    statements. Returns the number of outputs whose human scores were written."""
    import pandas as pd

    latest = {(r.run_id, r.case_id, r.sample, r.rubric, _storable(r.reviewer)): r
              for r in ratings}  # the same reviewer twice in one import: the last one counts
    if not latest:
        return 0
    new = pd.DataFrame([(*key, r.score, _storable(r.comment), r.rated_at, r.review_id, r.blind)
                        for key, r in latest.items()], columns=list(RATING_COLUMNS))
    new["rated_at"] = pd.to_datetime(new["rated_at"])
    with store.transaction() as con:
        with store.registered("_ek_new_ratings", new):
            con.execute("DELETE FROM human_ratings h USING _ek_new_ratings n WHERE "
                        "h.run_id = n.run_id AND h.case_id = n.case_id AND h.sample = n.sample "
                        "AND h.rubric = n.rubric AND h.reviewer = n.reviewer")
            con.execute(f"INSERT INTO human_ratings ({', '.join(RATING_COLUMNS)}) "
                        f"SELECT {', '.join(RATING_COLUMNS)} FROM _ek_new_ratings")
            rows = con.execute(f"SELECT {KEY}, reviewer, score, coalesce(comment, '') FROM "
                               f"human_ratings JOIN (SELECT DISTINCT {KEY} FROM _ek_new_ratings)"
                               f" USING ({KEY}) ORDER BY {KEY}, reviewer").fetchall()
        grouped: dict[tuple, list] = {}
        for run_id, case_id, sample, rubric, reviewer, score, comment in rows:
            grouped.setdefault((run_id, case_id, sample, rubric), []).append(
                (reviewer, score, comment))
        scores = []
        for (run_id, case_id, sample, rubric), given in grouped.items():
            score = human_score(rubrics[rubric], given)
            scores.append((run_id, case_id, sample, score.scorer, score.value, score.passed,
                           score.explanation, json.dumps(score.details, ensure_ascii=False)))
        with store.registered("_ek_human_scores", columns(scores, SCORE_COLUMNS)):
            con.execute(f"INSERT OR REPLACE INTO scores ({', '.join(SCORE_COLUMNS)}) "
                        "SELECT * FROM _ek_human_scores")
    return len({key[:3] for key in grouped})


ADJUDICATION_COLUMNS = ("suite", "case_id", "sample", "baseline_run", "candidate_run",
                        "decision", "reason", "reviewer", "decided_at", "expires")


def put_adjudications(store: Store, decisions: Sequence[Adjudication]) -> None:
    """Store flip decisions; a reviewer's new decision on a flip replaces their old one."""
    import pandas as pd

    latest = {(d.baseline_run, d.candidate_run, d.case_id, d.sample, _storable(d.reviewer)): d
              for d in decisions}
    if not latest:
        return
    new = pd.DataFrame([(d.suite, d.case_id, d.sample, d.baseline_run, d.candidate_run,
                         d.decision, _storable(d.reason), reviewer, d.decided_at, d.expires)
                        for (*_, reviewer), d in latest.items()],
                       columns=list(ADJUDICATION_COLUMNS))
    new["decided_at"] = pd.to_datetime(new["decided_at"])
    new["expires"] = pd.to_datetime(new["expires"])
    with store.transaction(), store.registered("_ek_new_decisions", new) as con:
        con.execute("DELETE FROM adjudications a USING _ek_new_decisions n WHERE "
                    "a.baseline_run = n.baseline_run AND a.candidate_run = n.candidate_run "
                    "AND a.case_id = n.case_id AND a.sample = n.sample "
                    "AND a.reviewer = n.reviewer")
        con.execute(f"INSERT INTO adjudications ({', '.join(ADJUDICATION_COLUMNS)}) SELECT "
                    f"{', '.join(ADJUDICATION_COLUMNS[:-1])}, expires::DATE "
                    "FROM _ek_new_decisions")


def mark_golden_applied(store: Store, decisions: Sequence[Adjudication]) -> None:
    for d in decisions:
        store.query("UPDATE adjudications SET golden_applied = true WHERE baseline_run = ? AND "
                    "candidate_run = ? AND case_id = ? AND sample = ? AND reviewer = ?",
                    [d.baseline_run, d.candidate_run, d.case_id, d.sample, _storable(d.reviewer)])


def has_review_tables(store: Store) -> bool:
    """False on a database from before migration 8 opened read-only (nothing was reviewed)."""
    return bool(store.query("SELECT 1 FROM duckdb_tables() WHERE table_name = 'adjudications'"))
