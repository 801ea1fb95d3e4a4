"""Gates, waivers and compare settings in the suite file: valid forms load and are stored
on the run; mistakes are file:line:col errors with the key path and a hint."""
from __future__ import annotations

import json

import pytest

from evalkit import load_suite
from evalkit.errors import SuiteError
from evalkit.suite.gate_spec import ChangeGate, MetricGate, Policy, RegressionGate
from tests.cli.helpers import query
from tests.compare.helpers import run, write_suite

GOOD = """compare: {alpha: 0.01, margin: 0.02, swap_margin: 0.03, primary: [passed, exact],
          allow_subset: true, resamples: 500, seed: 3}
gates:
  - {metric: exact, min: 0.8}
  - {metric: passed, by: lang, min: 0.5, max: 1}
  - {metric: exact, by: lang, max_gap: 0.1}
  - {regression: exact, margin: 0.05, by: lang}
  - {regression: {metric: passed, max_flips: 2}}
  - {max_increase: {latency_p95: 0.2, cost: 0.1}}
waivers:
  - {case: c001, reason: "tokenizer bug, TICKET-1", expires: 2031-12-31}
  - {case: 3, metric: exact, reason: numeric id, expires: "2031-01-01"}
"""


def _problems(tmp_path, extra: str) -> str:
    suite = write_suite(tmp_path, 5, extra=extra)
    with pytest.raises(SuiteError) as caught:
        load_suite(suite)
    return str(caught.value)


def test_every_gate_form_loads_and_is_stored_on_the_run(tmp_path):
    suite = write_suite(tmp_path, 5, extra=GOOD, ids=["c000", "c001", "c002", "3", "c004"])
    policy = Policy.of(load_suite(suite).spec)
    kinds = [type(g) for g in policy.gates]
    assert kinds == [MetricGate, MetricGate, MetricGate, RegressionGate, RegressionGate, ChangeGate]
    assert policy.gates[3].regression.margin == 0.05 and policy.gates[3].regression.by == "lang"
    assert policy.margin_for("exact", "pass_rate") == 0.05
    assert policy.margin_for("passed", "pass_rate") == 0.02  # compare.margin
    assert policy.waivers[1].case == "3"
    settings = policy.compare
    assert (settings.swap_margin, settings.primary, settings.allow_subset) == (
        0.03, ["passed", "exact"], True)
    assert (Policy().compare.swap_margin, Policy().compare.primary) == (0.05, ["passed"])
    db = tmp_path / "r.duckdb"
    run_id = run(suite, db)
    (stored,), = query(db, "SELECT gates FROM runs WHERE run_id = ?", [run_id])
    assert Policy.model_validate(json.loads(stored)) == policy  # the round trip is lossless


def test_a_suite_without_gates_stores_none(tmp_path):
    db = tmp_path / "r.duckdb"
    run_id = run(write_suite(tmp_path, 3), db)
    assert query(db, "SELECT gates FROM runs WHERE run_id = ?", [run_id]) == [(None,)]


@pytest.mark.parametrize("extra,expected", [
    ("gates:\n  - {metric: exact, mni: 0.7}\n",
     ["cmp.yaml:12:21: error: unknown key 'mni' (at gates[0].mni)", "did you mean 'min'?"]),
    ("gates:\n  - {metric: exakt, min: 0.7}\n",
     ["cmp.yaml:12:14: error: gate on unknown metric 'exakt' (at gates[0].metric)",
      "did you mean 'exact'?"]),
    ("gates:\n  - {metric: exact, by: langg, max_gap: 0.1}\n",
     ["cmp.yaml:12:25: error: gate by slice 'langg', which is not in 'slices'",
      "did you mean 'lang'?"]),
    ("gates:\n  - {metric: exact, max_gap: 0.1}\n",
     ["cmp.yaml:12:5: error: 'max_gap' compares slice values: add 'by: SLICE_KEY'"]),
    ("gates:\n  - {metric: exact}\n", ["a metric gate needs 'min', 'max' or 'max_gap'"]),
    ("gates:\n  - {regression: {metric: exact, stat: mean, max_flips: 2}}\n",
     ["'max_flips' counts pass→fail flips: it needs stat: pass_rate (at gates[0].regression)"]),
    ("gates:\n  - {max_increase: {latency_p59: 0.2}}\n",
     ["unknown key 'latency_p59' (at gates[0].max_increase.latency_p59)",
      "did you mean 'latency_p95' or 'latency_p50'?"]),
    ("gates:\n  - {regression: exact, margin: 0.1}\n  - {regression: exact, margin: 0.2}\n",
     ["two regression gates give 'exact' different margins"]),
    ("waivers:\n  - {case: c099, reason: x, expires: 2030-01-01}\n",
     ["cmp.yaml:12:12: error: waiver for unknown case 'c099' (at waivers[0].case)"]),
    ("waivers:\n  - {case: c001, expires: 2030-01-01}\n",
     ["missing required key 'reason' (at waivers[0])"]),
    ("waivers:\n  - {case: c001, reason: '  ', expires: 2030-01-01}\n",
     ["a waiver needs a reason"]),
    ("waivers:\n  - {case: c001, reason: x, expires: someday}\n",
     ["valid date", "(at waivers[0].expires)"]),
    ("compare: {alpha: 2}\n", ["(at compare.alpha)", "less than 1"]),
    ("compare: {primary: [exakt]}\n",
     ["cmp.yaml:11:21: error: primary metric 'exakt' is neither a scorer nor 'passed' "
      "(at compare.primary[0])", "did you mean 'exact'?"]),
    ("compare: {swap_margin: -0.1}\n", ["(at compare.swap_margin)"]),
])
def test_mistakes_point_at_the_line(tmp_path, extra, expected):
    message = _problems(tmp_path, extra)
    for part in expected:
        assert part in message, message


def test_the_overall_metric_name_is_reserved(tmp_path):
    message = _problems(tmp_path, "  - {type: contains, name: passed}\n")
    assert "the scorer name 'passed' is reserved" in message


def test_the_json_schema_for_editors_accepts_every_gate_form():
    import jsonschema
    import yaml

    from evalkit.suite.schema import suite_json_schema

    document = yaml.safe_load(GOOD)
    document.update(suite="x", prompt="p", cases=[{"id": "a"}])
    for waiver in document["waivers"]:
        waiver["expires"] = str(waiver["expires"])  # JSON has no dates
    jsonschema.validate(document, suite_json_schema())
    document["gates"].append({"max_increase": {"latency_p59": 0.2}})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, suite_json_schema())
