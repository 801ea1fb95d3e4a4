"""Text scorers against their references: the figures of RESULTS.md's "Scorers against their
references" section (tokenizer, normalized, token_f1, rouge, citations).

References, none written by evalkit's code:
  - SQuAD v1.1's evaluation script (its functions restated in tests/scorers/test_squad_reference.py),
  - Google's rouge-score (its own tokenizer, and fed by tests/scorers/reference_tokenizer.py,
    an independent implementation of the documented tokenizer rules),
  - labelled citation cases (tests/scorers/citation_cases.py).
Inputs: the 422 pairs in 17 languages of tests/scorers/multilingual.py, and seeded random
strings of tricky pieces (punctuation, articles, numbers, abbreviations, marks, emoji).

    python benchmarks/bench_text_references.py [RANDOM_PAIRS]
"""
from __future__ import annotations

import random
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from rouge_score import rouge_scorer  # noqa: E402

from evalkit.scorers.overlap import rouge  # noqa: E402
from evalkit.scorers.squad import squad_exact, squad_f1  # noqa: E402
from evalkit.scorers.text import normalize, token_f1  # noqa: E402
from evalkit.scorers.tokens import tokens  # noqa: E402
from tests.scorers.citation_cases import CASES  # noqa: E402
from tests.scorers.helpers import case, make, run_score  # noqa: E402
from tests.scorers.multilingual import SENTENCES, pairs  # noqa: E402
from tests.scorers.reference_tokenizer import ReferenceTokenizer, reference_tokens  # noqa: E402
from tests.scorers.test_squad_reference import PIECES, exact_match_score, f1_score  # noqa: E402

VARIANTS = ("rouge1", "rouge2", "rougeL", "rougeLsum")
FUZZ = ("aAbU.S,;:'-  \n\t9107१२٫٬$€%‰😀👍\U0001F3FD\u200d\u200c\u0301\u093fक्षि中文ภาี่ーİıI_`^|+="
        "<>()[]#ⅫＡ½ﬁ©🇫🇷")


def random_text(rng: random.Random, pieces, size: int = 12) -> str:
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, size)))


def row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def share(hits: int, total: int) -> str:
    return f"{hits:,} / {total:,} ({hits / total:.1%})"


REASONS = {
    "empty": "both sides have no tokens: F1 1 (SQuAD 2.0's rule) where v1.1 gives 0",
    "inner": "ASCII punctuation inside a word: SQuAD deletes it and joins the sides (`dont`, "
             "`314`, `xy` for x+y); evalkit splits there, or keeps a number's separator",
    "symbol": "`$` `%` are tokens in evalkit, deleted by SQuAD; `€ ₹ 😀 °` are tokens in "
              "evalkit, glued to the word in SQuAD",
    "unicode punctuation": "punctuation outside ASCII (`।` `،` `。` `«»` `’` `—` `¿`) separates "
                           "tokens in evalkit, stays in the word in SQuAD",
    "spaceless": "Chinese, Japanese, Thai: one token per character in evalkit, one per "
                 "space-separated run in SQuAD",
    "nfkc": "NFKC (full-width, ligatures, `½`) in evalkit only",
    "case": "case folding (`ß` = `ss`, `İ` = `i`) in evalkit, `lower()` in SQuAD",
}


def reasons(text: str) -> set[str]:
    """Which documented rule makes evalkit's tokens of `text` differ from SQuAD's, if they do."""
    from evalkit.scorers.squad import squad_normalize
    from evalkit.scorers.tokens import content_tokens

    if content_tokens(text) == squad_normalize(text).split():
        return set()
    found = set()
    if re.search(r"[0-9A-Za-z\u00c0-\uffff][!-/:-@\[-`{-~]+[0-9A-Za-z\u00c0-\uffff]", text):
        found.add("inner")
    if any(c in "$%" or unicodedata.category(c) in ("Sc", "So", "Sk") and not c.isascii()
           for c in text):
        found.add("symbol")
    if any(unicodedata.category(c)[0] in "PZ" and not c.isascii() for c in text):
        found.add("unicode punctuation")
    if any(unicodedata.category(c)[0] == "L" and reference_tokens(c) == [c] and
           (0x0E00 <= ord(c) <= 0x0EFF or 0x3040 <= ord(c) <= 0x9FFF) for c in text):
        found.add("spaceless")
    if unicodedata.normalize("NFKC", text) != text:
        found.add("nfkc")
    if text.casefold() != text.lower() or "İ" in text:
        found.add("case")
    return found or {"unexplained"}


def explain(pairs_) -> dict[str, int]:
    """Per reason, the differing pairs it explains (a pair can have several)."""
    counts: Counter = Counter()
    for p, t in pairs_:
        why = reasons(p) | reasons(t)
        if not why and not content_tokens_of(p) and not content_tokens_of(t):
            why = {"empty"}
        counts.update(why or {"unexplained"})
    return dict(counts)


