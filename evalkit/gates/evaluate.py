"""Gates: the suite's policy evaluated on one run (absolute thresholds, slice gaps) or on a
Diff (those on the candidate, plus regression, flips and cost/latency gates).

Fail closed: a gate whose metric or measure is missing from the data fails, saying so.
An expired waiver fails; a valid one has already left its case out of the numbers.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .. import readable
from ..compare.diff import Diff
from ..compare.rows import MetricRow
from ..compare.run_metrics import MetricValue
from ..compare.verdicts import REGRESSED
from ..readable import metric_label, number, percent, slice_text
from ..suite.gate_spec import ChangeGate, MetricGate, Policy, RegressionGate
from ..suite.human_spec import HUMAN_PREFIX

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True)
class GateResult:
    gate: str  # what the gate says, e.g. "exact ≥ 85.0%"
    status: str  # passed | failed | skipped
    reason: str  # the numbers behind the status


@dataclass(frozen=True)
class GateReport:
    results: tuple[GateResult, ...]

    @property
    def failed(self) -> list[GateResult]:
        return [r for r in self.results if r.status == FAILED]

    @property
    def ok(self) -> bool:
        return not self.failed


def fmt(value: float | None, stat: str) -> str:
    return percent(value, none="-") if stat == "pass_rate" else number(value, none="-")


def where(row: MetricRow | MetricValue) -> str:
    """'overall', or 'key=value' for a slice row of a metric table."""
    return slice_text(row.slice_key, row.slice_value)


def describe(gate) -> str:
    if isinstance(gate, MetricGate):
        name = metric_label(gate.metric, gate.stat)
        if gate.max_gap is not None:
            return f"{name}: gap across {gate.by} ≤ {fmt(gate.max_gap, gate.stat)}"
        where = f" in every {gate.by}" if gate.by else ""
        bounds = [f"≥ {fmt(gate.min, gate.stat)}"] if gate.min is not None else []
        bounds += [f"≤ {fmt(gate.max, gate.stat)}"] if gate.max is not None else []
        return f"{name}{where} {' and '.join(bounds)}"
    if isinstance(gate, RegressionGate):
        rule = gate.regression
        name = metric_label(rule.metric, rule.stat)
        if rule.max_flips is not None:
            return f"{name}: at most {rule.max_flips} pass→fail flips"
        return f"no regression in {name}" + (f" or any {rule.by}" if rule.by else "")
    return "max increase: " + ", ".join(f"{k} {v:+.0%}" for k, v in gate.max_increase.limits().items())


def _values(values: Sequence[MetricValue], metric: str, stat: str, by: str | None):
    return [v for v in values if v.metric == metric and v.stat == stat and v.slice_key == by
            and v.value is not None]


def _metric_gate(gate: MetricGate, values: Sequence[MetricValue]) -> GateResult:
    name, stat = describe(gate), gate.stat
    found = _values(values, gate.metric, stat, gate.by)
    if not found:
        what = f"no values of {metric_label(gate.metric, stat)}" + (f" by {gate.by}" if gate.by else "")
        if gate.metric.startswith(HUMAN_PREFIX):  # people rate after the run: not a failure yet
            return GateResult(name, SKIPPED, what + " yet: rate outputs with `evalkit review "
                              "export`, then `evalkit review import`")
        return GateResult(name, FAILED, what + " in the run")
    if gate.max_gap is not None:
        best, worst = max(found, key=lambda v: v.value), min(found, key=lambda v: v.value)
        gap = best.value - worst.value
        reason = (f"gap {fmt(gap, stat)}: {gate.by}={best.slice_value} {fmt(best.value, stat)}"
                  f" vs {gate.by}={worst.slice_value} {fmt(worst.value, stat)}")
        return GateResult(name, PASSED if gap <= gate.max_gap + 1e-12 else FAILED, reason)
    misses = [v for v in found if (gate.min is not None and v.value < gate.min - 1e-12)
              or (gate.max is not None and v.value > gate.max + 1e-12)]
    shown = misses or found
    label = (lambda v: f"{gate.by}={v.slice_value} ") if gate.by else (lambda v: "")
    reason = ", ".join(f"{label(v)}{fmt(v.value, stat)} (n={v.n}{_samples(v)})" for v in shown[:8])
    if len(shown) > 8:
        reason += f" and {len(shown) - 8} more"
    return GateResult(name, FAILED if misses else PASSED, reason)


def _samples(value: MetricValue) -> str:
    """n counts cases; several samples per case are said beside it."""
    return f" × {value.samples} samples" if getattr(value, "samples", 1) > 1 else ""


def _waiver_results(policy: Policy, today: date) -> Iterable[GateResult]:
    for waiver in policy.expired_waivers(today):
        yield GateResult(f"waiver for case {waiver.case}", FAILED,
                         f"expired on {waiver.expires.isoformat()} ({waiver.reason})")


def check_run(values: Sequence[MetricValue], policy: Policy, today: date) -> GateReport:
    """Gates that need only one run; the others are skipped (they need a baseline)."""
    results = []
    for gate in policy.gates:
        if isinstance(gate, MetricGate):
            results.append(_metric_gate(gate, values))
        else:
            results.append(GateResult(describe(gate), SKIPPED, "needs a baseline (--baseline NAME)"))
    results.extend(_waiver_results(policy, today))
    return GateReport(tuple(results))


def _regression_gate(gate: RegressionGate, diff: Diff) -> GateResult:
    rule, name = gate.regression, describe(gate)
    overall = diff.row(rule.metric, rule.stat)
    if overall is None:
        return GateResult(name, FAILED, f"{metric_label(rule.metric, rule.stat)} is not in both runs")
    if rule.max_flips is not None:
        flips = overall.pass_to_fail or 0
        return GateResult(name, PASSED if flips <= rule.max_flips else FAILED,
                          f"{flips} pass→fail, {overall.fail_to_pass or 0} fail→pass")
    rows = [overall, *(diff.rows_of(rule.metric, rule.stat, rule.by) if rule.by else ())]
    regressed = [r for r in rows if r.verdict == REGRESSED]
    if not regressed:
        return GateResult(name, PASSED, f"Δ {delta_text(overall)}, {overall.verdict}")
    return GateResult(name, FAILED, "; ".join(
        f"{where(r)} Δ {delta_text(r)} regressed"
        for r in regressed[:6]))


def delta_text(row: MetricRow) -> str:
    """A metric row's delta with its interval: '-12.5 pp [-20.0, -5.0]' (pass rates)."""
    return readable.delta_text(row.delta, row.stat, row.ci_low, row.ci_high)


