"""One test per metric × slice, Holm across all of them, and a verdict for each.

- pass rates with one sample per case: exact McNemar on the pass→fail / fail→pass counts;
- mean scores, and pass rates with several samples (per-case pass rates): a sign-flip test
  on the per-case deltas (cases, not samples, are the independent units);
- every row: a seeded paired bootstrap interval of the mean delta (cases resampled);
- verdict: `regressed` when the Holm-adjusted p < alpha and the whole interval lies below
  −margin; `improved` symmetrically; otherwise `no detectable change`, with the minimum
  detectable effect (80 % power, Bonferroni alpha / tests: Holm's strictest step).
"""
from __future__ import annotations

import math
import time

import numpy as np

from ..suite.gate_spec import OVERALL_METRIC, Policy
from . import stats
from .align import Alignment

REGRESSED, IMPROVED, NO_CHANGE, NO_DATA = ("regressed", "improved", "no detectable change",
                                           "no data")


class _Deltas:
    """Per-case deltas of each metric, fetched once per metric when a row needs them."""

    def __init__(self, alignment: Alignment):
        self.alignment = alignment
        self.frames: dict = {}

    def get(self, metric: str, stat: str, slice_key, slice_value) -> np.ndarray:
        frame = self.frames.get((metric, stat))
        if frame is None:
            frame = self.frames[(metric, stat)] = self.alignment.unit_deltas(metric, stat)
        if slice_key is None:
            return frame["delta"].to_numpy(dtype=np.float64)
        column = f"s{self.alignment.slice_keys.index(slice_key)}"
        return frame.loc[frame[column] == slice_value, "delta"].to_numpy(dtype=np.float64)


def _flip_deltas(n: int, pass_to_fail: int, fail_to_pass: int) -> np.ndarray:
    """The per-case deltas of a one-sample pass rate, rebuilt from its counts."""
    return np.repeat([-1.0, 0.0, 1.0], [pass_to_fail, n - pass_to_fail - fail_to_pass, fail_to_pass])


def verdict(p_holm: float, low: float, high: float, margin: float, alpha: float) -> str:
    if math.isnan(p_holm):  # nothing was tested
        return NO_DATA
    if p_holm < alpha and high < -margin:
        return REGRESSED
    if p_holm < alpha and low > margin:
        return IMPROVED
    return NO_CHANGE


def metric_table(alignment: Alignment, policy: Policy, resamples: int | None = None,
                 timings: dict | None = None):
    """The metrics × slices table of a comparison, as a DataFrame."""
    settings = policy.compare
    alpha, seed = settings.alpha, settings.seed
    resamples = resamples or settings.resamples
    table = alignment.groups()
    deltas = _Deltas(alignment)
    spent = 0.0
    same = alignment.same_as_overall()
    # A Monte Carlo p-value is at least 1 / (resamples + 1); Holm's first step needs
    # alpha / tests, so sign-flip tests draw enough resamples to reach it twice over.
    family = int(((table["n"] > 0) & ~(table["metric"].isin(same)
                                       & (table["stat"] == "pass_rate"))).sum())
    flips = max(resamples, math.ceil(2 * family / alpha))
    tests, pvalues, lows, highs = [], [], [], []
    for row in table.itertuples(index=False):
        key = (row.metric, row.stat, row.slice_key, row.slice_value)
        one_sample_rate = row.stat == "pass_rate" and row.samples == 1
        tests.append("mcnemar" if one_sample_rate else "sign-flip")
        if row.stat == "pass_rate" and row.metric in same:  # takes the `passed` row's numbers
            pvalues.append(math.nan)
            lows.append(math.nan)
            highs.append(math.nan)
            continue
        if one_sample_rate:
            values = _flip_deltas(int(row.n), int(row.pass_to_fail), int(row.fail_to_pass))
            pvalues.append(stats.mcnemar_exact(row.pass_to_fail, row.fail_to_pass))
            started = time.perf_counter()
        else:
            values = deltas.get(row.metric, row.stat, row.slice_key, row.slice_value)
            started = time.perf_counter()
            pvalues.append(stats.sign_flip_p(values, flips, stats.rng_for(seed, "p", *key)))
        low, high = stats.bootstrap_ci(values, alpha, resamples, stats.rng_for(seed, "ci", *key))
        spent += time.perf_counter() - started
        lows.append(low)
        highs.append(high)
    table["test"] = tests
    table["p"] = pvalues
    table["ci_low"], table["ci_high"] = lows, highs
    table["same_as"] = _same_as(table, same)
    _holm_once(table)
    table["margin"] = [policy.margin_for(m, s) for m, s in zip(table["metric"], table["stat"])]
    table["verdict"] = [verdict(p, lo, hi, margin, alpha) for p, lo, hi, margin in
                        zip(table["p_holm"], table["ci_low"], table["ci_high"], table["margin"])]
    table["mde"] = [_mde(row, alpha / max(1, family)) for row in table.itertuples(index=False)]
    for column in ("pass_to_fail", "fail_to_pass"):  # counts mean nothing for mean scores
        table[column] = table[column].astype("Int64").where(table["stat"] == "pass_rate")
    if timings is not None:
        timings["resampling_s"] = timings.get("resampling_s", 0.0) + spent
    return table[["metric", "stat", "slice_key", "slice_value", "n", "samples", "baseline",
                  "candidate", "delta", "ci_low", "ci_high", "pass_to_fail", "fail_to_pass",
                  "test", "p", "p_holm", "same_as", "margin", "verdict", "mde"]]


def _same_as(table, duplicates: set[str]) -> list:
    return [OVERALL_METRIC if m in duplicates and s == "pass_rate" else None
            for m, s in zip(table["metric"], table["stat"])]


def _holm_once(table) -> None:
    """Holm over the distinct tests; a duplicate of `passed` takes that row's p and interval."""
    duplicate = table["same_as"].notna().to_numpy()
    table["p_holm"] = stats.holm(table["p"].to_numpy(dtype=np.float64))
    overall = {(k, v): i for i, (m, k, v) in enumerate(zip(
        table["metric"], table["slice_key"], table["slice_value"])) if m == OVERALL_METRIC}
    for i in np.flatnonzero(duplicate):
        source = overall.get((table["slice_key"].iat[i], table["slice_value"].iat[i]))
        for column in ("p", "p_holm", "ci_low", "ci_high"):
            table.iloc[i, table.columns.get_loc(column)] = (
                np.nan if source is None else table[column].iat[source])


def _mde(row, alpha: float) -> float:
    n = int(row.n)
    if row.stat == "pass_rate":
        return stats.mde_rate(n, float(row.var_delta or 0.0), row.margin, alpha,
                              samples=int(row.samples or 1))
    sd = math.sqrt(row.var_delta or 0.0)
    if not sd > 0:  # no spread in the deltas: fall back on the unpaired spread
        sd = math.sqrt((row.var_baseline or 0.0) + (row.var_candidate or 0.0))
    return stats.mde_mean(n, sd, row.margin, alpha)
