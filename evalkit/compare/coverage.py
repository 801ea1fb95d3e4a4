"""Every case counts: which cases and samples only one run has, and what they would cost.

A paired test sees only the (case, sample) pairs both runs have. A candidate that ran 5 of
the baseline's 200 cases, or only its easy ones, would look fine on those; so the swap
answer reads this record too. `imputed` is the primary pass rate over the paired cases
*plus* the cases only the baseline ran, counted as failures of the candidate: if even the
evidence of a loss there is significant, the answer is "no", else "inconclusive".
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..suite.gate_spec import OVERALL_METRIC
from .paired_rates import net_parts, score_test_p, tango_ci

SHOWN_IDS = 10  # case ids listed in a reason


@dataclass(frozen=True)
class Imputed:
    """A primary metric over paired cases plus baseline-only cases counted as failures."""

    metric: str
    n: int  # cases
    delta: float
    ci_low: float
    ci_high: float
    p: float  # two-sided score test of no change


@dataclass(frozen=True)
class Coverage:
    paired_cases: int
    baseline_only: tuple[str, ...]  # case ids the candidate did not run at all
    candidate_only: tuple[str, ...]  # case ids only the candidate ran
    unpaired_samples: int  # (case, sample) rows of paired cases that one run lacks
    partial: tuple[str, ...]  # paired cases with such samples
    identical_outputs: int = 0  # paired samples with the same output (and error) on both runs
    paired_samples: int = 0
    imputed: tuple[Imputed, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return not (self.baseline_only or self.candidate_only or self.unpaired_samples)

    @property
    def all_identical(self) -> bool:
        return self.paired_samples > 0 and self.identical_outputs == self.paired_samples


def ids_text(ids) -> str:
    shown = ", ".join(ids[:SHOWN_IDS])
    return shown + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


def _case_deltas(frame, passed_a: str, passed_b: str):
    """Per case: (paired delta or NaN, baseline pass fraction) from (case, sample) rows."""
    paired = frame["status"].isin(("pass_to_fail", "fail_to_pass", "still_passing",
                                   "still_failing"))
    a = frame[passed_a].astype("float64").fillna(0.0)
    b = frame[passed_b].astype("float64").fillna(0.0)
    work = frame.assign(a=a, b=b, d=(b - a).where(paired), base=a.where(frame["status"] != "new"))
    grouped = work.groupby("case_id", sort=True)
    return grouped["d"].mean(), grouped["base"].mean()


def imputed_row(metric: str, frame, baseline_only, alpha: float) -> Imputed | None:
    """The metric with the baseline-only cases as candidate failures (delta = −base rate)."""
    if frame is None or frame.empty:
        return None
    delta, base = _case_deltas(frame, "baseline_passed", "candidate_passed")
    # a case the scorer does not apply to (`when:`) has no score: left out, not a loss
    missing = base.reindex(list(baseline_only)).dropna().to_numpy()
    values = np.concatenate([delta.dropna().to_numpy(), -missing])
    if not len(values):
        return None
    b, c, n = net_parts(values)
    low, high = tango_ci(b, c, n, alpha)
    return Imputed(metric, n, (c - b) / n, low, high, score_test_p(b, c))


def coverage(cases, scores, primary: list[str], alpha: float,
             identical: tuple[int, int] = (0, 0)) -> Coverage:
    """The Coverage of a comparison from its case table (waived cases left out)."""
    kept = cases[~cases["waived"].astype(bool)] if len(cases) else cases
    if kept.empty:
        return Coverage(0, (), (), 0, (), *identical)
    flags = kept.assign(removed=kept["status"].eq("removed"), new=kept["status"].eq("new"))
    per = flags.groupby("case_id", sort=True).agg(rows=("status", "size"),
                                                  removed=("removed", "sum"), new=("new", "sum"))
    only_removed, only_new = per["removed"] == per["rows"], per["new"] == per["rows"]
    partial = (per["removed"] + per["new"] > 0) & ~only_removed & ~only_new
    partial_ids = tuple(str(c) for c in per.index[partial])
    unpaired = int((per["removed"] + per["new"])[partial].sum())
    baseline_only = tuple(str(c) for c in per.index[only_removed])
    imputed = []
    if baseline_only:
        for metric in primary:
            frame = kept if metric == OVERALL_METRIC else (
                scores[scores["scorer"] == metric] if len(scores) else None)
            row = imputed_row(metric, frame, baseline_only, alpha)
            if row is not None:
                imputed.append(row)
    return Coverage(int((~only_removed & ~only_new).sum()), baseline_only,
                    tuple(str(c) for c in per.index[only_new]), unpaired, partial_ids,
                    *identical, imputed=tuple(imputed))
