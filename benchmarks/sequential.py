"""Calibration of `evalkit run --sequential`: simulated candidate runs in a random case order,
monitored after every batch by the very code the runner uses
(evalkit.compare.sequential.BettingSequence), with a known truth.

The data are calibration.py's: n cases, each with a difficulty p (profiles near-
deterministic, heterogeneous, noisy); a change breaks a random share of the cases (the
candidate's p becomes 0) so the true drop of the pass rate is exactly `drop`. One sample per
case and run; the per-case difference d = candidate − baseline ∈ {−1, 0, 1}.

A trial runs batch after batch until the test decides "regressed" or "non-inferior" or the
suite is exhausted. An exhausted run is a complete run, so its answer is then `evalkit
compare`'s fixed-sample one: the primary row of evalkit.compare.verdicts.analyse on all n
cases; a false "regressed" counts either way. Coverage: the true Δ never excluded at any look.

    python benchmarks/sequential.py [--trials 2000] [--only NAME] [--out FILE]

prints every table as Markdown (the figures in benchmarks/RESULTS.md) with Wilson 95 %
intervals for each rate.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.calibration import PROFILES, _group_numbers, main, rate, seed_of  # noqa: E402
from evalkit.compare.sequential import (  # noqa: E402
    NON_INFERIOR,
    REGRESSED,
    UNDECIDED,
    BettingSequence,
)
from evalkit.compare.verdicts import REGRESSED as FIXED_REGRESSED  # noqa: E402
from evalkit.compare.verdicts import analyse  # noqa: E402
from evalkit.suite.gate_spec import Policy  # noqa: E402

ALPHA = 0.05
SWAP_MARGIN = 0.05
STREAMS = 250  # trials simulated at once (memory: streams × tested values × batch)


def simulate(profile: str, n: int, drop: float, trials: int, rng: np.random.Generator,
             samples: int = 1):
    """(baseline passes, candidate passes): (trials, n, samples) booleans in the run's random
    order."""
    sampler, mean_p = PROFILES[profile]
    p = sampler(rng, (trials, n))
    broken = rng.random((trials, n)) < drop / mean_p
    q = np.where(broken, 0.0, p)
    shape = (trials, n, samples)
    return rng.random(shape) < p[..., None], rng.random(shape) < q[..., None]


class _Deltas:
    """analyse's source of per-case deltas (sign-flip tests with several samples)."""

    def __init__(self, d: np.ndarray):
        self.d = d

    def get(self, metric, stat, slice_key, slice_value) -> np.ndarray:
        return self.d


def fixed_regressed(a: np.ndarray, b: np.ndarray, seed: int) -> bool:
    """compare's fixed-sample verdict on the primary row over every case (one trial; a, b:
    (n, samples))."""
    import pandas as pd

    numbers, d = _group_numbers(a[None], b[None], np.ones((1, len(a)), bool))
    row = {"metric": "passed", "stat": "pass_rate", "slice_key": None, "slice_value": None}
    row.update({key: value[0] for key, value in numbers.items()})
    policy = Policy.model_validate({"compare": {"alpha": ALPHA, "swap_margin": SWAP_MARGIN,
                                                "seed": seed}})
    table = analyse(pd.DataFrame([row]), _Deltas(d[0]), policy)
    return table.iloc[0]["verdict"] == FIXED_REGRESSED


def run_trials(profile: str, n: int, drop: float, trials: int, batch: int, seed: int,
               samples: int = 1) -> dict:
    """Per trial: the decision, the cases run when it stopped, whether Δ stayed covered."""
    rng = np.random.default_rng(seed)
    decision = np.empty(trials, dtype=object)
    stopped_at = np.zeros(trials, dtype=np.int64)
    covered = np.zeros(trials, dtype=bool)
    end_regressed = np.zeros(trials, dtype=bool)
    for start in range(0, trials, STREAMS):
        count = min(STREAMS, trials - start)
        a, b = simulate(profile, n, drop, count, rng, samples)
        d = (b.astype(np.float64) - a).mean(axis=2)  # per case, over its samples
        sequence = BettingSequence(ALPHA, 0.0, SWAP_MARGIN, streams=count, values=[-drop])
        truth = int(np.flatnonzero(np.isclose(sequence.m, -drop))[0])
        made = np.full(count, UNDECIDED, dtype=object)
        when = np.full(count, n)
        for first in range(0, n, batch):
            sequence.update(d[:, first:first + batch])
            now = sequence.decisions()
            new = (made == UNDECIDED) & (now != UNDECIDED)
            made[new], when[new] = now[new], min(first + batch, n)
        decision[start:start + count] = made
        stopped_at[start:start + count] = when
        covered[start:start + count] = sequence.covers(truth)
        for i in np.flatnonzero(made == UNDECIDED):  # exhausted: compare's fixed answer
            end_regressed[start + i] = fixed_regressed(a[i], b[i], seed + start + i)
    return {"decision": decision, "stopped_at": stopped_at, "covered": covered,
            "regressed": (decision == REGRESSED) | end_regressed, "end_regressed": end_regressed,
            "non_inferior": decision == NON_INFERIOR, "exhausted": decision == UNDECIDED}