def content_tokens_of(text: str) -> list[str]:
    from evalkit.scorers.tokens import content_tokens

    return content_tokens(text)


def random_pairs(n: int) -> list[tuple[str, str]]:
    rng = random.Random(12)
    return [(random_text(rng, PIECES), random_text(rng, PIECES)) for _ in range(n)]


def squad_rows(inputs) -> list[str]:
    em = sum(squad_exact(p, t) == exact_match_score(p, t) for p, t in inputs)
    f1 = sum(abs(squad_f1(p, t)[2] - f1_score(p, t)) < 1e-12 for p, t in inputs)
    return [row("`normalized`, `mode: squad`", "SQuAD v1.1 `exact_match_score`",
                f"{len(inputs):,}", share(em, len(inputs)), "none"),
            row("`token_f1`, `mode: squad`", "SQuAD v1.1 `f1_score`", f"{len(inputs):,}",
                share(f1, len(inputs)), "none")]


def f1_differs(p: str, t: str) -> bool:
    return abs(token_f1(p, t)[2] - f1_score(p, t)) >= 1e-12


def default_mode_rows(corpus, randoms) -> tuple[list[str], list[tuple[str, str]]]:
    """The default mode against SQuAD v1.1, and the pairs whose F1 differs."""
    def em_agrees(p, t):
        return (normalize(p) == normalize(t)) == exact_match_score(p, t)

    by_lang = defaultdict(lambda: [0, 0])
    for lang, p, t in corpus:
        by_lang[lang][0] += not f1_differs(p, t)
        by_lang[lang][1] += 1
    corpus_pairs = [(p, t) for _, p, t in corpus]
    differing = [(p, t) for p, t in corpus_pairs + randoms if f1_differs(p, t)]
    inputs = f"{len(corpus)} corpus pairs; {len(randoms):,} random"
    detail = ", ".join(f"{lang} {a}/{n}" for lang, (a, n) in by_lang.items())
    em = [share(sum(em_agrees(p, t) for p, t in group), len(group))
          for group in (corpus_pairs, randoms)]
    f1 = [share(sum(not f1_differs(p, t) for p, t in group), len(group))
          for group in (corpus_pairs, randoms)]
    return [row("`normalized` (default `mode: unicode`)", "SQuAD v1.1 `exact_match_score`",
                inputs, "; ".join(em), "by design, explained below"),
            row("`token_f1` (default `mode: unicode`)", "SQuAD v1.1 `f1_score`", inputs,
                "; ".join(f1), f"by design, explained below; corpus per language: {detail}")
            ], differing


def rouge_rows(corpus) -> list[str]:
    out = []
    for tokenizer in ("rouge", "unicode"):
        checked = same = 0
        for variant in VARIANTS:
            references = ([rouge_scorer.RougeScorer([variant], use_stemmer=s) for s in (False, True)]
                          if tokenizer == "rouge" else
                          [rouge_scorer.RougeScorer([variant], tokenizer=ReferenceTokenizer())])
            for stem, reference in enumerate(references):
                for _, p, t in corpus:
                    checked += 1
                    same += tuple(rouge(p, t, variant, bool(stem), tokenizer)) == \
                        tuple(reference.score(t, p)[variant])
        what = ("rouge-score `RougeScorer` (its tokenizer; stemmer off and on)" if tokenizer == "rouge"
                else "rouge-score `RougeScorer` fed by the independent reference tokenizer")
        out.append(row(f"`rouge`, `tokenizer: {tokenizer}` (rouge1/2/L/Lsum)", what,
                       f"{checked:,} scores ({len(corpus)} pairs)", share(same, checked),
                       "none (precision, recall and F identical)"))
    return out


def tokenizer_row(corpus, n_fuzz: int) -> str:
    rng = random.Random(7)
    pieces = list(FUZZ) + ["e.g.", "1,000", "a.m.", "1,00,000", "3.14"]
    texts = {t for _, p, r in corpus for t in (p, r)} | {
        random_text(rng, pieces, 16) for _ in range(n_fuzz)}
    same = sum(tokens(t) == reference_tokens(t) for t in texts)
    return row("tokenizer (`tokens.py`)", "the documented rules, implemented independently "
               "(`unicodedata`, no `regex`)", f"{len(texts):,} texts", share(same, len(texts)),
               "none")


