"""The top of a report in plain words: safe to swap?, what the candidate fixed and broke, the
worst slice, the cases that regressed most, and the change in cost and latency.

Each statement is a `Finding`: a plain sentence people read first, and the statistics behind
it (`detail`) for a tooltip or a details row. The same headline feeds the HTML report's top
and the model-swap changelog (changelog.py), so both say the same thing.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..compare.rows import CaseTransition, MetricRow
from ..compare.run_metrics import MetricValue
from ..compare.verdicts import IMPROVED, PRIMARY, REGRESSED, TANGO
from ..gates.evaluate import where
from ..readable import metric_label, p_value, pp, pp_interval, pp_size
from ..suite.gate_spec import OVERALL_METRIC
from .formatting import fmt_change, fmt_measure, fmt_pct, missing
from .swap_answer import NO, YES

GOOD, BAD, WARN, NEUTRAL = "good", "bad", "warn", "neutral"
REGRESSED_SHOWN = 3


@dataclass(frozen=True)
class Finding:
    text: str  # a plain sentence
    detail: str = ""  # the statistics behind it
    tone: str = NEUTRAL  # good | bad | warn | neutral


@dataclass(frozen=True)
class Tally:
    """What happened to each (case, sample) both runs have, waived ones left out."""
    fixed: int
    broke: int
    unchanged: int
    one_side: int  # run by one side only
    waived: int
    unit: str  # "cases", or "samples" when a run has several per case


@dataclass(frozen=True)
class Headline:
    answer: str  # the swap answer (yes | no | inconclusive)
    sentence: Finding  # the answer in words
    metrics: tuple[Finding, ...]  # each primary pass rate in words
    tally: Tally | None  # comparisons only
    worst_slice: Finding | None
    regressed: tuple[dict, ...]  # the worst pass→fail cases: id, sample, outputs, why
    cost: Finding | None
    latency: Finding | None


def _cases(row: MetricRow) -> str:
    n = row.n
    samples = row.samples or 1
    return f"{n} case{'s' if n != 1 else ''}" + (f" × {samples} samples" if samples > 1 else "")


def metric_name(row: MetricRow) -> str:
    return "pass rate" if row.metric == OVERALL_METRIC else metric_label(row.metric, row.stat)


def statistics(row: MetricRow, alpha: float) -> str:
    """The row's numbers as a statistician would say them: the details row / tooltip."""
    method = "Tango score" if row.interval == TANGO else "paired bootstrap"
    parts = [f"Δ {pp(row.delta)}"]
    if row.ci_low is not None:
        parts.append(f"{1 - alpha:.0%} {method} interval {pp_interval(row.ci_low, row.ci_high)} pp")
    if row.p is not None:
        parts.append(f"p = {p_value(row.p)}")
    if row.p_adj is not None:
        parts.append(f"adjusted p = {p_value(row.p_adj)} (graphical procedure, α {alpha:g})")
    if row.mde is not None:
        parts.append(f"MDE {pp(row.mde, signed=False)} at 80% power")
    if row.pass_to_fail is not None:
        parts.append(f"{row.pass_to_fail} pass→fail, {row.fail_to_pass} "
                     "fail→pass")
    parts.append(_cases(row))
    return "; ".join(parts)


def plain_change(row: MetricRow, alpha: float, margin: float) -> Finding:
    """One pass rate's change in words, e.g. "a drop of 20 pp, likely real but not yet
    proven with 9 cases — run more cases"."""
    delta, detail = row.delta, statistics(row, alpha) if row.delta is not None else ""
    name, cases = metric_name(row), _cases(row)
    if delta is None:
        return Finding(f"{name}: no case was run by both models", detail, WARN)
    low, high = row.ci_low, row.ci_high
    more = " — run more cases" if (row.samples or 1) == 1 else " — run more cases or samples"
    if row.verdict == REGRESSED:
        return Finding(f"{name}: a drop of {pp_size(delta)} over {cases}, a real regression "
                       "(too large to be chance)", detail, BAD)
    if row.verdict == IMPROVED:
        return Finding(f"{name}: a gain of {pp_size(delta)} over {cases}, a real improvement",
                       detail, GOOD)
    likely = (high is not None and high < 0) or (row.p is not None
                                                 and row.p < alpha and delta < 0)
    if delta < 0 and likely:
        return Finding(f"{name}: a drop of {pp_size(delta)}, likely real but not yet proven with "
                       f"{cases}{more}", detail, BAD)
    ruled_out = low is not None and low > -margin
    small_mde = row.mde is not None and row.mde <= margin + 1e-12
    if delta < 0:
        text = f"{name}: a drop of {pp_size(delta)} over {cases}, which could be chance"
    elif delta > 0:
        text = f"{name}: a gain of {pp_size(delta)} over {cases}, which could be chance"
    else:
        text = f"{name}: no change over {cases}"
    if ruled_out and small_mde:
        return Finding(f"{text}; a drop of more than {pp_size(margin)} is ruled out", detail, GOOD)
    if not ruled_out:
        drop = ("a larger drop" if delta < 0 else "a drop") + \
            ("" if low is None else f" (up to {pp_size(low)})")
        return Finding(f"{text}, but {drop} is not ruled out{more}", detail, WARN)
    return Finding(f"{text}, but with {cases} only changes over {pp_size(row.mde)} would show"
                   f"{more}", detail, WARN)


