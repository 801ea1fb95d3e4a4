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
_FLAG = r"[\U0001F1E6-\U0001F1FF]"  # regional indicators: two make a flag
_EXTEND = r"[\p{M}\u200c\U0001F3FB-\U0001F3FF]"  # marks, ZWNJ, skin tones
_TOKEN = regex.compile(
    rf"(?P<spaceless>[[\p{{L}}]&&[{_SPACELESS}]]\p{{M}}*)"
    # U.S., a.m., e.g: single letters joined by dots, not inside a longer word
    rf"|(?P<abbr>(?<![\p{{L}}\p{{M}}\p{{N}}]){_LETTER}(?:\.{_LETTER})+\.?(?![\p{{L}}\p{{M}}\p{{N}}]))"
    rf"|(?P<word>{_WORD_CHAR}+(?:(?<=\p{{Nd}})[.,\u066b\u066c](?=\p{{Nd}}){_WORD_CHAR}+)*)"
    # a symbol with what joins it (UAX #29): marks, skin tones, joiners; a flag is two letters
    rf"|(?P<symbol>(?:[\p{{So}}--{_FLAG}](?:{_EXTEND}|\u200d\p{{So}}?)*"
    rf"|(?:{_FLAG}{{1,2}}|[\p{{Sc}}%\u2030\u2031])(?:{_EXTEND}|\u200d)*))",
    regex.V1)
# Comma-grouped thousands, Western (1,000,000) or Indian (10,00,000); an optional decimal part.
_GROUPED = regex.compile(r"\p{Nd}{1,3}(?:,\p{Nd}{3})+(?:\.\p{Nd}+)?"
                         r"|\p{Nd}{1,2}(?:,\p{Nd}{2})*,\p{Nd}{3}(?:\.\p{Nd}+)?")
_GROUPED_PREFIX = regex.compile(r"^(?:" + _GROUPED.pattern + r")(?!\p{Nd}|[.,]\p{Nd})")


def fold(text: str, *, nfkc: bool = True, casefold: bool = True) -> str:
    """NFKC and case folding as the tokenizer applies them (`İ` → `i`, not `i̇`)."""
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    if casefold:
        text = text.casefold().replace("i\u0307", "i")
    return text


def _word(match: regex.Match) -> str:
    kind = match.lastgroup
    value = match.group()
    if kind == "abbr":
        return value.replace(".", "")
    if kind == "word" and "," in value:
        grouped = _GROUPED_PREFIX.match(value)
        if grouped:  # 1,000 → 1000 and 1,000km → 1000km; 3,5 stays
            return grouped.group().replace(",", "") + value[grouped.end():]
    return value


def tokens(text: str, *, nfkc: bool = True, casefold: bool = True) -> list[str]:
    """The tokens of `text` (rules in the module docstring)."""
    return _tokens(fold(text, nfkc=nfkc, casefold=casefold))


@lru_cache(maxsize=4096)
def _cached(text: str) -> tuple[str, ...]:
    return tuple(_word(m) for m in _TOKEN.finditer(text))


def _tokens(text: str) -> list[str]:
    # Long texts (sources, summaries) are not worth caching; short answers repeat a lot.
    if len(text) <= 512:
        return list(_cached(text))
    return [_word(m) for m in _TOKEN.finditer(text)]


def content_tokens(text: str) -> list[str]:
    """Tokens without the English articles a/an/the: what token F1 and `normalized` compare."""
    return [t for t in tokens(text) if t not in ARTICLES]
