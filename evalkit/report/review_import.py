"""`evalkit review import FILE…`: a review page's exported JSON into the store.

Every file is read and checked before anything is written (a bad file changes nothing).
Ratings become `human_ratings` rows and `human:<rubric>` scores (store/human.py); flip
decisions become adjudications: an acceptable change a waiver until its expiry
(compare/adjudicated.py), a golden that was wrong a golden update, written with `--apply`
through the golden writer the pytest plugin uses (scorers/golden_file.py).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pydantic import ValidationError

from ..errors import UsageError
from ..store import Store, report_reads
from ..store.human import (
    DECISIONS,
    Adjudication,
    Rating,
    mark_golden_applied,
    missing_outputs,
    put_adjudications,
    put_ratings,
)
from ..suite.human_spec import HumanRubric
from .review_file import ReviewFile, naive_utc, read_review_file
from .review_page import case_ref

DEFAULT_WAIVER_DAYS = 30


@dataclass
class ImportSummary:
    ratings: int = 0
    outputs: int = 0
    reviewers: set[str] = field(default_factory=set)
    by_rubric: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    decisions: list[Adjudication] = field(default_factory=list)
    golden_written: list[tuple[str, str]] = field(default_factory=list)  # (case, file)
    golden_pending: list[str] = field(default_factory=list)
    golden_impossible: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        if self.ratings:
            rubrics = ", ".join(f"{name}: {n}" for name, n in sorted(self.by_rubric.items()))
            out.append(f"stored {self.ratings} rating{'s' if self.ratings != 1 else ''} by "
                       f"{', '.join(sorted(self.reviewers))} ({rubrics}); human scores of "
                       f"{self.outputs} output{'s' if self.outputs != 1 else ''} updated")
        for d in self.decisions:
            text = f"flip {d.case_id}: {DECISIONS[d.decision]} (by {d.reviewer})"
            if d.decision == "acceptable":
                text += f", waived until {d.expires.isoformat()}"
            out.append(text)
        for case_id, path in self.golden_written:
            out.append(f"golden answer of {case_id} updated in {path}")
        if self.golden_pending:
            out.append(f"golden updates pending for {', '.join(self.golden_pending)}: run again "
                       "with --apply to write the candidate's output as the golden answer")
        for case_id in self.golden_impossible:
            out.append(f"no golden file to update for {case_id}: its suite's scorers read no "
                       "`golden:` file (edit the case's target in its case file)")
        return out or ["nothing to import: the files hold no ratings or decisions"]


def _resolve_cases(store: Store, run_ids: set[str]) -> dict[tuple[str, str], str]:
    """(run id, case ref) -> the stored case id."""
    found = report_reads.case_ids_of_runs(store, sorted(run_ids))
    return {(run_id, case_ref(case_id)): case_id for run_id, case_id in found}


def _check_scores(path: Path, review: ReviewFile, rubrics: dict[str, HumanRubric]) -> None:
    for index, r in enumerate(review.ratings):
        rubric = rubrics.get(r.rubric)
        if rubric is None:
            raise UsageError(f"{path}: ratings.{index}.rubric: '{r.rubric}' is not among the "
                             f"file's rubrics ({', '.join(sorted(rubrics)) or 'none'})")
        lo, hi = rubric.bounds
        if not lo <= r.score <= hi or (rubric.binary and r.score not in (0, 1)):
            raise UsageError(f"{path}: ratings.{index}.score: {r.score:g} is outside the scale "
                             f"{rubric.public()['scale']} of '{r.rubric}'")


def import_reviews(store: Store, paths: list[Path], *, apply: bool = False,
                   waiver_days: int = DEFAULT_WAIVER_DAYS, today: date | None = None,
                   suite_path: str | None = None) -> ImportSummary:
    today = today or date.today()
    reviews = [(path, read_review_file(path)) for path in paths]
    summary = ImportSummary()
    ratings: list[Rating] = []
    decisions: list[Adjudication] = []
    rubrics: dict[str, HumanRubric] = {}
    runs = {r.run_id for _, review in reviews for r in review.ratings} | {
        run for _, review in reviews for d in review.adjudications
        for run in (d.candidate_run, d.baseline_run)}
    known = report_reads.known_runs(store, sorted(runs))
    cases = _resolve_cases(store, runs)
    for path, review in reviews:
        mine = {}
        for entry in review.rubrics:
            try:
                mine[entry.name] = entry.rubric()
            except ValidationError as exc:
                raise UsageError(f"{path}: rubric '{entry.name}': {exc.errors()[0]['msg']}") from None
            previous = rubrics.setdefault(entry.name, mine[entry.name])
            if previous.bounds != mine[entry.name].bounds:
                raise UsageError(f"{path}: rubric '{entry.name}' has scale {entry.scale}, another "
                                 f"file gives {previous.public()['scale']}: import them apart")
        _check_scores(path, review, mine)
        reviewer = review.reviewer.strip()
        for index, r in enumerate(review.ratings):
            case_id = _case(path, f"ratings.{index}", known, cases, r.run_id, r.case_ref)
            ratings.append(Rating(r.run_id, case_id, r.sample, r.rubric, reviewer, r.score,
                                  r.comment, naive_utc(r.rated_at), review.review_id, review.blind))
        for index, d in enumerate(review.adjudications):
            case_id = _case(path, f"adjudications.{index}", known, cases, d.candidate_run,
                            d.case_ref)
            suite = store.run(d.candidate_run).suite
            expires = today + timedelta(days=waiver_days) if d.decision == "acceptable" else None
            decisions.append(Adjudication(suite, case_id, d.sample, d.baseline_run,
                                          d.candidate_run, d.decision, d.reason, reviewer,
                                          naive_utc(d.decided_at), expires))
    absent = missing_outputs(store, [(r.run_id, r.case_id, r.sample) for r in ratings])
    if absent:
        run_id, case_id, sample = absent[0]
        raise UsageError(f"run {run_id} has no output of case {case_id} sample {sample} to "
                         f"rate ({len(absent)} such rating{'s' if len(absent) != 1 else ''})")
    summary.outputs = put_ratings(store, ratings, rubrics)
    summary.ratings = len(ratings)
    for r in ratings:
        summary.reviewers.add(r.reviewer)
        summary.by_rubric[r.rubric] += 1
    if decisions:
        put_adjudications(store, decisions)
    summary.decisions = decisions
    wrong = [d for d in decisions if d.decision == "golden_wrong"]
    if wrong and apply:
        _apply_golden(store, wrong, summary, suite_path)
    elif wrong:
        summary.golden_pending = [d.case_id for d in wrong]
    return summary


def _case(path: Path, where: str, known: set[str], cases: dict, run_id: str, ref: str) -> str:
    if run_id not in known:
        raise UsageError(f"{path}: {where}: no run {run_id} in this database\n"
                         "  fix: import into the --db the review was exported from")
    case_id = cases.get((run_id, ref))
    if case_id is None:
        raise UsageError(f"{path}: {where}: run {run_id} has no case with reference {ref}")
    return case_id


def _apply_golden(store: Store, wrong: list[Adjudication], summary: ImportSummary,
                  suite_path: str | None) -> None:
    """Each candidate output becomes its case's golden answer, in every golden file of the
    suite (the golden writer of `pytest --evalkit-update-golden`)."""
    from ..file_scope import FileRefused
    from ..scorers.golden_file import GoldenFile, golden_scorers, load_golden
    from ..suite import load_suite

    by_suite: dict[str, list[Adjudication]] = defaultdict(list)
    for d in wrong:
        by_suite[store.run(d.candidate_run).suite_path or ""].append(d)
    written = []
    for path, group in by_suite.items():
        source = suite_path or path
        if not source or not Path(source).exists():
            raise UsageError(f"cannot update golden answers: the suite file {source or '(none)'}"
                             " is not here\n  fix: give it with --suite PATH")
        suite = load_suite(source)
        files = {file: GoldenFile(file, Path(suite.path).parent)
                 for _, file in golden_scorers(suite)}
        if not files:
            summary.golden_impossible += [d.case_id for d in group]
            continue
        for d in group:
            output, error = report_reads.output_of(store, d.candidate_run, d.case_id, d.sample)
            if error is not None or output is None:
                raise UsageError(f"flip {d.case_id}: the candidate's call failed ({error}); "
                                 "there is no output to make the golden answer")
            for golden in files.values():
                golden.updates[d.case_id] = output
                if not load_golden(golden.path).get(d.case_id):
                    golden.added.append(d.case_id)
        for golden in files.values():
            try:
                golden.write()
            except FileRefused as exc:
                raise UsageError(f"golden answers not updated: {exc}") from None
            summary.golden_written += [(case_id, str(golden.path)) for case_id in golden.updates]
        written += group
    mark_golden_applied(store, written)