def citation_rows() -> list[str]:
    results = {}
    for label, scorer in (("with the checks", make("citations")),
                          ("word overlap only", make("citations", contradictions=[]))):
        agree, wrong = 0, []
        for c in CASES:
            score = run_score(scorer, f"{c.sentence} [s]",
                              the_case=case(None, docs=[{"id": "s", "text": c.source}]))
            if score.passed is c.supported:
                agree += 1
            else:
                wrong.append(c)
        results[label] = (agree, wrong)
    agree, wrong = results["with the checks"]
    old_agree, _ = results["word overlap only"]
    documented = all(c.known for c in wrong)
    langs = len({c.lang for c in CASES})
    return [row("`citations` support (numbers, negation, names checked)",
                f"labelled cases (a reader's judgement, {langs} languages)", len(CASES),
                share(agree, len(CASES)),
                f"{len(wrong)}, each documented ({'all' if documented else 'NOT all'} marked "
                "`known`): " + "; ".join(c.known for c in wrong)),
            row("`citations` support, `contradictions: []` (word overlap only, as before)",
                "the same cases", len(CASES), share(old_agree, len(CASES)),
                "every contradiction that shares its words with the source passes")]


def old_words(text: str) -> list[str]:
    """The tokenizer before issue 12: \\w+ after NFKC and case folding."""
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


class OldTokenizer:
    def tokenize(self, text):
        return old_words(text)


def unrelated_rows(corpus) -> list[str]:
    """Mean ROUGE-L F per language: different sentences (should be low) and near copies (a
    word dropped, swapped or replaced: should be high), before and after."""
    old = rouge_scorer.RougeScorer(["rougeL"], tokenizer=OldTokenizer())
    out = []
    for lang, sentences in SENTENCES.items():
        groups = [[(p, t) for lg, p, t in corpus if lg == lang and p != t and "\n" not in t
                   and (p in sentences) is unrelated] for unrelated in (True, False)]
        cells = []
        for group in groups:
            cells += [f"{statistics.mean(old.score(t, p)['rougeL'].fmeasure for p, t in group):.3f}",
                      f"{statistics.mean(rouge(p, t, 'rougeL', tokenizer='unicode').fmeasure for p, t in group):.3f}"]
        out.append(row(lang, len(groups[0]), cells[0], cells[1], len(groups[1]), cells[2], cells[3]))
    return out


def speed_row(corpus) -> str:
    """CPU µs to tokenize one text, best of 3, every text new (no cache hit): ASCII texts take
    the `re` fast path, the others the `regex` one."""
    from evalkit.scorers import tokens as module

    texts = [t for _, p, r in corpus for t in (p, r)]
    groups = {"ASCII": [t for t in texts if t.isascii()],
              "other scripts": [t for t in texts if not t.isascii()]}
    cells = []
    for label, group in groups.items():
        group = [f"{t} {i}" for i, t in enumerate(group * max(1, 4000 // len(group)))]
        for name, fn in (("`\\w+` (before)", old_words), ("`tokens()`", tokens)):
            best = float("inf")
            for attempt in range(3):
                module._cached.cache_clear()
                start = time.process_time()
                for text in group:
                    fn(f"{text}{attempt}")
                best = min(best, time.process_time() - start)
            cells.append(f"{label}, {name}: {best / len(group) * 1e6:.1f} µs")
    return "; ".join(cells)


def main() -> None:
    n_random = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    corpus = pairs()
    randoms = random_pairs(n_random)
    print(f"{len(corpus)} pairs in {len(SENTENCES)} languages: "
          + ", ".join(f"{k} {v}" for k, v in Counter(lang for lang, _, _ in corpus).items()))
    print()
    print(row("scorer", "reference", "inputs", "agreement", "remaining differences"))
    print(row("---", "---", "---", "---", "---"))
    print(tokenizer_row(corpus, n_random))
    default_rows, differing = default_mode_rows(corpus, randoms)
    for line in (squad_rows([(p, t) for _, p, t in corpus] + randoms) + default_rows
                 + rouge_rows(corpus) + citation_rows()):
        print(line)
    print()
    print(f"Default-mode F1 differs from SQuAD's on {len(differing):,} pairs; the rules that "
          "explain them (a pair can have several):")
    print()
    print(row("rule", "pairs", "what differs"))
    print(row("---", "---", "---"))
    for key, count in sorted(explain(differing).items(), key=lambda kv: -kv[1]):
        print(row(key, f"{count:,}", REASONS.get(key, "NOT EXPLAINED")))
    print()
    print(row("language", "different sentences", "ROUGE-L F `\\w+` (before)", "ROUGE-L F now",
              "near copies", "ROUGE-L F `\\w+` (before)", "ROUGE-L F now"))
    print(row(*["---"] * 7))
    for line in unrelated_rows(corpus):
        print(line)
    print()
    print("tokenizing one text (CPU, best of 3):", speed_row(corpus))


if __name__ == "__main__":
    main()
