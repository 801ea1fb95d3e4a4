"""Does a cited sentence contradict the sources it cites? Three deterministic checks.

Word overlap alone calls "returns within 90 days" supported by a source that says 30 days,
and "can" supported by "cannot". A sentence that overlaps enough still fails when:

- numbers: it states a number that none of its cited sources states. Numbers are read
  from digits of any script (`1,000` = `1000` = `one thousand` is *not* known: only the
  English words two to twenty and the tens are read as numbers in the sentence, and also
  one, zero and the ordinals first to twelfth in the sources); `30.0` = `30`; the number
  is all that is compared, so `30 days` against a source's `30 weeks` passes this check.
- negation: it is negated and the source sentence it matches best is not, or the other way
  round ("can be returned" against "cannot be returned"). Negation words are known for
  English, Spanish, French, German, Portuguese, Italian, Dutch, Russian, Hindi, Arabic
  and Chinese; where a language marks negation inside the word (Turkish, Japanese), it is
  not seen. Only the presence of a negation is compared: "not unlike" is negated.
- entities: a capitalised word (a name; not the sentence's first word unless it is an
  acronym like `EU`) that appears in none of its cited sources, e.g. "Germany" when the
  source only names France. Scripts without capitals (most outside Latin, Greek,
  Cyrillic, Armenian) have no entities to check, and neither has a sentence without one
  lower-case word of four letters or more (a Title Case heading, a list of names).

They are word checks, not understanding: a paraphrase whose number is written differently
fails, and "cannot be returned after 30 days" against "can be returned within 30 days"
reads as a contradiction. A `judge` scorer with a grounding rubric is the route for what
words cannot settle.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache

import regex

from .text import sentences
from .tokens import fold, tokens

CHECKS = ("numbers", "negation", "entities")
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()
NUMBER_WORDS = {w: str(i) for i, w in enumerate(_SMALL)} | {
    w: str(20 + 10 * i) for i, w in enumerate(_TENS)}
ORDINALS = {w: str(i) for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split(),
    start=1)}
# In a sentence, "one" and "zero" are too often not numbers ("one can return…").
CLAIM_WORDS = {w: v for w, v in NUMBER_WORDS.items() if w not in ("zero", "one")}
NEGATIONS = frozenset("""
    not no never cannot nor neither none nothing nobody nowhere
    nunca jamás jamas ni ningún ningun ninguna ninguno nadie nada
    ne pas jamais aucun aucune rien
    nicht kein keine keinen keinem keiner keines nie niemals nichts
    não nao nenhum nenhuma
    non mai nessuno nessuna niente
    niet geen nooit
    не нет никогда ни
    नहीं नही न
    لا لم لن ليس ليست
