""""Safe to swap?" — one answer (yes / no / inconclusive) with the reasons behind it.

no: a gate failed, or a metric (overall or in a slice) regressed beyond its margin.
inconclusive: nothing failed, but the overall pass rate's interval does not rule out a drop
  larger than the margin (non-inferiority not shown), or there is no data.
yes: every gate passed, nothing regressed, and the interval rules out a drop beyond the margin.
A single run has no comparison: yes / no by its gates, inconclusive when it has none.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..gates.evaluate import delta_text, metric_label, where

YES, NO, INCONCLUSIVE = "yes", "no", "inconclusive"


@dataclass(frozen=True)
class SwapVerdict:
    answer: str  # yes | no | inconclusive
    reasons: tuple[str, ...]

    @property
    def headline(self) -> str:
        return {YES: "Safe to swap: yes", NO: "Safe to swap: no",
                INCONCLUSIVE: "Safe to swap: inconclusive"}[self.answer]


def for_diff(diff, gate_report) -> SwapVerdict:
    """The answer for a comparison (a compare.Diff and its gates.GateReport)."""
    reasons: list[str] = []
    failed = list(gate_report.failed)
    for gate in failed:
        reasons.append(f"gate failed: {gate.gate} — {gate.reason}")
    regressed = diff.regressions()
    regressed = regressed[regressed["same_as"].isna()] if "same_as" in regressed else regressed
    for row in regressed.to_dict("records")[:10]:
        reasons.append(f"regressed: {metric_label(row['metric'], row['stat'])} {where(row)} {delta_text(row)}")
    if len(regressed) > 10:
        reasons.append(f"… and {len(regressed) - 10} more regressed metrics")
    if failed or len(regressed):
        return SwapVerdict(NO, tuple(reasons))
    overall = diff.row()
    if overall is None or not overall.get("n"):
        return SwapVerdict(INCONCLUSIVE, ("no case was run by both models",))
    margin = overall.get("margin") or 0.0
    low, mde = overall.get("ci_low"), overall.get("mde")
    flips = (f"{int(overall['pass_to_fail'])} pass→fail, "
             f"{int(overall['fail_to_pass'])} fail→pass")
    if overall["verdict"] == "improved":
        reasons.append(f"pass rate improved {delta_text(overall)} ({flips})")
    # Non-inferiority: "yes" needs the interval to rule out a drop larger than the margin.
    if low is None or _nan(low) or low < -margin - 1e-12:
        drop = "" if low is None or _nan(low) else f"a drop of up to {-low * 100:.1f} pp"
        power = ("" if mde is None or _nan(mde) else
                 f"; with {int(overall['n'])} cases only changes over {mde * 100:.1f} pp are "
                 "detectable — run more cases or samples")
        high = overall.get("ci_high")
        if high is not None and not _nan(high) and high < -margin:  # a drop, not yet significant
            reasons.append(f"pass rate {delta_text(overall)} ({flips}): a drop, but not "
                           f"significant over {int(overall['n'])} cases (Holm-adjusted p = "
                           f"{overall['p_holm']:.2g}); run more cases or samples to confirm it")
        else:
            reasons.append(f"pass rate {delta_text(overall)} ({flips}): {drop or 'no interval'}"
                           f" is not ruled out (margin {margin * 100:.1f} pp){power}")
        reasons.extend(_passed_gates(gate_report))
        return SwapVerdict(INCONCLUSIVE, tuple(reasons))
    if overall["verdict"] != "improved":
        reasons.append(f"no metric regressed (pass rate {delta_text(overall)}, {flips})")
    reasons.extend(_passed_gates(gate_report))
    return SwapVerdict(YES, tuple(reasons))


def _nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


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


def combine(verdicts: list[tuple[str, SwapVerdict]], unpaired: list[str] = ()) -> SwapVerdict:
    """One answer for several suites: no if any says no, else inconclusive if any is (or a
    suite was run on one side only), else yes. Reasons name their suite."""
    if len(verdicts) == 1 and not unpaired:
        return verdicts[0][1]
    answers = [v.answer for _, v in verdicts]
    answer = (NO if NO in answers else INCONCLUSIVE if INCONCLUSIVE in answers or unpaired
              else YES)
    reasons = [f"{suite}: {reason}" for suite, v in verdicts if v.answer == answer
               for reason in v.reasons]
    if answer == YES:
        reasons = [f"{suite}: {v.reasons[0]}" for suite, v in verdicts if v.reasons]
    return SwapVerdict(answer, tuple(list(unpaired) + reasons))
