"""compare(store, baseline, candidate) → Diff: every table of a comparison.

The metric and case tables are typed rows (compare/rows.py: MetricRow, CaseTransition), so
gates, reports and the CLI read attributes, not column names; notebooks get the same rows
as DataFrames (Diff.metrics_frame(), Diff.cases_frame()), so both show the same numbers.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from ..errors import UsageError
from ..store import RunRecord, Store, analytics
from ..store.run_refs import resolve_run
from ..suite.gate_spec import OVERALL_METRIC, Policy
from .adjudicated import flip_marks, with_adjudicated_waivers
from .adjudicated import latest as latest_adjudications
from .align import Alignment
from .coverage import Coverage, coverage
from .manifest import ENVIRONMENT, STATUS, manifest_rows
from .operations import operations
from .repeats import case_rates, summary
from .rows import (
    CASE_COLUMNS,
    METRIC_FRAME_COLUMNS,
    CaseTransition,
    MetricRow,
    case_transitions,
    frame,
    metric_rows,
)
from .run_metrics import MetricValue, run_values
from .slice_search import SliceSearch, discover
from .stopping import Stop
from .verdicts import REGRESSED, metric_table

MANIFEST_COLUMNS = ["item", "baseline", "candidate", "part", "strict"]
NOISE_COLUMNS = ["metric", "stat", "n", "delta", "ci_low", "ci_high", "pass_to_fail",
                 "fail_to_pass", "p"]

@dataclass(frozen=True)
class Diff:
    baseline: RunRecord  # the two runs (provenance, options, scorers, gates...)
    candidate: RunRecord
    policy: Policy  # the candidate's gates, waivers and compare settings (or the ones given)
    today: date  # the day waivers were checked against
    metrics: tuple[MetricRow, ...]  # metric × slice: n (cases), samples, baseline, candidate,
    #   delta, CI, flips, p, p_adj (p_holm: its alias), family, verdict, mde (see verdicts.py)
    cases: tuple[CaseTransition, ...]  # (case_id, sample): status (pass_to_fail, ...)
    scores: Any  # (case_id, sample, scorer): status, values and their delta
    worst: Any  # the worst regressed cases with both outputs
    operations: Any  # cost, latency p50/p95, tokens, errors: baseline, candidate, change
    manifest: Any  # what else differs between the runs (see manifest.py)
    case_rates: Any  # per-case pass rates and flakiness (runs with several samples)
    repeats: Any  # pass@1, pass@k, pass^k, flaky cases per run (several samples)
    noise: Any  # A/A: the baseline against a rerun of the same configuration
    noise_run: str | None
    candidate_values: tuple[MetricValue, ...]  # the candidate alone, for absolute gates
    timings: dict = field(default_factory=dict)
    coverage: Coverage | None = None  # cases / samples one run lacks, identical outputs
    stop: Stop | None = None  # the candidate was dispatched in batches: where and why it stopped
    slice_search: SliceSearch | None = None  # undeclared slices where the candidate got worse
    adjudications: Any = None  # the flips people adjudicated (adjudicated.flip_marks)

    @property
    def same_configuration(self) -> bool:
        """Nothing but the run itself differs (an A/A rerun): no model or setup change."""
        return bool((self.manifest["part"].isin((ENVIRONMENT, STATUS))).all())

    @property
    def baseline_id(self) -> str:
        return self.baseline.run_id

    @property
    def candidate_id(self) -> str:
        return self.candidate.run_id

    def counts(self) -> dict[str, int]:
        """How many (case, sample) pairs fall in each status, the most frequent first."""
        return dict(Counter(c.status for c in self.cases).most_common())

    def row(self, metric: str = OVERALL_METRIC, stat: str = "pass_rate",
            slice_key: str | None = None, slice_value: str | None = None) -> MetricRow | None:
        return next((r for r in self.metrics if r.matches(metric, stat, slice_key, slice_value)),
                    None)

    def rows_of(self, metric: str, stat: str, slice_key: str) -> tuple[MetricRow, ...]:
        """A metric's rows for each value of one slice key."""
        return tuple(r for r in self.metrics
                     if r.metric == metric and r.stat == stat and r.slice_key == slice_key)

    def regressions(self) -> tuple[MetricRow, ...]:
        return tuple(r for r in self.metrics if r.verdict == REGRESSED)

    def metrics_frame(self):
        """The metric rows as a DataFrame (notebooks), NaN where a row has None."""
        return frame(self.metrics, METRIC_FRAME_COLUMNS)

    def cases_frame(self):
        """The case transitions as a DataFrame (notebooks)."""
        return frame(self.cases, CASE_COLUMNS)

    def else_changed(self):
        """Manifest rows that --strict refuses: changes besides the model."""
        return self.manifest[self.manifest["strict"]]


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


