"""Tango's score interval for a paired difference of pass rates (vectorised over tables).

Notation: n paired cases, b = pass→fail, c = fail→pass, Δ = (c − b) / n (candidate − baseline).
Under Δ = Δ₀ the pass→fail probability p_b has a closed-form restricted maximum-likelihood
estimate (the root of 2n·p² + W·p − b·Δ₀(1 − Δ₀) = 0, W = −(b + c) + (2n − c + b)·Δ₀), and

    T(Δ₀) = (c − b − nΔ₀) / √(n·(2·p_b + Δ₀(1 − Δ₀)))

is Tango's (1998) score statistic; the interval is {Δ₀ : |T(Δ₀)| ≤ z}. Unlike a percentile
bootstrap or a Wald interval it keeps its width when discordant pairs are few or none: with
b = c = 0 it is ±z² / (n + z²), the Wilson bound on the discordance rate (the "rule of
three" of a zero count, scaled). Reference values: Fagerland, Lydersen & Laake (2017),
*Statistical Analysis of Contingency Tables*, ch. 8 (Cavo et al. 2012: b = 16, c = 6,
n = 161 → [−0.1240, −0.0054]); tests/compare/test_paired_rates.py.

Several samples per case: each case's delta d ∈ [−1, 1] (its mean over aligned samples).
Its variance is at most E|d| − Δ² — the variance of a case that flips whole (a ternary
−1 / 0 / +1 delta) with the same mean and E|d| — so Tango's interval on the case-level
net parts B = Σ max(−d, 0), C = Σ max(d, 0) is valid, conservative when samples of one
case disagree, and Tango's own interval with one sample.
"""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

BISECTIONS = 34  # halvings of [−1, 1]: 1e-10, far below any printed digit


def net_parts(deltas: np.ndarray) -> tuple[float, float, int]:
    """(B, C, n) of per-case deltas in [−1, 1]: the case-level pass→fail and fail→pass mass."""
    d = np.asarray(deltas, dtype=np.float64)
    return float(np.clip(-d, 0, None).sum()), float(np.clip(d, 0, None).sum()), len(d)


def _restricted_p_b(b, c, n, delta):
    """The MLE of the pass→fail probability under Δ = delta (stable root of the quadratic)."""
    w = -(b + c) + (2 * n - c + b) * delta
    k = b * delta * (1 - delta)
    root = np.sqrt(np.maximum(w * w + 8 * n * k, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        # (−w + root) / 4n, written so that it does not cancel when w > 0
        p = np.where(w > 0, 2 * k / (w + root), (root - w) / (4 * n))
    return np.clip(np.nan_to_num(p), np.maximum(0.0, -delta), (1 - delta) / 2)


def score_statistic(b, c, n, delta) -> np.ndarray:
    """Tango's T(Δ₀): positive when the observed difference lies above Δ₀."""
    b, c, n, delta = (np.asarray(x, dtype=np.float64) for x in (b, c, n, delta))
    p = _restricted_p_b(b, c, n, delta)
    variance = n * (2 * p + delta * (1 - delta))
    gap = c - b - n * delta
    with np.errstate(divide="ignore", invalid="ignore"):
        t = gap / np.sqrt(variance)
    edge = np.where(gap > 0, np.inf, np.where(gap < 0, -np.inf, 0.0))  # no variance left
    return np.where(variance > 0, t, edge)


def tango_interval(b, c, n, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided (1 − alpha) Tango score interval of Δ = (c − b)/n, elementwise; NaN where
    n = 0. Bisection on each side of the estimate (T is decreasing in Δ₀)."""
    b, c, n = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (b, c, n)))
    z = NormalDist().inv_cdf(1 - alpha / 2)
    safe_n = np.where(n > 0, n, 1.0)
    estimate = (c - b) / safe_n
    bounds = []
    for side in (-1.0, 1.0):  # lower: T(Δ₀) = z below the estimate; upper: T = −z above it
        inner, outer = estimate.copy(), np.full_like(estimate, side)
        for _ in range(BISECTIONS):
            mid = (inner + outer) / 2
            inside = side * score_statistic(b, c, safe_n, mid) > -z
            inner, outer = np.where(inside, mid, inner), np.where(inside, outer, mid)
        bounds.append(np.where(n > 0, inner, np.nan))
    return bounds[0], bounds[1]


def _statistic(b: float, c: float, n: float, delta: float) -> float:
    """score_statistic for one table, in plain floats (a comparison computes it per row)."""
    w = -(b + c) + (2 * n - c + b) * delta
    k = b * delta * (1 - delta)
    root = math.sqrt(max(w * w + 8 * n * k, 0.0))
    p = (2 * k / (w + root) if w + root > 0 else 0.0) if w > 0 else (root - w) / (4 * n)
    p = min(max(p, max(0.0, -delta)), (1 - delta) / 2)
    variance = n * (2 * p + delta * (1 - delta))
    gap = c - b - n * delta
    if variance <= 0:
        return math.inf if gap > 0 else -math.inf if gap < 0 else 0.0
    return gap / math.sqrt(variance)


def tango_ci(b: float, c: float, n: int, alpha: float) -> tuple[float, float]:
    """tango_interval for one table (the same bisection, without NumPy's per-call cost)."""
    if n <= 0:
        return math.nan, math.nan
    z = NormalDist().inv_cdf(1 - alpha / 2)
    estimate = (c - b) / n
    bounds = []
    for side in (-1.0, 1.0):
        inner, outer = estimate, side
        for _ in range(BISECTIONS):
            mid = (inner + outer) / 2
            if side * _statistic(b, c, n, mid) > -z:
                inner = mid
            else:
                outer = mid
        bounds.append(inner)
    return bounds[0], bounds[1]


def score_test_p(b: float, c: float) -> float:
    """Two-sided p of T(0) = (c − b)/√(b + c): the asymptotic McNemar test (1 with no flips)."""
    if b + c <= 0:
        return 1.0
    z = abs(c - b) / math.sqrt(b + c)
    return min(1.0, 2 * NormalDist().cdf(-z))
