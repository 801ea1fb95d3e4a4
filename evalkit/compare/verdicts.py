"""One test per metric × slice, a graphical multiple-test procedure over all of them, and a
verdict for each.

- pass rates (and the error rate): mid-p McNemar on the flip counts with one sample per case,
  a sign-flip test on the per-case deltas with several (cases, not samples, are the units);
  the interval is Tango's score interval (paired_rates.py), on the case-level net flips with
  several samples — it keeps its width with few or no discordant pairs;
- mean scores: a sign-flip test and a seeded paired bootstrap interval, never narrower than
  the change too rare to show in n cases (stats.guarded_bootstrap_ci);
- family-wise error: the primary rows (the overall pass rate, or the suite's `primary`
  metrics) hold two thirds of alpha, the second family the rest, passed on as rows are rejected
  (multiplicity.py); `p_adj` is the adjusted p (`p_holm` keeps its old name as an alias);
- verdict: `regressed` when p_adj < alpha and the whole interval lies below −margin (for
  the error rate: above +margin); `improved` symmetrically; otherwise `no detectable change`,
  with the minimum detectable effect (80 % power at the row's first share of alpha).

`analyse` takes the per-group numbers and a source of per-case deltas, so the calibration
simulation in benchmarks/ runs this very code without a database.
"""
from __future__ import annotations

import math
import time
from collections.abc import Collection
from typing import Protocol

import numpy as np

from ..suite.gate_spec import OVERALL_METRIC, Policy
from . import multiplicity, stats
from .align import ERROR_STAT, Alignment
from .paired_rates import net_parts, tango_ci

REGRESSED, IMPROVED, NO_CHANGE, NO_DATA = ("regressed", "improved", "no detectable change",
                                           "no data")
PRIMARY, SECONDARY = "primary", "secondary"
TANGO, BOOTSTRAP = "tango score", "bootstrap"
COLUMNS = ["metric", "stat", "slice_key", "slice_value", "n", "samples", "baseline",
           "candidate", "delta", "ci_low", "ci_high", "interval", "pass_to_fail",
           "fail_to_pass", "test", "p", "p_adj", "p_holm", "family", "level", "same_as",
           "margin", "verdict", "mde"]


class DeltaSource(Protocol):
    def get(self, metric: str, stat: str, slice_key, slice_value) -> np.ndarray: ...


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


def is_rate(stat: str) -> bool:
    return stat in ("pass_rate", ERROR_STAT)


def verdict(p_adj: float, low: float, high: float, margin: float, alpha: float,
            higher_is_better: bool = True) -> str:
    if math.isnan(p_adj):  # nothing was tested
        return NO_DATA
    worse, better = (high < -margin, low > margin) if higher_is_better else \
        (low > margin, high < -margin)
    if p_adj < alpha and worse:
        return REGRESSED
    if p_adj < alpha and better:
        return IMPROVED
    return NO_CHANGE


def metric_table(alignment: Alignment, policy: Policy, resamples: int | None = None,
                 timings: dict | None = None):
    """The metrics × slices table of a comparison, as a DataFrame."""
    return analyse(alignment.groups(), _Deltas(alignment), policy, resamples=resamples,
                   timings=timings, same=alignment.same_as_overall())


def _roles(table, policy: Policy, same: Collection[str]):
    """(primary, first, tested, duplicate) masks: which rows hold alpha first, which start the
    second family, which are tested at all (a scorer identical to `passed` is its row, once)."""
    metric, stat = table["metric"].to_numpy(), table["stat"].to_numpy()
    overall = table["slice_key"].isna().to_numpy()
    rate = stat == "pass_rate"
    primary_names = {OVERALL_METRIC if name in same else name for name in policy.compare.primary}
    duplicate = np.isin(metric, list(same)) & rate
    tested = (table["n"].to_numpy() > 0) & ~duplicate
    main = np.isin(metric, list(primary_names)) & rate
    primary = main & overall & tested
    # the second family starts with the primary metrics' slices, the error rate and mean
    # scores (which no pass rate reflects); other pass rates get alpha as rows are rejected
    first = tested & ~primary & ((main & ~overall) | (overall & ~rate))
    return primary, first, tested, duplicate


def records(table, columns=None) -> list[dict]:
    """The table's rows as dicts (pandas' own to_dict/itertuples cost milliseconds a call)."""
    columns = list(table.columns) if columns is None else columns
    return [dict(zip(columns, values)) for values in zip(*(table[c].tolist() for c in columns))]