def compare(store: Store, baseline: str, candidate: str, *, policy: Policy | None = None,
            worst: int = 10, noise: str | None = "auto", today: date | None = None,
            resamples: int | None = None, allow_subset: bool | None = None) -> Diff:
    """Compare two runs of one suite. `baseline`/`candidate`: run id, baseline name, label
    or id prefix. `policy`: gates/waivers/settings (default: the candidate run's). `noise`:
    "auto" finds a rerun of the baseline's configuration for an A/A noise floor, a run
    reference names one, None skips it. `allow_subset`: overrides `compare.allow_subset`."""
    import pandas as pd

    started = time.perf_counter()
    timings: dict[str, float] = {}
    base_id, cand_id = resolve_run(store, baseline), resolve_run(store, candidate)
    if base_id == cand_id:
        raise UsageError(f"baseline and candidate are the same run ({base_id})")
    base, cand = store.run(base_id), store.run(cand_id)
    if base.suite != cand.suite:
        raise UsageError(f"run {base_id} is of suite '{base.suite}' and run {cand_id} of "
                         f"suite '{cand.suite}': only runs of the same suite compare")
    policy = policy if policy is not None else Policy.model_validate(cand.gates or {})
    stop = Stop.of(cand.stop)
    if allow_subset is None and stop is not None and stop.stopped:
        allow_subset = True  # stopped on purpose: compare the cases that ran (with the caveat)
    if allow_subset is not None:
        policy = policy.model_copy(update={"compare": policy.compare.model_copy(
            update={"allow_subset": allow_subset})})
    today = today or today_utc()
    adjudicated = latest_adjudications(store, cand.suite)  # read once: waivers and marks
    policy = with_adjudicated_waivers(adjudicated, policy, today)
    waivers = policy.active_waivers(today)
    slice_keys = list(cand.slices or [])
    alignment = Alignment(store, base_id, cand_id, waivers=waivers, slice_keys=slice_keys)
    try:
        metrics = metric_table(alignment, policy, resamples, timings)
        cases, scores, worst_cases = alignment.case_tables(max(0, int(worst)))
        covered = coverage(cases, scores, list(policy.compare.primary), policy.compare.alpha,
                           alignment.identical_outputs())
        found = discover(alignment, policy)
        timings["slice_search_s"] = found.seconds
    finally:
        alignment.drop()
    rates = repeats = pd.DataFrame()
    k = min(int(base.samples or 1), int(cand.samples or 1))
    if max(int(base.samples or 1), int(cand.samples or 1)) > 1:
        rates = case_rates(store, base_id, cand_id)
        repeats = summary(rates, k)
    noise_id = _noise_run(store, noise, base_id, cand_id)
    noise_table = (_noise(store, base_id, noise_id, policy, waivers, resamples, timings)
                   if noise_id else pd.DataFrame(columns=NOISE_COLUMNS))
    timings["total_s"] = time.perf_counter() - started
    return Diff(
        baseline=base, candidate=cand, policy=policy, today=today,
        metrics=metric_rows(metrics), cases=case_transitions(cases), scores=scores, worst=worst_cases, operations=operations(store, base_id, cand_id),
        manifest=pd.DataFrame(manifest_rows(base, cand), columns=MANIFEST_COLUMNS),
        case_rates=rates, repeats=repeats, noise=noise_table, noise_run=noise_id,
        candidate_values=tuple(run_values(store, cand_id, slice_keys, waivers)), timings=timings,
        coverage=covered, stop=stop, slice_search=found,
        adjudications=flip_marks(adjudicated, cases))


def _noise_run(store: Store, noise: str | None, base_id: str, cand_id: str) -> str | None:
    if noise is None:
        return None
    if noise != "auto":
        return resolve_run(store, noise)
    return analytics.rerun_of(store, base_id, cand_id)


def _noise(store: Store, base_id: str, rerun_id: str, policy: Policy, waivers, resamples,
           timings: dict):
    """The baseline against its rerun, overall only: how much two runs of one model differ."""
    alignment = Alignment(store, base_id, rerun_id, waivers=waivers)
    try:
        table = metric_table(alignment, policy, resamples, timings)
    finally:
        alignment.drop()
    cached = analytics.cached_share(store, rerun_id)
    table = table[NOISE_COLUMNS].copy()
    table["rerun_cached"] = cached  # a cached rerun repeats the outputs: no noise to see
    return table
