"""Power planning (compare/plan.py) on real DuckDB files: the noise it finds, the MDE it
reports (the comparison's own at the same n), and the cases it asks for (checked against
statsmodels' normal power solver)."""
from __future__ import annotations

import math

import pytest
from statsmodels.stats.power import NormalIndPower

from evalkit.compare import compare
from evalkit.compare.plan import (
    AA,
    ASSUMED,
    RECENT,
    cases_needed,
    mde_at,
    plan_suite,
    with_samples,
)
from evalkit.errors import UsageError
from evalkit.store import Store
from evalkit.suite.gate_spec import Policy
from tests.compare.helpers import store_run

N = 400


def _rows(flipped: set[int], n: int = N) -> list[dict]:
    """Cases c000… passing except those in `flipped`; half lang=en, half fr."""
    return [{"id": f"c{i:03d}", "passed": i not in flipped, "lang": "en" if i % 2 else "fr"}
            for i in range(n)]


def _aa_store(db, flips: int = 40):
    """Two runs of one configuration: `flips` cases differ, half each way."""
    store_run(db, "a1", _rows(set(range(0, flips, 2))), fingerprint="f")
    store_run(db, "a2", _rows(set(range(1, flips, 2))), fingerprint="f")


def test_the_plan_uses_the_aa_rerun_and_its_mde_is_the_comparisons(tmp_path):
    db = tmp_path / "r.duckdb"
    _aa_store(db)
    policy = Policy()
    with Store(db, read_only=True) as store:
        plan = plan_suite(store, "stored", policy, ["lang"], target=0.02, power=0.8)
        diff = compare(store, "a1", "a2", noise=None)
    assert plan.noise.source == AA and "a1" in plan.noise.detail and "a2" in plan.noise.detail
    overall = plan.overall
    assert overall.n == N and overall.flip_rate == pytest.approx(40 / N)
    # at the noise pair's own n and 80 % power, the plan's MDE is `compare`'s MDE column
    assert overall.mde == pytest.approx(diff.row().mde, rel=1e-9)
    for value in ("en", "fr"):
        row = next(r for r in plan.rows if r.slice_value == value)
        assert row.n == N // 2
        assert row.mde == pytest.approx(diff.row("passed", "pass_rate", "lang", value).mde)
    assert plan.rows[0].slice_key is None  # overall first


def test_cases_needed_is_the_smallest_n_within_the_target(tmp_path):
    db = tmp_path / "r.duckdb"
    _aa_store(db)
    with Store(db, read_only=True) as store:
        plan = plan_suite(store, "stored", Policy(), ["lang"], target=0.03, power=0.8)
        row = next(r for r in plan.noise.groups.to_dict("records") if r["slice_key"] is None)
    needed = plan.overall.cases_needed
    assert mde_at(row, needed, 0.8, 0.05) <= 0.03 < mde_at(row, needed - 1, 0.8, 0.05)
    assert cases_needed(row, 0.03, 0.9, 0.05) > needed  # more power, more cases
    assert cases_needed(row, 0.06, 0.8, 0.05) < needed  # a larger change, fewer cases


def test_cases_needed_agrees_with_statsmodels_for_one_sample():
    """With one sample and symmetric noise, v(δ) = noise + δ(1 − δ) and the Tango bound's
    variance coincide: n = ((z_{1−a/2} + z_power) / (δ/√v))², statsmodels' one-sample solver."""
    noise, level, target = 0.08, 0.05 * 2 / 3, 0.04
    row = {"level": level, "var_delta": noise, "margin": 0.0, "samples": 1, "abs_delta": noise}
    expected = NormalIndPower().solve_power(
        effect_size=target / math.sqrt(noise + target * (1 - target)), alpha=level, power=0.8,
        ratio=0, alternative="two-sided")
    # the Tango bound is taken at the interval's alpha (0.05): it does not bind here
    assert cases_needed(row, target, 0.8, 0.05) == pytest.approx(expected, rel=0.01)


def test_without_a_rerun_the_plan_uses_the_recent_runs_and_says_so(tmp_path):
    db = tmp_path / "r.duckdb"
    store_run(db, "b1", _rows(set()))
    store_run(db, "b2", _rows(set(range(30))))  # another model: its real drop counts as noise
    with Store(db, read_only=True) as store:
        plan = plan_suite(store, "stored", Policy(), ["lang"], target=0.02, power=0.8)
    assert plan.noise.source == RECENT and "conservative" in plan.noise.detail
    assert plan.overall.flip_rate == pytest.approx(30 / N)