def _check(flags, ok) -> str:
    return "✓" if ok(float(np.mean(flags))) else "✗"


def aa_table(trials: int) -> list[str]:
    lines = ["### A/A under monitoring after every batch (n = 2,000, no change)", "",
             f"{trials} trials per row. A false \"regressed\" is a sequential stop on "
             "\"regressed\" at any look, or, for a run that exhausted the suite, compare's "
             "fixed-sample verdict on all cases. Coverage: the true Δ = 0 never left the "
             "anytime-valid 95 % interval at any look.", "",
             "| profile | batch | false \"regressed\" | of which at the full-suite analysis | "
             "target ≤ 0.05 | stopped \"non-inferior\" | median cases run | coverage (≥ 0.95) |",
             "|-|-|-|-|-|-|-|-|"]
    for profile in PROFILES:
        for batch in (1, 50):
            r = run_trials(profile, 2000, 0.0, trials, batch, seed_of(profile, batch, "aa"))
            lines.append(f"| {profile} | {batch} | {rate(r['regressed'])} | "
                         f"{int(r['end_regressed'].sum())} | "
                         f"{_check(r['regressed'], lambda x: x <= ALPHA)} | "
                         f"{rate(r['non_inferior'])} | {int(np.median(r['stopped_at']))} | "
                         f"{rate(r['covered'])} {_check(r['covered'], lambda x: x >= 0.95)} |")
    return lines


def drop_table(trials: int) -> list[str]:
    n = 2000
    lines = [f"### A true drop on a {n:,}-case suite (batches of 50)", "",
             f"{trials} trials per row. Power: the run answers \"regressed\". Target for the "
             "10 pp drop: median cases run ≤ 25 % of the suite. At the 5 pp drop (= the swap "
             "margin) a \"non-inferior\" stop would be a wrong \"yes\": it must stay ≤ α/2.", "",
             "| profile | true drop | power (\"regressed\") | wrong \"non-inferior\" | "
             "median cases run | share of the suite | p90 cases run | exhausted | coverage "
             "| ✓ |", "|-|-|-|-|-|-|-|-|-|-|"]
    for profile in PROFILES:
        for drop in (0.10, 0.05):
            r = run_trials(profile, n, drop, trials, 50, seed_of(profile, drop, "drop"))
            median = float(np.median(r["stopped_at"]))
            if drop == 0.10:
                ok = _check(r["regressed"], lambda x: x >= 0.8) + (
                    "✓" if median <= 0.25 * n else "✗")
            else:
                ok = _check(r["non_inferior"], lambda x: x <= ALPHA / 2)
            lines.append(f"| {profile} | {drop * 100:.0f} pp | {rate(r['regressed'])} | "
                         f"{rate(r['non_inferior'])} | {median:.0f} | {median / n:.1%} | "
                         f"{np.percentile(r['stopped_at'], 90):.0f} | {rate(r['exhausted'])} | "
                         f"{rate(r['covered'])} | {ok} |")
    return lines


def samples_table(trials: int) -> list[str]:
    n = 2000
    lines = [f"### Four samples per case ({n:,} cases, batches of 50)", "",
             f"{trials} trials per row. Each case's difference is the mean over its samples, "
             "in [−1, 1]; the sequence needs nothing else.", "",
             "| profile | true drop | \"regressed\" | \"non-inferior\" | median cases run | "
             "coverage | ✓ |", "|-|-|-|-|-|-|-|"]
    for profile in ("heterogeneous", "noisy"):
        for drop in (0.0, 0.10):
            r = run_trials(profile, n, drop, trials, 50, seed_of(profile, drop, "k4"), 4)
            ok = (_check(r["regressed"], lambda x: x <= ALPHA) if drop == 0 else
                  _check(r["regressed"], lambda x: x >= 0.8)
                  + ("✓" if np.median(r["stopped_at"]) <= 0.25 * n else "✗"))
            lines.append(f"| {profile} | {drop * 100:.0f} pp | {rate(r['regressed'])} | "
                         f"{rate(r['non_inferior'])} | {np.median(r['stopped_at']):.0f} | "
                         f"{rate(r['covered'])} | {ok} |")
    return lines


TABLES = {"aa": aa_table, "drop": drop_table, "samples": samples_table}


if __name__ == "__main__":
    main(TABLES, __doc__, trials=2000)
