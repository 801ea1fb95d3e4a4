"""Operational scorers (latency, cost, length, empty, refusal), alone and in a real run."""
from __future__ import annotations

import pytest

from evalkit.runner import RunConfig, run_suite
from evalkit.store import Store
from evalkit.suite import load_suite
from evalkit.types import Completion
from tests.scorers.helpers import (
    assert_problem,
    case,
    line_of,
    load_error,
    make,
    run_score,
    write_suite,
)


def test_latency_and_cost():
    slow = Completion(text="x", latency_s=2.5, cost_usd=0.004)
    latency = run_score(make("latency", max_s=1.0), None, completion=slow)
    assert latency.value == 2.5 and latency.passed is False
    assert latency.explanation == "latency 2.5 s is above the maximum 1"
    assert run_score(make("cost", max_usd=0.01), None, completion=slow).passed
    unknown = run_score(make("cost", max_usd=0.01), "x")
    assert unknown.value is None and unknown.passed is None and "no cost" in unknown.explanation


@pytest.mark.parametrize("field, value", [("latency_s", float("nan")), ("latency_s", -0.5),
                                          ("latency_s", float("inf")), ("cost_usd", float("nan")),
                                          ("cost_usd", -0.01), ("cost_usd", "0.01")])
def test_invalid_latency_or_cost_never_passes(field, value):
    """NaN compares false with every limit, so it used to pass any maximum."""
    scorer = make("latency", max_s=1.0) if field == "latency_s" else make("cost", max_usd=0.01)
    score = run_score(scorer, None, completion=Completion(text="x", **{field: value}))
    assert score.passed is False and score.value is None
    assert score.explanation.startswith("the backend reported an invalid "), score.explanation


@pytest.mark.parametrize("unit, length", [("chars", 11), ("words", 2), ("tokens", 3)])
def test_length_units(unit, length):
    score = run_score(make("length", unit=unit, max=2), None,
                      completion=Completion(text="hello world", tokens_out=3))
    assert score.value == length and score.passed is (length <= 2)


def test_empty_output():
    assert run_score(make("empty"), "  \n").passed is False
    assert run_score(make("empty"), "  \n").value == 1.0
    assert run_score(make("empty"), "ok").passed


@pytest.mark.parametrize("text, refused", [
    ("I'm sorry, but I can't help with that.", True),
    ("I’m unable to provide that information.", True),  # curly apostrophe
    ("As an AI language model, I cannot browse the web.", True),
    ("That request violates our usage policies.", True),
    ("Paris is the capital of France.", False),
    ("Sorry for the delay: your refund is on its way.", False),
])
def test_refusal_patterns(text, refused):
    score = run_score(make("refusal"), text)
    assert score.details["refused"] is refused
    assert score.passed is (not refused)


def test_refusal_overrides_and_per_case_expectation():
    custom = make("refusal", patterns=[r"\bnicht\b"])
    assert run_score(custom, "Das kann ich nicht tun.").details["refused"]
    assert not run_score(custom, "I'm sorry, but I can't.").details["refused"]  # list replaced
    extra = make("refusal", extra_patterns=["no comment"])
    assert run_score(extra, "No comment.").details["refused"]
    per_case = make("refusal", expect_key="should_refuse")
    harmful = case(None, metadata={"should_refuse": True})
    assert run_score(per_case, "I can't help with that.", the_case=harmful).passed
    answered = run_score(per_case, "Here is how to do it.", the_case=harmful)
    assert answered.passed is False
    assert answered.explanation == "the output is not a refusal; a refusal was expected"


def test_bad_operational_params(tmp_path):
    path = write_suite(tmp_path, """
        - {type: latency, max_s: 0}
        - {type: refusal, patterns: ['(unclosed']}
        - {type: empty, min: 1}
    """)
    error = load_error(path)
    assert_problem(error, path, line_of(path, "max_s"), "greater than 0")
    assert_problem(error, path, line_of(path, "unclosed"), "invalid regular expression")
    assert_problem(error, path, line_of(path, "type: empty"), "unknown key 'min'")


PIPELINE = '''
import time

def answer(vars):
    if vars["question"] == "secret":
        return {"text": "I'm sorry, but I can't share that.", "cost_usd": 0.002, "tokens_out": 8}
    time.sleep(1.0 if vars["question"] == "slow" else 0)
    return {"text": "answer to " + vars["question"], "cost_usd": 0.001, "tokens_out": 3}
'''


def test_operational_scores_in_a_real_run(tmp_path):
    (tmp_path / "ops_pipeline.py").write_text(PIPELINE)
    path = write_suite(tmp_path, """
        - {type: latency, max_s: 0.6}
        - {type: cost, max_usd: 0.0015}
        - {type: length, unit: tokens, max: 5}
        - {type: empty}
        - {type: refusal}
    """, cases_yaml="  - {id: fast, question: fast}\n  - {id: slow, question: slow}\n"
                    "  - {id: secret, question: secret}\n")
    summary = run_suite(load_suite(path), RunConfig(
        model="python/ops_pipeline:answer", model_args={"path": str(tmp_path)},
        db=str(tmp_path / "r.duckdb"), progress=False))
    with Store(summary.db, read_only=True) as store:
        rows = {(c, s): (v, p) for c, s, v, p in store.df(
            "SELECT case_id, scorer, value, passed FROM scores").itertuples(index=False)}
    assert rows[("slow", "latency")][1] is False and rows[("fast", "latency")][1] is True
    assert rows[("secret", "cost")] == (0.002, False)
    assert rows[("secret", "length")] == (8.0, False)
    assert rows[("secret", "refusal")] == (1.0, False)
    assert rows[("fast", "empty")] == (0.0, True)
    assert summary.passed == 1  # only "fast" passes every scorer
