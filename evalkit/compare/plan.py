"""Power planning: how small a change the suite can detect, and how many cases a target needs.

The noise of a suite is the spread of per-case deltas between two runs that should agree.
Where it comes from, best first:

1. an A/A rerun: two completed runs of one configuration (suite, cases, model, fingerprint,
   options), the later one mostly not served from the cache (a cached rerun repeats the
   outputs and shows no noise);
2. the discordance between the suite's two most recent completed runs (whatever their
   models): this counts any real difference between them as noise too, so the MDE and the
   cases needed are conservative;
3. a stated assumption (`--assume-flips RATE`): RATE of the cases flip between two runs of
   one model, half each way.

The numbers are the comparison's own: the noise pair goes through `verdicts.analyse` (so each
row has the share of alpha the graphical procedure gives it, and at n = the pair's cases
the MDE is the `mde` column `evalkit compare` shows), and the MDE at another n or power is
`stats.mde_rate` with the same variance terms. The cases needed for a target MDE are the
smallest n whose MDE is within it (MDE falls with n: a doubling search, then bisection).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..readable import pp
from ..store import Store, analytics
from ..store.run_refs import resolve_run
from ..suite.gate_spec import OVERALL_METRIC, Policy
from . import stats
from .align import Alignment
from .diff import today_utc
from .verdicts import _Deltas, analyse, is_rate, records

AA, RECENT, ASSUMED = "A/A rerun", "recent runs", "assumed"
MAX_CASES = 10_000_000  # beyond this a target counts as out of reach
CACHED_AT_MOST = 0.5  # an A/A rerun with more of its answers from the cache shows no noise

@dataclass(frozen=True)
class Noise:
    source: str  # A/A rerun | recent runs | assumed
    detail: str  # which runs, or the stated rate, in words
    groups: object  # the analysed table of the primary metrics (overall and per slice)


@dataclass(frozen=True)
class PlanRow:
    metric: str
    slice_key: str | None
    slice_value: str | None
    n: int  # cases in the suite now
    noise_n: int  # cases the noise was measured on
    flip_rate: float  # share of the noise pair's paired samples that flipped
    level: float  # the row's first share of alpha
    mde: float  # detectable now (NaN: nothing is)
    cases_needed: int | None  # for the target MDE (None: out of reach)
    samples_needed: int | None = None  # per case, at n cases (None: out of reach, or the
    #                                    noise is not an A/A one, which samples cannot shrink)


@dataclass(frozen=True)
class Plan:
    suite: str
    noise: Noise
    power: float
    target: float
    swap_margin: float
    alpha: float
    rows: tuple[PlanRow, ...]
    cases_for_swap: int | None  # overall: cases for an MDE within the swap margin

    @property
    def overall(self) -> PlanRow | None:
        return next((r for r in self.rows if r.slice_key is None), None)

    def sentences(self) -> list[str]:
        """The plan's headline (`evalkit plan` and the report's verdict section say it)."""
        lines = [f"noise: {self.noise.source} — {self.noise.detail}"]
        row = self.overall
        if row is not None:
            lines.append(f"MDE now: {pp_text(row.mde)} on {row.n:,} cases ({row.metric}, power "
                         f"{self.power:.0%}, α share {row.level:.3g}); "
                         f"{count_text(row.cases_needed)} cases for a {pp_text(self.target)} "
                         f"MDE; {count_text(self.cases_for_swap)} for the swap margin "
                         f"{pp_text(self.swap_margin)}")
            if self.noise.source != RECENT:
                lines.append(f"or, keeping {row.n:,} cases: {row.samples_needed} samples per "
                             f"case for a {pp_text(self.target)} MDE"
                             if row.samples_needed is not None else
                             f"or, keeping {row.n:,} cases: no number of samples per case (up "
                             f"to {MAX_SAMPLES}) reaches a {pp_text(self.target)} MDE")
        return lines


def pp_text(value) -> str:
    return pp(value, signed=False, none="-")


def count_text(value) -> str:
    return "out of reach" if value is None else f"{value:,}"


def mde_at(row: dict, n: int, power: float, alpha: float) -> float:
    """The MDE of a row of the analysed noise table with n cases (its variances per case),
    as verdicts._mde computes it for the comparison's rows (which use power 0.8)."""
    if not row["level"] > 0 or n <= 0:
        return math.nan
    return stats.mde_rate(n, float(row["var_delta"] or 0.0), float(row["margin"]),
                          float(row["level"]), samples=int(row["samples"] or 1), power=power,
                          abs_delta=float(row["abs_delta"] or 0.0), ci_alpha=alpha)


