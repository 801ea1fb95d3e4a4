"""Gates evaluated on real runs: thresholds and slice gaps on one run; regression, flips,
cost/latency and --strict on a Diff; waivers that expire; missing data fails closed."""
from __future__ import annotations

from datetime import date

from evalkit import load_suite
from evalkit.compare import compare, run_values
from evalkit.gates import check_diff, check_run
from evalkit.store import Store
from evalkit.suite.gate_spec import Policy
from tests.compare.helpers import case_ids, run, store_run, write_suite

IDS = case_ids(20)
TODAY = date(2030, 6, 1)


def _policy(data: dict) -> Policy:
    return Policy.model_validate(data)


def _check_run(db, run_id, policy):
    with Store(db, read_only=True) as store:
        values = run_values(store, run_id, ["lang"], policy.active_waivers(TODAY))
    return check_run(values, policy, TODAY)


def _check_diff(db, base, cand, policy, strict=False):
    with Store(db, read_only=True) as store:
        diff = compare(store, base, cand, policy=policy, today=TODAY)
    return check_diff(diff, strict=strict)


def _statuses(report):
    return [(r.status, r.gate) for r in report.results]


def test_thresholds_and_slice_gaps_on_one_run(tmp_path):
    suite, db = write_suite(tmp_path, 20), tmp_path / "r.duckdb"
    run_id = run(suite, db, wrong=[IDS[0], IDS[2], IDS[4]])  # three lang=en cases fail
    report = _check_run(db, run_id, _policy({"gates": [
        {"metric": "exact", "min": 0.8},
        {"metric": "exact", "min": 0.9},
        {"metric": "passed", "by": "lang", "min": 0.8},
        {"metric": "exact", "by": "lang", "max_gap": 0.35},
        {"metric": "exact", "by": "lang", "max_gap": 0.25},
        {"metric": "exact", "stat": "mean", "min": 0.1},  # exact has no values beyond pass/fail
        {"regression": "exact"}]}))
    results = report.results
    assert [r.status for r in results] == ["passed", "failed", "failed", "passed", "failed",
                                          "failed", "skipped"]
    assert results[1].reason == "85.0% (n=20)" and results[1].gate == "exact ≥ 90.0%"
    assert results[2].reason == "lang=en 70.0% (n=10)"
    assert results[4].reason == "gap 30.0%: lang=fr 100.0% vs lang=en 70.0%"
    assert "no values of exact (mean)" in results[5].reason
    assert "needs a baseline" in results[6].reason
    assert not report.ok and len(report.failed) == 4


def test_waivers_in_absolute_gates_and_expired_waivers_fail(tmp_path):
    suite, db = write_suite(tmp_path, 20), tmp_path / "r.duckdb"
    run_id = run(suite, db, wrong=[IDS[0]])
    gate = {"metric": "exact", "min": 1.0}
    waived = _check_run(db, run_id, _policy({"gates": [gate], "waivers": [
        {"case": IDS[0], "reason": "known", "expires": "2030-06-01"}]}))
    assert _statuses(waived) == [("passed", "exact ≥ 100.0%")]
    expired = _check_run(db, run_id, _policy({"gates": [gate], "waivers": [
        {"case": IDS[0], "reason": "known", "expires": "2030-05-31"}]}))
    assert [r.status for r in expired.results] == ["failed", "failed"]
    assert expired.results[1].reason == "expired on 2030-05-31 (known)"


def test_regression_and_flip_gates_on_a_diff(tmp_path):
    suite, db = write_suite(tmp_path, 20), tmp_path / "r.duckdb"
    base = run(suite, db)
    small = run(suite, db, wrong=IDS[:2])
    large = run(suite, db, wrong=IDS[:16])  # 8 flips in each slice
    policy = _policy({"gates": [{"regression": "exact", "by": "lang"},
                                {"regression": {"metric": "passed", "max_flips": 2}}]})
    fine = _check_diff(db, base, small, policy)
    assert [r.status for r in fine.results] == ["passed", "passed"] and fine.ok
    assert fine.results[1].reason == "2 pass→fail, 0 fail→pass"
    bad = _check_diff(db, base, large, policy)
    assert [r.status for r in bad.results] == ["failed", "failed"]
    assert bad.results[0].reason.startswith("overall Δ -80.0 pp")
    assert "lang=en" in bad.results[0].reason and "lang=fr" in bad.results[0].reason
    assert _check_diff(db, large, base, policy).ok  # improvements pass


def test_cost_and_token_increase_gates(tmp_path):
    suite, db = write_suite(tmp_path, 10), tmp_path / "r.duckdb"
    base = run(suite, db, cost=0.001, tokens=100)
    pricier = run(suite, db, cost=0.0013, tokens=110)
    policy = _policy({"gates": [{"max_increase": {"cost": 0.2, "tokens_out": 0.15}}]})
    report = _check_diff(db, base, pricier, policy)
    assert _statuses(report) == [("failed", "cost at most +20%"),
                                 ("passed", "tokens_out at most +15%")]
    assert report.results[0].reason == "0.001 → 0.0013 (+30.0%)"


def test_latency_gate_and_missing_measures_fail_closed(tmp_path):
    db = tmp_path / "s.duckdb"
    rows = [{"id": f"k{i}", "passed": True, "latency": 1.0 + i / 100} for i in range(100)]
    store_run(db, "A", rows)
    store_run(db, "B", [{**r, "latency": r["latency"] * 1.25} for r in rows])
    policy = _policy({"gates": [{"max_increase": {"latency_p95": 0.2, "latency_p50": 0.3,
                                                  "cost": 0.1}}]})
    report = _check_diff(db, "A", "B", policy)
    assert _statuses(report) == [("failed", "cost at most +10%"),
                                 ("passed", "latency_p50 at most +30%"),
                                 ("failed", "latency_p95 at most +20%")]
    assert report.results[0].reason == "no cost recorded on both runs"
    assert report.results[2].reason.endswith("(+25.0%)")


def test_strict_fails_when_more_than_the_model_changed(tmp_path):
    db = tmp_path / "r.duckdb"
    base = run(write_suite(tmp_path, 8), db)
    same_setup = run(write_suite(tmp_path, 8), db, wrong=IDS[:1])
    other_prompt = run(write_suite(tmp_path, 8, file_name="p2", prompt='"Q: {{ question }}"'), db)
    policy = _policy({})
    assert _check_diff(db, base, same_setup, policy, strict=True).ok
    report = _check_diff(db, base, other_prompt, policy, strict=True)
    assert not report.ok
    assert "prompt template" in report.failed[0].reason
    assert _check_diff(db, base, other_prompt, policy).ok  # without --strict: reported only


def test_gates_stored_on_the_candidate_run_are_used_by_default(tmp_path):
    db = tmp_path / "r.duckdb"
    suite = write_suite(tmp_path, 10, extra="gates:\n  - {metric: exact, min: 0.95}\n")
    base = run(suite, db)
    cand = run(suite, db, wrong=IDS[:1])
    with Store(db, read_only=True) as store:
        diff = compare(store, base, cand)
    assert diff.policy == Policy.of(load_suite(suite).spec)
    assert [r.status for r in check_diff(diff).results] == ["failed"]
