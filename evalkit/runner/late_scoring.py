"""Batch scorers at the end of a run, and the scorers' end-of-run hook.

Batch scorers (`Scorer.batched`, e.g. toxicity) are skipped while results stream in; once
every result is stored they score, in one call, every stored output of the run that still
lacks their score: a resumed run fills in what an interrupted one missed. Their scores are
written through the store, which also fails the results they fail.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Sequence

from ..redact import redact
from ..scorers.base import ScoreContext, Scorer
from ..store import Store
from ..store.late_scores import add_scores, unscored_outputs
from ..suite import Suite
from ..types import Score


async def score_late(suite: Suite, store: Store, run_id: str) -> set[tuple[str, int]]:
    """Run the batch scorers; returns the (case_id, sample) results they turned to failed."""
    batched = [s for s in suite.scorers if s.batched]
    if not batched:
        return set()
    cases = {case.id: case for case in suite.cases}
    ctx = ScoreContext(suite_dir=Path(suite.path).resolve().parent, verdicts=store)
    flipped: set[tuple[str, int]] = set()
    for scorer in batched:
        pending = await asyncio.to_thread(unscored_outputs, store, run_id, scorer.name)
        pending = [(case_id, sample, c) for case_id, sample, c in pending if case_id in cases]
        if not pending:
            continue
        items = [(cases[case_id], completion) for case_id, _, completion in pending]
        try:
            scores = await asyncio.to_thread(scorer.score_many, items, ctx)
        except Exception as exc:  # e.g. weights that cannot be had: every score says why
            message = redact(f"scorer error: {type(exc).__name__}: {exc}")
            scores = [Score(scorer.name, None, False, message) for _ in items]
        rows = [(case_id, sample, score) for (case_id, sample, _), score in zip(pending, scores)]
        flipped |= await asyncio.to_thread(add_scores, store, run_id, rows)
    return flipped


async def close_scorers(scorers: Sequence[Scorer]) -> None:
    """Every scorer's end-of-run hook (flush caches, close judge connections)."""
    for scorer in scorers:
        try:
            await scorer.aclose()
        except Exception:  # a cache that could not be flushed costs a re-ask next time, no more
            pass