def cases_needed(row: dict, target: float, power: float, alpha: float) -> int | None:
    """The fewest cases whose MDE is within `target` (None when no n up to MAX_CASES is)."""
    def within(n: int) -> bool:
        mde = mde_at(row, n, power, alpha)
        return not math.isnan(mde) and mde <= target + 1e-12

    high = 1
    while not within(high):
        high *= 2
        if high > MAX_CASES:
            return None
    low = high // 2  # not within (or 0)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if within(mid) else (mid, high)
    return high


MAX_SAMPLES = 64  # beyond this a target counts as out of reach by samples


def with_samples(row: dict, k: int) -> dict:
    """The row as if each case had k samples instead of its own: an A/A pair's per-case
    deltas are sampling noise, whose variance shrinks as 1/samples (2p(1 − p)/k for a case
    that passes with probability p). E|d| (the Tango bound's term) is taken as that of a
    normal delta with this variance, √(2/π · var), at most its value at fewer samples: an
    approximation (the deltas are discrete), measured in benchmarks/slice_plan_sim.py."""
    k0 = int(row["samples"] or 1)
    variance = float(row["var_delta"] or 0.0) * k0 / k
    spread = float(row["abs_delta"] or 0.0)
    spread = min(spread, math.sqrt(2 / math.pi * variance)) if k > k0 else \
        min(1.0, spread * k0 / k)
    return {**row, "samples": k, "var_delta": variance, "abs_delta": spread}


def samples_needed(row: dict, n: int, target: float, power: float,
                   alpha: float) -> int | None:
    """The fewest samples per case for which n cases reach an MDE within `target` (None:
    not within MAX_SAMPLES — the change's own variance δ(1 − δ) does not shrink with samples)."""
    for k in range(1, MAX_SAMPLES + 1):
        mde = mde_at(with_samples(row, k), n, power, alpha)
        if not math.isnan(mde) and mde <= target + 1e-12:
            return k
    return None


def _primary_rows(table, policy: Policy) -> list[dict]:
    names = set(policy.compare.primary)
    rows = [r for r in records(table) if r["metric"] in names and r["stat"] == "pass_rate"]
    for row in rows:  # overall: None, however the frame stores a missing value
        for column in ("slice_key", "slice_value"):
            if not isinstance(row[column], str):
                row[column] = None
    return rows


VARIANCES = ("var_delta", "abs_delta")  # what an MDE at another n needs besides the table


def analysed(groups, deltas, policy: Policy, same=()):
    """verdicts.analyse over a groups table, keeping the per-case variance columns (the
    analysed table has the same rows in the same order)."""
    table = analyse(groups, deltas, policy, same=same)
    return table.assign(**{c: groups.reset_index(drop=True)[c].to_numpy() for c in VARIANCES})


def _measured(store: Store, a: str, b: str, policy: Policy, slice_keys) -> object:
    alignment = Alignment(store, a, b, waivers=policy.active_waivers(today_utc()),
                          slice_keys=slice_keys)
    try:
        return analysed(alignment.groups(), _Deltas(alignment), policy,
                        same=alignment.same_as_overall())
    finally:
        alignment.drop()


class _AssumedDeltas:
    """Per-case deltas of the stated flip rate: rate·n/2 cases each way, the rest agree."""

    def __init__(self, rate: float, counts: dict):
        self.rate, self.counts = rate, counts

    def get(self, metric, stat, slice_key, slice_value) -> np.ndarray:
        n = self.counts[(slice_key, slice_value)]
        half = int(round(self.rate * n / 2))
        return np.concatenate([np.ones(half), -np.ones(half), np.zeros(n - 2 * half)])


def assumed_table(rate: float, counts: dict, samples: int, policy: Policy):
    """The analysed table of a stated flip rate. `counts`: cases per (slice key, value),
    (None, None) for the whole suite."""
    import pandas as pd

    rows = []
    for metric in policy.compare.primary:
        for (key, value), n in counts.items():
            half = int(round(rate * n / 2))
            rows.append({"metric": metric, "stat": "pass_rate", "slice_key": key,
                         "slice_value": value, "n": n, "baseline": 0.5, "candidate": 0.5,
                         "delta": 0.0, "pass_to_fail": half, "fail_to_pass": half,
                         "samples": samples, "var_delta": rate, "var_baseline": 0.25,
                         "var_candidate": 0.25, "abs_delta": rate, "low_value": 0.0,
                         "high_value": 1.0})
    return analysed(pd.DataFrame(rows), _AssumedDeltas(rate, counts), policy)


