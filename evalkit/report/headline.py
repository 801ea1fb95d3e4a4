"""The top of a report in plain words: safe to swap?, what the candidate fixed and broke, the
worst slice, the cases that regressed most, and the change in cost and latency.

Each statement is a `Finding`: a plain sentence people read first, and the statistics behind
it (`detail`) for a tooltip or a details row. The same headline feeds the HTML report's top
and the model-swap changelog (changelog.py), so both say the same thing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..compare.verdicts import IMPROVED, PRIMARY, REGRESSED, TANGO, records
from ..gates.evaluate import metric_label
from ..suite.gate_spec import OVERALL_METRIC
from .formatting import fmt_change, fmt_measure, fmt_pct, missing
from .verdict import NO, YES

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
    answer: str  # the verdict's answer (yes | no | inconclusive)
    sentence: Finding  # the answer in words
    metrics: tuple[Finding, ...]  # each primary pass rate in words
    tally: Tally | None  # comparisons only
    worst_slice: Finding | None
    regressed: tuple[dict, ...]  # the worst pass→fail cases: id, sample, outputs, why
    cost: Finding | None
    latency: Finding | None


def _pp(value: float) -> str:
    return f"{abs(value) * 100:.0f} pp" if abs(value) >= 0.0995 else f"{abs(value) * 100:.1f} pp"


def _cases(row: dict) -> str:
    n = int(row.get("n") or 0)
    samples = int(row.get("samples") or 1)
    return f"{n} case{'s' if n != 1 else ''}" + (f" × {samples} samples" if samples > 1 else "")


def metric_name(row: dict) -> str:
    return "pass rate" if row["metric"] == OVERALL_METRIC else metric_label(row["metric"],
                                                                           row["stat"])


def statistics(row: dict, alpha: float) -> str:
    """The row's numbers as a statistician would say them: the details row / tooltip."""
    method = "Tango score" if row.get("interval", TANGO) == TANGO else "paired bootstrap"
    parts = [f"Δ {row['delta'] * 100:+.1f} pp"]
    if not missing(row.get("ci_low")):
        parts.append(f"{1 - alpha:.0%} {method} interval [{row['ci_low'] * 100:+.1f}, "
                     f"{row['ci_high'] * 100:+.1f}] pp")
    if not missing(row.get("p")):
        parts.append(f"p = {row['p']:.2g}")
    if not missing(row.get("p_adj")):
        parts.append(f"adjusted p = {row['p_adj']:.2g} (graphical procedure, α {alpha:g})")
    if not missing(row.get("mde")):
        parts.append(f"MDE {row['mde'] * 100:.1f} pp at 80% power")
    if not missing(row.get("pass_to_fail")):
        parts.append(f"{int(row['pass_to_fail'])} pass→fail, {int(row['fail_to_pass'])} "
                     "fail→pass")
    parts.append(_cases(row))
    return "; ".join(parts)


def plain_change(row: dict, alpha: float, margin: float) -> Finding:
    """One pass rate's change in words, e.g. "a drop of 20 pp, likely real but not yet
    proven with 9 cases — run more cases"."""
    delta, detail = row.get("delta"), statistics(row, alpha) if not missing(row.get("delta")) else ""
    name, cases = metric_name(row), _cases(row)
    if missing(delta):
        return Finding(f"{name}: no case was run by both models", detail, WARN)
    low, high = row.get("ci_low"), row.get("ci_high")
    more = " — run more cases" if int(row.get("samples") or 1) == 1 else " — run more cases or samples"
    if row.get("verdict") == REGRESSED:
        return Finding(f"{name}: a drop of {_pp(delta)} over {cases}, a real regression "
                       "(too large to be chance)", detail, BAD)
    if row.get("verdict") == IMPROVED:
        return Finding(f"{name}: a gain of {_pp(delta)} over {cases}, a real improvement",
                       detail, GOOD)
    likely = (not missing(high) and high < 0) or (not missing(row.get("p"))
                                                 and row["p"] < alpha and delta < 0)
    if delta < 0 and likely:
        return Finding(f"{name}: a drop of {_pp(delta)}, likely real but not yet proven with "
                       f"{cases}{more}", detail, BAD)
    ruled_out = not missing(low) and low > -margin
    small_mde = not missing(row.get("mde")) and row["mde"] <= margin + 1e-12
    if delta < 0:
        text = f"{name}: a drop of {_pp(delta)} over {cases}, which could be chance"
    elif delta > 0:
        text = f"{name}: a gain of {_pp(delta)} over {cases}, which could be chance"
    else:
        text = f"{name}: no change over {cases}"
    if ruled_out and small_mde:
        return Finding(f"{text}; a drop of more than {_pp(margin)} is ruled out", detail, GOOD)
    if not ruled_out:
        drop = ("a larger drop" if delta < 0 else "a drop") + \
            ("" if missing(low) else f" (up to {_pp(low)})")
        return Finding(f"{text}, but {drop} is not ruled out{more}", detail, WARN)
    return Finding(f"{text}, but with {cases} only changes over {_pp(row['mde'])} would show"
                   f"{more}", detail, WARN)