def _change_gate(gate: ChangeGate, diff: Diff) -> list[GateResult]:
    ops = {r["measure"]: r for r in diff.operations.to_dict("records")}
    results = []
    for measure, limit in gate.max_increase.limits().items():
        name = f"{measure} at most {limit:+.0%}"
        row = ops[measure]
        change = row["change"]
        if change is None or (isinstance(change, float) and math.isnan(change)):
            results.append(GateResult(name, FAILED, f"no {measure} recorded on both runs"))
            continue
        reason = (f"{row['baseline']:.4g} → {row['candidate']:.4g} ({change:+.1%})"
                  if math.isfinite(change) else f"0 → {row['candidate']:.4g}")
        results.append(GateResult(name, PASSED if change <= limit + 1e-12 else FAILED, reason))
    return results


def check_diff(diff: Diff, *, strict: bool = False) -> GateReport:
    """Every gate of the Diff's policy: absolute ones on the candidate, the rest on the Diff."""
    results: list[GateResult] = []
    for gate in diff.policy.gates:
        if isinstance(gate, MetricGate):
            results.append(_metric_gate(gate, diff.candidate_values))
        elif isinstance(gate, RegressionGate):
            results.append(_regression_gate(gate, diff))
        else:
            results.extend(_change_gate(gate, diff))
    results.extend(_waiver_results(diff.policy, diff.today))
    if strict:
        changed = diff.else_changed()
        results.append(GateResult("--strict: nothing changed besides the model",
                                  FAILED if len(changed) else PASSED,
                                  ", ".join(changed["item"]) if len(changed) else "only the model"))
    return GateReport(tuple(results))
