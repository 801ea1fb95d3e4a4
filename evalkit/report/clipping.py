"""Fitting case text into one page: redact first, then shorten to a character budget so a
10,000-case comparison stays a page a browser opens quickly (flips and failures keep the
most text; every cut is marked, and the database keeps the whole text)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

MAX_TEXT = 4000  # characters of an output or target kept in the page, at most
MIN_TEXT = 200  # ... and at least, whatever the budget
MAX_EXPLANATION = 1000  # characters of one scorer's explanation, at most
MIN_EXPLANATION = 120
# Characters of case data in one page. Past it, outputs and targets are shortened (those of
# flips or failures last), and explanations first to a fifth of it, so a 10,000-case
# comparison stays a page a browser opens quickly (a few MB, not hundreds).
PAGE_BUDGET = 9_000_000


class Texts:
    """Explanations repeat ("output equals the target"): each distinct one is stored once."""

    def __init__(self, redact):
        self.redact, self.index, self.texts = redact, {}, []

    def add(self, text: Any) -> int | None:
        if not text:
            return None
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.texts)
            self.texts.append(self.redact(str(text)))
        return found

    def finish(self, budget: int) -> list[str]:
        limit = fitted_limit([len(t) for t in self.texts], budget, MAX_EXPLANATION,
                             MIN_EXPLANATION)
        return [clip(t, None, limit) for t in self.texts]


def clip(text: Any, redact: Callable[[str], str] | None, limit: int = MAX_TEXT) -> str | None:
    """Redacted first (a secret cut in half would slip past its pattern), then shortened."""
    if text is None:
        return None
    value = redact(str(text)) if redact is not None else str(text)
    if len(value) > limit:
        value = f"{value[:limit]}… [{len(value) - limit:,} more characters not shown]"
    return value


def fitted_limit(lengths: Sequence[int], budget: int, ceiling: int = MAX_TEXT,
                 floor: int = MIN_TEXT) -> int:
    """The largest per-text limit L (floor ≤ L ≤ ceiling) with Σ min(length, L) ≤ budget."""
    if sum(min(n, ceiling) for n in lengths) <= budget:
        return ceiling
    ordered, spent = sorted(lengths), 0
    for i, n in enumerate(ordered):
        limit = (budget - spent) // (len(ordered) - i)  # every text from here on cut at limit
        if limit <= n:
            return max(floor, min(ceiling, limit))
        spent += n
    return ceiling


def fit_texts(records: list[dict], priority: set[str], budget: int) -> int:
    """Shorten outputs and targets (already redacted) to fit `budget` characters: the rows
    whose status is in `priority` (flips, failures) first, the rest with what is left."""
    def lengths(rows):
        return [len(t) for r in rows for t in (*r.get("o", ()), r.get("t")) if t]

    first = [r for r in records if r["s"] in priority]
    rest = [r for r in records if r["s"] not in priority]
    top = fitted_limit(lengths(first), budget)
    used = sum(min(n, top) for n in lengths(first))
    limit = fitted_limit(lengths(rest), max(0, budget - used))
    for rows, cut in ((first, top), (rest, limit)):
        for record in rows:
            if "o" in record:
                record["o"] = [clip(t, None, cut) for t in record["o"]]
            if record.get("t"):
                record["t"] = clip(record["t"], None, cut)
    return min(top, limit)