def analyse(table, deltas: DeltaSource, policy: Policy, *, resamples: int | None = None,
            timings: dict | None = None, same: Collection[str] = ()):
    """Tests, intervals, adjusted p-values, verdicts and MDEs for a table of groups (one row
    per metric × stat × slice value, with the columns Alignment.groups() returns)."""
    settings = policy.compare
    alpha, seed = settings.alpha, settings.seed
    resamples = resamples or settings.resamples
    table = table.reset_index(drop=True)
    primary, first, tested, duplicate = _roles(table, policy, same)
    graph = multiplicity.swap_graph(primary, first, tested)
    levels = np.where(graph.weights > 0, graph.weights, multiplicity.levels_after(
        graph, np.flatnonzero(primary), tested))
    # A Monte Carlo p-value is at least 1 / (resamples + 1); the smallest share of alpha a
    # row starts with must be reachable, twice over.
    smallest = float(levels[tested].min()) if tested.any() else 1.0
    flips = max(resamples, math.ceil(2 / (alpha * max(smallest, 1e-6))))
    spent = 0.0
    rows = records(table)
    for row in rows:  # overall rows: None, however the frame stores a missing value
        for column in ("slice_key", "slice_value"):
            if not isinstance(row[column], str):
                row[column] = None
    tests, pvalues, lows, highs, methods = [], [], [], [], []
    for i, row in enumerate(rows):
        key = (row["metric"], row["stat"], row["slice_key"], row["slice_value"])
        one_sample = is_rate(row["stat"]) and row["samples"] == 1
        tests.append("mcnemar mid-p" if one_sample else "sign-flip")
        methods.append(TANGO if is_rate(row["stat"]) else BOOTSTRAP)
        if duplicate[i]:  # takes the `passed` row's numbers
            pvalues.append(math.nan)
            lows.append(math.nan)
            highs.append(math.nan)
            continue
        started = time.perf_counter()
        worse, better, n = int(row["pass_to_fail"]), int(row["fail_to_pass"]), int(row["n"])
        if one_sample:
            pvalues.append(stats.mcnemar_midp(worse, better))
            b, c = (worse, better) if row["stat"] == "pass_rate" else (better, worse)
        else:
            values = deltas.get(*key)
            pvalues.append(stats.sign_flip_p(values, flips, stats.rng_for(seed, "p", *key)))
            b, c, n = net_parts(values)
        if is_rate(row["stat"]):
            low, high = tango_ci(b, c, n, alpha)
        else:
            reach = float(row["high_value"] - row["low_value"]) or 1.0  # no spread: unit scale
            low, high = stats.guarded_bootstrap_ci(values, alpha, resamples,
                                                   stats.rng_for(seed, "ci", *key), reach)
        spent += time.perf_counter() - started
        lows.append(low)
        highs.append(high)
    p_adj = multiplicity.adjusted_p(np.array(pvalues, dtype=np.float64), graph)
    level = np.where(tested, alpha * levels, np.nan)
    family = np.where(primary, PRIMARY, SECONDARY).astype(object)
    _share_duplicates(rows, duplicate, {"p": pvalues, "p_adj": p_adj, "ci_low": lows,
                                        "ci_high": highs, "family": family, "level": level})
    margins = [policy.margin_for(r["metric"], r["stat"]) for r in rows]
    verdicts = [verdict(p, lo, hi, m, alpha, r["stat"] != ERROR_STAT)
                for p, lo, hi, m, r in zip(p_adj, lows, highs, margins, rows)]
    mdes = [_mde(r, lv, m, alpha) for r, lv, m in zip(rows, level, margins)]
    table = table.assign(test=tests, interval=methods, p=pvalues, ci_low=lows, ci_high=highs,
                         same_as=[OVERALL_METRIC if d else None for d in duplicate],
                         family=family, level=level, p_adj=p_adj, p_holm=p_adj,  # p_holm: the
                         margin=margins, verdict=verdicts, mde=mdes)  # column's former name
    rate = table["stat"].map(is_rate)
    for column in ("pass_to_fail", "fail_to_pass"):  # counts mean nothing for mean scores
        table[column] = table[column].astype("Int64").where(rate)
    if timings is not None:
        timings["resampling_s"] = timings.get("resampling_s", 0.0) + spent
    return table[COLUMNS]


def _share_duplicates(rows: list[dict], duplicate, columns: dict) -> None:
    """A duplicate of `passed` takes that row's p, adjusted p, interval, family and level
    (in place, in each of `columns`)."""
    overall = {(r["slice_key"], r["slice_value"]): i for i, r in enumerate(rows)
               if r["metric"] == OVERALL_METRIC and r["stat"] == "pass_rate"}
    for i in np.flatnonzero(duplicate):
        source = overall.get((rows[i]["slice_key"], rows[i]["slice_value"]))
        for values in columns.values():
            values[i] = np.nan if source is None else values[source]


def _mde(row: dict, level: float, margin: float, alpha: float) -> float:
    """The smallest change the row's own test finds with 80 % power, at its first share of
    alpha (`level`; for a row that starts with none, the share it gets once the primary rows
    are rejected)."""
    n = int(row["n"])
    if not level > 0:
        return math.nan
    if is_rate(row["stat"]):
        return stats.mde_rate(n, float(row["var_delta"] or 0.0), margin, level,
                              samples=int(row["samples"] or 1),
                              abs_delta=float(row["abs_delta"] or 0.0), ci_alpha=alpha)
    sd = math.sqrt(row["var_delta"] or 0.0)
    if not sd > 0:  # no spread in the deltas: fall back on the unpaired spread
        sd = math.sqrt((row["var_baseline"] or 0.0) + (row["var_candidate"] or 0.0))
    return stats.mde_mean(n, sd, margin, level)
