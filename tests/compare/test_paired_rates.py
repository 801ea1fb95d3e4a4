"""Tango's score interval for a paired difference of pass rates, against a published worked
example and an independent SciPy implementation, including the tables a percentile
bootstrap gets wrong: no discordant pair, one case, every flip one way."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize
from scipy.stats import norm

from evalkit.compare import stats
from evalkit.compare.paired_rates import (
    net_parts,
    score_statistic,
    score_test_p,
    tango_ci,
    tango_interval,
)


def test_published_worked_example():
    """Fagerland, Lydersen & Laake (2017), Statistical Analysis of Contingency Tables, ch. 8:
    Cavo et al. (2012), n = [[59, 6], [16, 80]]; Tango's interval for π1+ − π+1 is
    −0.0621 (95 % CI −0.1240 to −0.0054); the asymptotic McNemar test P = 0.033006."""
    # Their difference is (n12 − n21)/N; ours is (c − b)/n: b = 16, c = 6.
    low, high = tango_ci(16, 6, 161, 0.05)
    assert (round(low, 4), round(high, 4)) == (-0.1240, -0.0054)
    assert tango_ci(6, 16, 161, 0.05) == pytest.approx((-high, -low))
    assert score_test_p(16, 6) == pytest.approx(0.033006, abs=5e-7)


def _scipy_tango(b: int, c: int, n: int, alpha: float) -> tuple[float, float]:
    """An independent implementation: the restricted MLE by numerical maximisation of the
    multinomial likelihood, the score statistic from it, and its roots by Brent's method."""
    z = norm.ppf(1 - alpha / 2)
    rest = n - b - c

    def restricted(delta):  # p_b maximising the likelihood with p_c = p_b + delta
        low, high = max(0.0, -delta), (1 - delta) / 2

        def minus_loglik(p):
            q = p + delta
            return -sum(k * math.log(x) for k, x in ((b, p), (c, q), (rest, 1 - p - q)) if k)
        if high - low < 1e-12:
            return low
        return optimize.minimize_scalar(minus_loglik, bounds=(low, high), method="bounded",
                                        options={"xatol": 1e-13}).x

    def t(delta):
        p = restricted(delta)
        variance, gap = n * (2 * p + delta * (1 - delta)), c - b - n * delta
        if variance > 1e-300:
            return gap / math.sqrt(variance)
        return 0.0 if gap == 0 else math.copysign(math.inf, gap)

    estimate = (c - b) / n
    bounds = []
    for side, target in ((-1, z), (1, -z)):
        edge = side * (1 - 1e-9)
        if side * estimate >= 1 - 1e-9 or side * t(edge) > -z:  # the statistic never reaches ±z: the bound is ±1
            bounds.append(float(side))
            continue
        bounds.append(optimize.brentq(lambda d: t(d) - target, *sorted((estimate, edge)),
                                      xtol=1e-12))
    return bounds[0], bounds[1]


@pytest.mark.parametrize("b,c,n", [(0, 0, 1), (1, 0, 1), (0, 1, 1), (0, 0, 20), (0, 3, 20),
                                   (3, 0, 20), (20, 0, 20), (0, 20, 20), (2, 1, 40),
                                   (5, 12, 100), (11, 2, 40), (40, 20, 160), (0, 0, 1000),
                                   (30, 10, 1000)])
def test_matches_an_independent_scipy_implementation(b, c, n):
    ours = tango_ci(b, c, n, 0.05)
    theirs = _scipy_tango(b, c, n, 0.05)
    assert ours == pytest.approx(theirs, abs=2e-6)
    assert ours[0] <= (c - b) / n <= ours[1]


def test_no_discordant_pair_still_has_width():
    """b = c = 0: ±z²/(n + z²), the Wilson bound on the discordance rate (the percentile
    bootstrap gives exactly [0, 0] here, whatever n)."""
    z2 = norm.ppf(0.975) ** 2
    for n in (1, 3, 20, 200, 5000):
        low, high = tango_ci(0, 0, n, 0.05)
        assert low == pytest.approx(-z2 / (n + z2), rel=1e-6) and high == pytest.approx(-low)
    assert tango_ci(0, 0, 1, 0.05)[0] < -0.7  # one case says almost nothing


def test_all_flips_one_way_reach_the_edge():
    low, high = tango_ci(20, 0, 20, 0.05)
    assert low == pytest.approx(-1.0) and -0.8 < high < -0.5
    assert all(math.isnan(x) for x in tango_ci(0, 0, 0, 0.05))  # no case: no interval


def test_vectorised_and_scalar_forms_agree():
    rng = np.random.default_rng(0)
    n = rng.integers(1, 400, 200).astype(float)
    b = np.floor(rng.uniform(0, 0.3, 200) * n)
    c = np.floor(rng.uniform(0, 0.3, 200) * n)
    low, high = tango_interval(b, c, n, 0.1)
    for i in range(len(n)):
        assert (low[i], high[i]) == pytest.approx(tango_ci(b[i], c[i], n[i], 0.1), abs=1e-9)
    assert np.all(np.diff(score_statistic(3, 9, 50, np.linspace(-0.9, 0.9, 50))) < 0)


def test_coverage_with_few_discordant_pairs():
    """Near-deterministic cases at n = 20: the interval covers the true difference in at
    least 93 % of simulated tables (the percentile bootstrap: far less)."""
    rng = np.random.default_rng(11)
    sims, n = 20_000, 20
    for p_b, p_c in ((0.01, 0.01), (0.05, 0.0), (0.0, 0.02), (0.1, 0.02)):
        counts = rng.multinomial(n, [p_b, p_c, 1 - p_b - p_c], size=sims)
        low, high = tango_interval(counts[:, 0], counts[:, 1], n, 0.05)
        true = p_c - p_b
        assert np.mean((low <= true) & (true <= high)) >= 0.93, (p_b, p_c)
    b = rng.binomial(n, 0.05, 400)  # b pass→fail, no fail→pass
    boot = [stats.bootstrap_ci(np.repeat([-1.0, 0.0], [k, n - k]), 0.05, 500,
                               np.random.default_rng(i)) for i, k in enumerate(b)]
    assert np.mean([lo <= -0.05 <= hi for lo, hi in boot]) < 0.9


def test_several_samples_use_the_case_level_net_flips():
    deltas = np.array([-1.0, -0.5, 0.25, 0.0, 0.0])
    assert net_parts(deltas) == (1.5, 0.25, 5)
    # one sample: the net parts are the flip counts, and the interval is Tango's
    flips = np.repeat([-1.0, 0.0, 1.0], [4, 30, 1])
    assert tango_ci(*net_parts(flips), 0.05) == tango_ci(4, 1, 35, 0.05)


def test_several_samples_keep_their_coverage():
    """Per-case rates over 4 samples each, flaky cases and a change that breaks some cases:
    the interval on the net parts covers at least nominally (it is conservative)."""
    rng = np.random.default_rng(5)
    sims, n, k = 4000, 40, 4
    p = rng.beta(0.5, 0.5, (sims, n))
    broken = rng.random((sims, n)) < 0.1
    q = np.where(broken, 0.0, p)
    a = (rng.random((sims, n, k)) < p[..., None]).mean(axis=2)
    b = (rng.random((sims, n, k)) < q[..., None]).mean(axis=2)
    d = b - a
    low, high = tango_interval(np.clip(-d, 0, None).sum(1), np.clip(d, 0, None).sum(1), n, 0.05)
    true = -0.1 * 0.5  # E[q − p] = −P(broken)·E[p]
    assert np.mean((low <= true) & (true <= high)) >= 0.95
