"""Golden Q&A scorers: exact, normalized, contains*, regex, numeric, token F1, ROUGE (rouge-score)."""
from __future__ import annotations

import json

import pytest

from evalkit.suite import load_suite
from tests.scorers.helpers import (
    assert_problem,
    case,
    line_of,
    load_error,
    make,
    run_score,
    write_suite,
)


def test_exact_takes_any_of_several_answers():
    scorer = make("exact")
    assert run_score(scorer, "Paris", ["Paris", "Paris, France"]).passed
    assert run_score(scorer, "Paris, France", ["Paris", "Paris, France"]).passed
    miss = run_score(scorer, "Lyon", ["Paris", "Paris, France"])
    assert miss.passed is False and "targets ['Paris', 'Paris, France']" in miss.explanation


@pytest.mark.parametrize("output, answer", [
    ("The Eiffel Tower!", "eiffel tower"),
    ("  an   apple. ", "Apple"),
    ("ＰＡＲＩＳ", "paris"),  # full-width letters: NFKC
    ("ﬁsh", "fish"),  # ligature: NFKC
    ("«Paris»", "Paris"),  # Unicode punctuation
])
def test_normalized_equal(output, answer):
    score = run_score(make("normalized"), output, answer)
    assert score.passed and score.value == 1.0, score.explanation


def test_normalized_differs_and_explains():
    score = run_score(make("normalized"), "Paris is the capital", "Paris")
    assert score.passed is False
    assert "'paris is capital'" in score.explanation and "['paris']" in score.explanation
    assert run_score(make("normalized", contains=True), "Paris is the capital", "Paris").passed
    # whole words only: "par" is not inside "paris"
    assert not run_score(make("normalized", contains=True), "Paris", "par").passed
    assert not run_score(make("normalized", case=False), "paris", "Paris").passed


def test_contains_any_all():
    any_ = make("contains_any", value=["refund", "money back"])
    all_ = make("contains_all", value=["refund", "5 business days"])
    assert run_score(any_, "You get your money back.").passed
    none = run_score(any_, "No idea.")
    assert none.passed is False and "none of ['refund', 'money back']" in none.explanation
    partial = run_score(all_, "A refund, soon.")
    assert partial.passed is False and partial.value == 0.5
    assert "lacks ['5 business days']" in partial.explanation
    assert run_score(all_, "Refund within 5 business days.").passed
    assert run_score(make("contains"), "It takes 30 days.", ["30 days", "a month"]).passed


def test_regex_modes():
    assert run_score(make("regex", pattern=r"\b\d{3}-\d{4}\b"), "call 555-1234 now").passed
    full = make("regex", pattern=r"\d+", match="full")
    assert run_score(full, "42").passed and not run_score(full, "42 apples").passed
    forbidden = make("regex", pattern=["(?i)password", r"\bssn\b"], require="none")
    bad = run_score(forbidden, "Your Password is hunter2")
    assert bad.passed is False and "forbidden pattern '(?i)password' matches 'Password'" in bad.explanation
    both = make("regex", pattern=["a", "b"], require="all")
    assert not run_score(both, "a only").passed and run_score(both, "a and b").passed


@pytest.mark.parametrize("output, target, passed", [
    ("The total is 1,234.50 dollars.", "1234.5", True),
    ("First 3, then finally 42", "42", True),       # the last number is the answer
    ("42 was my first guess, then 41", "42", False),
    ("−7 degrees", "-7", True),                      # Unicode minus
    ("about 3.14", "3.14159", False),
])
def test_numeric(output, target, passed):
    assert run_score(make("numeric"), output, target).passed is passed


def test_numeric_tolerance_and_explanations():
    close = make("numeric", abs_tol=0.01)
    assert run_score(close, "3.14", "3.14159").passed
    rel = make("numeric", rel_tol=0.05)
    assert run_score(rel, "102", "100").passed and not run_score(rel, "110", "100").passed
    far = run_score(close, "3.5", "3.14159")
    assert "3.5 is not within ±0.01 of the target 3.14159 (off by +0.35841)" in far.explanation
    assert "no number in the output" in run_score(close, "no idea", "3").explanation
    assert "not a single number" in run_score(close, "3", "three").explanation
    only = make("numeric", extract="only")
    assert "has 2 different numbers" in run_score(only, "3 or 4", "3").explanation
    assert run_score(make("numeric", extract="any"), "3 or 4", "4").passed


def test_token_f1():
    score = run_score(make("token_f1", min=0.5), "The cat sat on the mat", "a cat sat")
    # content words: [cat, sat, on, mat] vs [cat, sat]: precision 0.5, recall 1.0
    assert score.value == pytest.approx(2 / 3) and score.passed
    assert "precision 0.50, recall 1.00" in score.explanation
    assert not run_score(make("token_f1", min=0.9), "dog", ["cat", "a cat"]).passed


