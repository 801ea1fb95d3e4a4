"""The verdict rule on simulated data: A/A false alarms near alpha (and no more across a
Holm family), interval coverage near 95 %, and 80 % power at the reported MDE."""
from __future__ import annotations

import numpy as np

from evalkit.compare import stats
from evalkit.compare.verdicts import REGRESSED, verdict

ALPHA = 0.05


def _paired_binary(rng, n, sims, p_case, change=0.0):
    """sims A/B runs over n cases with per-case pass probabilities p_case; B passes with
    p_case + change (clipped). Returns pass→fail and fail→pass counts per simulation."""
    a = rng.random((sims, n)) < p_case
    b = rng.random((sims, n)) < np.clip(p_case + change, 0, 1)
    return (a & ~b).sum(axis=1), (~a & b).sum(axis=1)


def _binary_verdict(n, pf, fp, seed, margin=0.0, tests=1):
    deltas = np.repeat([-1.0, 0.0, 1.0], [pf, n - pf - fp, fp])
    low, high = stats.bootstrap_ci(deltas, ALPHA, 400, np.random.default_rng(seed))
    p = min(1.0, stats.mcnemar_exact(pf, fp) * tests)
    return verdict(p, low, high, margin, ALPHA)


def test_aa_false_alarm_rate_of_mcnemar_is_near_alpha():
    rng = np.random.default_rng(2024)
    n, sims = 300, 3000
    p_case = rng.beta(2, 1, n)  # cases differ in difficulty; A and B are the same model
    pf, fp = _paired_binary(rng, n, sims, p_case)
    rejected = np.mean([stats.mcnemar_exact(x, y) < ALPHA for x, y in zip(pf, fp)])
    assert 0.025 <= rejected <= 0.06, rejected  # the exact test is slightly conservative


def test_aa_family_wise_false_alarms_stay_below_alpha_with_holm():
    """Five slices tested at once: P(any slice called changed) ≤ alpha with Holm, and
    clearly above alpha without it."""
    rng = np.random.default_rng(9)
    n, sims, slices = 100, 1500, 5
    p_case = rng.beta(3, 1, (slices, n))
    any_holm = any_raw = 0
    for _ in range(sims):
        p = []
        for s in range(slices):
            pf, fp = _paired_binary(rng, n, 1, p_case[s])
            p.append(stats.mcnemar_exact(pf[0], fp[0]))
        any_holm += bool((stats.holm(p) < ALPHA).any())
        any_raw += bool((np.array(p) < ALPHA).any())
    assert any_holm / sims <= 0.06, any_holm / sims
    assert any_raw / sims > any_holm / sims + 0.03


def test_aa_false_alarm_rate_of_sign_flip_test_is_near_alpha():
    rng = np.random.default_rng(5)
    sims, n = 800, 80  # more than 64 distinct sizes: the random-bits path
    rejected = 0
    for i in range(sims):
        # continuous per-case deltas of two runs of one model: symmetric, heavy-tailed, with
        # per-case spread
        deltas = rng.standard_t(3, n) * rng.uniform(0.1, 2.0, n)
        rejected += stats.sign_flip_p(deltas, 400, np.random.default_rng(i)) < ALPHA
    assert 0.03 <= rejected / sims <= 0.07, rejected / sims


def test_bootstrap_interval_covers_the_true_delta_about_95_percent():
    rng = np.random.default_rng(1)
    sims, n, true = 600, 200, 0.15
    covered = 0
    for i in range(sims):
        deltas = true + rng.normal(0, 1, n) * rng.uniform(0.5, 1.5, n)
        low, high = stats.bootstrap_ci(deltas, ALPHA, 1000, np.random.default_rng(i))
        covered += low <= true <= high
    assert 0.92 <= covered / sims <= 0.975, covered / sims


def test_power_at_the_reported_mde_is_about_80_percent():
    """Plant a regression as large as the MDE the suite reports: the verdict says
    'regressed' about 80 % of the time (and rarely 'regressed' at a quarter of it)."""
    rng = np.random.default_rng(77)
    n, sims = 400, 800
    p_case = rng.beta(4, 1, n)
    pf, fp = _paired_binary(rng, n, 2000, p_case)  # estimate the discordance of an A/A pair
    deltas_var = np.mean(pf + fp) / n
    mde = stats.mde_rate(n, deltas_var, 0.0, ALPHA)
    rates = {}
    for size in (mde, mde / 4):
        # remove `size` of the passes: cases flip pass→fail on top of the A/A discordance
        a = rng.random((sims, n)) < p_case
        b = rng.random((sims, n)) < p_case
        lose = rng.random((sims, n)) < size / p_case.mean()
        b &= ~lose
        pfs, fps = (a & ~b).sum(axis=1), (~a & b).sum(axis=1)
        rates[size] = np.mean([_binary_verdict(n, x, y, i) == REGRESSED
                               for i, (x, y) in enumerate(zip(pfs, fps))])
    assert 0.7 <= rates[mde] <= 0.9, (mde, rates)
    assert rates[mde / 4] <= 0.2, rates
