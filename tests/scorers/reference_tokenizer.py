"""An independent implementation of the tokenizer rules documented in evalkit/scorers/tokens.py.

Written from the documented rules with `unicodedata` and a character scanner (no `regex`, no
evalkit code), so that rouge-score fed with these tokens is a reference for evalkit's
`tokenizer: unicode`. Scripts written without spaces are recognised by their Unicode
blocks, which is enough for the test texts (evalkit uses the Script_Extensions property).
"""
from __future__ import annotations

import unicodedata

SPACELESS_BLOCKS = [
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3040, 0x30FF),  # Hiragana, Katakana (ー included)
    (0x3100, 0x312F),  # Bopomofo
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B and later
]
NUMBER_SEPARATORS = ".,\u066b\u066c"
SYMBOL_EXTRAS = "%\u2030\u2031"


def _cat(ch: str) -> str:
    return unicodedata.category(ch)


def _letter(ch: str) -> bool:
    return _cat(ch)[0] == "L"


def _mark(ch: str) -> bool:
    return _cat(ch)[0] == "M"


def _spaceless_letter(ch: str) -> bool:
    return _letter(ch) and any(lo <= ord(ch) <= hi for lo, hi in SPACELESS_BLOCKS)


def _word_char(ch: str) -> bool:
    return ((_letter(ch) and not _spaceless_letter(ch)) or _mark(ch) or _cat(ch)[0] == "N"
            or ch in "\u200c\u200d")


def _lmn(ch: str) -> bool:
    return _cat(ch)[0] in "LMN"


def _decimal(ch: str) -> bool:
    return _cat(ch) == "Nd"


def _letter_with_marks(text: str, i: int) -> int:
    """End of the letter at i and the marks after it, or -1 when text[i] is no letter."""
    if i >= len(text) or not _letter(text[i]):
        return -1
    i += 1
    while i < len(text) and _mark(text[i]):
        i += 1
    return i


def _abbreviation(text: str, i: int) -> int:
    """End of "u.s." / "a.m" / "u.s.a." starting at i, or -1. Like a backtracking regex, the
    longest form whose next character is no letter, mark or digit wins."""
    if i > 0 and _lmn(text[i - 1]):
        return -1
    end = _letter_with_marks(text, i)
    if end < 0:
        return -1
    ends = []  # candidate ends, shortest first
    while end < len(text) and text[end] == ".":
        nxt = _letter_with_marks(text, end + 1)
        if nxt < 0:
            break
        end = nxt
        ends.append(end)
        if end < len(text) and text[end] == ".":
            ends.append(end + 1)
    for candidate in reversed(ends):
        if candidate >= len(text) or not _lmn(text[candidate]):
            return candidate
    return -1


def _ungroup(word: str) -> str:
    """1,000 → 1000 and 1,00,000 → 100000 when the commas group thousands (Western or Indian),
    optionally with a decimal part; the rest of the word follows unchanged."""
    j = 0
    while j < len(word) and (_decimal(word[j]) or word[j] in ",."):
        j += 1
    number, rest = word[:j], word[j:]
    whole, dot, fraction = number.partition(".")
    if dot and not (fraction and all(_decimal(c) for c in fraction)):
        return word
    groups = whole.split(",")
    if len(groups) < 2 or not all(g and all(_decimal(c) for c in g) for g in groups):
        return word
    western = 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    indian = (1 <= len(groups[0]) <= 2 and all(len(g) == 2 for g in groups[1:-1])
              and len(groups[-1]) == 3)
    if not (western or indian):
        return word
    return whole.replace(",", "") + dot + fraction + rest


def _symbol_end(text: str, i: int) -> int:
    """A symbol and what joins it into one grapheme (UAX #29): a second regional indicator,
    then marks, skin tones, ZWNJ and ZWJ; after a ZWJ, a pictograph (So) joins a pictograph."""
    j = i + 1
    flag = 0x1F1E6 <= ord(text[i]) <= 0x1F1FF
    if flag and j < len(text) and 0x1F1E6 <= ord(text[j]) <= 0x1F1FF:
        j += 1
    pictograph = _cat(text[i]) == "So" and not flag
    while j < len(text):
        if _mark(text[j]) or 0x1F3FB <= ord(text[j]) <= 0x1F3FF or text[j] == "\u200c":
            j += 1
        elif text[j] == "\u200d":
            j += 1
            if pictograph and j < len(text) and _cat(text[j]) == "So":
                j += 1
        else:
            break
    return j


def reference_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold().replace("i\u0307", "i")
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if _spaceless_letter(ch):
            j = i + 1
            while j < n and _mark(text[j]):
                j += 1
            out.append(text[i:j])
            i = j
            continue
        end = _abbreviation(text, i)
        if end > 0:
            out.append(text[i:end].replace(".", ""))
            i = end
            continue
        if _word_char(ch):
            j = i
            while j < n:
                if _word_char(text[j]):
                    j += 1
                elif (text[j] in NUMBER_SEPARATORS and _decimal(text[j - 1])
                      and j + 1 < n and _decimal(text[j + 1])):
                    j += 1
                else:
                    break
            word = text[i:j]
            out.append(_ungroup(word) if "," in word else word)
            i = j
            continue
        if _cat(ch) in ("Sc", "So") or ch in SYMBOL_EXTRAS:
            j = _symbol_end(text, i)
            out.append(text[i:j])
            i = j
            continue
        i += 1  # punctuation, math and modifier symbols, spaces, controls: separators
    return out


class ReferenceTokenizer:
    """rouge-score's tokenizer interface."""

    def tokenize(self, text: str) -> list[str]:
        return reference_tokens(text)
