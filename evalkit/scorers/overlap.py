"""Word overlap with the golden answer: token F1 (SQuAD style) and ROUGE (rouge-score).

With several acceptable answers, the best-matching one counts.

Token F1 counts the tokens two texts share (a multiset). `mode: unicode` (default) uses
evalkit's tokenizer (`tokens.py`, any script) without the articles a/an/the, and scores an
empty prediction against an empty answer 1.0 (the SQuAD 2.0 "no answer" rule); `mode:
squad` is the SQuAD v1.1 script exactly (`squad.py`: ASCII punctuation deleted, whitespace
tokens, empty against empty 0.0).

ROUGE uses Google's `rouge-score` package. Its default tokenizer keeps ASCII letters and
digits only (like the original Perl ROUGE), so any other script scores 0;
`tokenizer: unicode` gives rouge-score evalkit's tokens instead (no stemming): words of
every script with their combining marks, one token per character in Chinese, Japanese
and Thai.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field

from ..types import Case, Completion, Score
from .base import ScoreContext, SyncScorer
from .golden import ReferenceParams, references
from .squad import squad_f1
from .text import token_f1
from .tokens import tokens

RougeVariant = Literal["rouge1", "rouge2", "rougeL", "rougeLsum"]


class TokenF1Params(ReferenceParams):
    min: float = Field(0.5, ge=0, le=1, description="pass when F1 is at least this")
    mode: Literal["unicode", "squad"] = Field(
        "unicode", description="unicode: evalkit's tokens of any script, empty vs empty 1.0; "
        "squad: the SQuAD v1.1 script exactly (empty vs empty 0.0)")


class TokenF1Scorer(SyncScorer):
    """Token F1 between the output and the best-matching answer."""

    Params = TokenF1Params
    description = ("token F1 with the best-matching answer (pass: F1 ≥ min); tokens of any "
                   "script, or mode: squad for SQuAD v1.1's F1")

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        answers = references(self.params, self.suite_dir, case)
        if not answers:
            return Score(self.name, None, False, "case has no target to compare with")
        text = completion.text or ""
        f1_of = squad_f1 if self.params.mode == "squad" else token_f1
        (p, r, f1), best = max(((f1_of(text, a), a) for a in answers), key=lambda x: x[0][2])
        passed = f1 >= self.params.min
        return Score(self.name, f1, passed,
                     f"token F1 {f1:.2f} with the answer {best!r} (precision {p:.2f}, recall "
                     f"{r:.2f}); {'at least' if passed else 'below'} the minimum "
                     f"{self.params.min:g}",
                     {"precision": p, "recall": r, "f1": f1, "answer": best})


class _UnicodeTokenizer:
    """rouge-score tokenizer interface: evalkit's tokens (any script, case-folded)."""

    def tokenize(self, text: str) -> list[str]:
        return tokens(text)


@lru_cache(maxsize=16)
def rouge_scorer(variant: str, stemmer: bool, tokenizer: str):
    try:
        from rouge_score import rouge_scorer as module  # imports nltk: off `import evalkit`
    except ImportError:
        from ..errors import MissingExtraError

        raise MissingExtraError("rouge-score", "rouge", "the rouge scorer") from None

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
        "rouge", description="rouge: rouge-score's own (ASCII letters and digits only); unicode: "
        "evalkit's tokens of any script (characters in Chinese, Japanese, Thai)")


class RougeScorer(SyncScorer):
    """ROUGE-1/2/L through rouge-score, with the best-matching answer."""

    Params = RougeParams
    description = "ROUGE-1/2/L (rouge-score) with the best-matching answer (pass: ≥ min)"
    cpu_heavy = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        import importlib.util

        if importlib.util.find_spec("rouge_score") is None:  # said once, not on every case
            from ..errors import MissingExtraError

            raise MissingExtraError("rouge-score", "rouge", "the rouge scorer")

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
