"""`mode: squad` against the SQuAD v1.1 evaluation script, and where the default mode differs.

The reference below restates the official script's four functions (evaluate-v1.1.py,
Rajpurkar et al. 2016, distributed with the dataset at rajpurkar.github.io/SQuAD-explorer;
a copy: github.com/allenai/bi-att-flow/blob/master/squad/evaluate-v1.1.py) rule for rule:
normalize_answer = lower → drop string.punctuation → articles \\b(a|an|the)\\b to a space →
' '.join(split()); f1_score over the whitespace tokens with 0 when nothing is shared;
exact_match_score on the normalised strings; the best over the ground truths.
"""
from __future__ import annotations

import re
import string
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.scorers.squad import squad_exact, squad_f1, squad_normalize
from tests.scorers.helpers import make, run_score
from tests.scorers.multilingual import pairs


def normalize_answer(s: str) -> str:
    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def f1_score(prediction: str, ground_truth: str) -> float:
    prediction_tokens = normalize_answer(prediction).split()
    ground_truth_tokens = normalize_answer(ground_truth).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    return (2 * precision * recall) / (precision + recall)


def exact_match_score(prediction: str, ground_truth: str) -> bool:
    return normalize_answer(prediction) == normalize_answer(ground_truth)


def metric_max_over_ground_truths(metric_fn, prediction, ground_truths):
    return max(metric_fn(prediction, gt) for gt in ground_truths)


PIECES = (list(string.punctuation) + [" ", "  ", "\t", "\n", "a", "an", "the", "The", "A", "AN",
          "Denver", "Broncos", "U.S.", "$12", "1,000", "3.14", "a.m.", "é", "İ", "ß", "北京", "हिन्दी",
          "«", "»", "—", "…", "‘", "’", "“", "”", "¿", "x", "theater", "ban", "1"])


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
       st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_squad_mode_is_the_official_script(prediction, answer):
    assert squad_normalize(prediction) == normalize_answer(prediction)
    assert squad_exact(prediction, answer) == exact_match_score(prediction, answer)
    assert squad_f1(prediction, answer)[2] == pytest.approx(f1_score(prediction, answer), abs=1e-12)


def test_squad_mode_on_the_multilingual_corpus():
    for _, prediction, reference in pairs():
        assert squad_f1(prediction, reference)[2] == pytest.approx(f1_score(prediction, reference))
        assert squad_exact(prediction, reference) == exact_match_score(prediction, reference)


# Super Bowl 50 (the first question of the SQuAD v1.1 dev set): "Which NFL team represented
# the AFC at Super Bowl 50?", ground truths as in the dev set; F1 worked out by hand.
SUPER_BOWL = ["Denver Broncos", "Denver Broncos", "Denver Broncos"]


@pytest.mark.parametrize("prediction, em, f1", [
    ("Denver Broncos", 1.0, 1.0),
    ("the Denver Broncos.", 1.0, 1.0),
    ("Broncos", 0.0, 2 / 3),  # P 1, R 1/2
    ("The Denver Broncos defeated the Carolina Panthers", 0.0, 4 / 7),  # P 2/5, R 1
    ("Carolina Panthers", 0.0, 0.0),
])
def test_scorers_in_squad_mode_reproduce_the_published_metric(prediction, em, f1):
    exact = run_score(make("normalized", mode="squad"), prediction, SUPER_BOWL)
    assert exact.value == em == metric_max_over_ground_truths(exact_match_score, prediction,
                                                               SUPER_BOWL)
    score = run_score(make("token_f1", mode="squad"), prediction, SUPER_BOWL)
    assert score.value == pytest.approx(f1)
    assert score.value == pytest.approx(metric_max_over_ground_truths(f1_score, prediction,
                                                                      SUPER_BOWL))


@pytest.mark.parametrize("prediction, answer, default_em, squad_em, default_f1, squad_f1_value", [
    ("1,000", "1000", True, True, 1.0, 1.0),
    ("3.14", "314", False, True, 0.0, 1.0),  # SQuAD deletes the decimal point
    ("U.S.", "U.S.A.", False, False, 0.0, 0.0),
    ("a.m.", "am", True, True, 1.0, 1.0),
    ("$12", "12", False, True, 2 / 3, 1.0),  # default: the currency is a token
    ("12 €", "12", False, False, 2 / 3, 2 / 3),  # SQuAD: € is not ASCII punctuation
    ("l’hôtel", "l hôtel", True, False, 1.0, 0.0),  # SQuAD keeps the curly apostrophe
    ("北京是首都", "北京", False, False, 4 / 7, 0.0),  # SQuAD: one token without spaces
    ("हिन्दी।", "हिन्दी", True, False, 1.0, 0.0),  # SQuAD keeps the danda
    ("ＡＢＣ", "abc", True, False, 1.0, 0.0),  # full-width: NFKC in the default mode only
    ("", "", True, True, 1.0, 0.0),  # empty: F1 1 (SQuAD 2.0's rule) vs v1.1's 0
])
def test_where_the_default_mode_differs_from_squad(prediction, answer, default_em, squad_em,
                                                   default_f1, squad_f1_value):
    """Every difference listed in the README's Scorers section, checked both ways."""
    assert run_score(make("normalized"), prediction, answer).passed is default_em
    assert run_score(make("normalized", mode="squad"), prediction, answer).passed is squad_em
    assert exact_match_score(prediction, answer) is squad_em
    assert run_score(make("token_f1"), prediction, answer).value == pytest.approx(default_f1)
    assert run_score(make("token_f1", mode="squad"), prediction, answer).value == \
        pytest.approx(squad_f1_value)
    assert f1_score(prediction, answer) == pytest.approx(squad_f1_value)


def test_squad_mode_refuses_the_step_switches(tmp_path):
    from tests.scorers.helpers import assert_problem, line_of, load_error, write_suite

    path = write_suite(tmp_path, """
        - {type: normalized, mode: squad, case: false}
    """)
    assert_problem(load_error(path), path, line_of(path, "squad"),
                   "mode 'squad' applies the SQuAD script's rules as they are; remove 'case'")
