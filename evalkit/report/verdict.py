""""Safe to swap?" — one answer (yes / no / inconclusive) with the reasons behind it.

no: a gate failed, or a metric (overall or in a slice) regressed beyond its margin.
inconclusive: nothing failed, but the data cannot rule out a regression that matters
  (the overall pass rate's minimum detectable effect exceeds its margin, or there is no data).
yes: every gate passed, nothing regressed, and the comparison had the power to see it.
A single run has no comparison: yes / no by its gates, inconclusive when it has none.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

YES, NO, INCONCLUSIVE = "yes", "no", "inconclusive"


@dataclass(frozen=True)
class SwapVerdict:
    answer: str  # yes | no | inconclusive
    reasons: tuple[str, ...]

    @property
    def headline(self) -> str:
        return {YES: "Safe to swap: yes", NO: "Safe to swap: no",
                INCONCLUSIVE: "Safe to swap: inconclusive"}[self.answer]


def _pp(value: float) -> str:
    return f"{value * 100:+.1f} pp"


def _where(row: dict) -> str:
    key = row.get("slice_key")
    if key is None or key != key:  # None or NaN: the overall row
        return "overall"
    return f"{key}={row.get('slice_value')}"


def _metric_name(row: dict) -> str:
    return row["metric"] if row["stat"] == "pass_rate" else f"{row['metric']} (mean)"


def _delta_text(row: dict) -> str:
    if row["stat"] == "pass_rate":
        text = _pp(row["delta"])
        if row["ci_low"] == row["ci_low"]:
            text += f" [{_pp(row['ci_low'])}, {_pp(row['ci_high'])}]"
        return text
    return f"{row['delta']:+.4g}"


def for_diff(diff, gate_report) -> SwapVerdict:
    """The answer for a comparison (a compare.Diff and its gates.GateReport)."""
    reasons: list[str] = []
    failed = list(gate_report.failed)
    for gate in failed:
        reasons.append(f"gate failed: {gate.gate} — {gate.reason}")
    regressed = diff.regressions()
    regressed = regressed[regressed["same_as"].isna()] if "same_as" in regressed else regressed
    for row in regressed.to_dict("records")[:10]:
        reasons.append(f"regressed: {_metric_name(row)} {_where(row)} {_delta_text(row)}")
    if len(regressed) > 10:
        reasons.append(f"… and {len(regressed) - 10} more regressed metrics")
    if failed or len(regressed):
        return SwapVerdict(NO, tuple(reasons))
    overall = diff.row()
    if overall is None or not overall.get("n"):
        return SwapVerdict(INCONCLUSIVE, ("no case was run by both models",))
    mde, margin = overall.get("mde"), overall.get("margin") or 0.0
    flips = (f"{int(overall['pass_to_fail'])} pass→fail, "
             f"{int(overall['fail_to_pass'])} fail→pass")
    if overall["verdict"] == "improved":
        reasons.append(f"pass rate improved {_delta_text(overall)} ({flips})")
    if mde is not None and not (isinstance(mde, float) and math.isnan(mde)) and mde > margin \
            and overall["verdict"] != "improved":
        reasons.append(
            f"pass rate {_delta_text(overall)} ({flips}) over {int(overall['n'])} cases: "
            f"too few to rule out a drop of up to {mde * 100:.1f} pp (margin "
            f"{margin * 100:.1f} pp); run more cases or samples")
        reasons.extend(_passed_gates(gate_report))
        return SwapVerdict(INCONCLUSIVE, tuple(reasons))
    if overall["verdict"] != "improved":
        reasons.append(f"no metric regressed (pass rate {_delta_text(overall)}, {flips})")
    reasons.extend(_passed_gates(gate_report))
    return SwapVerdict(YES, tuple(reasons))


def for_run(gate_report) -> SwapVerdict:
    """The answer for a single run: its absolute gates."""
    failed = list(gate_report.failed)
    if failed:
        return SwapVerdict(NO, tuple(f"gate failed: {g.gate} — {g.reason}" for g in failed))
    judged = [g for g in gate_report.results if g.status == "passed"]
    if not judged:
        return SwapVerdict(INCONCLUSIVE, ("the suite has no gate that a single run can check; "
                                          "compare with a baseline run",))
    return SwapVerdict(YES, tuple(_passed_gates(gate_report)))


def _passed_gates(gate_report) -> list[str]:
    passed = [g for g in gate_report.results if g.status == "passed"]
    if not gate_report.results:
        return ["the suite defines no gates"]
    return [f"{len(passed)} of {len(gate_report.results)} gates passed"]
