"""The SQuAD v1.1 answer metrics, rule for rule, for numbers comparable with published ones.

The official evaluation script (evaluate-v1.1.py, Rajpurkar et al. 2016) lower-cases
(`str.lower`), deletes every ASCII punctuation character (`string.punctuation`, which
includes `$ % + < = > ^ | ~`), replaces the words a/an/the (`\\b(a|an|the)\\b`) with a
space and collapses whitespace; F1 counts the common whitespace tokens of the two
normalised strings. Its quirks are kept on purpose: `1,000` = `1000` but `3.14` = `314`,
`U.S.` = `us`, non-ASCII punctuation stays inside words, scripts without spaces are one
token per run of text, and an empty prediction against an empty answer has exact match 1
but F1 0 (v1.1; SQuAD 2.0 later made that F1 1). Python 3 semantics: `\\b` and `lower()`
are Unicode-aware.
"""
from __future__ import annotations

import re
import string

from .text import f1_of

_PUNCTUATION = str.maketrans("", "", string.punctuation)
_ARTICLE = re.compile(r"\b(a|an|the)\b")


def squad_normalize(text: str) -> str:
    """lower → remove punctuation → remove articles → fix whitespace, in the script's order."""
    return " ".join(_ARTICLE.sub(" ", text.lower().translate(_PUNCTUATION)).split())


def squad_exact(prediction: str, answer: str) -> bool:
    return squad_normalize(prediction) == squad_normalize(answer)


def squad_f1(prediction: str, answer: str) -> tuple[float, float, float]:
    """(precision, recall, F1) over the normalised whitespace tokens; 0 when none is shared."""
    pred, ref = squad_normalize(prediction).split(), squad_normalize(answer).split()
    if not pred or not ref:  # v1.1 has no empty-answer rule: nothing in common is 0
        return 0.0, 0.0, 0.0
    return f1_of(pred, ref)
