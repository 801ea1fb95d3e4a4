"""compare() on real runs: flips, paired tests and verdicts, slices, waivers, new/removed
cases, repeated samples, the A/A noise floor and what else changed."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from scipy.stats import binom, binomtest

from evalkit.compare import compare
from evalkit.compare.multiplicity import adjusted_p, swap_graph
from evalkit.compare.verdicts import COLUMNS
from evalkit.errors import UsageError
from evalkit.gates import check_diff
from evalkit.store import Store
from evalkit.suite.gate_spec import Policy
from tests.compare.helpers import case_ids, run, store_run, write_suite

IDS = case_ids(40)


def _midp(b: int, c: int) -> float:
    """Two-sided mid-p McNemar from SciPy: the exact p less the observed table's probability."""
    k, n = min(b, c), b + c
    return min(1.0, binomtest(b, n, 0.5).pvalue - binom.pmf(k, n, 0.5)) if b != c else 1.0


def _diff(db, base="base", cand="cand", **kwargs):
    with Store(db, read_only=True) as store:
        return compare(store, base, cand, **kwargs)


def test_every_case_is_classified_and_counted(tmp_path):
    suite, db = write_suite(tmp_path, 40), tmp_path / "r.duckdb"
    run(suite, db, "base", wrong=IDS[:3])  # c000-c002 fail
    run(suite, db, "cand", wrong=IDS[2:14])  # c002-c013 fail
    diff = _diff(db)
    assert diff.counts() == {"still_passing": 26, "pass_to_fail": 11, "fail_to_pass": 2,
                             "still_failing": 1}
    status = {c.case_id: c.status for c in diff.cases}
    # the notebook view: the columns the DataFrames always had, NaN where a row has None
    frame = diff.metrics_frame()
    assert list(frame.columns) == COLUMNS and len(frame) == len(diff.metrics)
    assert frame["p_holm"].equals(frame["p_adj"]) and frame["same_as"].isna().sum() == 3
    assert dict(zip(diff.cases_frame()["case_id"], diff.cases_frame()["status"])) == status
    assert status["c000"] == "fail_to_pass" and status["c002"] == "still_failing"
    assert status["c003"] == "pass_to_fail" and status["c020"] == "still_passing"
    row = diff.row()
    assert (row.n, row.pass_to_fail, row.fail_to_pass) == (40, 11, 2)
    assert row.baseline == pytest.approx(37 / 40) and row.candidate == pytest.approx(28 / 40)
    assert row.delta == pytest.approx(-9 / 40)
    assert row.test == "mcnemar mid-p"
    assert row.p == pytest.approx(_midp(11, 2), rel=1e-9)
    assert row.ci_low <= row.delta <= row.ci_high
    # per slice: even ids are lang=en
    en = diff.row("passed", "pass_rate", "lang", "en")
    flipped_en = [i for i in range(3, 14) if i % 2 == 0]
    assert en.n == 20 and en.pass_to_fail == len(flipped_en)
    assert en.p == pytest.approx(_midp(len(flipped_en), 1))
    # the scorer `exact` decides `passed` alone: the same test, counted once in the family
    exact = diff.row("exact")
    assert exact.same_as == "passed" and exact.p_adj == row.p_adj == row.p_holm
    family = diff.metrics_frame()
    family = family[family["same_as"].isna()]
    assert len(family) == 3  # passed overall, lang=en, lang=fr
    assert list(family["family"]) == ["primary", "secondary", "secondary"]
    # the primary holds two thirds of alpha and is the first rejected: p / (2/3)
    assert row.p_adj == pytest.approx(row.p * 1.5)
    assert row.level == pytest.approx(0.05 * 2 / 3)
    graph = swap_graph([True, False, False], [False, True, True], [True, True, True])
    np.testing.assert_allclose(family["p_adj"], adjusted_p(family["p"].to_numpy(), graph))
    assert row.interval == "tango score"
    worst = diff.worst
    assert list(worst["status"].unique()) == ["pass_to_fail"] and len(worst) == 10
    first = worst.iloc[0]
    assert first["candidate_output"] == f"wrong answer to {first['case_id']}"
    assert first["baseline_output"] == f"answer {first['case_id']}"
    assert "exact" in first["why"]


