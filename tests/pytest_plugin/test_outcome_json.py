"""A suite's outcome crosses pytest-xdist processes as JSON: every record comes back typed."""
from evalkit.pytest_plugin.outcome import (
    ExpiredWaiver,
    Flip,
    GateLine,
    GoldenStatus,
    MetricLine,
    MissingGolden,
    Regression,
    RunCounts,
    SampleResult,
    ScoreLine,
    SuiteOutcome,
)


def test_an_outcome_round_trips_through_json_with_its_nested_records():
    sample = SampleResult(1, False, None, "Rome", True,
                          (ScoreLine("exact", False, 0.0, "expected Paris"),
                           ScoreLine("judge", None, None, None)))
    outcome = SuiteOutcome(
        "capitals", "suite.yaml", run_id="r1", model="python/m", cases={"fr": (sample,)},
        golden={"fr": GoldenStatus((MissingGolden("golden.jsonl", "exact"),), "Paris", "added")},
        golden_counts={"added": 1, "changed": 0, "unchanged": 0},
        gates=[(GateLine("exact ≥ 90.0%", "failed", "50.0% (n=2)"),), ()],
        waivers=[ExpiredWaiver("fr", "2024-01-01", "flaky")], baseline_run="r0",
        regression=Regression(("exact overall: 100.0% → 50.0%",), 0, 2, "no", ("regressed",),
                              True),
        pass_to_fail=[Flip("fr", 1)],
        metrics=[MetricLine("exact", 2, 0.5, 1.0, -0.5, "regressed", None)],
        counts=RunCounts(cases=1, results=1, passed=0, errors=0, cached=1), stop=None)
    back = SuiteOutcome.from_json(outcome.to_json())
    assert back == outcome
    assert isinstance(back.cases["fr"][0].scores[0], ScoreLine)
    assert isinstance(back.regression, Regression) and back.pass_to_fail[0].sample == 1


def test_a_failed_run_round_trips_with_its_defaults():
    outcome = SuiteOutcome("s", "s.yaml", error="the model is unreachable")
    back = SuiteOutcome.from_json(outcome.to_json())
    assert back == outcome and back.counts == RunCounts() and back.regression is None
