"""Calibration of the swap answer: simulated comparisons with a known truth, judged by the
very code `evalkit compare` runs (evalkit.compare.verdicts.analyse for the tests, intervals,
adjusted p-values, verdicts and MDEs; evalkit.report.swap_answer.answer for yes / no /
inconclusive). Only the data and the per-group sums (what the SQL alignment computes) are
simulated here, vectorised over trials; tests/compare/test_calibration_data.py checks that
those sums equal what Alignment.groups() computes from a real DuckDB file.

The data: n cases, each with a difficulty p (the chance a sample is "good"): profiles
  near-deterministic  80 % of cases p = 0.995, 20 % p = 0.005 (few discordant pairs)
  heterogeneous       p ~ Beta(0.5, 0.3)
  noisy               p ~ Beta(1, 0.5) (many flaky cases)
A good sample passes every scorer; a bad one fails each scorer with probability 0.6 (at
least one), so `passed` (every scorer passed) and the scorers' pass rates are correlated.
Each case has one of 4 slice values (25 % each). A change breaks a random share of the cases
(the candidate's p becomes 0): the true drop of the pass rate is that share × E[p]; a
slice-only change breaks cases of slice value s0 only. `samples` draws per case and run.

    python benchmarks/calibration.py [--trials 400] [--only NAME] [--out FILE]

prints every table as Markdown (the figures in benchmarks/RESULTS.md) with Wilson 95 %
intervals for each rate.
"""
from __future__ import annotations

import argparse
import sys
import time
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from evalkit.compare.rows import metric_rows  # noqa: E402
from evalkit.compare.verdicts import REGRESSED, analyse  # noqa: E402
from evalkit.report.swap_answer import NO, YES, answer  # noqa: E402
from evalkit.suite.gate_spec import Policy  # noqa: E402

ALPHA = 0.05
SLICES = 4
BAD_FAILS = 0.6  # chance that a bad sample fails each scorer


def _near_deterministic(rng, shape):
    return np.where(rng.random(shape) < 0.8, 0.995, 0.005)


PROFILES = {  # name: (sampler of per-case p, E[p])
    "near-deterministic": (_near_deterministic, 0.8 * 0.995 + 0.2 * 0.005),
    "heterogeneous": (lambda rng, shape: rng.beta(0.5, 0.3, shape), 0.5 / 0.8),
    "noisy": (lambda rng, shape: rng.beta(1.0, 0.5, shape), 1.0 / 1.5),
}


@dataclass(frozen=True)
class Scenario:
    profile: str
    n: int
    samples: int = 1
    scorers: int = 1
    drop: float = 0.0  # true drop of the overall pass rate (case-breaking)
    slice_drop: float = 0.0  # true drop inside slice value s0 only
    swap_margin: float = 0.05
    primary_only: bool = False  # test the primary row alone (no slices, one scorer)

    @property
    def true_delta(self) -> float:
        return -(self.drop + self.slice_drop / SLICES)


def simulate(s: Scenario, trials: int, rng: np.random.Generator):
    """(baseline good, candidate good, scorer passes, slice) arrays for `trials` comparisons."""
    sampler, mean_p = PROFILES[s.profile]
    p = sampler(rng, (trials, s.n))
    slices = rng.integers(0, SLICES, (trials, s.n))
    broken = rng.random((trials, s.n)) < s.drop / mean_p
    broken |= (slices == 0) & (rng.random((trials, s.n)) < s.slice_drop / mean_p)
    q = np.where(broken, 0.0, p)
    runs = []
    for prob in (p, q):
        good = rng.random((trials, s.n, s.samples)) < prob[..., None]
        fails = rng.random((s.scorers, trials, s.n, s.samples)) < BAD_FAILS
        fails[0] |= ~fails.any(axis=0)  # a bad sample fails at least one scorer
        runs.append((good, ~fails | good))  # scorer passes: [scorer, trial, case, sample]
    return runs, slices