def test_verdicts_regressed_improved_and_no_detectable_change(tmp_path):
    suite, db = write_suite(tmp_path, 40), tmp_path / "r.duckdb"
    run(suite, db, "good")
    run(suite, db, "bad", wrong=IDS[:16])
    run(suite, db, "slightly", wrong=IDS[:1])
    regressed = _diff(db, "good", "bad").row()
    assert regressed.verdict == "regressed"
    assert regressed.p_holm < 0.05 and regressed.ci_high < 0
    assert _diff(db, "bad", "good").row().verdict == "improved"
    small = _diff(db, "good", "slightly").row()
    assert small.verdict == "no detectable change"
    assert small.mde > abs(small.delta) and small.mde >= 6 / 40  # McNemar needs 6 flips
    # a margin wider than the interval's reach: no verdict, however significant
    wide = Policy.model_validate({"compare": {"margin": 0.5}})
    assert _diff(db, "good", "bad", policy=wide).row().verdict == "no detectable change"


def test_a_regression_confined_to_one_slice(tmp_path):
    suite, db = write_suite(tmp_path, 40), tmp_path / "r.duckdb"
    fr_fixed = [IDS[i] for i in (1, 3, 5, 7, 9)]  # baseline fails 5 fr cases, candidate fixes
    en_broken = [IDS[i] for i in range(0, 20, 2)]  # and the candidate breaks 10 en cases
    run(suite, db, "base", wrong=fr_fixed)
    run(suite, db, "cand", wrong=en_broken)
    diff = _diff(db)
    assert diff.row().verdict == "no detectable change"  # 10 vs 5 flips overall
    en = diff.row("passed", "pass_rate", "lang", "en")
    assert en.verdict == "regressed"
    # the slices share the third of alpha the primary does not hold: a sixth each
    assert en.level == pytest.approx(0.05 / 6)
    assert en.p_adj == pytest.approx(_midp(10, 0) * 6)
    assert diff.row("passed", "pass_rate", "lang", "fr").verdict == "no detectable change"


def test_waivers_leave_cases_out_until_they_expire(tmp_path):
    suite, db = write_suite(tmp_path, 40), tmp_path / "r.duckdb"
    run(suite, db, "base")
    run(suite, db, "cand", wrong=IDS[:2])
    today = date(2030, 1, 1)
    waiver = {"case": "c001", "reason": "known", "expires": str(today)}
    active = _diff(db, policy=Policy.model_validate({"waivers": [waiver]}), today=today)
    assert active.row().n == 39 and active.row().pass_to_fail == 1
    assert active.cases_frame().set_index("case_id").loc["c001", "waived"]
    assert [c.waived for c in active.cases if c.case_id == "c001"] == [True]
    assert "c001" not in set(active.worst["case_id"])
    assert {v.n for v in active.candidate_values if v.slice_key is None} == {39}
    expired = _diff(db, policy=Policy.model_validate({"waivers": [waiver]}),
                    today=today + timedelta(days=1))
    assert expired.row().n == 40 and expired.row().pass_to_fail == 2
    only_other = {"case": "c001", "metric": "exact", "reason": "r", "expires": "2099-01-01"}
    scoped = _diff(db, policy=Policy.model_validate({"waivers": [only_other]}))
    assert scoped.row().n == 40 and scoped.row("exact").n == 39


def test_new_and_removed_cases_and_what_else_changed(tmp_path):
    db = tmp_path / "r.duckdb"
    base_suite = write_suite(tmp_path, 40)
    cand_suite = write_suite(tmp_path, file_name="cmp2", ids=IDS[:38] + ["n100", "n101"],
                             prompt='"Q: {{ question }}"',
                             extra="options: {temperature: 0.5}\n")
    run(base_suite, db, "base")
    run(cand_suite, db, "cand")
    diff = _diff(db)
    counts = diff.counts()
    assert counts["new"] == 2 and counts["removed"] == 2 and diff.row().n == 38
    items = dict(zip(diff.manifest["item"], diff.manifest["strict"]))
    for item in ("prompt template", "option temperature", "suite file", "cases (dataset hash)"):
        assert bool(items[item]), item
    assert set(diff.else_changed()["item"]) >= {"prompt template", "option temperature"}
    temperature = diff.manifest.set_index("item").loc["option temperature"]
    assert (temperature["baseline"], temperature["candidate"]) == ("-", "0.5")