def answer_sentence(answer: str, kind: str, metrics: tuple[Finding, ...], reasons) -> Finding:
    """The answer in one sentence; the swap answer's own reasons are its detail."""
    detail = " · ".join(reasons)
    if kind != "swap":
        words = {YES: ("Every gate passed.", GOOD), NO: ("A gate failed.", BAD)}
        text, tone = words.get(answer, ("There is no gate a single run can check.", WARN))
        return Finding(text, detail, tone)
    if answer == YES:
        return Finding("Yes: the candidate is at least as good as the baseline — nothing "
                       "got worse beyond the swap margin.", detail, GOOD)
    if answer == NO:
        gates = [r for r in reasons if "gate failed: " in r]  # several suites: "suite: gate…"
        why = ("a gate failed" if gates and len(gates) == len(reasons)
               else "it is worse than the baseline")
        return Finding(f"No: {why}. Do not swap until the regressions below are fixed or "
                       "waived.", detail, BAD)
    unsure = next((f.text for f in metrics if f.tone in (WARN, BAD)), None)
    first = (reasons[0] if reasons else "") if unsure is None else unsure
    if "every case counts: " in first:
        first = "the two runs did not run the same cases"
    elif "identical" in first and "A/A" in first:
        first = "both runs are the same configuration with identical outputs"
    return Finding(f"Not yet: the evidence does not settle it ({first}).", detail, WARN)


def tally(cases: Sequence[CaseTransition], samples: int) -> Tally:
    """Counts from a Diff's case transitions."""
    count = Counter(c.status for c in cases if not c.waived)
    return Tally(fixed=count["fail_to_pass"], broke=count["pass_to_fail"],
                 unchanged=count["still_passing"] + count["still_failing"],
                 one_side=count["new"] + count["removed"],
                 waived=sum(1 for c in cases if c.waived),
                 unit="samples" if samples > 1 else "cases")


def _slices_of(rows: Sequence[MetricRow | MetricValue]) -> list:
    """The overall pass rate's slice rows, of slice keys with more than one value."""
    found = [r for r in rows if r.metric == OVERALL_METRIC and r.stat == "pass_rate"
             and r.slice_key is not None and r.n]
    values: dict = {}
    for r in found:
        values.setdefault(r.slice_key, set()).add(r.slice_value)
    return [r for r in found if len(values[r.slice_key]) > 1]  # one value is no slice


def worst_slice(rows: Sequence[MetricRow], alpha: float, margin: float) -> Finding | None:
    """The slice of `passed` that lost most in a comparison."""
    found = [r for r in _slices_of(rows) if r.delta is not None]
    if not found:
        return None
    row = min(found, key=lambda r: (r.delta, r.candidate, str(r.slice_value)))
    change = plain_change(row, alpha, margin)
    text = (f"{where(row)}: {fmt_pct(row.baseline, 0)} → {fmt_pct(row.candidate, 0)}; "
            + change.text.removeprefix("pass rate: "))
    return Finding(text, change.detail, change.tone if row.delta < 0 else NEUTRAL)


def lowest_slice(values: Sequence[MetricValue]) -> Finding | None:
    """The slice of `passed` that passes least in one run."""
    found = [r for r in _slices_of(values) if r.value is not None]
    if len(found) < 2:
        return None
    row = min(found, key=lambda r: (r.value, str(r.slice_value)))
    return Finding(f"{where(row)}: {fmt_pct(row.value, 0)} pass over {row.n} cases", "",
                   WARN if row.value < 1 else NEUTRAL)


def operation(rows: list[dict], measure: str, words: str, kind: str,
              compare: bool) -> Finding | None:
    """Cost or latency, before → after with the relative change (a rise is bad)."""
    row = next((r for r in rows if r["measure"] == measure), None)
    if row is None or (missing(row.get("candidate")) and missing(row.get("baseline"))):
        return None
    if not compare:
        return Finding(f"{words}: {fmt_measure(row['candidate'], kind)}")
    change = row.get("change")
    tone = NEUTRAL if missing(change) or abs(change) < 0.05 else BAD if change > 0 else GOOD
    said = "" if missing(change) else f" ({fmt_change(change)})"
    return Finding(f"{words}: {fmt_measure(row['baseline'], kind)} → "
                   f"{fmt_measure(row['candidate'], kind)}{said}", "", tone)


def for_input(inp, operations: list[dict]) -> Headline:
    """The headline of one suite's ReportInput (a Diff's metric rows, or a run's values).
    `operations`: its cost/latency rows."""
    settings = inp.policy.compare
    alpha, margin = settings.alpha, settings.swap_margin
    compare = inp.diff is not None
    metrics: tuple[Finding, ...] = ()
    counts, regressed = None, ()
    if compare:
        primary = [r for r in inp.diff.metrics if r.family == PRIMARY and r.overall
                   and not r.is_duplicate]
        metrics = tuple(plain_change(r, alpha, margin) for r in primary)
        samples = max(int(inp.run.samples or 1), int(inp.baseline.samples or 1))
        counts = tally(inp.diff.cases, samples)
        worst = inp.diff.worst
        if worst is not None and len(worst):
            regressed = tuple(r for r in worst.to_dict("records")
                              if r["status"] == "pass_to_fail")[:REGRESSED_SHOWN]
    swap = inp.verdict
    return Headline(
        answer=swap.answer,
        sentence=answer_sentence(swap.answer, swap.kind, metrics, swap.reasons),
        metrics=metrics, tally=counts,
        worst_slice=(worst_slice(inp.diff.metrics, alpha, margin) if compare
                     else lowest_slice(inp.values)),
        regressed=regressed,
        cost=operation(operations, "cost", "cost per result", "usd", compare),
        latency=operation(operations, "latency_p50", "median latency", "s", compare))


def finite(value) -> float | None:
    """A number for JSON (NaN and infinities become None)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