def _group_numbers(a, b, mask):
    """What Alignment.groups() computes for one metric × slice: a, b are (trials, n, k)
    pass indicators, mask (trials, n) the group's cases."""
    k = a.shape[2]
    ua, ub = a.mean(axis=2), b.mean(axis=2)  # per-case rates over aligned samples
    d = ub - ua
    count = mask.sum(axis=1)
    safe = np.maximum(count, 1)

    def mean(x):
        return np.where(mask, x, 0.0).sum(axis=1) / safe

    def var(x):
        return mean(x * x) - mean(x) ** 2

    pf = np.where(mask[..., None], a & ~b, False).sum(axis=(1, 2))
    fp = np.where(mask[..., None], ~a & b, False).sum(axis=(1, 2))
    low = np.minimum(np.where(mask, ua, np.inf).min(axis=1), np.where(mask, ub, np.inf).min(axis=1))
    high = np.maximum(np.where(mask, ua, -np.inf).max(axis=1),
                      np.where(mask, ub, -np.inf).max(axis=1))
    return {"n": count, "baseline": mean(ua), "candidate": mean(ub), "delta": mean(d),
            "pass_to_fail": pf, "fail_to_pass": fp, "samples": np.full(len(count), k),
            "var_delta": np.maximum(var(d), 0.0), "var_baseline": np.maximum(var(ua), 0.0),
            "var_candidate": np.maximum(var(ub), 0.0), "abs_delta": mean(np.abs(d)),
            "low_value": low, "high_value": high}, d


class Trials:
    """The groups table and per-case deltas of every trial of one scenario."""

    def __init__(self, s: Scenario, trials: int, rng: np.random.Generator):
        runs, slices = simulate(s, trials, rng)
        (good_a, pass_a), (good_b, pass_b) = runs
        metrics = [("passed", good_a, good_b)]
        if s.scorers > 1:
            metrics += [(f"scorer{i}", pass_a[i], pass_b[i]) for i in range(s.scorers)]
        groups = [(None, None, np.ones_like(slices, dtype=bool))]
        if not s.primary_only:
            groups += [("slice", f"s{v}", slices == v) for v in range(SLICES)]
        self.rows, self.deltas = [], []
        for metric, a, b in metrics:
            for key, value, mask in groups:
                numbers, d = _group_numbers(a, b, mask)
                self.rows.append(({"metric": metric, "stat": "pass_rate", "slice_key": key,
                                   "slice_value": value}, numbers))  # None: overall
                self.deltas.append((mask, d))
        self.trials = trials

    def table(self, t: int):
        import pandas as pd

        heads = [head for head, _ in self.rows]
        columns = {key: [h[key] for h in heads] for key in heads[0]}
        columns.update({key: [numbers[key][t] for _, numbers in self.rows]
                        for key in self.rows[0][1]})
        return pd.DataFrame(columns)

    def source(self, t: int):
        rows = {(h["metric"], h["slice_key"], h["slice_value"]): (mask[t], d[t])
                for (h, _), (mask, d) in zip(self.rows, self.deltas)}

        class Source:
            def get(self, metric, stat, slice_key, slice_value):
                mask, d = rows[(metric, slice_key, slice_value)]
                return d[mask]

        return Source()


def judge(s: Scenario, trials: int, seed: int, resamples: int | None = None) -> dict:
    """Per trial: the answer, the primary row and which rows were flagged."""
    rng = np.random.default_rng(seed)
    data = Trials(s, trials, rng)
    policy = Policy.model_validate({"compare": {"alpha": ALPHA, "swap_margin": s.swap_margin,
                                                "seed": seed}})
    out = {key: np.zeros(trials, dtype=bool) for key in (
        "yes", "no", "primary_regressed", "any_flagged", "s0_flagged", "other_slice_flagged",
        "covered")}
    out["mde"] = np.zeros(trials)
    truth = s.true_delta
    for t in range(trials):
        table = analyse(data.table(t), data.source(t), policy, resamples=resamples)
        verdict = answer(metric_rows(table), policy=policy)
        primary = table.iloc[0]
        flagged = table["verdict"].isin((REGRESSED, "improved")) & table["same_as"].isna()
        regressed = table["verdict"] == REGRESSED
        slice_rows = table["slice_key"].notna()
        out["yes"][t] = verdict.answer == YES
        out["no"][t] = verdict.answer == NO
        out["primary_regressed"][t] = primary["verdict"] == REGRESSED
        out["any_flagged"][t] = bool(flagged.any())
        out["s0_flagged"][t] = bool((regressed & (table["slice_value"] == "s0")).any())
        out["other_slice_flagged"][t] = bool((regressed & slice_rows
                                              & (table["slice_value"] != "s0")).any())
        out["covered"][t] = primary["ci_low"] <= truth <= primary["ci_high"]
        out["mde"][t] = primary["mde"]
    return out


def seed_of(*parts) -> int:
    """A stable seed per scenario (Python's own hash of a string changes between processes)."""
    return zlib.crc32(repr(parts).encode())


def wilson(k: int, n: int) -> tuple[float, float]:
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return float(low), float(high)


