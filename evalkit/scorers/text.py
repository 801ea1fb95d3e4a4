"""Text normalisation and token F1 shared by the golden-answer scorers.

Words come from the one tokenizer (`tokens.py`): NFKC, case folding, letters with their
combining marks, numbers with their separators, one token per character in scripts
written without spaces. `squad.py` has the SQuAD v1.1 rules for published comparisons.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

from .tokens import ARTICLES, content_tokens, fold, tokens

_SPACE = re.compile(r"\s+")


def normalize(text: str, *, unicode: bool = True, case: bool = True, punctuation: bool = True,
              articles: bool = True, whitespace: bool = True) -> str:
    """The canonical form two answers are compared in; each step can be turned off.

    With `punctuation` ignored (the default) the form is the tokens joined by single spaces,
    so whitespace never matters; with `punctuation: false` the text is only folded and its
    whitespace-separated words are kept as written.
    """
    if punctuation:
        words = tokens(text, nfkc=unicode, casefold=case)
    else:
        words = fold(text, nfkc=unicode, casefold=case).split(" " if not whitespace else None)
    if articles:
        words = [w for w in words if w.casefold() not in ARTICLES]
    text = " ".join(words)
    return _SPACE.sub(" ", text).strip() if whitespace else text


def f1_of(pred: list[str], ref: list[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of two token multisets; both empty is a match (1.0)."""
    if not pred or not ref:
        same = float(pred == ref)
        return same, same, same
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0, 0.0, 0.0
    precision, recall = common / len(pred), common / len(ref)
    return precision, recall, 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, reference: str) -> tuple[float, float, float]:
    """Token precision, recall and F1 over content tokens (no articles). Empty against empty is
    1.0 and empty against anything else 0.0: the SQuAD 2.0 rule for "no answer" questions."""
    return f1_of(content_tokens(prediction), content_tokens(reference))


def shorten(text: str | None, limit: int = 120) -> str:
    """Model text for an explanation: one line, at most `limit` characters, quoted."""
    value = _SPACE.sub(" ", text or "").strip()
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return repr(value)


# A sentence ends at . ! ? (also the Devanagari danda and Arabic/Urdu marks) before a space,
# at the CJK full stops (no space follows them), or at a line break. A full stop after a
# single letter (U.S., e.g., J. Smith) ends no sentence.
_SENTENCE_END = re.compile(r"[.!?\u0964\u0965\u061f\u06d4][\"'”’)\]]*(?=\s)|[\u3002\uff01\uff1f]|\n")


def _single_letter_before(text: str, stop: int) -> bool:
    """text[stop] is a full stop right after one letter (and its marks): U.S., J. Smith."""
    i = stop - 1
    while i >= 0 and unicodedata.category(text[i])[0] == "M":
        i -= 1
    return (text[stop] == "." and i >= 0 and text[i].isalpha()
            and (i == 0 or text[i - 1].isspace() or text[i - 1] == "."))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, surrounding whitespace excluded, in order."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if not _single_letter_before(text, match.start()):
            spans.append((start, match.end()))
            start = match.end()
    spans.append((start, len(text)))
    out = []
    for begin, end in spans:
        piece = text[begin:end]
        stripped = piece.strip()
        if stripped:
            begin += len(piece) - len(piece.lstrip())
            out.append((begin, begin + len(stripped)))
    return out


def sentences(text: str) -> list[str]:
    """The sentences of a prose text (see sentence_spans)."""
    return [text[a:b] for a, b in sentence_spans(text)]