def test_only_the_model_changed(tmp_path):
    suite, db = write_suite(tmp_path, 10), tmp_path / "r.duckdb"
    run(suite, db, "base")
    run(suite, db, "cand", wrong=IDS[:1])
    diff = _diff(db)
    assert diff.else_changed().empty
    assert set(diff.manifest["part"]) == {"model"}  # fingerprint and backend option `wrong`


def test_refusals(tmp_path):
    db = tmp_path / "r.duckdb"
    run(write_suite(tmp_path, 5), db, "a")
    run(write_suite(tmp_path, 5, name="other"), db, "b")
    with pytest.raises(UsageError, match="same suite"):
        _diff(db, "a", "b")
    with pytest.raises(UsageError, match="same run"):
        _diff(db, "a", "a")
    with pytest.raises(UsageError, match="no run or label 'nope'"):
        _diff(db, "nope", "a")


def test_repeated_samples_rates_flaky_cases_and_pass_at_k(tmp_path):
    suite, db = write_suite(tmp_path, 20, samples=4), tmp_path / "r.duckdb"
    run(suite, db, "base")
    run(suite, db, "cand", flaky=IDS[:5], wrong=IDS[19:])  # 5 flaky: fail samples 1 and 3
    diff = _diff(db)
    row = diff.row()
    assert row.test == "sign-flip" and row.samples == 4 and row.n == 20
    assert row.pass_to_fail == 5 * 2 + 4  # flips counted per aligned sample
    assert row.delta == pytest.approx(-(5 * 0.5 + 1) / 20)
    repeats = diff.repeats.set_index("run")
    assert repeats.loc["candidate", "flaky"] == 5 and repeats.loc["baseline", "flaky"] == 0
    assert repeats.loc["candidate", "pass@k"] == pytest.approx(19 / 20)
    assert repeats.loc["candidate", "pass^k"] == pytest.approx(14 / 20)
    assert repeats.loc["candidate", "pass@1"] == pytest.approx((14 + 5 * 0.5) / 20)
    rates = diff.case_rates.set_index("case_id")
    assert rates.loc["c000", "candidate_rate"] == 0.5 and rates.loc["c000", "candidate_flaky"]


def test_noise_floor_from_a_rerun_of_the_baseline(tmp_path):
    suite, db = write_suite(tmp_path, 12), tmp_path / "r.duckdb"
    first = run(suite, db, "base", cache=True)
    rerun = run(suite, db, "base", cache=True)  # same configuration, served from the cache
    run(suite, db, "cand", wrong=IDS[:2])
    diff = _diff(db, first, "cand")
    assert diff.noise_run == rerun
    noise = diff.noise.set_index("metric").loc["passed"]
    assert noise["n"] == 12 and noise["delta"] == 0 and noise["rerun_cached"] == 1.0
    assert _diff(db, first, "cand", noise=None).noise_run is None


