""""Safe to swap?" — one answer (yes / no / inconclusive) with the reasons behind it.

no: a gate failed; a metric regressed (overall, in a slice, or the error rate rose); or,
  counting the cases the candidate did not run as its failures, the primary pass rate
  dropped significantly.
inconclusive: nothing failed, but "yes" is not shown: a case or sample was run on one side
  only (`allow_subset` compares the common cases on purpose); both runs are the same
  configuration with identical outputs (A/A: nothing to compare); or for a primary pass
  rate the interval does not rule out a drop beyond the swap margin, or the suite could not
  detect a drop that large (MDE > margin).
yes: every gate passed, nothing regressed, every case counted, and for each primary pass rate
  the interval rules out a drop beyond the swap margin with an MDE within it.
A single run has no comparison: its headline is about its gates (passed / failed / none).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..compare.coverage import Coverage, ids_text
from ..compare.rows import MetricRow
from ..compare.sequential import NON_INFERIOR
from ..compare.verdicts import IMPROVED, PRIMARY, REGRESSED, TANGO
from ..gates.evaluate import delta_text, where
from ..readable import metric_label, p_value, pp, pp_interval
from ..suite.gate_spec import Policy

YES, NO, INCONCLUSIVE = "yes", "no", "inconclusive"
SWAP, GATES = "swap", "gates"
GATE_WORDS = {YES: "passed", NO: "failed", INCONCLUSIVE: "none to check"}


@dataclass(frozen=True)
class SwapAnswer:
    answer: str  # yes | no | inconclusive
    reasons: tuple[str, ...]
    kind: str = SWAP  # swap: a comparison; gates: a single run, judged by its gates

    @property
    def word(self) -> str:
        """What the headline says: the answer, or for a single run its gates' state."""
        return self.answer if self.kind == SWAP else GATE_WORDS[self.answer]

    @property
    def headline(self) -> str:
        return f"Safe to swap: {self.answer}" if self.kind == SWAP else f"Gates: {self.word}"


def _unsigned_pp(value: float) -> str:
    return pp(value, signed=False)


def _interval_name(row: MetricRow, alpha: float) -> str:
    method = "Tango score" if row.interval == TANGO else "paired bootstrap"
    return f"{1 - alpha:.0%} {method} interval"


def for_diff(diff, gate_report) -> SwapAnswer:
    """The answer for a comparison (a compare.Diff and its gates.GateReport), told to the
    log and the hooks (comparison_made)."""
    found = answer(diff.metrics, policy=diff.policy, gate_report=gate_report,
                   coverage=diff.coverage, same_configuration=diff.same_configuration,
                   stop=getattr(diff, "stop", None), baseline_id=diff.baseline_id)
    from .comparison_event import announce

    announce(diff, found)
    return found


def answer(metrics: Sequence[MetricRow], *, policy: Policy, gate_report=None, coverage: Coverage | None = None,
           same_configuration: bool = False, stop=None, baseline_id: str | None = None
           ) -> SwapAnswer:
    """The answer from a comparison's metric rows (compare.rows), its gates, the cases only
    one run has and whether both runs are one configuration. The calibration simulation
    (benchmarks/) calls this with the rows of simulated tables."""
    settings = policy.compare
    reasons = [f"gate failed: {g.gate} — {g.reason}" for g in (gate_report.failed if gate_report
                                                                 else [])]
    rows = list(metrics)
    regressed = [r for r in rows if r.verdict == REGRESSED and not r.is_duplicate]
    for row in regressed[:10]:
        reasons.append(f"regressed: {metric_label(row.metric, row.stat)} {where(row)} "
                       f"{delta_text(row)}")
    if len(regressed) > 10:
        reasons.append(f"… and {len(regressed) - 10} more regressed metrics")
    # a run stopped early (sequential test, budget): the numbers cover the cases that ran
    sequential = stop.decided_against(baseline_id) if stop is not None else None
    caveat = [stop.caveat(headline=sequential is None)] if stop and stop.stopped else []
    if sequential == REGRESSED:  # the anytime-valid test on the primary metric decided
        reasons.insert(0, f"{stop.headline()} ({stop.intervals()})")
    notes, blockers, losses = _coverage(coverage, rows, settings)
    notes = caveat + notes
    reasons.extend(losses)
    if reasons:
        return SwapAnswer(NO, tuple(reasons + caveat))
    primary = [r for r in rows if r.family == PRIMARY and not r.is_duplicate and r.overall]
    if not primary or not any(row.n for row in primary):
        return SwapAnswer(INCONCLUSIVE, tuple(blockers + ["no case was run by both models"]
                                               + notes + _passed_gates(gate_report)))
    if same_configuration and coverage is not None and coverage.all_identical:
        blockers.append(f"both runs are the same configuration and all {coverage.paired_samples}"
                        " paired outputs are identical (an A/A rerun, e.g. served from the "
                        "cache): nothing to compare — change the model or setup, or rerun "
                        "with --no-cache to measure the noise")
    shown = []
    if sequential == NON_INFERIOR:  # ruled out at every look: no fixed-n MDE needed
        shown.append(f"{stop.headline()}: a drop beyond the swap margin "
                     f"{_unsigned_pp(settings.swap_margin)} is ruled out ({stop.intervals()})")
        primary = []
    for row in primary:
        good, text = _non_inferior(row, settings)
        (shown if good else blockers).append(text)
    if blockers:
        return SwapAnswer(INCONCLUSIVE, tuple(blockers + notes + _passed_gates(gate_report)))
    tested = sum(1 for r in rows if r.p_adj is not None and not r.is_duplicate)
    shown.append(f"no metric regressed ({tested} tests, family-wise α {settings.alpha:g})")
    if same_configuration:
        shown.append("both runs are the same configuration (an A/A rerun)")
    return SwapAnswer(YES, tuple(shown + notes + _passed_gates(gate_report)))


