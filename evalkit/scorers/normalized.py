"""Normalized match: the output equals an acceptable answer once both are normalised.

`mode: unicode` (the default): the tokens of the one tokenizer (`tokens.py`: NFKC, case
folding, punctuation dropped, letters kept with their combining marks, `1,000` = `1000`,
`U.S.` = `US`, `$12` = `$ 12`) without the articles a/an/the, joined by single spaces;
each step can be turned off. "The Eiffel Tower!" and "eiffel  tower" are the same answer.

`mode: squad`: the SQuAD v1.1 evaluation script's normalisation, exactly (`squad.py`), for
exact-match numbers comparable with published ones; the step switches do not apply.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..types import Case, Completion, Score
from .base import ScoreContext, SyncScorer
from .golden import ReferenceParams, references
from .squad import squad_normalize
from .text import normalize, shorten

STEPS = ("unicode", "case", "punctuation", "articles", "whitespace")


class NormalizedParams(ReferenceParams):
    mode: Literal["unicode", "squad"] = Field(
        "unicode", description="unicode: evalkit's tokenizer (any script); squad: the SQuAD "
        "v1.1 script's rules exactly (lower, ASCII punctuation, a/an/the, whitespace)")
    unicode: bool = Field(True, description="Unicode NFKC (full-width forms, ligatures, nbsp)")
    case: bool = Field(True, description="ignore case")
    punctuation: bool = Field(True, description="ignore punctuation (compare the tokens)")
    articles: bool = Field(True, description="ignore the articles a, an, the")
    whitespace: bool = Field(True, description="collapse runs of whitespace")
    contains: bool = Field(False, description="pass when the normalised answer appears inside "
                           "the normalised output (whole words), not only when they are equal")

    @model_validator(mode="after")
    def _squad_is_fixed(self) -> "NormalizedParams":
        changed = [s for s in STEPS if s in self.model_fields_set]
        if self.mode == "squad" and changed:
            raise ValueError(f"mode 'squad' applies the SQuAD script's rules as they are; "
                             f"remove {', '.join(repr(s) for s in changed)}")
        return self


class NormalizedScorer(SyncScorer):
    """The normalised output equals (or contains) a normalised acceptable answer."""

    Params = NormalizedParams
    description = ("output equals an answer once both are normalised: tokens of any script "
                   "(NFKC, case, punctuation, articles; 1,000 = 1000, U.S. = US, $12 ≠ 12) or "
                   "mode: squad (SQuAD v1.1 exact match)")

    def _norm(self, text: str) -> str:
        p = self.params
        if p.mode == "squad":
            return squad_normalize(text)
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