""".split())
_CONTRACTED = regex.compile(r"\p{L}n['’]t\b")  # can't, isn't, won't (the tokens split them)
_CHINESE_NEGATION = regex.compile(r"[不没沒未无無](?![过過但仅僅论論])")
_NUMBER = regex.compile(r"^\p{Nd}+(?:[.,\u066b\u066c]\p{Nd}+)*")
_STOP = frozenset(
    "a an the is are was were be been being of to in on at by for with from and or but it its "
    "this that these those as if then than so such can could may might will would shall "
    "should do does did has have had i you he she we they them his her their our your my me us"
    .split())


@dataclass(frozen=True)
class Conflict:
    check: str  # numbers | negation | entities
    detail: str  # in words, for the explanation


def _canonical(number: str) -> str:
    digits = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in number)
    digits = digits.replace("\u066b", ".").replace("\u066c", ",")
    if digits.isdigit():
        return str(int(digits))  # 05 = 5
    if digits.count(".") == 1 and "," not in digits:
        try:
            return format(Decimal(digits).normalize(), "f")
        except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
            return digits
    return digits


def numbers(words: list[str], named: dict[str, str]) -> set[str]:
    """The numbers among tokens: digit tokens (canonical) and the given number words."""
    out = set()
    for token in words:
        if token[0].isdigit():
            out.add(_canonical(_NUMBER.match(token).group()))
        elif token in named:
            out.add(named[token])
    return out


def negated(text: str, words: list[str]) -> bool:
    folded = text.casefold() if "'" in text or "’" in text or not text.isascii() else ""
    return (not NEGATIONS.isdisjoint(words) or bool(_CONTRACTED.search(folded))
            or (not folded.isascii() and bool(_CHINESE_NEGATION.search(folded))))


def _content(words: list[str]) -> frozenset[str]:
    return frozenset(words) - _STOP - NEGATIONS


class SourceFacts:
    """What the checks read in a source text, each part computed once, when first needed."""

    def __init__(self, text: str):
        self.text = text
        self.words = frozenset(tokens(text))

    @cached_property
    def numbers(self) -> frozenset[str]:
        return frozenset(numbers(tokens(self.text), NUMBER_WORDS | ORDINALS))

    @cached_property
    def negated(self) -> bool:
        return negated(self.text, list(self.words))

    @cached_property
    def sentences(self) -> tuple[tuple[str, frozenset[str], bool], ...]:
        """Each sentence: its text, its content words, whether it is negated."""
        return tuple((s, _content(w), negated(s, w))
                     for s, w in ((s, tokens(s)) for s in sentences(self.text)))


@lru_cache(maxsize=1024)
def source_facts(text: str) -> SourceFacts:
    return SourceFacts(text)


def closest_sentence(claim_words: list[str], source: SourceFacts) -> tuple[str, bool, float]:
    """The source sentence sharing the most content words with the claim: its text, whether
    it is negated, and the share of the claim's content words it holds."""
    mine = _content(claim_words)
    best: tuple[str, bool, float] = ("", False, 0.0)
    for sentence, theirs, negative in source.sentences if mine else ():
        overlap = len(mine & theirs) / len(mine)
        if overlap > best[2]:
            best = (sentence, negative, overlap)
    return best


def entities(sentence: str) -> list[str]:
    """Capitalised words that are not the sentence's first word (acronyms always count)."""
    if sentence[1:].lower() == sentence[1:]:
        return []  # no capital after the first letter: no name, no acronym
    words = tokens(sentence, casefold=False)
    capitalised = [(i, w) for i, w in enumerate(words)
                   if len(w) > 1 and unicodedata.category(w[0]) in ("Lu", "Lt")]
    if not any(len(w) > 3 and unicodedata.category(w[0]) == "Ll" for w in words):
        return []  # a Title Case heading or a list of names: capitals say nothing here
    return list(dict.fromkeys(w for i, w in capitalised if i > 0 or w.isupper()))


def conflicts(claim: str, source_text: str, checks: tuple[str, ...] = CHECKS,
              min_overlap: float = 0.5) -> list[Conflict]:
    """What in the claim contradicts the (cited) source text, by the checks asked for."""
    found: list[Conflict] = []
    source = source_facts(source_text)
    words = tokens(claim)
    if "numbers" in checks and (stated := numbers(words, CLAIM_WORDS)):
        missing = sorted(stated - source.numbers)
        if missing:
            shown = ", ".join(sorted(source.numbers)[:5]) if source.numbers else "none"
            found.append(Conflict("numbers", f"states {', '.join(missing)}, which the source "
                                  f"does not (its numbers: {shown})"))
    mine = negated(claim, words) if "negation" in checks else False
    if "negation" in checks and (mine or source.negated):  # else neither side negates
        best, negative, share = closest_sentence(words, source)
        if best and share >= min_overlap and mine != negative:
            found.append(Conflict("negation", ("negates" if mine else "affirms")
                                  + f" what the source says: {best[:160]!r}"))
    if "entities" in checks:
        absent = [e for e in entities(claim) if fold(e) not in source.words]
        if absent:
            found.append(Conflict("entities", f"names {', '.join(absent)}, which the source "
                                  "does not mention"))
    return found
