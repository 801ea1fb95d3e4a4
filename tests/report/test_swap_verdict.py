"""The swap answer on real runs (the Python API): which rows decide it, the margin it names,
unpaired samples, errors, mean scores that never collapse, and a single run's headline."""
from __future__ import annotations

from datetime import date

import pytest

from evalkit.compare import compare
from evalkit.gates import check_diff, check_run
from evalkit.report.swap_answer import for_diff, for_run
from evalkit.store import Store
from evalkit.suite.gate_spec import Policy
from tests.compare.helpers import case_ids, run, store_run, write_suite


def _answer(db, base="base", cand="cand", **kwargs):
    with Store(db, read_only=True) as store:
        diff = compare(store, base, cand, **kwargs)
    return diff, for_diff(diff, check_diff(diff))


def test_yes_names_the_margin_the_interval_and_the_mde(tmp_path):
    suite, db = write_suite(tmp_path, 300), tmp_path / "r.duckdb"
    run(suite, db, "base")
    run(suite, db, "cand", cost=0.002)
    diff, verdict = _answer(db)
    assert verdict.answer == "yes" and verdict.headline == "Safe to swap: yes"
    first = verdict.reasons[0]
    assert "95% Tango score interval; 300 cases" in first and "swap margin 5.0 pp" in first
    assert "MDE" in first and diff.row().mde <= 0.05
    tight = Policy.model_validate({"compare": {"swap_margin": 0.01}})
    _, strict = _answer(db, policy=tight)  # 300 cases cannot show a 1 pp margin
    assert strict.answer == "inconclusive"
    assert "(swap margin 1.0 pp)" in strict.reasons[0]


def test_primary_metrics_declared_by_the_suite_decide(tmp_path):
    db = tmp_path / "p.duckdb"
    rows = [{"id": f"k{i:03d}", "passed": i % 5 != 0, "value": 0.3 + (i % 7) / 10}
            for i in range(400)]
    store_run(db, "A", rows)
    store_run(db, "B", rows, model="python/other:y")
    with Store(db, read_only=True) as store:
        plain = compare(store, "A", "B")
        chosen = compare(store, "A", "B", policy=Policy.model_validate(
            {"compare": {"primary": ["sim"]}}))
    primary = [r for r in plain.metrics if r.family == "primary" and r.same_as is None]
    assert [r.metric for r in primary] == ["passed"] and primary[0].level == pytest.approx(0.05 * 2 / 3)
    # `sim` decides `passed` alone (one scorer): the declared primary is that same row
    assert chosen.row("sim").same_as == "passed" and chosen.row().family == "primary"
    mean = chosen.row("sim", "mean")
    assert mean.family == "secondary" and mean.interval == "bootstrap"
    # identical values on both runs: the bootstrap alone would say [0, 0]
    assert mean.ci_low < 0 < mean.ci_high


def test_unpaired_samples_make_the_answer_inconclusive(tmp_path):
    """Baseline with 1 sample, candidate with 5 whose extra samples mostly fail."""
    ids = case_ids(300)
    one, five = write_suite(tmp_path, 300), write_suite(tmp_path, 300, file_name="five",
                                                         samples=5)
    db = tmp_path / "r.duckdb"
    run(one, db, "base")
    run(five, db, "cand", flaky=ids[:240])  # odd samples fail on 240 cases
    diff, verdict = _answer(db)
    assert verdict.answer == "inconclusive"
    assert diff.coverage.unpaired_samples == 1200 and len(diff.coverage.partial) == 300
    assert "1200 sample(s) of 300 case(s) run by one side only (c000, c001" in verdict.reasons[0]
    _, subset = _answer(db, allow_subset=True)
    assert any("compared the 300 cases both runs have" in r for r in subset.reasons)


def test_errors_get_their_own_row_and_count_as_failures(tmp_path):
    ids = case_ids(40)
    suite, db = write_suite(tmp_path, 40), tmp_path / "r.duckdb"
    run(suite, db, "base")
    run(suite, db, "same", cost=0.002)
    run(suite, db, "cand", error=ids[:4])
    clean, _ = _answer(db, "base", "same")
    assert clean.row("errors", "error_rate") is None  # no errors anywhere: no row
    diff, verdict = _answer(db)
    errors = diff.row("errors", "error_rate")
    assert (errors.baseline, errors.candidate, errors.pass_to_fail) == (0.0, 0.1, 4)
    assert errors.family == "secondary" and errors.ci_low < errors.delta < errors.ci_high
    assert diff.row("errors", "error_rate", "lang", "en") is None  # overall only
    assert diff.row().pass_to_fail == 4  # an error is a failure of the pass rate
    assert verdict.answer != "yes"


def test_a_single_run_is_headed_by_its_gates(tmp_path):
    suite = write_suite(tmp_path, 10, extra="gates:\n  - {metric: passed, min: 0.9}\n")
    db = tmp_path / "r.duckdb"
    run(suite, db, "good")
    run(suite, db, "bad", wrong=case_ids(10)[:3])
    policy = Policy.model_validate({"gates": [{"metric": "passed", "min": 0.9}]})
    with Store(db, read_only=True) as store:
        from evalkit.compare import resolve, run_values

        def gates(label, rules):
            values = run_values(store, resolve(store, label), ["lang"])
            return for_run(check_run(values, rules, date.today()))

        good, bad, none = gates("good", policy), gates("bad", policy), gates("bad", Policy())
    assert (good.headline, bad.headline, none.headline) == (
        "Gates: passed", "Gates: failed", "Gates: none to check")
    assert "Safe to swap" not in good.headline + bad.headline + none.headline


def test_n_counts_cases_with_samples_beside_it(tmp_path):
    suite, db = write_suite(tmp_path, 20, samples=3), tmp_path / "r.duckdb"
    run(suite, db, "base")
    run(suite, db, "cand", cost=0.002)
    diff, _ = _answer(db)
    assert diff.row().n == 20 and diff.row().samples == 3
    overall = [v for v in diff.candidate_values if v.slice_key is None and v.metric == "passed"]
    assert (overall[0].n, overall[0].samples) == (20, 3)


def test_thirty_identical_cases_with_a_two_point_margin_are_not_a_yes(tmp_path):
    """Issue 11: 30 identical cases with margin 0.02 said yes (a percentile bootstrap of
    all-zero deltas is [0, 0])."""
    suite, db = write_suite(tmp_path, 30), tmp_path / "r.duckdb"
    run(suite, db, "base")
    run(suite, db, "cand", cost=0.002)
    diff, verdict = _answer(db, policy=Policy.model_validate({"compare": {"swap_margin": 0.02}}))
    row = diff.row()
    assert row.ci_low < -0.1 and verdict.answer == "inconclusive"