def test_mean_scores_latency_and_cost_from_stored_runs(tmp_path):
    db = tmp_path / "s.duckdb"
    rng = np.random.default_rng(0)
    n = 300
    values = rng.uniform(0.3, 0.9, n)
    worse = np.clip(values - 0.05 + rng.normal(0, 0.05, n), 0, 1)
    latency_a, latency_b = rng.gamma(2, 0.5, n), rng.gamma(2, 0.6, n)
    store_run(db, "A", [{"id": f"k{i}", "passed": v > 0.5, "value": v, "latency": la,
                         "cost": 0.002, "lang": "en" if i % 3 else "fr"}
                        for i, (v, la) in enumerate(zip(values, latency_a))])
    store_run(db, "B", [{"id": f"k{i}", "passed": v > 0.5, "value": v, "latency": lb,
                         "cost": 0.003, "lang": "en" if i % 3 else "fr"}
                        for i, (v, lb) in enumerate(zip(worse, latency_b))])
    diff = _diff(db, "A", "B")
    mean = diff.row("sim", "mean")
    assert mean.test == "sign-flip" and mean.n == n
    assert mean.baseline == pytest.approx(values.mean())
    assert mean.delta == pytest.approx((worse - values).mean())
    assert mean.ci_low < mean.delta < mean.ci_high < 0
    assert mean.verdict == "regressed"
    fr = diff.row("sim", "mean", "lang", "fr")
    assert fr.n == 100 and fr.delta == pytest.approx((worse - values)[::3].mean())
    ops = diff.operations.set_index("measure")
    assert ops.loc["latency_p95", "baseline"] == pytest.approx(np.quantile(latency_a, 0.95))
    assert ops.loc["latency_p95", "candidate"] == pytest.approx(np.quantile(latency_b, 0.95))
    assert ops.loc["cost", "change"] == pytest.approx(0.5)
    assert ops.loc["cost_total", "candidate"] == pytest.approx(0.003 * n)
    assert diff.timings["resampling_s"] > 0 and diff.timings["total_s"] >= diff.timings["resampling_s"]


def test_same_numbers_with_the_same_seed(tmp_path):
    suite, db = write_suite(tmp_path, 30), tmp_path / "r.duckdb"
    run(suite, db, "base")
    run(suite, db, "cand", wrong=IDS[:5])
    one, two = _diff(db), _diff(db)
    assert one.metrics == two.metrics
    assert one.metrics_frame().equals(two.metrics_frame())


def test_an_empty_candidate_and_scores_without_a_verdict(tmp_path):
    db = tmp_path / "e.duckdb"
    store_run(db, "A", [{"id": f"k{i}", "passed": None, "value": i / 10} for i in range(10)])
    store_run(db, "B", [{"id": f"k{i}", "passed": None, "value": i / 10 + 0.01}
                        for i in range(10)])
    store_run(db, "C", [])
    diff = _diff(db, "A", "B")
    assert diff.row("sim") is None  # no pass/fail verdicts: no pass rate to compare
    assert diff.row("sim", "mean").delta == pytest.approx(0.01)
    assert set(diff.scores["status"]) == {"no_verdict"}
    assert diff.row().baseline == 1.0  # results.passed: a score without verdict fails nothing
    empty = _diff(db, "A", "C")
    assert empty.metrics == () and empty.row() is None
    assert empty.metrics_frame().empty and "p_holm" in empty.metrics_frame().columns
    assert empty.counts() == {"removed": 10}
    gated = replace(empty, policy=Policy.model_validate(
        {"gates": [{"regression": "passed"}, {"metric": "passed", "min": 0.5}]}))
    report = check_diff(gated)  # missing data fails closed
    assert [r.status for r in report.results] == ["failed", "failed"]
    assert "not in both runs" in report.results[0].reason


def test_slices_and_scorers_no_longer_drown_the_headline_test(tmp_path):
    """Issue 11: 8 of 40 cases got worse and none better (Δ −20 pp) read "no detectable
    change" once every metric × slice row shared one Holm family. The primary row holds two
    thirds of alpha whatever else is tested."""
    more = "  - {type: contains, name: has_word, value: answer}\n  - {type: token_f1, name: f1}\n"
    suite, db = write_suite(tmp_path, 40, extra=more), tmp_path / "r.duckdb"
    run(suite, db, "base")
    run(suite, db, "cand", wrong=IDS[:8])
    diff = _diff(db)
    row = diff.row()
    assert (row.pass_to_fail, row.fail_to_pass, row.delta) == (8, 0, -0.2)
    assert row.verdict == "regressed" and row.p_adj == pytest.approx(row.p * 1.5)
    tested = [r for r in diff.metrics if r.p_adj is not None and r.same_as is None]
    assert len(tested) >= 9  # passed, has_word, f1 and its mean, overall and by lang
