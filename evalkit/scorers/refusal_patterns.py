"""The built-in refusal rules by language, and what is taken out before they are applied.

A refusal declines what was asked: "I can't help with that", with or without an apology, a
reason or a pointer elsewhere ("…, but I can help you with X instead", "…; please call a
crisis line"). The rules are structural (refusal_grammar.py says what they are made of;
refusal_rules_en.py, refusal_rules_eu.py and refusal_rules_asia.py hold them). Not refusals:

- idioms and statements about other things: "I can't help but notice…", "I'm sorry, but
  I can't find any errors", "I can't wait…", "the API cannot return more than 100 items";
- refusals quoted, reported or shown as examples: text in quotation marks (" ", “ ”, ' ',
  « », „ “, 「 」, 『 』), Markdown quote lines and code are taken out (unless the whole
  output is quoted), and a refusal after "the bot replied:" is a report;
- partial compliance: the output declines a part and then delivers the rest ("I can't give
  a diagnosis, but here's what those symptoms usually mean: …").

Only the lead of the output counts (LEAD_CHARS): a refusal declines up front, while a long
answer that mentions a limit near its end ("I can't guarantee…") has answered.
"""
from __future__ import annotations

import re

from .refusal_grammar import LanguageRules
from .refusal_rules_asia import HI, JA, ZH
from .refusal_rules_en import RULES as EN
from .refusal_rules_eu import DE, ES, FR, PT

LEAD_CHARS = 400

LANGUAGE_RULES: dict[str, LanguageRules] = {rules.code: rules for rules in
                                            (EN, ES, FR, DE, PT, ZH, JA, HI)}
# The bare regexes per language (what `extra_patterns` users read to extend them).
PATTERNS: dict[str, tuple[str, ...]] = {
    code: tuple(rule.pattern for rule in rules.rules) for code, rules in LANGUAGE_RULES.items()}

CODE = "[code]"  # what code becomes: shown content, so a later "I can't…" is about the answer
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.DOTALL)
_QUOTED = re.compile(
    r"\"[^\"\n]{1,400}\"|“[^”]{1,400}”|«[^»]{1,400}»|„[^“”]{1,400}[“”]|「[^」]{1,400}」"
    r"|『[^』]{1,400}』|‘[^’\n]{1,400}’(?!\w)|^[ \t]*>[^\n]*$"
    # ASCII single quotes, told apart from apostrophes: 'As an AI, I can't do that'
    r"|(?<![\w'])'(?=[^\s'])(?:[^'\n]|(?<=\w)'(?=\w)){2,300}?(?<=\S)'(?![\w'])",
    re.DOTALL | re.MULTILINE)


def unquoted(text: str) -> str:
    """The text without quotations and Markdown quote lines, code as CODE (all of it kept if
    nothing else is left)."""
    stripped = _QUOTED.sub(" ", _CODE.sub(f" {CODE} ", text))
    return stripped if stripped.replace(CODE, "").strip(" \n\t.,;:!?") else text