def answer_sentence(answer: str, kind: str, metrics: tuple[Finding, ...], reasons) -> Finding:
    """The answer in one sentence; the verdict's own reasons are its detail."""
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


def tally(cases, samples: int) -> Tally:
    """Counts from a Diff's `cases` table."""
    waived = cases["waived"].fillna(False).astype(bool)
    status = cases.loc[~waived, "status"]
    count = status.value_counts().to_dict()
    return Tally(fixed=int(count.get("fail_to_pass", 0)), broke=int(count.get("pass_to_fail", 0)),
                 unchanged=int(count.get("still_passing", 0) + count.get("still_failing", 0)),
                 one_side=int(count.get("new", 0) + count.get("removed", 0)),
                 waived=int(waived.sum()), unit="samples" if samples > 1 else "cases")


def worst_slice(rows: list[dict], alpha: float, margin: float, compare: bool) -> Finding | None:
    """The slice of `passed` that lost most (a comparison) or passes least (one run)."""
    found = [r for r in rows if r["metric"] == OVERALL_METRIC and r["stat"] == "pass_rate"
             and not missing(r.get("slice_key")) and r.get("n")]
    values: dict = {}
    for r in found:
        values.setdefault(r["slice_key"], set()).add(r["slice_value"])
    found = [r for r in found if len(values[r["slice_key"]]) > 1]  # one value is no slice
    if compare:
        found = [r for r in found if not missing(r.get("delta"))]
        if not found:
            return None
        row = min(found, key=lambda r: (r["delta"], r["candidate"], str(r["slice_value"])))
        where = f"{row['slice_key']}={row['slice_value']}"
        change = plain_change(row, alpha, margin)
        text = (f"{where}: {fmt_pct(row['baseline'], 0)} → {fmt_pct(row['candidate'], 0)}; "
                + change.text.removeprefix("pass rate: "))
        return Finding(text, change.detail, change.tone if row["delta"] < 0 else NEUTRAL)
    found = [r for r in found if not missing(r.get("value"))]
    if len(found) < 2:
        return None
    row = min(found, key=lambda r: (r["value"], str(r["slice_value"])))
    return Finding(f"{row['slice_key']}={row['slice_value']}: {fmt_pct(row['value'], 0)} pass "
                   f"over {int(row['n'])} cases", "", WARN if row["value"] < 1 else NEUTRAL)


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


def for_input(inp, operations: list[dict], metric_rows: list[dict]) -> Headline:
    """The headline of one suite's ReportInput. `operations`: its cost/latency rows;
    `metric_rows`: the metric table as records (a Diff's, or a run's values)."""
    settings = inp.policy.compare
    alpha, margin = settings.alpha, settings.swap_margin
    compare = inp.diff is not None
    metrics: tuple[Finding, ...] = ()
    counts, regressed = None, ()
    if compare:
        primary = [r for r in records(inp.diff.metrics) if r["family"] == PRIMARY
                   and missing(r.get("slice_key")) and missing(r.get("same_as"))]
        metrics = tuple(plain_change(r, alpha, margin) for r in primary)
        samples = max(int(inp.run.samples or 1), int(inp.baseline.samples or 1))
        counts = tally(inp.diff.cases, samples)
        worst = inp.diff.worst
        if worst is not None and len(worst):
            regressed = tuple(r for r in worst.to_dict("records")
                              if r["status"] == "pass_to_fail")[:REGRESSED_SHOWN]
    verdict = inp.verdict
    return Headline(
        answer=verdict.answer,
        sentence=answer_sentence(verdict.answer, verdict.kind, metrics, verdict.reasons),
        metrics=metrics, tally=counts,
        worst_slice=worst_slice(metric_rows, alpha, margin, compare),
        regressed=regressed,
        cost=operation(operations, "cost", "cost per result", "usd", compare),
        latency=operation(operations, "latency_p50", "median latency", "s", compare))


def finite(value) -> float | None:
    """A number for JSON (NaN and infinities become None)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