def rate(flags) -> str:
    k, n = int(np.sum(flags)), len(flags)
    low, high = wilson(k, n)
    return f"{k / n:.3f} [{low:.3f}, {high:.3f}]"


def _check(flags, ok) -> str:
    return "✓" if ok(float(np.mean(flags))) else "✗"


# ---------------------------------------------------------------------------- the tables


def aa_table(trials: int) -> list[str]:
    lines = ["### A/A: no change (3 scorers × 4 slices = 20 rows)", "",
             f"{3 * trials} trials with one sample (the family-wise error is close to α there "
             f"and needs the precision), {trials} with four.", "",
             "| profile | n | samples | any row regressed/improved | answer \"no\" | "
             "answer \"yes\" | target ≤ 0.05 |", "|-|-|-|-|-|-|-|"]
    for profile in ("near-deterministic", "heterogeneous", "noisy"):
        for n in (20, 1000):
            for samples in (1, 4):
                s = Scenario(profile, n, samples, scorers=3)
                r = judge(s, 3 * trials if samples == 1 else trials,
                          seed=seed_of(profile, n, samples, "aa"))
                ok = _check(r["any_flagged"], lambda x: x <= ALPHA) + _check(
                    r["no"], lambda x: x <= ALPHA)
                lines.append(f"| {profile} | {n} | {samples} | {rate(r['any_flagged'])} | "
                             f"{rate(r['no'])} | {rate(r['yes'])} | {ok} |")
    return lines


def wrong_yes_table(trials: int) -> list[str]:
    sizes = (1, 3, 10, 20, 50, 100, 200, 400, 1000)
    lines = ["### Wrong \"yes\": the true drop exceeds the swap margin", "",
             f"The primary row alone (no slice or other metric that could say \"no\" first: "
             f"the worst case for a wrong yes); {trials} trials per cell, each cell the number "
             f"of \"yes\" answers. Target: P(yes) ≤ α/2 = 0.025 at every n.", "",
             "| profile | samples | margin | true drop | " + " | ".join(f"n={n}" for n in sizes)
             + " | largest P(yes) | ✓ |", "|-|-|-|-|" + "-|" * len(sizes) + "-|-|"]
    for profile in ("near-deterministic", "heterogeneous"):
        for samples in (1, 4):
            for margin, drop in ((0.05, 0.055), (0.02, 0.05)):
                counts = []
                for n in sizes:
                    s = Scenario(profile, n, samples, drop=drop, swap_margin=margin,
                                 primary_only=True)
                    r = judge(s, trials, seed=seed_of(profile, n, samples, margin, "wy"))
                    counts.append(r["yes"])
                worst = max(counts, key=np.sum)
                lines.append(f"| {profile} | {samples} | {margin * 100:.0f} pp | "
                             f"{drop * 100:.1f} pp | "
                             + " | ".join(str(int(np.sum(c))) for c in counts)
                             + f" | {rate(worst)} | {_check(worst, lambda x: x <= ALPHA / 2)} |")
    return lines


def edge_table(trials: int) -> list[str]:
    """The cell closest to its bound, again with ten times the trials, and the margin itself."""
    trials *= 10
    lines = ["### Wrong \"yes\" near the margin, with more trials", "",
             f"Heterogeneous cases, one sample, n = 1,000, swap margin 5 pp, the primary row "
             f"alone; {trials} trials. At a true drop equal to the margin a one-sided 2.5 % "
             "test is expected to say yes about 2.5 % of the time.", "",
             "| true drop | P(yes) | target |", "|-|-|-|"]
    for drop, label in ((0.055, "5.5 pp (> margin)"), (0.05, "5.0 pp (= margin)")):
        s = Scenario("heterogeneous", 1000, 1, drop=drop, primary_only=True)
        r = judge(s, trials, seed=seed_of("heterogeneous", 1000, 1, drop, "edge"))
        lines.append(f"| {label} | {rate(r['yes'])} | "
                     f"{'≤ 0.025' if drop > 0.05 else '≈ 0.025 (a boundary, not a target)'} |")
    return lines


def coverage_table(trials: int) -> list[str]:
    lines = ["### Coverage of the primary 95 % interval at n = 20 (few discordant pairs)", "",
             f"{trials} trials per scenario.", "",
             "| profile | samples | true Δ | coverage | target ≥ 0.93 |", "|-|-|-|-|-|"]
    for profile in ("near-deterministic", "heterogeneous"):
        for samples in (1, 4):
            for drop in (0.0, 0.05, 0.15):
                s = Scenario(profile, 20, samples, drop=drop, primary_only=True)
                r = judge(s, trials, seed=seed_of(profile, samples, drop, "cov"))
                lines.append(f"| {profile} | {samples} | {s.true_delta:+.2f} | "
                             f"{rate(r['covered'])} | {_check(r['covered'], lambda x: x >= 0.93)} |")
    return lines


