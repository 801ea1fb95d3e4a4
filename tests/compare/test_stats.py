"""The statistics against SciPy and statsmodels, on known tables and on random data."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sp
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestPower

from evalkit.compare import stats

TABLES = [(0, 0), (0, 1), (1, 9), (9, 1), (5, 5), (0, 6), (3, 10), (40, 60), (17, 30),
          (250, 310), (1000, 1100), (30000, 30500)]


@pytest.mark.parametrize("b,c", TABLES)
def test_exact_mcnemar_matches_scipy_and_statsmodels(b, c):
    ours = stats.mcnemar_exact(b, c)
    expected = sp.binomtest(b, b + c, 0.5).pvalue if b + c else 1.0
    assert ours == pytest.approx(expected, rel=1e-9, abs=1e-300)
    table = [[7, b], [c, 11]]  # the concordant cells do not enter the exact test
    assert ours == pytest.approx(sm_mcnemar(table, exact=True).pvalue, rel=1e-9)


@pytest.mark.parametrize("b,c", TABLES)
def test_mid_p_mcnemar_matches_scipy(b, c):
    """Two-sided mid-p: the exact p-value less the probability of the observed count."""
    n, k = b + c, min(b, c)
    expected = 1.0 if b == c else min(1.0, sp.binomtest(b, n, 0.5).pvalue - sp.binom.pmf(k, n, 0.5))
    assert stats.mcnemar_midp(b, c) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_mid_p_mcnemar_published_value():
    """Fagerland, Lydersen & Laake (2017), ch. 8, Cavo et al. (2012): n12 = 6, n21 = 16,
    the McNemar mid-P test: P = 0.034690 (exact conditional: 0.052479)."""
    assert stats.mcnemar_midp(16, 6) == pytest.approx(0.034690, abs=5e-7)
    assert stats.mcnemar_exact(16, 6) == pytest.approx(0.052479, abs=5e-7)
    assert stats.min_discordant(0.05, mid=True) == 5  # 2^-5 = 0.031 < 0.05 ≤ 2^-4


def test_exact_mcnemar_known_values():
    assert stats.mcnemar_exact(1, 9) == pytest.approx(22 / 1024)  # 2 · (1 + 10) / 2^10
    assert stats.mcnemar_exact(0, 6) == pytest.approx(2 / 64)
    assert stats.mcnemar_exact(5, 5) == 1.0
    assert stats.mcnemar_exact(0, 0) == 1.0
    assert stats.min_discordant(0.05) == 6  # 2/2^5 = 0.0625 ≥ 0.05 > 2/2^6


def test_holm_matches_statsmodels():
    rng = np.random.default_rng(3)
    for size in (1, 2, 5, 17, 60):
        p = rng.uniform(0, 0.2, size) ** rng.uniform(0.5, 3)
        expected = multipletests(p, method="holm")[1]
        np.testing.assert_allclose(stats.holm(p), expected, rtol=1e-12)


def test_holm_leaves_untested_rows_out_of_the_family():
    p = np.array([0.01, np.nan, 0.04, 0.03])
    adjusted = stats.holm(p)
    assert math.isnan(adjusted[1])
    np.testing.assert_allclose(adjusted[[0, 2, 3]], multipletests([0.01, 0.04, 0.03],
                                                                   method="holm")[1])


@pytest.mark.parametrize("n", [40, 150])  # ≤ 64 distinct sizes: binomial sums; more: bits
def test_sign_flip_p_matches_scipy_permutation_test(n):
    rng = np.random.default_rng(11)
    for shift in (0.0, 0.15, 0.3):
        deltas = rng.normal(shift, 1.0, n)
        ours = stats.sign_flip_p(deltas, 20_000, np.random.default_rng(1))
        theirs = sp.permutation_test((deltas,), np.mean, permutation_type="samples",
                                     n_resamples=20_000, vectorized=True,
                                     random_state=np.random.default_rng(2)).pvalue
        assert ours == pytest.approx(theirs, abs=0.015)  # two Monte Carlo estimates


def test_sign_flip_on_flips_is_mcnemar():
    """±1 deltas are discordant pairs: the sign-flip test is the exact McNemar test."""
    deltas = np.array([-1.0] * 14 + [1.0] * 4 + [0.0] * 50)
    ours = stats.sign_flip_p(deltas, 40_000, np.random.default_rng(5))
    assert ours == pytest.approx(stats.mcnemar_exact(14, 4), abs=0.004)
    assert stats.sign_flip_p(np.zeros(10), 100, np.random.default_rng(0)) == 1.0


def test_bootstrap_ci_matches_scipy_percentile_bootstrap():
    rng = np.random.default_rng(7)
    for deltas in (rng.normal(0.1, 1.0, 300),  # continuous: resampled indices
                   rng.choice([-1.0, 0.0, 1.0], 300, p=[0.15, 0.7, 0.15])):  # few values: counts
        low, high = stats.bootstrap_ci(deltas, 0.05, 20_000, np.random.default_rng(1))
        theirs = sp.bootstrap((deltas,), np.mean, method="percentile", n_resamples=20_000,
                              random_state=np.random.default_rng(2)).confidence_interval
        width = high - low
        assert low == pytest.approx(theirs.low, abs=0.03 * width)
        assert high == pytest.approx(theirs.high, abs=0.03 * width)
        se = deltas.std() / math.sqrt(len(deltas))  # and the normal approximation
        assert width == pytest.approx(2 * 1.96 * se, rel=0.06)


def test_bootstrap_is_reproducible_with_a_seed():
    deltas = np.random.default_rng(0).normal(size=500)
    one = stats.bootstrap_ci(deltas, 0.05, 1000, stats.rng_for(0, "ci", "m"))
    two = stats.bootstrap_ci(deltas, 0.05, 1000, stats.rng_for(0, "ci", "m"))
    other = stats.bootstrap_ci(deltas, 0.05, 1000, stats.rng_for(1, "ci", "m"))
    assert one == two and one != other


def test_mde_mean_matches_statsmodels_power():
    for n, sd in ((50, 1.0), (400, 0.3), (5000, 2.0)):
        ours = stats.mde_mean(n, sd, 0.0, 0.05)
        # statsmodels: effect size (in sd) a one-sample t test detects with 80 % power
        effect = TTestPower().solve_power(nobs=n, alpha=0.05, power=0.8, alternative="two-sided")
        assert ours == pytest.approx(effect * sd, rel=0.02 if n >= 400 else 0.05)
    assert stats.mde_mean(100, 1.0, 0.1, 0.05) == pytest.approx(0.1 + stats.mde_mean(100, 1.0, 0, 0.05))


def test_mde_rate_solves_the_power_equation():
    n, alpha, var = 400, 0.05, 0.1
    mde = stats.mde_rate(n, var, 0.0, alpha)
    z = sp.norm.ppf(1 - alpha / 2) + sp.norm.ppf(0.8)
    # the change adds its own flips (δ of the cases) to the observed noise of the deltas
    assert mde == pytest.approx(z * math.sqrt((var + mde * (1 - mde)) / n), rel=1e-6)
    # no observed discordance: a change of δ still makes δ of the cases flip
    tiny = stats.mde_rate(n, 0.0, 0.0, alpha)
    assert tiny == pytest.approx(z * math.sqrt(tiny * (1 - tiny) / n), rel=1e-6)
    assert stats.mde_rate(n, 0.0, 0.0, alpha) >= stats.min_discordant(alpha, mid=True) / n
    # 4 cases cannot reach p < 0.05 even all flipping; 5 can, only all of them
    assert stats.mde_rate(4, 0.0, 0.0, alpha) != stats.mde_rate(4, 0.0, 0.0, alpha)  # NaN
    assert stats.mde_rate(5, 0.0, 0.0, alpha) == 1.0


def _comb_ratio(top, bottom, k):
    return math.comb(top, k) / math.comb(bottom, k)


def test_pass_at_k_and_pass_hat_k_match_the_combinatorial_definitions():
    n = np.array([5, 5, 5, 5, 10, 10, 3])
    c = np.array([0, 1, 3, 5, 2, 9, 3])
    for k in (1, 2, 3):
        at = stats.pass_at_k(n, c, k)
        hat = stats.pass_hat_k(n, c, k)
        for i in range(len(n)):
            assert at[i] == pytest.approx(1 - _comb_ratio(n[i] - c[i], n[i], k))
            assert hat[i] == pytest.approx(_comb_ratio(c[i], n[i], k))
    np.testing.assert_allclose(stats.pass_at_k(n, c, 1), c / n)  # pass@1 is the pass rate


def test_mde_with_several_samples_keeps_the_variance_of_broken_cases():
    """A change that breaks δ of the cases adds δ(1 − δ) to the per-case variance whatever
    the samples (a broken case fails every sample): no division by the sample count."""
    n, alpha, var = 400, 0.05, 0.02
    z = sp.norm.ppf(1 - alpha / 2) + sp.norm.ppf(0.8)
    four = stats.mde_rate(n, var, 0.0, alpha, samples=4)
    assert four == pytest.approx(z * math.sqrt((var + four * (1 - four)) / n), rel=1e-6)
    assert four == pytest.approx(stats.mde_rate(n, var, 0.0, alpha, samples=2), rel=1e-9)
    # the verdict also needs the Tango interval (variance bound E|d|) to clear the margin:
    # with flaky samples E|d| exceeds the variance, and the MDE grows accordingly
    wide = stats.mde_rate(n, var, 0.0, alpha, samples=4, abs_delta=0.3, ci_alpha=alpha)
    z_ci = sp.norm.ppf(1 - alpha / 2)
    assert wide > four
    assert wide == pytest.approx(z_ci * math.sqrt((0.3 + wide - wide ** 2) / n)
                                 + sp.norm.ppf(0.8) * math.sqrt((var + wide * (1 - wide)) / n),
                                 rel=1e-6)


def test_guarded_bootstrap_never_collapses_to_a_point():
    """Every per-case delta equal: the percentile bootstrap says [d, d]; the guard widens it
    to the change a share −ln(α/2)/n of the cases could hide (each moving ≤ `reach`)."""
    deltas = np.zeros(50)
    assert stats.bootstrap_ci(deltas, 0.05, 500, np.random.default_rng(0)) == (0.0, 0.0)
    low, high = stats.guarded_bootstrap_ci(deltas, 0.05, 500, np.random.default_rng(0), 0.8)
    floor = -math.log(0.025) / 50 * 0.8
    assert (low, high) == pytest.approx((-floor, floor))
    one_sided = np.array([0.0] * 999 + [-0.5])  # one case moved: every resample is ≤ 0
    low, high = stats.guarded_bootstrap_ci(one_sided, 0.05, 2000, np.random.default_rng(1), 1.0)
    assert high > 0.003 and low < -0.0005
    wide = np.random.default_rng(2).normal(0, 1, 400)  # plenty of spread: the bootstrap alone
    assert stats.guarded_bootstrap_ci(wide, 0.05, 2000, np.random.default_rng(3), 1.0) == \
        stats.bootstrap_ci(wide, 0.05, 2000, np.random.default_rng(3))
