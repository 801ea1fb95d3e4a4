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

from evalkit.scorers.normalized import NormalizedParams, NormalizedScorer  # noqa: E402
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


def squad_rows(corpus, n_random: int) -> list[str]:
    rng = random.Random(12)
    inputs = [(p, t) for _, p, t in corpus] + [
        (random_text(rng, PIECES), random_text(rng, PIECES)) for _ in range(n_random)]
    em = sum(squad_exact(p, t) == exact_match_score(p, t) for p, t in inputs)
    f1 = sum(abs(squad_f1(p, t)[2] - f1_score(p, t)) < 1e-12 for p, t in inputs)
    squad = NormalizedScorer("n", NormalizedParams(mode="squad"), Path("."))
    assert squad._norm("The U.S.!") == "us"
    out = [row("`normalized`, `mode: squad`", "SQuAD v1.1 `exact_match_score`", f"{len(inputs):,}",
               share(em, len(inputs)), "none"),
           row("`token_f1`, `mode: squad`", "SQuAD v1.1 `f1_score`", f"{len(inputs):,}",
               share(f1, len(inputs)), "none")]
    random_pairs = inputs[len(corpus):]
    em_random = sum((normalize(p) == normalize(t)) == exact_match_score(p, t) for p, t in random_pairs)
    f1_random = sum(abs(token_f1(p, t)[2] - f1_score(p, t)) < 1e-12 for p, t in random_pairs)
    by_lang = defaultdict(lambda: [0, 0])
    for lang, p, t in corpus:
        by_lang[lang][0] += abs(token_f1(p, t)[2] - f1_score(p, t)) < 1e-12
        by_lang[lang][1] += 1
    agree = sum(a for a, _ in by_lang.values())
    em_default = sum((normalize(p) == normalize(t)) == exact_match_score(p, t) for _, p, t in corpus)
    detail = ", ".join(f"{lang} {a}/{n}" for lang, (a, n) in by_lang.items())
    out.append(row("`normalized` (default `mode: unicode`)", "SQuAD v1.1 `exact_match_score`",
                   f"{len(corpus)} corpus pairs; {n_random:,} random",
                   f"{share(em_default, len(corpus))}; {share(em_random, n_random)}",
                   "by design, see below"))
    out.append(row("`token_f1` (default `mode: unicode`)", "SQuAD v1.1 `f1_score`",
                   f"{len(corpus)} corpus pairs; {n_random:,} random",
                   f"{share(agree, len(corpus))}; {share(f1_random, n_random)}",
                   f"by design, see below; per language: {detail}"))
    return out


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
    print(f"{len(corpus)} pairs in {len(SENTENCES)} languages: "
          + ", ".join(f"{k} {v}" for k, v in Counter(lang for lang, _, _ in corpus).items()))
    print()
    print(row("scorer", "reference", "inputs", "agreement", "remaining differences"))
    print(row("---", "---", "---", "---", "---"))
    print(tokenizer_row(corpus, n_random))
    for line in squad_rows(corpus, n_random) + rouge_rows(corpus) + citation_rows():
        print(line)
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