def power_table(trials: int) -> list[str]:
    lines = ["### Power at the reported MDE (primary row, case-breaking change)", "",
             "The MDE is the median the comparison reports on A/A data of the scenario; the "
             "change then breaks enough cases to drop the pass rate by exactly that much. "
             f"{trials} trials per scenario. Target: 0.75–0.9.", "",
             "| profile | n | samples | reported MDE | power | ✓ |", "|-|-|-|-|-|-|"]
    for profile in ("near-deterministic", "heterogeneous", "noisy"):
        for n in (100, 400, 1000):
            for samples in (1, 4):
                base = Scenario(profile, n, samples, primary_only=True)
                pilot = judge(base, max(100, trials // 4), seed=seed_of(profile, n, samples, "pm"))
                mde = float(np.nanmedian(pilot["mde"]))
                if not mde == mde or mde >= PROFILES[profile][1]:
                    lines.append(f"| {profile} | {n} | {samples} | {mde:.3f} | – | |")
                    continue
                r = judge(replace(base, drop=mde), trials,
                          seed=seed_of(profile, n, samples, "pw"))
                lines.append(f"| {profile} | {n} | {samples} | {mde * 100:.1f} pp | "
                             f"{rate(r['primary_regressed'])} | "
                             f"{_check(r['primary_regressed'], lambda x: 0.75 <= x <= 0.9)} |")
    return lines


def family_table(trials: int) -> list[str]:
    trials = trials * 5 // 2  # both targets sit near their bounds: more precision
    lines = ["### Many rows: primary power and a regression confined to one slice (n = 1000)", "",
             f"{trials} trials per scenario.", "",
             "| scenario | profile | measure | rate | target | ✓ |", "|-|-|-|-|-|-|"]
    for profile in ("near-deterministic", "heterogeneous", "noisy"):
        alone = judge(Scenario(profile, 1000, drop=0.05, primary_only=True), trials,
                      seed=seed_of(profile, "alone"))
        many = judge(Scenario(profile, 1000, scorers=3, drop=0.05), trials,
                     seed=seed_of(profile, "many"))
        lines.append(f"| 5 pp overall drop, primary tested alone | {profile} | primary regressed "
                     f"| {rate(alone['primary_regressed'])} | (reference) | |")
        lines.append(f"| 5 pp overall drop, 3 scorers × 4 slices | {profile} | primary regressed "
                     f"| {rate(many['primary_regressed'])} | ≥ 0.70 | "
                     f"{_check(many['primary_regressed'], lambda x: x >= 0.70)} |")
        sliced = judge(Scenario(profile, 1000, scorers=3, slice_drop=0.10), trials,
                       seed=seed_of(profile, "slice"))
        found = sliced["s0_flagged"] | sliced["no"]
        lines.append(f"| 10 pp drop in slice s0 (25 %) only, 3 scorers × 4 slices | {profile} | "
                     f"found (s0 flagged or \"no\") | {rate(found)} | ≥ 0.50 | "
                     f"{_check(found, lambda x: x >= 0.5)} |")
        lines.append(f"| (same) | {profile} | a wrong slice flagged | "
                     f"{rate(sliced['other_slice_flagged'])} | ≤ 0.05 | "
                     f"{_check(sliced['other_slice_flagged'], lambda x: x <= ALPHA)} |")
    return lines


TABLES = {"aa": aa_table, "wrong_yes": wrong_yes_table, "edge": edge_table,
          "coverage": coverage_table,
          "power": power_table, "family": family_table}


def main(tables: dict | None = None, doc: str | None = None, trials: int = 400) -> None:
    """The command line of a simulation whose tables are `tables` (name: trials -> lines)."""
    tables = TABLES if tables is None else tables
    parser = argparse.ArgumentParser(description=(doc or __doc__).splitlines()[0])
    parser.add_argument("--trials", type=int, default=trials)
    parser.add_argument("--only", choices=sorted(tables), action="append")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    lines = []
    for name in args.only or tables:
        started = time.perf_counter()
        lines += tables[name](args.trials)
        lines += ["", f"_{time.perf_counter() - started:.0f} s (`--only {name}`)._", ""]
        print(f"[{name} done in {time.perf_counter() - started:.0f} s]", file=sys.stderr)
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
