"""Coverage of the trend's intervals (report/trend.py): Wilson's score interval for a run's
pass rate over n cases, measured by simulation, beside the Wald interval it replaces in
most dashboards.

One sample per case: X ~ Binomial(n, p). Several samples per case (k = 5): each case has
its own pass probability q ~ Beta with mean p (flaky cases), the run's pass rate is the mean
of the cases' pass rates, and the interval treats it as a rate over n cases — the claim in
trend.py is that this is conservative (coverage ≥ nominal), since a case mean varies less
than one result.

Slice gaps: Newcombe's hybrid score interval for the difference between the best and the
worst value of a slice key. With two values per key the pair is fixed (only which is "best"
is chosen); with several, the best and worst are picked after looking, which the interval
does not know about: measured here with equal true rates (the worst case for selection) and
with spread-out rates, plain and Bonferroni-widened over the k(k − 1)/2 pairs (trend.py).

Each cell: TRIALS simulated runs; coverage with its 95% Clopper–Pearson interval.

    python benchmarks/bench_trend.py [TRIALS]
"""
from __future__ import annotations

import sys
from statistics import NormalDist

import numpy as np
from scipy.stats import beta as beta_dist

Z = 1.959963984540054
NS = (10, 20, 30, 50, 100, 300, 1000)
PS = (0.5, 0.8, 0.9, 0.95, 0.99)


def wilson(x, n, z=Z):
    p = x / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return np.maximum(0, centre - half), np.minimum(1, centre + half)


def wald(x, n):
    p = x / n
    half = Z * np.sqrt(p * (1 - p) / n)
    return p - half, p + half


def clopper(hits: int, trials: int) -> tuple[float, float]:
    low = beta_dist.ppf(0.025, hits, trials - hits + 1) if hits else 0.0
    high = beta_dist.ppf(0.975, hits + 1, trials - hits) if hits < trials else 1.0
    return low, high


def cell(covered: np.ndarray) -> str:
    hits, trials = int(covered.sum()), covered.size
    low, high = clopper(hits, trials)
    return f"{hits / trials:.3f} [{low:.3f}, {high:.3f}]"


def main(trials: int) -> None:
    rng = np.random.default_rng(16)
    print(f"## one sample per case: coverage of nominal 95% ({trials:,} runs per cell)\n")
    print("| n | p | Wilson | Wald |\n|---|---|---|---|")
    worst = 1.0
    for n in NS:
        for p in PS:
            x = rng.binomial(n, p, size=trials).astype(float)
            lo, hi = wilson(x, n)
            wl, wh = wald(x, n)
            covered = (lo <= p) & (p <= hi)
            worst = min(worst, covered.mean())
            print(f"| {n} | {p} | {cell(covered)} | {cell((wl <= p) & (p <= wh))} |")
    print(f"\nlowest Wilson coverage: {worst:.3f}\n")
    k = 5
    print(f"## {k} samples per case, case pass probabilities ~ Beta(mean p, a + b = 2)\n")
    print("| n | p | Wilson over case means |\n|---|---|---|")
    for n in (10, 30, 100, 300):
        for p in PS:
            q = rng.beta(2 * p, 2 * (1 - p), size=(trials, n))
            means = rng.binomial(k, q).mean(axis=1) / k
            lo, hi = wilson(means * n, n)
            print(f"| {n} | {p} | {cell((lo <= p) & (p <= hi))} |")
    gaps(trials, rng)


def newcombe(x1, n1, x2, n2, z=Z):
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    return d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def gaps(trials: int, rng) -> None:
    print("\n## slice gap: best − worst with Newcombe's interval\n")
    print("| values of the key | n per value | true rates | plain 95% | Bonferroni over pairs "
          "(what trend.py uses) |\n|---|---|---|---|---|")
    for rates in ((0.8, 0.8), (0.9, 0.7), (0.8, 0.8, 0.8), (0.8, 0.8, 0.8, 0.8, 0.8, 0.8),
                  (0.95, 0.85, 0.75, 0.65)):
        for n in (10, 30, 100):
            p = np.asarray(rates)
            x = rng.binomial(n, p, size=(trials, len(p))).astype(float)
            order = np.lexsort((np.arange(len(p))[None, :].repeat(trials, 0), x), axis=1)
            best, worst = order[:, -1], order[:, 0]
            rows = np.arange(trials)
            lo, hi = newcombe(x[rows, best], n, x[rows, worst], n)
            pairs = len(p) * (len(p) - 1) // 2
            z = NormalDist().inv_cdf(1 - 0.05 / (2 * pairs))
            blo, bhi = newcombe(x[rows, best], n, x[rows, worst], n, z)
            truth = p[best] - p[worst]
            print(f"| {len(p)} | {n} | {', '.join(map(str, rates))} | "
                  f"{cell((lo <= truth) & (truth <= hi))} | {cell((blo <= truth) & (truth <= bhi))} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
