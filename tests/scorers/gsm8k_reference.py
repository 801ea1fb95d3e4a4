"""GSM8K answer checking as lm-evaluation-harness does it, and outputs to check it on.

The reference is written from the task's published configuration (lm_eval/tasks/gsm8k/
gsm8k.yaml: the "strict-match" and "flexible-extract" regex filters with take_first, the
RegexFilter's "[invalid]" fallback, and exact_match with ignore_case and
regexes_to_ignore [",", "\\$", "(?s).*#### ", "\\.$"]); it shares no code with evalkit.

`outputs(n, seed)` makes model outputs in the shapes GSM8K answers take (chain of thought
with calculator annotations, "#### N" lines, "The answer is N.", money, thousands
separators, decimals, trailing periods, several "####", none at all), with GSM8K-style
targets ("... <<6*12=72>>72 ...\\n#### 72").
"""
from __future__ import annotations

import random
import re

STRICT = r"#### (\-?[0-9\.\,]+)"
FLEXIBLE = r"(-?[$0-9.,]{2,})|(-?[0-9]+)"
IGNORE = [",", "\\$", "(?s).*#### ", "\\.$"]


def harness_extract(response: str, flexible: bool) -> str:
    pattern, group_select = (FLEXIBLE, -1) if flexible else (STRICT, 0)
    matches = re.compile(pattern).findall(response)
    if not matches:
        return "[invalid]"
    match = matches[group_select]
    if isinstance(match, tuple):
        match = [m for m in match if m]
        match = match[0] if match else "[invalid]"
    return match.strip()


def harness_exact_match(prediction: str, reference: str) -> bool:
    for pattern in IGNORE:
        prediction = re.sub(pattern, "", prediction)
        reference = re.sub(pattern, "", reference)
    return prediction.lower() == reference.lower()


def harness_correct(response: str, target: str, flexible: bool) -> bool:
    return harness_exact_match(harness_extract(response, flexible), target)


NAMES = ["Natalia", "Weng", "Betty", "Julie", "James", "Albert", "Ken", "Priya", "Mei", "Tobias"]
ITEMS = ["clips", "apples", "pages", "marbles", "cupcakes", "tickets", "eggs", "books"]


def _amount(rng: random.Random, value: int | float) -> str:
    """The value as a model might write it in its reasoning."""
    if isinstance(value, float):
        return rng.choice([f"{value:.2f}", f"{value:g}", f"${value:.2f}"])
    return rng.choice([str(value), f"{value:,}", f"${value:,}", f"${value}"])


def _final(rng: random.Random, answer: int | float) -> str:
    text = f"{answer:,}" if isinstance(answer, int) else f"{answer:.2f}"
    plain = str(answer) if isinstance(answer, int) else f"{answer:g}"
    return rng.choice([
        f"#### {plain}", f"#### {text}", f"#### ${text}", f"#### {plain}.",
        f"#### {plain}\n", f"#### {plain}.00", f"####{plain}", f"#### {plain} {rng.choice(ITEMS)}",
        f"The answer is {plain}.", f"The answer is ${text}.", f"So the answer is {text}",
        f"#### {plain}\n\nQuestion: how many more?\n#### {int(float(plain)) + 3}",
        f"#### {plain}\nNote: {rng.randint(2, 9)} were left over.",
        f"Answer: {plain} ({rng.choice(ITEMS)})...", f"#### -{plain}", f"{plain}",
        f"#### {plain}!", f"That makes {plain} in total, i.e. {rng.randint(1, 99)}% more.",
        f"#### 0{plain}", f"#### {plain}.5", f"Final answer: {text}\n#### {plain}",
    ])


def outputs(n: int = 1200, seed: int = 12) -> list[tuple[str, str]]:
    """(model output, GSM8K-style target) pairs; about half the outputs are correct."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        name, item = rng.choice(NAMES), rng.choice(ITEMS)
        a, b = rng.randint(2, 60), rng.randint(2, 40)
        answer: int | float = a * b if rng.random() < 0.8 else round(a * b / 8, 2)
        if rng.random() < 0.15:
            answer *= 1000
        target_value = answer if rng.random() < 0.6 else answer + rng.choice([1, -1, 10, 100])
        written = (f"{target_value:g}" if isinstance(target_value, float) else str(target_value))
        target = (f"{name} has {a} boxes of {b} {item}, so <<{a}*{b}={a * b}>>{a * b} {item}.\n"
                  f"#### {written}")
        reasoning = (f"{name} has {_amount(rng, a)} boxes with {b} {item} each. "
                     f"{a} x {b} = {_amount(rng, a * b)}. ")
        if rng.random() < 0.3:
            reasoning += f"Then {rng.randint(1, 9)} more arrive on day {rng.randint(2, 9)}. "
        pairs.append((reasoning + _final(rng, answer), target))
    return pairs
