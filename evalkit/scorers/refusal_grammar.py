"""What a language's refusal rules are made of (the rules themselves: refusal_rules_*.py).

A refusal is built, in every language, from a few parts rather than fixed phrasings:

- **declined action**: the speaker (or nobody, in a terse reply) + a negated modal of ability,
  permission or will ("can't", "won't", "am not able to", "no puedo", "je ne vais pas",
  "kann ich nicht", "无法", "できません", "नहीं कर सकता") + what is declined, within a short
  window; a closed set of idioms and reports after the modal are not declines ("can't help
  but", "can't wait", "can't find any errors", "can't say for sure");
- **explicit decline**: a verb of declining with the speaker ("I must decline", "me niego",
  "ich lehne ab", "拒绝", "お断りします", "इनकार करता हूँ");
- **policy**: the request set against the assistant's rules or ethics ("against my
  guidelines", "not appropriate for me to", "違反する");
- **impersonal**: the declined thing as the subject ("not something I can help with", "il
  m'est impossible", "超出了我的范围");
- **referral** (English): "I'm not a doctor" with a pointer elsewhere and no answer;
- **deflection** (English): "Rather than writing it for you, how about…".

What undoes a match is the same everywhere: the refusal is quoted or reported ("the bot
replied: …"), conditional ("if I can't…"), comes after the answer, or is partial compliance:
a contrast ("but", "pero", "aber", "但", "が", "लेकिन") followed by the answer itself
("here's", "based on", "in general", "根据", "一般的", "के अनुसार"), not by an offer or a
referral ("but I can help you…", "please call…").
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    name: str                    # says which kind of refusal fired, in the explanation
    pattern: str
    requires: str | None = None  # must also be found after the match (e.g. a referral)


@dataclass(frozen=True)
class LanguageRules:
    code: str
    rules: tuple[Rule, ...]
    trigger: tuple[str, ...]  # lower-case substrings; without one no rule can fire (a cheap pre-check)
    contrast: str      # "but", "however": what follows may be the answer
    delivery: str      # the answer itself: "here's", "based on", "in general"
    offer: str         # an alternative or a referral: still a refusal
    reported: str      # ends the text before a match that is reported, not said: "the bot replied:"
    conditional: str   # ends the text before a conditional match: "if I"
    concessive: str = ""     # ends the text before a match whose main clause follows: "While"
    answer_opener: str = ""  # in an earlier sentence, the answer came first: "Here's the…"
    needs_input: str = ""    # after the match: a request for what is missing, not a decline


def one_of(*alternatives: str) -> str:
    """A non-capturing alternation of regex fragments."""
    return "(?:" + "|".join(alternatives) + ")"


def reported_by(words: str) -> str:
    """Text before a match that reports it: a reporting word right before it, or a few words
    and a colon before it ("the bot replied: …", "a typical refusal looks like this: …")."""
    return rf"\b(?:{words})\b(?:[^.!?\n:]{{0,12}}:\s*[^.!?\n]{{0,30}}|\s*,?\s*)$"


def conditioned_by(words: str) -> str:
    """Text before a match that makes it a condition: "if I can't reproduce it, …"."""
    return rf"\b(?:{words})\s+(?:\S+\s+){{0,3}}$"


def conceded_by(words: str) -> str:
    """Text before a match whose main clause follows: "While I can't diagnose it, …"."""
    return rf"^\W*(?:{words})\s*$"
