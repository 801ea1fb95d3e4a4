"""The issue's fixed-point suite (tests/conftest.py `qa_smoke`) loads exactly as written."""
from __future__ import annotations

from evalkit.scorers.match import ExactScorer
from evalkit.suite import load_suite
from evalkit.types import Message, Request


def test_qa_smoke_loads_three_cases_in_file_order(qa_smoke):
    suite = load_suite(qa_smoke)
    assert suite.name == "qa-smoke"
    assert suite.path == qa_smoke
    assert [c.id for c in suite.cases] == ["fr", "it", "de"]
    assert [c.target for c in suite.cases] == ["Paris", "Roma", "Berlin"]
    # The target field is not a template variable; the id is not one either.
    assert [dict(c.vars) for c in suite.cases] == [
        {"question": "Paris"}, {"question": "Rome"}, {"question": "Berlin"}]
    assert all(dict(c.metadata) == {} for c in suite.cases)
    jsonl = qa_smoke.parent / "cases.jsonl"
    assert [c.source for c in suite.cases] == [f"{jsonl}:{n}:1" for n in (1, 2, 3)]


def test_qa_smoke_renders_one_user_message_per_case(qa_smoke):
    suite = load_suite(qa_smoke)
    assert suite.requests == {
        "fr": Request(messages=(Message("user", "Paris"),)),
        "it": Request(messages=(Message("user", "Rome"),)),
        "de": Request(messages=(Message("user", "Berlin"),)),
    }
    assert suite.requests["it"].prompt is None
    assert suite.requests["it"].to_json() == {"messages": [{"role": "user", "content": "Rome"}]}


def test_qa_smoke_defaults_and_scorer(qa_smoke):
    suite = load_suite(qa_smoke)
    assert suite.spec.samples == 1
    assert suite.spec.version == 1
    assert suite.options == {}
    assert suite.spec.slices == []
    assert len(suite.scorers) == 1
    scorer = suite.scorers[0]
    assert isinstance(scorer, ExactScorer)
    assert scorer.name == "exact"
    assert scorer.params.strip is True and scorer.params.case_sensitive is True
    assert suite.describe_scorers() == [
        {"name": "exact", "type": "exact",
         "params": {"strip": True, "case_sensitive": True}}]


def test_qa_smoke_hashes_are_stable_and_track_content(qa_smoke):
    first, second = load_suite(qa_smoke), load_suite(qa_smoke)
    assert (first.suite_hash, first.cases_hash, first.prompt_hash) == (
        second.suite_hash, second.cases_hash, second.prompt_hash)
    assert all(len(h) == 64 for h in (first.suite_hash, first.cases_hash, first.prompt_hash))
    # Editing the data file changes the cases hash but not the suite file's hash.
    jsonl = qa_smoke.parent / "cases.jsonl"
    jsonl.write_text(jsonl.read_text(encoding="utf-8").replace("Roma", "Rome"), encoding="utf-8")
    third = load_suite(qa_smoke)
    assert third.suite_hash == first.suite_hash
    assert third.prompt_hash == first.prompt_hash
    assert third.cases_hash != first.cases_hash
    assert [c.target for c in third.cases] == ["Paris", "Rome", "Berlin"]
