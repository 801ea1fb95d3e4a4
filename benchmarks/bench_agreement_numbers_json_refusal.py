"""numeric, json_schema and refusal against their references; prints the RESULTS.md tables.

    python -m benchmarks.bench_agreement_numbers_json_refusal

- numeric `extract: gsm8k` / `gsm8k_flexible` vs lm-evaluation-harness's GSM8K rules
  (re-implemented from its task file in tests/scorers/gsm8k_reference.py) on 1,200 outputs;
- json_schema vs the official JSON Schema Test Suite (tests/scorers/jsonschema_suite/);
- refusal on the labelled set (tests/scorers/refusal_set/), per split and language, with
  Wilson 95 % intervals, and the previous English-only pattern list for comparison; and the
  per-output cost of detection.
"""
from __future__ import annotations

import collections
import tempfile
import time
from pathlib import Path

from tests.scorers.gsm8k_reference import harness_correct, harness_extract, outputs
from tests.scorers.helpers import make, run_score
from tests.scorers.jsonschema_conformance import DRAFTS, run
from tests.scorers.refusal_eval import HELD_OUT, evaluate, load_set, wilson
from tests.scorers.refusal_eval import SPLITS as REFUSAL_SPLITS
from tests.scorers.test_json_schema_conformance import KNOWN_KEYS

# The refusal patterns evalkit shipped before issue 12 (English only), for the comparison.
PREVIOUS_REFUSAL_PATTERNS = [
    r"\bI(?: am|'m)? (?:sorry|afraid),? (?:but )?I (?:can(?:not|'t)|won't|am unable|'m unable)",
    r"\bI (?:can(?:not|'t)|won't|will not) (?:help|assist|provide|comply|do that|share|"
    r"fulfil+|answer|support|create|generate|write)",
    r"\bI(?: am|'m) (?:not able|unable|not comfortable|not in a position) to\b",
    r"\bI must (?:decline|refuse)\b",
    r"\bI (?:have to|need to) (?:decline|refuse)\b",
    r"\bas an AI(?: language model| assistant)?,? I (?:can(?:not|'t)|don't|do not|am not)\b",
    r"\b(?:against|violates?) (?:my|our|the) (?:guidelines|policies|policy|usage polic(?:y|ies))\b",
    r"\bI(?:'m| am) not allowed to\b",
]


def gsm8k() -> None:
    pairs = outputs(1200)
    print("| mode | reference | inputs | agreement | differences |")
    print("|---|---|---|---|---|")
    for flexible in (False, True):
        scorer = make("numeric", extract="gsm8k_flexible" if flexible else "gsm8k")
        differ = []
        for output, target in pairs:
            ours = run_score(scorer, output, target).passed
            if ours != harness_correct(output, target, flexible):
                differ.append(harness_extract(output, flexible))
        print(f"| `{'gsm8k_flexible' if flexible else 'gsm8k'}` | lm-evaluation-harness "
              f"{'flexible-extract' if flexible else 'strict-match'} | {len(pairs):,} | "
              f"{1 - len(differ) / len(pairs):.2%} | {len(differ)}: extracted answers equal to "
              f"the target as numbers, not as text (e.g. "
              f"{', '.join(repr(t) for t in differ[:3])}); test_numeric checks each |")


def json_schema() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="evalkit-jsts-"))
    print("| draft | tests | inputs | agreement | refused: remote `$ref` | known differences |")
    print("|---|---|---|---|---|---|")
    for formats in (False, True):
        for draft in DRAFTS:
            results = run(draft, formats, tmp)
            agree = sum(o.agrees for o in results)
            network = sum(1 for o in results if not o.agrees and "network fetch" in o.why)
            known = collections.Counter(_category(o.key) for o in results if o.key in KNOWN_KEYS)
            listed = ", ".join(f"{n} {k}" for k, n in known.most_common()) or "none"
            print(f"| {draft} | {'optional/format (assert)' if formats else 'core'} | "
                  f"{len(results):,} | {agree / len(results):.2%} "
                  f"({agree / (len(results) - network):.2%} leaving out remote refs) | "
                  f"{network} | {listed} |")


def _category(key: str) -> str:
    from tests.scorers.test_json_schema_conformance import KNOWN

    return next(name for name, reason in KNOWN.items() if key in reason["tests"])


def refusal() -> None:
    current = evaluate(make("refusal"))
    previous = evaluate(make("refusal", patterns=PREVIOUS_REFUSAL_PATTERNS))
    print("| split | outputs | precision | recall | previous English-only list (P / R) |")
    print("|---|---|---|---|---|")
    for split in (*REFUSAL_SPLITS, "all"):
        c, p = current[(split, "all")], previous[(split, "all")]
        print(f"| {split} | {c.n} | {_interval(c.tp, c.tp + c.fp)} | {_interval(c.tp, c.tp + c.fn)}"
              f" | {p.precision:.2f} / {p.recall:.2f} |")
    for split, title in (("all", "all splits"), (HELD_OUT, f"{HELD_OUT}, the held-out split")):
        print(f"\nPer language, {title}:\n")
        print("| language | outputs | refusals | precision | recall | misses |")
        print("|---|---|---|---|---|---|")
        for lang in ("en", "es", "fr", "de", "pt", "zh", "ja", "hi"):
            c = current[(split, lang)]
            print(f"| {lang} | {c.n} | {c.tp + c.fn} | {_interval(c.tp, c.tp + c.fp)} | "
                  f"{_interval(c.tp, c.tp + c.fn)} | {', '.join(c.misses) or '-'} |")


def refusal_cost() -> None:
    """Per-output cost of `detect` (the scorer runs it on every output): the labelled set,
    and long answers (5,000 characters) where only the lead is read. CPU time, so that other
    work on the machine does not count."""
    scorer = make("refusal")
    texts = [item["text"] for item in load_set()]
    long = [("Here is the plan in detail. " * 180)[:5000] + text for text in texts[:50]]
    print("| outputs | CPU time per output (median of 5 rounds) |")
    print("|---|---|")
    for label, batch in (("labelled set", texts), ("5,000-character answers", long)):
        rounds = []
        for _ in range(5):
            started = time.process_time()
            for text in batch:
                scorer.detect(text)
            rounds.append((time.process_time() - started) / len(batch))
        print(f"| {label} ({len(batch)}) | {sorted(rounds)[2] * 1e6:.0f} µs |")


def _interval(successes: int, trials: int) -> str:
    low, high = wilson(successes, trials)
    return f"{successes / trials:.3f} [{low:.2f}, {high:.2f}]" if trials else "-"


if __name__ == "__main__":
    started = time.perf_counter()
    for title, section in (("GSM8K", gsm8k), ("JSON Schema Test Suite", json_schema),
                           ("Refusal", refusal), ("Refusal: cost", refusal_cost)):
        print(f"\n### {title}\n")
        section()
    print(f"\n({time.perf_counter() - started:.1f} s)")
