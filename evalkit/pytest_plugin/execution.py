"""Running a suite's selected cases in one batch, and the session state that holds the outcome.

The first item of a suite to run calls `SessionState.outcome(key)`: every selected case of
that suite goes through `evalkit.runner.run_suite_async` at once (the runner's own
concurrency), the run is stored in DuckDB like a CLI run, then its gates (and the
comparison with the baseline) are checked. The result is a `SuiteOutcome` (outcome.py: typed
records that round-trip through JSON, so pytest-xdist workers share it through a file).
"""
from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .options import Settings, settings
from .outcome import (
    ExpiredWaiver,
    Flip,
    GateLine,
    MetricLine,
    Regression,
    RunCounts,
    SampleResult,
    ScoreLine,
    SuiteOutcome,
)

if TYPE_CHECKING:
    from ..compare.rows import MetricRow


@dataclass
class SuiteEntry:
    """A collected suite: loaded once at collection, run once when its first item runs."""

    key: str
    suite: Any  # evalkit.suite.Suite
    selected: list[str] = field(default_factory=list)  # case ids, in suite order
    has_suite_items: bool = False  # a selected gate / regression / waiver item


class SessionState:
    """Everything the plugin keeps for one pytest session (in config.stash)."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self._settings: Settings | None = None
        self.entries: dict[str, SuiteEntry] = {}
        self.outcomes: dict[str, SuiteOutcome] = {}
        self.shared_dir: Path | None = None  # pytest-xdist: the folder workers share
        self.report_paths: list[Path] = []
        self.report_error: str | None = None
        self.lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = settings(self.config)
        return self._settings

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    def select(self, items: list) -> None:
        """Record which cases of each suite were selected (after -k, -m, deselection)."""
        chosen: dict[str, set[str]] = {}
        for item in items:  # duck-typed: the item classes live in a lazily imported module
            kind, entry = getattr(item, "evalkit_kind", None), getattr(item, "entry", None)
            if kind is None or entry is None:
                continue
            if kind == "case":
                chosen.setdefault(entry.key, set()).add(item.case.id)
            else:
                entry.has_suite_items = True
                chosen.setdefault(entry.key, set())
        for key, ids in chosen.items():
            entry = self.entries[key]
            if not ids and entry.has_suite_items:  # only gates selected: they judge the suite
                ids = {c.id for c in entry.suite.cases}
            entry.selected = [c.id for c in entry.suite.cases if c.id in ids]

    def outcome(self, entry: SuiteEntry) -> SuiteOutcome:
        with self.lock:
            found = self.outcomes.get(entry.key)
            if found is None:
                if self.shared_dir is not None:
                    from .xdist import shared_outcome

                    found = shared_outcome(self.shared_dir, entry, self.settings)
                else:
                    found = run_entry(entry, self.settings)
                self.outcomes[entry.key] = found
            return found


def _run_coroutine(coro):
    """asyncio.run, also when the calling thread already runs an event loop."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target():
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the calling thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="evalkit-run")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def resolve_baseline(store, ref: str, suite_name: str) -> str:
    """The baseline run for this suite: a baseline name or label (its latest completed run
    of this suite), `baseline:NAME`, a run id or prefix. Runs of another suite are refused."""
    from ..store.run_refs import resolve_run

    return resolve_run(store, ref, suite=suite_name, completed=True)


def case_rows(store, run_id: str, suite) -> dict[str, tuple[SampleResult, ...]]:
    """Case id -> its samples, scores in the suite's scorer order."""
    from ..store.reads import case_results

    order = {s.name: i for i, s in enumerate(suite.scorers)}
    out: dict[str, list[SampleResult]] = {}
    for r in case_results(store, run_id):
        scores = sorted(r.scores, key=lambda s: order.get(s.scorer, len(order)))
        out.setdefault(r.case_id, []).append(SampleResult(
            r.sample, r.passed, r.error, r.output, r.cached,
            tuple(ScoreLine(s.scorer, s.passed, s.value, s.explanation) for s in scores)))
    return {case_id: tuple(samples) for case_id, samples in out.items()}


def run_entry(entry: SuiteEntry, config: Settings) -> SuiteOutcome:
    """Run the entry's selected cases and check its gates; failures become `error`."""
    suite = entry.suite
    outcome = SuiteOutcome(suite=suite.name, path=str(suite.path), model=config.model,
                           db=str(config.db))
    try:
        _run(entry, config, outcome)
    except Exception as exc:
        from ..errors import EvalkitError

        if isinstance(exc, EvalkitError):
            outcome.error = str(exc)
        else:
            outcome.error = "".join(traceback.format_exception(exc)).rstrip()
    return outcome


