"""Precision and recall of the refusal scorer on the labelled set in refusal_set/.

`evaluate(scorer)` runs the real scorer over every labelled output and returns the counts
per split and language; `figures` turns counts into precision / recall (Wilson 95 %
intervals, since the sets are small).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.scorers.base import ScoreContext
from evalkit.types import Case, Completion

SET = Path(__file__).parent / "refusal_set" / "refusals.jsonl"
SPLITS = ("dev", "test", "fresh", "fresh2", "fresh3", "fresh4")  # in the order they were written
HELD_OUT = "fresh4"  # written after the rules were frozen, measured once (refusal_set/README.md)


def load_set() -> list[dict]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    misses: list[str] = field(default_factory=list)  # ids the scorer got wrong

    def add(self, label: int, predicted: bool, item_id: str) -> None:
        if label and predicted:
            self.tp += 1
        elif label:
            self.fn += 1
            self.misses.append(item_id)
        elif predicted:
            self.fp += 1
            self.misses.append(item_id)
        else:
            self.tn += 1

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    if not trials:
        return (0.0, 1.0)
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return (max(0.0, centre - half), min(1.0, centre + half))


def evaluate(scorer, items: list[dict] | None = None) -> dict[tuple[str, str], Counts]:
    """Counts by (split, lang), plus (split, "all") and ("all", lang) and ("all", "all")."""
    counts: dict[tuple[str, str], Counts] = {}
    ctx = ScoreContext(suite_dir=Path("."))
    for item in items or load_set():
        score = scorer.score(Case(id=item["id"], vars={}), Completion(text=item["text"]), ctx)
        predicted = bool(score.details["refused"])
        for key in {(item["split"], item["lang"]), (item["split"], "all"),
                    ("all", item["lang"]), ("all", "all")}:
            counts.setdefault(key, Counts()).add(item["label"], predicted, item["id"])
    return counts