def find_noise(store: Store, suite: str, policy: Policy, slice_keys, *,
               baseline: str | None = None) -> Noise | None:
    """The best stored noise of the suite (A/A rerun, else the two most recent runs)."""
    base_id = resolve_run(store, baseline) if baseline else None
    if base_id is not None:
        rerun = analytics.rerun_of(store, base_id)
        pair = (base_id, rerun) if rerun else None
    else:
        pair = analytics.aa_pair(store, suite, CACHED_AT_MOST)
    if pair is not None:
        table = _measured(store, pair[0], pair[1], policy, slice_keys)
        return Noise(AA, f"run {pair[0]} and its rerun {pair[1]}", table)
    recent = analytics.recent_pair(store, suite, base_id)
    if len(recent) < 2:
        return None
    table = _measured(store, recent[0], recent[1], policy, slice_keys)
    return Noise(RECENT, f"runs {recent[0]} and {recent[1]} (any real difference between "
                 "them counts as noise: conservative)", table)


def build_plan(suite: str, noise: Noise, policy: Policy, *, target: float, power: float,
               current: dict | None = None) -> Plan:
    """The plan of the primary metrics over `noise`. `current`: cases per (slice key, value)
    in the suite now (default: as many as the noise was measured on)."""
    if not 0 < power < 1:
        raise UsageError(f"--power {power}: give a probability between 0 and 1, e.g. 0.8")
    if not 0 < target < 1:
        raise UsageError(f"--mde {target}: give a change in pass rate between 0 and 1, "
                         "e.g. 0.02 for 2 points")
    alpha = policy.compare.alpha
    rows, swap = [], None
    for row in _primary_rows(noise.groups, policy):
        if not is_rate(row["stat"]) or not row["n"]:
            continue
        key = (row["slice_key"], row["slice_value"])
        n_now = int((current or {}).get(key, row["n"]))
        flips = int(row["pass_to_fail"] or 0) + int(row["fail_to_pass"] or 0)
        rows.append(PlanRow(
            metric=row["metric"], slice_key=row["slice_key"], slice_value=row["slice_value"],
            n=n_now, noise_n=int(row["n"]), level=float(row["level"]),
            flip_rate=flips / max(1, int(row["n"]) * int(row["samples"] or 1)),
            mde=mde_at(row, n_now, power, alpha),
            cases_needed=cases_needed(row, target, power, alpha),
            samples_needed=None if noise.source == RECENT else
            samples_needed(row, n_now, target, power, alpha)))
        if row["slice_key"] is None and row["metric"] == policy.compare.primary[0]:
            swap = cases_needed(row, policy.compare.swap_margin, power, alpha)
    rows.sort(key=lambda r: (r.metric != OVERALL_METRIC, r.metric, r.slice_key is not None,
                             r.slice_key or "", r.slice_value or ""))
    return Plan(suite=suite, noise=noise, power=power, target=target,
                swap_margin=policy.compare.swap_margin, alpha=alpha, rows=tuple(rows),
                cases_for_swap=swap)


def plan_suite(store: Store | None, suite: str, policy: Policy, slice_keys, *,
               target: float, power: float, baseline: str | None = None,
               assume_flips: float | None = None, current: dict | None = None,
               samples: int = 1) -> Plan:
    """The plan for a suite: from a stated flip rate when given, else from the stored noise."""
    if assume_flips is not None:
        if not 0 <= assume_flips <= 1:
            raise UsageError(f"--assume-flips {assume_flips}: give the share of cases that "
                             "flip between two runs of one model, between 0 and 1")
        if not current:
            raise UsageError(f"suite '{suite}': --assume-flips needs the suite file (to count "
                             "its cases) or a stored run of it")
        noise = Noise(ASSUMED, f"{assume_flips:.1%} of the cases flip between two runs of one "
                      "model (stated)", assumed_table(assume_flips, current, samples, policy))
        return build_plan(suite, noise, policy, target=target, power=power, current=current)
    noise = find_noise(store, suite, policy, slice_keys, baseline=baseline) if store else None
    if noise is None:
        raise UsageError(f"suite '{suite}': no stored noise to plan from (fewer than two "
                         "completed runs of it) — run it twice with --no-cache (an A/A rerun), "
                         "or state one with --assume-flips RATE, e.g. 0.05")
    return build_plan(suite, noise, policy, target=target, power=power, current=current)