def _run(entry: SuiteEntry, config: Settings, outcome: SuiteOutcome) -> None:
    from ..errors import EvalkitError
    from ..runner import RunConfig, run_suite_async
    from ..store import Store
    from . import golden

    suite = entry.suite.sharded(config.shard) if config.shard is not None else entry.suite
    suite = suite.subset(entry.selected) if entry.selected else suite
    run_config = RunConfig(model=config.model, model_args=config.model_args, label=config.label,
                           db=str(config.db), cache=config.cache, progress=False,
                           executor=config.executor, ray_address=config.ray_address)
    with Store(config.db) as store:
        if config.baseline and config.shard is None:  # a shard is compared once merged
            try:
                outcome.baseline_run = resolve_baseline(store, config.baseline, suite.name)
            except EvalkitError as exc:
                outcome.baseline_error = str(exc)
        run_config = replace(run_config, batches=_batch_plan(store, suite, config, outcome))
        summary = _run_coroutine(run_suite_async(suite, run_config, store=store))
        outcome.run_id, outcome.model = summary.run_id, summary.model
        if summary.stop and summary.stop.get("stopped"):
            outcome.stop = summary.stop.get("text")
        outcome.cases = case_rows(store, summary.run_id, suite)
        samples = [s for rows in outcome.cases.values() for s in rows]
        outcome.counts = RunCounts(cases=len(outcome.cases), results=len(samples),
                                   passed=sum(s.passed for s in samples),
                                   errors=sum(s.error is not None for s in samples),
                                   cached=sum(s.cached for s in samples))
        if golden.golden_scorers(suite):
            outcome.golden = golden.check(suite, list(outcome.cases))
            if config.update_golden:
                statuses = golden.update(suite, outcome.cases)
                for case_id, status in statuses.items():
                    outcome.golden[case_id] = replace(
                        outcome.golden.get(case_id, golden.GoldenStatus()), update=status)
                outcome.golden_counts = golden.counts(statuses.values())
        _judge(store, suite, outcome, config)


def _batch_plan(store, suite, config: Settings, outcome: SuiteOutcome):
    """Budget caps and --evalkit-sequential (against the resolved baseline) for this suite."""
    from ..compare.sequential_judge import batch_plan
    from ..errors import UsageError
    from ..runner.batches import Budget

    if config.sequential and not config.baseline:
        raise UsageError("--evalkit-sequential stops when the comparison with a baseline is "
                         "decided: set --evalkit-baseline REF (or EVALKIT_BASELINE)")
    if config.sequential and config.shard is not None:
        raise UsageError("--evalkit-sequential compares a whole run with the baseline, not a "
                         "shard: drop --evalkit-shard or --evalkit-sequential")
    # a baseline that could not be resolved fails the regression item: run the suite whole
    sequential = config.sequential and outcome.baseline_run is not None
    return batch_plan(store, suite, outcome.baseline_run, sequential=sequential,
                      budget=Budget(*config.caps))


def _judge(store, suite, outcome: SuiteOutcome, config: Settings) -> None:
    """Gates (each on its own), expired waivers, the swap answer and summary rows."""
    from ..compare import compare
    from ..compare.diff import today_utc
    from ..gates import evaluate_gates
    from ..report.swap_answer import for_diff
    from ..suite.gate_spec import Policy

    policy, today = Policy.of(suite.spec), today_utc()
    if outcome.baseline_run is not None:
        diff = compare(store, outcome.baseline_run, outcome.run_id, policy=policy, worst=0,
                       noise=None, today=today, allow_subset=config.allow_subset or None)
        checked = evaluate_gates(diff=diff)
    else:
        checked = evaluate_gates(store, outcome.run_id, policy=policy, today=today)
    outcome.gates = [tuple(GateLine(r.gate, r.status, r.reason) for r in report.results)
                     for report in checked.each_gate()]
    outcome.waivers = [ExpiredWaiver(w.case, w.expires.isoformat(), w.reason)
                       for w in policy.expired_waivers(today)]
    diff = checked.diff
    if diff is None:
        outcome.metrics = [MetricLine(v.metric, v.n, v.value) for v in checked.values
                           if v.slice_key is None and v.stat == "pass_rate"]
        return
    cases = diff.cases
    outcome.pass_to_fail = [Flip(c.case_id, c.sample) for c in cases if c.status == "pass_to_fail"]
    outcome.metrics = [MetricLine(r.metric, r.n, r.candidate, r.baseline, r.delta, r.verdict,
                                  r.same_as)
                       for r in diff.metrics if r.overall and r.stat == "pass_rate"]
    regressed = [r for r in diff.regressions() if not r.is_duplicate]
    swap = for_diff(diff, checked.report)
    outcome.regression = Regression(
        regressed=tuple(_regressed_row(r) for r in regressed),
        fail_to_pass=sum(1 for c in cases if c.status == "fail_to_pass"),
        compared=len(cases), answer=swap.answer, reasons=tuple(swap.reasons),
        fails=(config.fail_on == "no" and swap.answer == "no")
        or (config.fail_on == "inconclusive" and swap.answer in ("no", "inconclusive")))


def _regressed_row(row: MetricRow) -> str:
    from ..readable import number, p_value, percent, pp, slice_text

    where = slice_text(row.slice_key, row.slice_value)
    name = row.metric if row.stat == "pass_rate" else f"{row.metric} ({row.stat})"
    if row.stat != "mean":
        numbers = f"{percent(row.baseline)} → {percent(row.candidate)} (Δ {pp(row.delta)}"
    else:
        numbers = (f"{number(row.baseline)} → {number(row.candidate)} "
                   f"(Δ {number(row.delta, signed=True)}")
    p = row.p_holm
    return f"{name} {where}: {numbers}" + (f", adjusted p={p_value(p, 3)})" if p is not None else ")")