def test_a_stated_flip_rate_needs_no_runs_and_more_noise_needs_more_cases():
    counts = {(None, None): 1000, ("lang", "en"): 500, ("lang", "fr"): 500}
    low = plan_suite(None, "s", Policy(), ["lang"], target=0.03, power=0.8, assume_flips=0.02,
                     current=counts)
    high = plan_suite(None, "s", Policy(), ["lang"], target=0.03, power=0.8, assume_flips=0.2,
                      current=counts)
    assert low.noise.source == ASSUMED and "2.0% of the cases flip" in low.noise.detail
    assert high.overall.cases_needed > low.overall.cases_needed
    assert high.overall.mde > low.overall.mde
    slice_row = next(r for r in low.rows if r.slice_value == "en")
    assert slice_row.n == 500 and slice_row.mde > low.overall.mde  # half the cases


def test_no_noise_and_bad_targets_are_clear_errors(tmp_path):
    db = tmp_path / "r.duckdb"
    store_run(db, "only", _rows(set()))
    with Store(db, read_only=True) as store:
        with pytest.raises(UsageError, match="no stored noise.*--assume-flips"):
            plan_suite(store, "stored", Policy(), [], target=0.02, power=0.8)
        with pytest.raises(UsageError, match="--power 1.5"):
            plan_suite(store, "stored", Policy(), [], target=0.02, power=1.5, assume_flips=0.1,
                       current={(None, None): 100})
        with pytest.raises(UsageError, match="--mde 0"):
            plan_suite(store, "stored", Policy(), [], target=0.0, power=0.8, assume_flips=0.1,
                       current={(None, None): 100})


def test_a_baseline_plans_from_its_own_rerun(tmp_path):
    db = tmp_path / "r.duckdb"
    _aa_store(db)
    store_run(db, "other", _rows(set(range(100))), model="python/other:model")  # newest
    with Store(db) as store:
        from evalkit.compare.baselines import set_baseline

        set_baseline(store, "prod", "a1", None)
    with Store(db, read_only=True) as store:
        plan = plan_suite(store, "stored", Policy(), ["lang"], target=0.02, power=0.8,
                          baseline="prod")
        unnamed = plan_suite(store, "stored", Policy(), ["lang"], target=0.02, power=0.8)
    assert plan.noise.source == AA and plan.noise.detail == "run a1 and its rerun a2"
    assert plan.overall.flip_rate == pytest.approx(40 / N)
    assert unnamed.noise.source == AA  # an A/A pair is preferred to the two newest runs


def test_samples_needed_keep_the_cases_and_shrink_only_sampling_noise(tmp_path):
    counts = {(None, None): 400}
    plan = plan_suite(None, "s", Policy(), [], target=0.08, power=0.8, assume_flips=0.3,
                      current=counts)
    row = next(r for r in plan.noise.groups.to_dict("records") if r["metric"] == "passed")
    k = plan.overall.samples_needed
    assert k is not None and k > 1
    assert mde_at(with_samples(row, k), 400, 0.8, 0.05) <= 0.08
    assert mde_at(with_samples(row, k - 1), 400, 0.8, 0.05) > 0.08
    assert with_samples(row, 1)["var_delta"] == pytest.approx(row["var_delta"])
    assert with_samples(row, 4)["var_delta"] == pytest.approx(row["var_delta"] / 4)
    # a drop too small for 400 cases at any number of samples: δ(1 − δ) does not shrink
    tiny = plan_suite(None, "s", Policy(), [], target=0.01, power=0.8, assume_flips=0.3,
                      current=counts)
    assert tiny.overall.samples_needed is None
    # noise between two different models is not sampling noise: no samples advice
    db = tmp_path / "r.duckdb"
    store_run(db, "b1", _rows(set()))
    store_run(db, "b2", _rows(set(range(30))))
    with Store(db, read_only=True) as store:
        recent = plan_suite(store, "stored", Policy(), [], target=0.05, power=0.8)
    assert recent.overall.samples_needed is None
    assert not any("samples per case" in line for line in recent.sentences())
