"""Citation overlap: precision against the sources, recall against gold ids, sentence support."""
from __future__ import annotations

import pytest

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

DOCS = [
    {"id": "returns", "text": "Items can be returned within 30 days of delivery. Refunds go back "
                              "to the original payment method."},
    {"id": "shipping", "text": "Standard shipping takes 3 to 5 business days."},
]


def docs_case(**more):
    return case(None, question="q", docs=DOCS, **more)


def test_grounded_answer_passes():
    score = run_score(make("citations"), "You can return items within 30 days of delivery "
                      "[returns]. Shipping takes 3 to 5 business days. [shipping]", the_case=docs_case())
    assert score.passed and score.value == 1.0, score.explanation
    assert score.details["cited"] == ["returns", "shipping"]
    assert "2 of 2 cited sentences supported" in score.explanation


def test_invented_ids_and_unsupported_sentences_are_named():
    text = ("Refunds go back to the original payment method [returns]. Returns are free for "
            "premium members forever [returns]. See also [policy-7].")
    score = run_score(make("citations"), text, the_case=docs_case())
    assert score.passed is False
    assert score.details["invented"] == ["policy-7"]
    assert score.details["precision"] == pytest.approx(0.5)
    assert "invented: ['policy-7']" in score.explanation
    assert ("unsupported: 'Returns are free for premium members forever [returns].' cites "
            "['returns']") in score.explanation
    assert score.details["supported_rate"] == pytest.approx(0.5)
    assert score.value == pytest.approx(0.5)


def test_recall_against_gold_ids():
    s = make("citations", gold="gold_ids", min_recall=1.0)
    the_case = docs_case(gold_ids=["returns", "shipping"])
    partial = run_score(s, "Items can be returned within 30 days [returns].", the_case=the_case)
    assert partial.passed is False and partial.details["recall"] == 0.5
    assert "recall 0.50 of the gold ids; missed: ['shipping']" in partial.explanation
    full = run_score(s, "Returned within 30 days [returns]; shipping takes 3 to 5 business "
                        "days [shipping].", the_case=the_case)
    assert full.passed, full.explanation


def test_numbered_citations_against_plain_text_sources():
    s = make("citations", pattern=r"\[(\d+)\]")
    the_case = case(None, docs=["Paris is the capital of France.", "Berlin is in Germany."])
    assert run_score(s, "The capital of France is Paris [1].", the_case=the_case).passed
    wrong = run_score(s, "The capital of France is Paris [2].", the_case=the_case)
    assert wrong.passed is False and wrong.details["unsupported"][0]["cites"] == ["2"]


def test_sources_from_the_pipeline_context_and_rouge_support():
    completion = Completion(text="Standard shipping takes 3 to 5 business days [s1].",
                            context=({"id": "s1", "text": DOCS[1]["text"]},))
    score = run_score(make("citations", support="rougeL", support_min=0.8), None,
                      completion=completion, the_case=case(None, question="q"))
    assert score.passed, score.explanation
    missing = run_score(make("citations", sources="context"), "x [a].", the_case=case(None))
    assert missing.passed is False and "pipeline returned no context" in missing.explanation


def test_no_citation_at_all():
    assert "cites no source" in run_score(make("citations"), "30 days.", the_case=docs_case()).explanation
    lenient = run_score(make("citations", require_citation=False), "30 days.", the_case=docs_case())
    assert lenient.passed is None


def test_bad_citation_params_are_load_time_errors(tmp_path):
    path = write_suite(tmp_path, """
        - {type: citations, pattern: '\\[[\\w-]+\\]'}
        - {type: citations, name: c2, pattern: '[(unclosed'}
        - {type: citations, name: c3, support: bleu}
    """)
    error = load_error(path)
    assert_problem(error, path, line_of(path, "\\w-"), "needs a capturing group around the id")
    assert_problem(error, path, line_of(path, "unclosed"), "invalid regular expression")
    assert_problem(error, path, line_of(path, "bleu"), "'overlap' or 'rougeL'")