def _non_inferior(row: MetricRow, settings) -> tuple[bool, str]:
    """Whether one primary pass rate shows the swap is safe, and why (or why not)."""
    margin, alpha = settings.swap_margin, settings.alpha
    name = "pass rate" if row.metric == "passed" else f"{row.metric} pass rate"
    flips = (f"{row.pass_to_fail} pass→fail, {row.fail_to_pass} fail→pass"
             if row.pass_to_fail is not None else "")
    samples = row.samples or 1
    cases = f"{row.n} cases" + (f" × {samples} samples" if samples > 1 else "")
    head = f"{name} Δ {delta_text(row)} ({_interval_name(row, alpha)}; {cases}; {flips})"
    low, high, mde = row.ci_low, row.ci_high, row.mde
    if row.verdict == IMPROVED:
        head += ": improved"
    if low is None or low <= -margin:
        if high is not None and high < 0:
            return False, (f"{head}: a drop, not significant after adjustment (p {p_value(row.p_adj)}) "
                           f"— run more cases or samples to confirm it")
        drop = "a drop" if low is None else f"a drop of up to {_unsigned_pp(-low)}"
        return False, f"{head}: {drop} is not ruled out (swap margin {_unsigned_pp(margin)})"
    if mde is None:
        return False, (f"{head}: with {cases} no change of any size is detectable (swap "
                       f"margin {_unsigned_pp(margin)}) — run more cases or samples")
    if mde > margin + 1e-12:
        return False, (f"{head}: with {cases} only changes over {_unsigned_pp(mde)} are detectable, more "
                       f"than the swap margin {_unsigned_pp(margin)} — run more cases or samples")
    return True, (f"{head}: a drop beyond the swap margin {_unsigned_pp(margin)} is ruled out, and the "
                  f"suite detects a {_unsigned_pp(mde)} change (MDE)")


def _coverage(coverage: Coverage | None, rows: list[MetricRow], settings) -> tuple[list, list, list]:
    """(notes, what blocks "yes", losses that make it "no") for cases only one run has."""
    if coverage is None or coverage.complete:
        return [], [], []
    parts = []
    if coverage.baseline_only:
        parts.append(f"{len(coverage.baseline_only)} case(s) run by the baseline only "
                     f"({ids_text(coverage.baseline_only)})")
    if coverage.candidate_only:
        parts.append(f"{len(coverage.candidate_only)} case(s) run by the candidate only "
                     f"({ids_text(coverage.candidate_only)})")
    if coverage.unpaired_samples:
        parts.append(f"{coverage.unpaired_samples} sample(s) of {len(coverage.partial)} case(s) "
                     f"run by one side only ({ids_text(coverage.partial)})")
    what = "; ".join(parts)
    if settings.allow_subset:
        return [f"compared the {coverage.paired_cases} cases both runs have (allow subset); "
                f"left out: {what}"], [], []
    blocker = (f"every case counts: {what} — run both on the same cases and samples, or "
               "compare the common ones on purpose with --allow-subset (compare.allow_subset)")
    levels = {r.metric: r.level for r in rows if r.family == PRIMARY and r.overall}
    losses = []
    for imputed in coverage.imputed:
        level = levels.get(imputed.metric, settings.alpha)
        if level is not None and imputed.p < level and imputed.ci_high < 0:
            losses.append(f"every case counts: {what}; counted as the candidate's failures, "
                          f"the {imputed.metric} pass rate drops {_unsigned_pp(-imputed.delta)} "
                          f"{pp_interval(imputed.ci_low, imputed.ci_high)} over "
                          f"{imputed.n} cases: a loss")
    return [], [blocker], losses


def for_run(gate_report) -> SwapAnswer:
    """A single run's headline: its absolute gates, not a swap."""
    failed = list(gate_report.failed)
    if failed:
        return SwapAnswer(NO, tuple(f"gate failed: {g.gate} — {g.reason}" for g in failed), GATES)
    judged = [g for g in gate_report.results if g.status == "passed"]
    if not judged:
        return SwapAnswer(INCONCLUSIVE, ("the suite has no gate that a single run can check; "
                                          "compare with a baseline run to ask whether it is "
                                          "safe to swap",), GATES)
    return SwapAnswer(YES, tuple(_passed_gates(gate_report)), GATES)


def _passed_gates(gate_report) -> list[str]:
    if gate_report is None:
        return []
    passed = [g for g in gate_report.results if g.status == "passed"]
    if not gate_report.results:
        return ["the suite defines no gates"]
    return [f"{len(passed)} of {len(gate_report.results)} gates passed"]


def combine(answers: list[tuple[str, SwapAnswer]], unpaired: list[str] = ()) -> SwapAnswer:
    """One answer for several suites: no if any says no, else inconclusive if any is (or a
    suite was run on one side only), else yes. Reasons name their suite."""
    if len(answers) == 1 and not unpaired:
        return answers[0][1]
    kind = answers[0][1].kind if answers else SWAP
    words = [v.answer for _, v in answers]
    result = (NO if NO in words else INCONCLUSIVE if INCONCLUSIVE in words or unpaired
              else YES)
    reasons = [f"{suite}: {reason}" for suite, v in answers if v.answer == result
               for reason in v.reasons]
    if result == YES:
        reasons = [f"{suite}: {v.reasons[0]}" for suite, v in answers if v.reasons]
    return SwapAnswer(result, tuple(list(unpaired) + reasons), kind)
