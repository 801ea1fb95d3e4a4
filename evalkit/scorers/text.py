"""Text normalisation and tokens shared by the golden-answer scorers.

`normalize` follows the SQuAD convention most Q&A metrics use, plus Unicode NFKC so that
full-width digits, ligatures and non-breaking spaces compare equal to their plain forms.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

ARTICLES = {"a", "an", "the"}
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def strip_punctuation(text: str) -> str:
    """Every Unicode punctuation character (category P*) becomes a space."""
    return "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)


def normalize(text: str, *, unicode: bool = True, case: bool = True, punctuation: bool = True,
              articles: bool = True, whitespace: bool = True) -> str:
    """The canonical form two answers are compared in; each step can be turned off."""
    if unicode:
        text = unicodedata.normalize("NFKC", text)
    if case:
        text = text.casefold()
    if punctuation:
        text = strip_punctuation(text)
    if articles:
        text = " ".join(w for w in text.split() if w.casefold() not in ARTICLES)
    if whitespace:
        text = _SPACE.sub(" ", text).strip()
    return text


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters, digits, underscore; any script)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def content_words(text: str) -> list[str]:
    """Word tokens without articles: what token F1 counts."""
    return [w for w in words(text) if w not in ARTICLES]


def token_f1(prediction: str, reference: str) -> tuple[float, float, float]:
    """SQuAD-style token precision, recall and F1 (multiset overlap of content words)."""
    pred, ref = content_words(prediction), content_words(reference)
    if not pred or not ref:
        same = float(pred == ref)
        return same, same, same
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0, 0.0, 0.0
    precision, recall = common / len(pred), common / len(ref)
    return precision, recall, 2 * precision * recall / (precision + recall)


def shorten(text: str | None, limit: int = 120) -> str:
    """Model text for an explanation: one line, at most `limit` characters, quoted."""
    value = _SPACE.sub(" ", text or "").strip()
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return repr(value)


def sentences(text: str) -> list[str]:
    """Split prose into sentences at ., ! or ? followed by space (or a newline)."""
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip() for p in parts if p and p.strip()]
