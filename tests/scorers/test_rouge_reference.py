"""`rouge` against Google's rouge-score on 422 pairs in 17 languages.

`tokenizer: rouge` is rouge-score as it is (its own ASCII tokenizer, optional Porter
stemmer). For `tokenizer: unicode` the reference is rouge-score's own scorer fed by an
independently written tokenizer (tests/scorers/reference_tokenizer.py), so what is checked is
that evalkit hands rouge-score the documented tokens and reports its numbers unchanged.
"""
from __future__ import annotations

import pytest
from rouge_score import rouge_scorer

from evalkit.scorers.overlap import rouge
from tests.scorers.helpers import make, run_score
from tests.scorers.multilingual import SENTENCES, pairs
from tests.scorers.reference_tokenizer import ReferenceTokenizer

VARIANTS = ("rouge1", "rouge2", "rougeL", "rougeLsum")
PAIRS = pairs()
LANGUAGES = {"hi", "ta", "bn", "tr", "ar", "zh", "th"}


def test_the_corpus_covers_the_scripts_asked_for():
    assert len(PAIRS) >= 400
    assert LANGUAGES <= {lang for lang, _, _ in PAIRS}


@pytest.mark.parametrize("variant", VARIANTS)
def test_unicode_tokenizer_is_rouge_score_with_the_reference_tokens(variant):
    reference = rouge_scorer.RougeScorer([variant], tokenizer=ReferenceTokenizer())
    differences = []
    for lang, prediction, target in PAIRS:
        expected = reference.score(target, prediction)[variant]
        got = rouge(prediction, target, variant, tokenizer="unicode")
        if tuple(got) != tuple(expected):
            differences.append((lang, prediction, target, got, expected))
    assert differences == []


@pytest.mark.parametrize("stemmer", [False, True])
@pytest.mark.parametrize("variant", VARIANTS)
def test_rouge_tokenizer_is_rouge_score_itself(variant, stemmer):
    reference = rouge_scorer.RougeScorer([variant], use_stemmer=stemmer)
    for _, prediction, target in PAIRS:
        assert tuple(rouge(prediction, target, variant, stemmer, "rouge")) == \
            tuple(reference.score(target, prediction)[variant])


def test_unrelated_texts_score_low_in_every_script():
    """The issue: \\w+ split Hindi into letter fragments and gave unrelated texts high ROUGE.
    Different sentences of one language now share little: word-level scripts well under 0.1 on
    average; the character-level ones (Chinese, Japanese, Thai) share common characters."""
    for lang, sentences in SENTENCES.items():
        values = [rouge(p, t, "rougeL", tokenizer="unicode").fmeasure
                  for lg, p, t in PAIRS if lg == lang and p in sentences and p != t]
        limit = 0.25 if lang in ("zh", "ja", "th") else 0.1
        assert values and sum(values) / len(values) < limit, lang
        assert rouge(sentences[0], sentences[0], "rougeL", tokenizer="unicode").fmeasure == 1.0


def test_scorer_reports_rouge_score_numbers_with_the_best_answer():
    target = ["ताजमहल आगरा में स्थित है।", "ताजमहल भारत में है।"]
    score = run_score(make("rouge", tokenizer="unicode", variant="rouge1", min=0.5),
                      "ताजमहल आगरा में है", target)
    reference = rouge_scorer.RougeScorer(["rouge1"], tokenizer=ReferenceTokenizer())
    best = max((reference.score(t, "ताजमहल आगरा में है")["rouge1"] for t in target),
               key=lambda s: s.fmeasure)
    assert score.value == best.fmeasure and score.details["precision"] == best.precision
    assert score.passed
