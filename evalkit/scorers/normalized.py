"""Normalized match: the output equals an acceptable answer once both are normalised.

Normalisation (each step can be turned off): Unicode NFKC, case folding, punctuation
removed, the articles a/an/the dropped, whitespace collapsed. "The Eiffel Tower!" and
"eiffel  tower" are the same answer.
"""
from __future__ import annotations

from pydantic import Field

from ..types import Case, Completion, Score
from .base import ScoreContext, Scorer
from .golden import ReferenceParams, references
from .text import normalize, shorten


class NormalizedParams(ReferenceParams):
    unicode: bool = Field(True, description="Unicode NFKC (full-width forms, ligatures, nbsp)")
    case: bool = Field(True, description="ignore case")
    punctuation: bool = Field(True, description="ignore punctuation")
    articles: bool = Field(True, description="ignore the articles a, an, the")
    whitespace: bool = Field(True, description="collapse runs of whitespace")
    contains: bool = Field(False, description="pass when the normalised answer appears inside "
                           "the normalised output (whole words), not only when they are equal")


class NormalizedScorer(Scorer):
    """The normalised output equals (or contains) a normalised acceptable answer."""

    Params = NormalizedParams
    description = ("output equals an answer after NFKC, case, punctuation, article and space "
                   "normalisation")

    def _norm(self, text: str) -> str:
        p = self.params
        return normalize(text, unicode=p.unicode, case=p.case, punctuation=p.punctuation,
                         articles=p.articles, whitespace=p.whitespace)

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        expected = references(self.params, self.suite_dir, case)
        if not expected:
            return Score(self.name, None, False, "case has no target to compare with")
        output = self._norm(completion.text or "")
        for answer in expected:
            norm = self._norm(answer)
            if output == norm or (self.params.contains and norm
                                  and f" {norm} " in f" {output} "):
                how = "equals" if output == norm else "contains"
                return Score(self.name, 1.0, True,
                             f"normalised output {how} the answer {answer!r} (as {norm!r})",
                             {"normalized_output": output, "matched": answer})
        shown = [self._norm(a) for a in expected]
        return Score(self.name, 0.0, False,
                     f"normalised output {shorten(output)} matches none of the answers "
                     f"{shown!r} (normalised)", {"normalized_output": output,
                                                 "normalized_answers": shown})
