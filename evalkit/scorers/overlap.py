"""Word overlap with the golden answer: token F1 (SQuAD style) and ROUGE (rouge-score).

With several acceptable answers, the best-matching one counts. ROUGE uses Google's
`rouge-score` package; its default tokenizer keeps ASCII letters and digits only (like the
original Perl ROUGE), `tokenizer: unicode` keeps words of every script.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field

from ..types import Case, Completion, Score
from .base import ScoreContext, Scorer
from .golden import ReferenceParams, references
from .text import token_f1, words

RougeVariant = Literal["rouge1", "rouge2", "rougeL", "rougeLsum"]


class TokenF1Params(ReferenceParams):
    min: float = Field(0.5, ge=0, le=1, description="pass when F1 is at least this")


class TokenF1Scorer(Scorer):
    """Token F1 between the output and the best-matching answer."""

    Params = TokenF1Params
    description = "SQuAD token F1 with the best-matching answer (pass: F1 ≥ min)"

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        answers = references(self.params, self.suite_dir, case)
        if not answers:
            return Score(self.name, None, False, "case has no target to compare with")
        text = completion.text or ""
        (p, r, f1), best = max(((token_f1(text, a), a) for a in answers), key=lambda x: x[0][2])
        passed = f1 >= self.params.min
        return Score(self.name, f1, passed,
                     f"token F1 {f1:.2f} with the answer {best!r} (precision {p:.2f}, recall "
                     f"{r:.2f}); {'at least' if passed else 'below'} the minimum "
                     f"{self.params.min:g}",
                     {"precision": p, "recall": r, "f1": f1, "answer": best})


class _UnicodeTokenizer:
    """rouge-score tokenizer interface: lower-cased words of any script."""

    def tokenize(self, text: str) -> list[str]:
        return words(text)


@lru_cache(maxsize=16)
def rouge_scorer(variant: str, stemmer: bool, tokenizer: str):
    from rouge_score import rouge_scorer as module  # imports nltk: keep it off `import evalkit`

    if tokenizer == "unicode":
        return module.RougeScorer([variant], tokenizer=_UnicodeTokenizer())
    return module.RougeScorer([variant], use_stemmer=stemmer)


def rouge(prediction: str, reference: str, variant: str = "rougeL", stemmer: bool = False,
          tokenizer: str = "rouge"):
    """rouge-score's Score(precision, recall, fmeasure) of one pair."""
    return rouge_scorer(variant, stemmer, tokenizer).score(reference, prediction)[variant]


class RougeParams(ReferenceParams):
    variant: RougeVariant = Field("rougeL", description="rouge1, rouge2, rougeL or rougeLsum")
    measure: Literal["f", "precision", "recall"] = Field("f", description="which ROUGE number "
                                                         "is the score")
    min: float = Field(0.5, ge=0, le=1, description="pass when the score is at least this")
    stemmer: bool = Field(False, description="Porter stemming (rouge tokenizer only)")
    tokenizer: Literal["rouge", "unicode"] = Field(
        "rouge", description="rouge: rouge-score's own (ASCII only); unicode: words of any script")


class RougeScorer(Scorer):
    """ROUGE-1/2/L through rouge-score, with the best-matching answer."""

    Params = RougeParams
    description = "ROUGE-1/2/L (rouge-score) with the best-matching answer (pass: ≥ min)"
    cpu_heavy = True

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        answers = references(self.params, self.suite_dir, case)
        if not answers:
            return Score(self.name, None, False, "case has no target to compare with")
        p = self.params
        field = {"f": "fmeasure", "precision": "precision", "recall": "recall"}[p.measure]
        results = [(rouge(completion.text or "", a, p.variant, p.stemmer, p.tokenizer), a)
                   for a in answers]
        best, answer = max(results, key=lambda x: getattr(x[0], field))
        value = getattr(best, field)
        passed = value >= p.min
        label = {"f": "F1", "precision": "precision", "recall": "recall"}[p.measure]
        return Score(self.name, value, passed,
                     f"{p.variant} {label} {value:.2f} with the answer {answer!r} "
                     f"(precision {best.precision:.2f}, recall {best.recall:.2f}); "
                     f"{'at least' if passed else 'below'} the minimum {p.min:g}",
                     {"precision": best.precision, "recall": best.recall,
                      "fmeasure": best.fmeasure, "answer": answer})