def test_rouge_matches_rouge_score_directly():
    from rouge_score import rouge_scorer

    prediction, reference = "the quick brown fox jumps", "a quick brown dog jumps high"
    expected = rouge_scorer.RougeScorer(["rougeL"]).score(reference, prediction)["rougeL"]
    score = run_score(make("rouge", variant="rougeL", min=0.5), prediction, reference)
    assert score.value == pytest.approx(expected.fmeasure)
    assert score.details["precision"] == pytest.approx(expected.precision)
    r2 = run_score(make("rouge", variant="rouge2", min=0.5), prediction, reference)
    assert r2.value < score.value and r2.passed is False
    # one shared bigram (quick brown) of 4 and 5: P 0.25, R 0.20, F1 0.22
    assert "rouge2 F1 0.22" in r2.explanation and "below the minimum 0.5" in r2.explanation
    # the default tokenizer drops non-ASCII words; `unicode` keeps them
    assert run_score(make("rouge"), "Привет мир", "привет мир").value == 0.0
    assert run_score(make("rouge", tokenizer="unicode"), "Привет мир", "привет мир").value == 1.0


def test_golden_file_gives_answers_by_case_id(tmp_path):
    (tmp_path / "golden").mkdir()
    (tmp_path / "golden" / "answers.jsonl").write_text(
        json.dumps({"id": "c1", "answers": ["4", "four"]}) + "\n", encoding="utf-8")
    scorer = make("normalized", suite_dir=tmp_path, golden="golden/answers.jsonl")
    assert run_score(scorer, "Four.", the_case=case(None, id="c1")).passed
    missing = run_score(scorer, "Four.", the_case=case(None, id="zz"))
    assert missing.passed is False and "no target" in missing.explanation
    (tmp_path / "answers.json").write_text(json.dumps({"c1": 4}), encoding="utf-8")
    assert run_score(make("numeric", suite_dir=tmp_path, golden="answers.json"), "4.0",
                     the_case=case(None, id="c1")).passed


# --- bad input: every one is a load-time error at the parameter's line ------------------------

def test_invalid_regex_is_a_load_time_error(tmp_path):
    path = write_suite(tmp_path, """
        - type: regex
          pattern: "([a-z]+"
    """)
    error = load_error(path)
    assert_problem(error, path, line_of(path, "pattern:"), "invalid regular expression",
                   "missing ), unterminated subpattern at position 0", "(at scorers[0].pattern)")


def test_unknown_param_is_a_load_time_error_with_a_suggestion(tmp_path):
    path = write_suite(tmp_path, """
        - {type: rouge, varient: rouge1}
    """)
    assert_problem(load_error(path), path, line_of(path, "varient"), "unknown key 'varient'",
                   "did you mean 'variant'?")


def test_bad_param_values_are_load_time_errors(tmp_path):
    path = write_suite(tmp_path, """
        - {type: rouge, variant: rouge3}
        - {type: numeric, abs_tol: -1}
        - {type: length, min: 5, max: 2}
    """)
    error = load_error(path)
    assert_problem(error, path, line_of(path, "rouge3"), "rouge3")
    assert_problem(error, path, line_of(path, "abs_tol"), "greater than or equal to 0")
    assert_problem(error, path, line_of(path, "length"), "min (5) is larger than max (2)")


def test_missing_and_malformed_golden_files(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"id": "a", "answer": "x"}\n{"id": "b"\n', encoding="utf-8")
    path = write_suite(tmp_path, """
        - {type: exact, golden: golden/nope.jsonl}
        - {type: token_f1, golden: bad.jsonl}
    """)
    error = load_error(path)
    assert_problem(error, path, line_of(path, "nope.jsonl"), "golden file not found",
                   str(tmp_path / "golden" / "nope.jsonl"))
    assert_problem(error, path, line_of(path, "bad.jsonl"), f"{tmp_path / 'bad.jsonl'}:2:",
                   "invalid JSON")


def test_a_suite_with_these_scorers_loads_and_describes_them(tmp_path):
    path = write_suite(tmp_path, """
        - {type: normalized}
        - {type: regex, pattern: '^\\w+$', name: one-word}
        - {type: rouge, variant: rouge1, min: 0.3}
    """)
    suite = load_suite(path)
    described = {d["name"]: d for d in suite.describe_scorers()}
    assert described["one-word"]["params"]["pattern"] == "^\\w+$"
    assert described["rouge"]["params"]["variant"] == "rouge1"
