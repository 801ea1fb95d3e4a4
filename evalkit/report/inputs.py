"""What every report format renders: one run, or a comparison, with its gates and verdict.

Built once (`prepare`), then rendered as HTML, Markdown or JUnit; all three show the same
numbers and the same answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..compare import compare, resolve
from ..compare.diff import Diff, today_utc
from ..gates import GateReport, evaluate_gates
from ..store import RunRecord, Store
from ..suite.gate_spec import Policy
from . import swap_answer
from .redaction import Redactor


@dataclass(frozen=True)
class ReportInput:
    run: RunRecord  # the candidate (or single) run
    baseline: RunRecord | None  # the baseline run; None for a single-run report
    diff: Diff | None
    gates: GateReport
    verdict: swap_answer.SwapAnswer
    values: tuple  # the candidate's MetricValues (overall and per slice)
    policy: Policy
    today: date
    redact: Redactor
    db_path: str

    @property
    def is_comparison(self) -> bool:
        return self.diff is not None

    @property
    def title(self) -> str:
        run = self.run
        if self.baseline is None:
            return f"{run.suite}: {_name(run)}"
        return f"{run.suite}: {_name(self.baseline)} → {_name(run)}"


def _name(run: RunRecord) -> str:
    return run.label or f"{run.model_ref} ({run.run_id[:8]})"


def prepare(store: Store, candidate: str, baseline: str | None = None, *,
            policy: Policy | None = None, strict: bool = False, worst: int = 50,
            redactor: Redactor | None = None, today: date | None = None,
            diff: Diff | None = None, gates: GateReport | None = None) -> ReportInput:
    """Resolve the runs, compare them (when there is a baseline), check the gates, answer.
    A caller that already compared passes its `diff` and `gates` to reuse them."""
    redactor = redactor or Redactor()
    if baseline is not None:
        today = diff.today if diff is not None else (today or today_utc())
        diff = diff or compare(store, baseline, candidate, policy=policy, worst=worst, today=today)
        gates = gates or evaluate_gates(diff=diff, strict=strict).report
        return ReportInput(run=diff.candidate, baseline=diff.baseline, diff=diff, gates=gates,
                           verdict=swap_answer.for_diff(diff, gates),
                           values=diff.candidate_values, policy=diff.policy, today=today,
                           redact=redactor, db_path=str(store.path))
    run = store.run(resolve(store, candidate))
    checked = evaluate_gates(store, run.run_id, policy=policy, today=today)
    return ReportInput(run=run, baseline=None, diff=None, gates=checked.report,
                       verdict=swap_answer.for_run(checked.report), values=checked.values,
                       policy=checked.policy, today=checked.today, redact=redactor,
                       db_path=str(store.path))


@dataclass(frozen=True)
class ReportSet:
    """Several suites in one report: each suite's comparison (or run), one overall answer."""
    items: tuple[ReportInput, ...]
    verdict: swap_answer.SwapAnswer
    unpaired: tuple[str, ...]  # suites run on one side only, said in words
    redact: Redactor
    db_path: str

    @classmethod
    def of(cls, items, unpaired=()) -> "ReportSet":
        """The suites' reports under one answer (verdict.combine)."""
        items, unpaired = tuple(items), tuple(unpaired)
        answer = swap_answer.combine([(i.run.suite, i.verdict) for i in items], unpaired)
        return cls(items, answer, unpaired, items[0].redact, items[0].db_path)

    @property
    def is_comparison(self) -> bool:
        return any(item.is_comparison for item in self.items)

    @property
    def title(self) -> str:
        if len(self.items) == 1:
            return self.items[0].title
        first = self.items[0]
        names = (f"{_name(first.baseline)} → {_name(first.run)}" if first.baseline
                 else _name(first.run))
        return f"{len(self.items)} suites: {names}"


def as_set(report: ReportInput | ReportSet) -> ReportSet:
    return report if isinstance(report, ReportSet) else ReportSet.of((report,))


def prepare_set(store: Store, candidate: str, baseline: str | None = None, *,
                policy: Policy | None = None, strict: bool = False, worst: int = 50,
                redactor: Redactor | None = None, today: date | None = None) -> ReportSet:
    """Like `prepare`, for every suite the references name (a label may span suites)."""
    from ..compare import pair_runs, runs_by_suite

    redactor = redactor or Redactor()
    today = today or today_utc()
    unpaired: tuple[str, ...] = ()
    if baseline is None:
        pairs = [(None, run_id) for run_id in runs_by_suite(store, candidate).values()]
    else:
        found = pair_runs(store, baseline, candidate)
        pairs = [(b, c) for _, b, c in found.pairs]
        unpaired = found.unpaired()
    return ReportSet.of((prepare(store, c, b, policy=policy, strict=strict, worst=worst,
                                 redactor=redactor, today=today) for b, c in pairs), unpaired)
