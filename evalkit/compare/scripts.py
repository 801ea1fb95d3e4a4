"""The writing system a text is mostly in (Latin, Cyrillic, Han, Arabic, ...), from the
Unicode names of its letters: the language slice of slice discovery without a language
model. evalkit has no language detector (the scorers tokenise every script alike); a
`lang` metadata field, when a suite has one, is searched as a field besides this.
"""
from __future__ import annotations

import unicodedata
from collections import Counter

# The first word of a letter's Unicode name, where it is not the script's own name.
_ALIASES = {"CJK": "Han", "HIRAGANA": "Japanese kana", "KATAKANA": "Japanese kana",
            "HALFWIDTH": "Japanese kana", "FULLWIDTH": "Latin"}
LETTERS_READ = 400  # the first letters decide; a prompt's language rarely changes later


def script_of(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    if not name:
        return None
    word = name.split(" ", 1)[0]
    return _ALIASES.get(word, word.capitalize())


def dominant_script(text: str) -> str | None:
    """The script of most of the text's first letters; None when it has no letters."""
    counts: Counter = Counter()
    seen = 0
    for ch in text:
        if ch.isalpha():
            script = script_of(ch)
            if script:
                counts[script] += 1
                seen += 1
                if seen >= LETTERS_READ:
                    break
    return counts.most_common(1)[0][0] if counts else None
