"""Paired statistics for two runs over the same cases.

NumPy and the standard library only (SciPy would cost half a second of import on every
`evalkit compare`); tests/compare checks each function against SciPy and statsmodels.

- McNemar: a two-sided binomial test of the pass→fail count among discordant pairs, exact
  or mid-p (what a comparison uses);
- paired bootstrap: resample cases (with replacement), the mean per-case delta each time,
  never narrower than the change too rare to show in n cases (`guarded_bootstrap_ci`);
- sign-flip test: under "A and B are the same model" each per-case delta is as likely to
  have either sign (the exact McNemar test is the special case of ±1 deltas);
- Holm's step-down adjustment for a family of tests (the comparison itself uses the
  graphical procedure of multiplicity.py, of which Holm is a special case);
- minimum detectable effect (MDE) at 80 % power (normal approximation).
"""
from __future__ import annotations

import hashlib
import math
from statistics import NormalDist

import numpy as np

POWER = 0.8
FEW_VALUES = 64  # at most this many distinct values: resample counts, not indices
CHUNK = 4_000_000  # array elements per resampling step (bounds memory at 100k cases)


def rng_for(seed: int, *names: object) -> np.random.Generator:
    """A generator seeded by the settings seed and a test's name, so that each test's draws
    are reproducible whatever else is in the comparison."""
    digest = hashlib.sha256(repr((seed, names)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _binomial_half_tail(n: int, k: int) -> tuple[float, float]:
    """(P(X ≤ k), P(X = k)) for X ~ Binomial(n, 1/2), k ≤ n/2, by a running sum of logs."""
    i = np.arange(k, dtype=np.float64)
    # log C(n, i+1) − log C(n, i) = log((n − i) / (i + 1)): the pmf by a running sum of logs.
    log_pmf = np.concatenate(([0.0], np.cumsum(np.log((n - i) / (i + 1))))) - n * math.log(2)
    top = float(log_pmf.max())
    tail = math.exp(top + math.log(float(np.exp(log_pmf - top).sum())))
    return tail, math.exp(float(log_pmf[-1]))


def mcnemar_exact(pass_to_fail: int, fail_to_pass: int) -> float:
    """Two-sided exact McNemar p-value: 2·P(X ≤ min(b, c)), X ~ Binomial(b + c, 1/2), at most 1."""
    n = int(pass_to_fail) + int(fail_to_pass)
    if n == 0:
        return 1.0
    tail, _ = _binomial_half_tail(n, min(int(pass_to_fail), int(fail_to_pass)))
    return min(1.0, 2.0 * tail)


def mcnemar_midp(pass_to_fail: int, fail_to_pass: int) -> float:
    """Two-sided mid-p McNemar: 2·P(X < k) + P(X = k), k = min(b, c), at most 1.

    The exact test counts the observed table whole in its tail and is conservative with few
    discordant pairs; the mid-p counts it half. Fagerland, Lydersen & Laake (2013), "The
    McNemar test for binary matched-pairs data: mid-p and asymptotic are better than exact
    conditional", BMC Medical Research Methodology 13:91, found its type I error at or below
    the nominal level in almost every setting; benchmarks/RESULTS.md measures it here."""
    n = int(pass_to_fail) + int(fail_to_pass)
    if n == 0:
        return 1.0
    tail, at = _binomial_half_tail(n, min(int(pass_to_fail), int(fail_to_pass)))
    return min(1.0, 2.0 * tail - at)


def bootstrap_means(deltas: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Means of `resamples` bootstrap resamples of `deltas` (cases drawn with replacement)."""
    deltas = np.asarray(deltas, dtype=np.float64)
    n = len(deltas)
    values, counts = np.unique(deltas, return_counts=True)
    if len(values) <= FEW_VALUES:
        # How often each distinct value is drawn is multinomial: the same law as drawing
        # indices, at O(distinct values) per resample instead of O(n).
        draws = rng.multinomial(n, counts / n, size=resamples)
        return draws @ values / n
    out = np.empty(resamples)
    rows = max(1, CHUNK // n)
    narrow = deltas.astype(np.float32)  # half the memory traffic; sums stay float64-exact enough
    for start in range(0, resamples, rows):
        stop = min(resamples, start + rows)
        picks = rng.integers(0, n, size=(stop - start, n), dtype=np.int32)
        out[start:stop] = np.take(narrow, picks).sum(axis=1, dtype=np.float64) / n
    return out


def bootstrap_ci(deltas: np.ndarray, alpha: float, resamples: int,
                 rng: np.random.Generator) -> tuple[float, float]:
    """Percentile bootstrap (1 − alpha) interval of the mean delta."""
    if len(deltas) == 0:
        return math.nan, math.nan
    means = bootstrap_means(deltas, resamples, rng)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def unseen_change(n: int, alpha: float, reach: float) -> float:
    """How far the mean could move through changes too rare to show in n cases: a change
    hitting a share π of the cases goes unseen with probability (1 − π)^n ≥ alpha/2 up to
    π = −ln(alpha/2)/n (the "rule of three" at 95 %), and moves a case by at most `reach`."""
    return -math.log(alpha / 2) / n * reach if n > 0 else math.nan


def guarded_bootstrap_ci(deltas: np.ndarray, alpha: float, resamples: int,
                         rng: np.random.Generator, reach: float) -> tuple[float, float]:
    """The percentile bootstrap, never narrower than ±unseen_change around the estimate:
    when every case's delta is equal (or few differ) every resample repeats them, and the
    bootstrap alone would claim a zero-width interval."""
    low, high = bootstrap_ci(deltas, alpha, resamples, rng)
    if math.isnan(low):
        return low, high
    centre, floor = float(np.mean(deltas)), unseen_change(len(deltas), alpha, reach)
    return min(low, centre - floor), max(high, centre + floor)


def sign_flip_p(deltas: np.ndarray, resamples: int, rng: np.random.Generator) -> float:
    """Two-sided Monte Carlo sign-flip test of mean delta = 0, p = (1 + extreme) / (1 + resamples)."""
    nonzero = np.asarray(deltas, dtype=np.float64)
    nonzero = nonzero[nonzero != 0]
    if len(nonzero) == 0:
        return 1.0
    observed = abs(float(nonzero.sum()))
    sizes, counts = np.unique(np.abs(nonzero), return_counts=True)
    if len(sizes) <= FEW_VALUES:
        # m random signs sum to 2·Binomial(m, 1/2) − m
        plus = rng.binomial(counts, 0.5, size=(resamples, len(counts)))
        sums = (2 * plus - counts) @ sizes
    else:
        sums = _random_sign_sums(nonzero, resamples, rng)
    tolerance = 1e-9 * max(1.0, observed)  # float sums equal to the observed one count as ties
    extreme = int(np.count_nonzero(np.abs(sums) >= observed - tolerance))
    return (1 + extreme) / (1 + resamples)


def _random_sign_sums(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Σ ±values for random signs, 8 values per random byte: each block of 8 values has a
    table of its 256 subset sums, so a resample costs one lookup per 8 values.
    Σ ±d = 2·Σ_{plus} d − Σ d."""
    blocks = np.zeros(-(-len(values) // 8) * 8)
    blocks[: len(values)] = values
    blocks = blocks.reshape(-1, 8)
    subsets = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).astype(np.float64)
    table = blocks @ subsets.T  # [block, byte]: the sum of the block's values the byte picks
    picks = rng.integers(0, 256, size=(resamples, len(blocks)), dtype=np.uint8)
    sums = np.zeros(resamples)
    step = 512  # blocks per pass: their tables (1 MiB) stay in cache while every resample reads
    for first in range(0, len(blocks), step):
        part = table[first:first + step]
        index = picks[:, first:first + step] + np.arange(len(part), dtype=np.int32) * 256
        sums += np.take(part.ravel(), index).sum(axis=1)
    return 2.0 * sums - values.sum()


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjusted p-values; NaN (no test) stays NaN and is not counted."""
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    m = len(tested)
    if m == 0:
        return out
    order = tested[np.argsort(p[tested], kind="stable")]
    scaled = (m - np.arange(m)) * p[order]
    out[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return out


def _z(q: float) -> float:
    return NormalDist().inv_cdf(q)


def min_discordant(alpha: float, mid: bool = False) -> int:
    """Fewest discordant pairs (all one way) for which McNemar can reach p < alpha: exact,
    2·2^−m; mid-p, 2^−m."""
    m = 1
    while (1.0 if mid else 2.0) * 0.5 ** m >= alpha:
        m += 1
    return m


def _smallest(short) -> float:
    """The smallest d in (0, 1] with short(d) ≥ 0, NaN if none: the first sign change on a
    grid, then on a finer grid inside that step, interpolated linearly."""
    low, high = 1e-6, 1.0
    for _ in range(2):
        grid = np.linspace(low, high, 4097)
        values = short(grid)
        enough = np.flatnonzero(values >= 0)
        if len(enough) == 0:
            return math.nan
        i = int(enough[0])
        if i == 0:
            return float(grid[0])
        low, high = float(grid[i - 1]), float(grid[i])
        before, after = float(values[i - 1]), float(values[i])
    return low + (high - low) * (-before) / (after - before)


def mde_rate(n: int, delta_var: float, margin: float, alpha: float, samples: int = 1,
             power: float = POWER, *, abs_delta: float | None = None,
             ci_alpha: float | None = None) -> float:
    """Smallest true drop δ of a pass rate that a paired test over n cases would call
    regressed with `power`: δ = margin + (z₁₋α/₂ + z_power)·√(v(δ)/n).

    v(δ) is the variance of per-case deltas under that change: the observed variance (the
    noise of two runs) plus δ(1 − δ), the variance of a change that breaks δ of the cases.
    More samples per case do not shrink that part: a broken case fails every sample.
    With one sample, mid-p McNemar also needs `min_discordant(alpha, mid=True)` flips:
    δ ≥ that / n.
    `abs_delta` (the observed mean |per-case delta|) and `ci_alpha`: the verdict also needs
    the (1 − ci_alpha) Tango interval, whose variance is at most E|d| − Δ², to clear the
    margin; with several samples that bound exceeds v(δ), and the MDE takes the larger need.
    NaN when nothing up to 100 % could be detected.
    """
    if n <= 0:
        return math.nan
    z_power = _z(power)
    factor = _z(1 - alpha / 2) + z_power

    def short(d):  # < 0 while d is too small to be detected
        return d - margin - factor * np.sqrt((delta_var + d * (1 - d)) / n)

    found = _smallest(short)
    if abs_delta is not None and ci_alpha is not None and not math.isnan(found):
        z_ci = _z(1 - ci_alpha / 2)

        def short_ci(d):
            bound = np.sqrt(np.maximum(abs_delta + d - d * d, 0.0) / n)
            return d - margin - z_ci * bound - z_power * np.sqrt((delta_var + d * (1 - d)) / n)

        found = max(found, _smallest(short_ci))
    floor = min_discordant(alpha, mid=True) / n if samples == 1 else 0.0
    found = max(found, margin + floor)
    return found if found <= 1.0 else math.nan


def mde_mean(n: int, delta_sd: float, margin: float, alpha: float, power: float = POWER) -> float:
    """Smallest true mean change detectable with `power`: margin + (z₁₋α/₂ + z_power)·sd/√n."""
    if n <= 1 or not delta_sd > 0:
        return math.nan
    return margin + (_z(1 - alpha / 2) + _z(power)) * delta_sd / math.sqrt(n)


def pass_at_k(n: np.ndarray, c: np.ndarray, k: int) -> np.ndarray:
    """Unbiased per-case pass@k (Chen et al. 2021): 1 − C(n − c, k) / C(n, k)."""
    return 1.0 - _ratio(np.asarray(n) - np.asarray(c), np.asarray(n), k)


def pass_hat_k(n: np.ndarray, c: np.ndarray, k: int) -> np.ndarray:
    """Per-case pass^k (all k of k draws pass): C(c, k) / C(n, k)."""
    return _ratio(np.asarray(c), np.asarray(n), k)


def _ratio(top: np.ndarray, bottom: np.ndarray, k: int) -> np.ndarray:
    """C(top, k) / C(bottom, k) = Π_{i<k} (top − i) / (bottom − i), 0 when top < k."""
    out = np.ones(len(top), dtype=np.float64)
    for i in range(k):
        out *= np.clip(top - i, 0, None) / (bottom - i)
    return out
