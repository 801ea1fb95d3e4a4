"""The sequential test as the runner's BatchJudge: after each batch of the candidate's cases,
the anytime-valid paired test (sequential.py) of each primary metric against the baseline's
stored results decides regressed / non-inferior / go on.

Per case the paired difference is the candidate's pass rate minus the baseline's over the
samples both runs have (as compare aligns them); a case the baseline lacks, a waived case and
a score without a verdict are left out. With several primary metrics α is split equally:
"regressed" when any regressed, "non-inferior" when all are. The baseline's outputs come from
the store; scorers that score only at the end of a run (toxicity, pooled embeddings) are not
seen by the test.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Sequence

import numpy as np

from ..runner.batches import BatchPlan, Budget
from ..store import Store, analytics
from ..suite.gate_spec import OVERALL_METRIC, Policy
from ..types import Result
from .sequential import NON_INFERIOR, REGRESSED, BettingSequence

METHOD = "betting confidence sequence (Waudby-Smith & Ramdas 2024)"


def _baseline_values(store: Store, run_id: str, metric: str) -> dict[tuple[str, int], float]:
    rows = analytics.pass_values(store, run_id, metric)
    return {(c, int(s)): float(bool(p)) for c, s, p in rows if p is not None}


def _result_value(result: Result, metric: str) -> float | None:
    if metric == OVERALL_METRIC:
        return float(result.passed)
    for score in result.scores:
        if score.name == metric:
            return None if score.passed is None else float(bool(score.passed))
    return None if result.completion.ok else 0.0  # a failed call fails every scorer


class SequentialJudge:
    """Decides, batch by batch, whether the candidate regressed or is non-inferior."""

    def __init__(self, store: Store, baseline_run: str, policy: Policy,
                 today: date | None = None):
        from .diff import today_utc

        settings = policy.compare
        self.baseline_run, self.policy = baseline_run, policy
        self.metrics = list(dict.fromkeys(settings.primary))
        self.alpha = settings.alpha / len(self.metrics)
        waivers = policy.active_waivers(today or today_utc())
        self.waived = {m: {w.case for w in waivers if w.metric in (None, m)}
                       for m in self.metrics}
        self.baseline = {m: _baseline_values(store, baseline_run, m) for m in self.metrics}
        self.margins = {m: policy.margin_for(m, "pass_rate") for m in self.metrics}
        self.sequences = {m: BettingSequence(self.alpha, self.margins[m], settings.swap_margin)
                          for m in self.metrics}
        self.unpaired = {m: 0 for m in self.metrics}

    def start(self, store: Store, run_id: str, order: Sequence[str]) -> None:
        """The results a resumed run stored already, in the run's case order."""
        stored: dict[str, list] = defaultdict(list)
        for metric in self.metrics:
            for (case_id, sample), value in _baseline_values(store, run_id, metric).items():
                stored[case_id].append((metric, sample, value))
        if stored:
            self._add([c for c in order if c in stored], stored)

    def observe(self, results: Sequence[Result], order: Sequence[str]) -> None:
        values: dict[str, list] = defaultdict(list)
        for result in results:
            for metric in self.metrics:
                value = _result_value(result, metric)
                if value is not None:
                    values[result.case.id].append((metric, result.sample, value))
        self._add(list(order), values)

    def _add(self, order: list[str], values: dict[str, list]) -> None:
        for metric in self.metrics:
            base, deltas = self.baseline[metric], []
            for case_id in order:
                if case_id in self.waived[metric]:
                    continue
                paired = [v - base[(case_id, s)] for m, s, v in values.get(case_id, ())
                          if m == metric and (case_id, s) in base]
                if paired:
                    deltas.append(sum(paired) / len(paired))
                elif values.get(case_id):
                    self.unpaired[metric] += 1
            if deltas:
                self.sequences[metric].update(np.asarray(deltas)[None, :])

    def decision(self) -> str | None:
        found = [str(s.decisions()[0]) for s in self.sequences.values()]
        if REGRESSED in found:
            return REGRESSED
        if all(d == NON_INFERIOR for d in found):
            return NON_INFERIOR
        return None

    def record(self) -> dict:
        rows = []
        for metric, sequence in self.sequences.items():
            look = sequence.look()
            rows.append({"metric": metric, "n": look.n, "estimate": _num(look.estimate),
                         "low": _num(look.low), "high": _num(look.high),
                         "decision": look.decision, "margin": self.margins[metric],
                         "unpaired": self.unpaired[metric]})
        return {"method": METHOD, "alpha": self.policy.compare.alpha,
                "swap_margin": self.policy.compare.swap_margin,
                "baseline": self.baseline_run, "decision": self.decision(), "metrics": rows}


def _num(value: float) -> float | None:
    return None if value != value else round(float(value), 6)


def batch_plan(store: Store, suite, baseline_run: str | None, *, sequential: bool,
               budget: Budget, batch_cases: int | None = None) -> BatchPlan | None:
    """The run's batch plan: the CLI's or pytest's caps over the suite's `budget:` (key by
    key), and with `sequential` the judge against `baseline_run`; None when neither applies."""
    spec = getattr(suite.spec, "budget", None)
    if spec is not None:
        budget = Budget(*(given if given is not None else getattr(spec, name) for given, name
                          in ((budget.max_cost, "max_cost"), (budget.max_tokens, "max_tokens"),
                              (budget.max_calls, "max_calls"))))
        batch_cases = batch_cases or spec.batch
    if not sequential and not budget.given:
        return None
    judge = None
    if sequential:
        judge = SequentialJudge(store, baseline_run, Policy.of(suite.spec))
    return BatchPlan(batch_cases or BatchPlan.batch_cases, budget, judge)
