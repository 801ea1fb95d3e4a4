"""The example suites under suites/examples/ load, and the offline ones give known verdicts."""
from __future__ import annotations

import importlib.util

import pytest

from evalkit.runner import RunConfig, run_suite
from evalkit.store import Store
from evalkit.suite import load_suite
from tests.cli.helpers import REPO_ROOT

EXAMPLES = REPO_ROOT / "suites" / "examples"
MINE = ["golden_qa", "tickets_json", "math", "bias", "judge", "toxicity", "embedding"]
NEEDS = {"toxicity": "detoxify", "embedding": "sentence_transformers"}


def test_every_scorer_is_used_by_an_example():
    from evalkit.registry import SCORERS, names

    text = "".join((EXAMPLES / f"{name}.yaml").read_text() for name in MINE)
    unused = [n for n in names(SCORERS) if f"type: {n}" not in text and n != "exact"]
    assert not unused, f"no example suite uses {unused}"


@pytest.mark.parametrize("name", MINE)
def test_example_suite_loads(name):
    if name in NEEDS and importlib.util.find_spec(NEEDS[name]) is None:
        pytest.skip(f"needs {NEEDS[name]}")
    suite = load_suite(EXAMPLES / f"{name}.yaml")
    assert suite.cases and suite.scorers


def _pass_rates(tmp_path, suite: str, model: str, **args) -> dict[str, float]:
    summary = run_suite(load_suite(EXAMPLES / f"{suite}.yaml"), RunConfig(
        model=model, model_args=args, db=str(tmp_path / "r.duckdb"), progress=False))
    with Store(summary.db, read_only=True) as store:
        return {s: rate for s, _, _, rate in store.scorer_totals(summary.run_id)}


def test_golden_qa_against_the_bundled_pipeline(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    rates = _pass_rates(tmp_path, "golden_qa", "python/keyword_rag:answer", path="suites/pipelines")
    assert rates["contains"] == 1.0
    # the pipeline answers "I don't know." without a citation for the gift-card question
    assert rates["citations"] == pytest.approx(8 / 9) and rates["cites-a-doc"] == pytest.approx(8 / 9)
    assert rates["refusal"] == 1.0 and rates["empty"] == 1.0


def test_tickets_and_math_from_recorded_outputs(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    tickets = _pass_rates(tmp_path, "tickets_json", "replay/golden/examples/ticket_outputs.jsonl")
    # clean JSON and a fenced block pass; 'login' breaks the schema; a refusal is not JSON
    assert tickets["json_schema"] == 0.5 and tickets["strict-json"] == 0.25
    assert tickets["refusal"] == 0.75 and tickets["latency"] == 0.75
    math = _pass_rates(tmp_path, "math", "replay/golden/examples/math_outputs.jsonl")
    assert math["numeric"] == 0.75  # 150 / 1.5 is not 90
