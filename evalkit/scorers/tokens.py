"""The one word tokenizer of the text scorers (`normalized`, `token_f1`, `rouge` with
`tokenizer: unicode`, `citations`), correct for every script.

The text is NFKC-normalised (full-width forms, ligatures, superscripts, non-breaking
spaces) and case-folded (`İ` folds to plain `i`, as in Turkish), then read as tokens:

- a word is a run of letters *with their combining marks* (Indic vowel signs and viramas,
  Arabic and Hebrew vowel points, the dot of `İ`), digits and the joiners ZWJ/ZWNJ, so
  `हिन्दी` and `हिन्दू` stay two different words;
- a `.` or `,` (also the Arabic `٫` `٬`) between two digits stays inside its word: `3.14`,
  `1,000`, `1,000km`; comma grouping in thousands (`1,000,000`) or the Indian way
  (`1,00,000`) is dropped (`1,000` = `1000`); any other separator is kept as written
  (`3.14`, `1.000`, `3,5` stay as they are, since only the locale knows what they mean);
  space-grouped digits (`1 000`) are two tokens;
- dotted abbreviations of single letters are one word without their dots (`U.S.` = `US`,
  `U.S.A.` = `USA`, `a.m.` = `am`);
- scripts written without spaces (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar) give
  one token per character (a letter with its marks): no dictionary is needed and no word
  segmenter is guessed, so ROUGE and F1 on them are character-level;
- currency signs, other symbols (emoji, `°`, `©`, with their skin tones, variation
  selectors and ZWJ sequences: `👨‍👩‍👧` is one token, a flag is one token) and `%` `‰` `‱`
  are tokens of their own: `$12` is `$ 12`, not `12`;
- everything else separates tokens and is dropped: punctuation (apostrophes and hyphens
  included: `don't` is `don t`, `state-of-the-art` four words), math signs (`+ < = > |`),
  modifier symbols (`^`, backticks) and whitespace.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import regex

ARTICLES = frozenset({"a", "an", "the"})
# Scripts written without spaces between words: one token per letter (with its marks).
_SPACELESS = r"\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Bopomofo}\p{scx=Thai}" \
             r"\p{scx=Lao}\p{scx=Khmer}\p{scx=Myanmar}"
# Letters of those scripts are single tokens; their digits (๑๒๓) join words like any digit.
_WORD_CHAR = rf"[[\p{{L}}--[{_SPACELESS}]]\p{{M}}\p{{N}}\u200c\u200d]"
_LETTER = r"\p{L}\p{M}*"
_SEPARATOR = r"[.,\u066b\u066c]"  # inside numbers: 3.14, 1,000 and the Arabic ٫ ٬
_FLAG = r"[\U0001F1E6-\U0001F1FF]"  # regional indicators: two make a flag
_EXTEND = r"[\p{M}\u200c\U0001F3FB-\U0001F3FF]"  # marks, ZWNJ, skin tones
_TOKEN = regex.compile(
    rf"(?:[[\p{{L}}]&&[{_SPACELESS}]]\p{{M}}*)"
    # U.S., a.m., e.g: single letters joined by dots, not inside a longer word
    rf"|(?:(?<![\p{{L}}\p{{M}}\p{{N}}]){_LETTER}(?:\.{_LETTER})+\.?(?![\p{{L}}\p{{M}}\p{{N}}]))"
    # a separator followed by a digit joins; one that follows no digit is split off after
    # the match (cheaper than a look-behind at every separator)
    rf"|(?:{_WORD_CHAR}+(?:{_SEPARATOR}\p{{Nd}}{_WORD_CHAR}*)*)"
    # a symbol with what joins it (UAX #29): marks, skin tones, joiners; a flag is two letters
    rf"|(?:(?:[\p{{So}}--{_FLAG}](?:{_EXTEND}|\u200d\p{{So}}?)*"
    rf"|(?:{_FLAG}{{1,2}}|[\p{{Sc}}%\u2030\u2031])(?:{_EXTEND}|\u200d)*))",
    regex.V1)
# The same rules for ASCII text (most of it), with the `re` module: several times faster.
# ASCII has no marks, no spaceless script and no symbol token but $ and %.
_ASCII_TOKEN = re.compile(
    r"(?:(?<![a-zA-Z0-9])[a-zA-Z](?:\.[a-zA-Z])+\.?(?![a-zA-Z0-9]))"
    r"|(?:[a-zA-Z0-9]+(?:[.,][0-9][a-zA-Z0-9]*)*)"
    r"|(?:[$%])")
# Comma-grouped thousands, Western (1,000,000) or Indian (10,00,000); an optional decimal part.
_GROUPED = regex.compile(r"\p{Nd}{1,3}(?:,\p{Nd}{3})+(?:\.\p{Nd}+)?"
                         r"|\p{Nd}{1,2}(?:,\p{Nd}{2})*,\p{Nd}{3}(?:\.\p{Nd}+)?")
# A dot or comma inside a token (between letters or digits): only then is there work after
# the match (sentence-final full stops are not).
_INNER_SEPARATOR = regex.compile(rf"[\p{{L}}\p{{M}}\p{{N}}\u200c\u200d]{_SEPARATOR}[\p{{L}}\p{{N}}]")
_ASCII_INNER_SEPARATOR = re.compile(r"[a-zA-Z0-9][.,][a-zA-Z0-9]")
_LOOSE_SEPARATOR = regex.compile(r"(?<!\p{Nd})[.,\u066b\u066c]")  # not between two digits
_GROUPED_PREFIX = regex.compile(r"^(?:" + _GROUPED.pattern + r")(?!\p{Nd}|[.,]\p{Nd})")


def fold(text: str, *, nfkc: bool = True, casefold: bool = True) -> str:
    """NFKC and case folding as the tokenizer applies them (`İ` → `i`, not `i̇`)."""
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    if casefold:
        text = text.casefold().replace("i\u0307", "i")
    return text


def _ungroup(word: str) -> str:
    grouped = _GROUPED_PREFIX.match(word)
    if grouped:  # 1,000 → 1000 and 1,000km → 1000km; 3,5 stays
        return grouped.group().replace(",", "") + word[grouped.end():]
    return word


def _separated(token: str) -> list[str]:
    """A token with a dot or comma: an abbreviation loses its dots (a letter follows a dot
    only there); a word is split where a separator follows no digit, and ungrouped."""
    dot = token.find(".")
    if dot >= 0 and not token[dot + 1].isdigit():
        return [token.replace(".", "")]
    return [_ungroup(part) if "," in part else part for part in _LOOSE_SEPARATOR.split(token)]


def _read(text: str) -> list[str]:
    if text.isascii():
        found = _ASCII_TOKEN.findall(text)
        if not _ASCII_INNER_SEPARATOR.search(text):
            return found
    else:
        found = _TOKEN.findall(text)
        if not _INNER_SEPARATOR.search(text):
            return found
    out: list[str] = []
    for token in found:
        if "." in token or "," in token or "\u066b" in token or "\u066c" in token:
            out += _separated(token)
        else:
            out.append(token)
    return out


@lru_cache(maxsize=8192)
def _cached(text: str, nfkc: bool, casefold: bool) -> tuple[str, ...]:
    return tuple(_read(fold(text, nfkc=nfkc, casefold=casefold)))


def tokens(text: str, *, nfkc: bool = True, casefold: bool = True) -> list[str]:
    """The tokens of `text` (rules in the module docstring)."""
    # Long texts (sources, summaries) are not worth caching; short answers repeat a lot.
    if len(text) <= 512:
        return list(_cached(text, nfkc, casefold))
    return _read(fold(text, nfkc=nfkc, casefold=casefold))


def content_tokens(text: str) -> list[str]:
    """Tokens without the English articles a/an/the: what token F1 and `normalized` compare."""
    return [t for t in tokens(text) if t not in ARTICLES]
