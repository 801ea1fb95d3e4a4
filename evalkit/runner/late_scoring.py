"""Batch scorers at the end of a run, and the scorers' end-of-run hook.

Batch scorers (`BatchScorer`, e.g. toxicity) are skipped while results stream in; once
every result is stored they score every stored output of the run that still lacks their
score: a resumed run fills in what an interrupted one missed. Their scores are written
through the store, which also fails the results they fail. The executor decides where they
run (a thread here; an actor pool on Ray, which also takes the `pooled` model scorers such as
embeddings off the per-result path) and hands scores back in chunks, each stored as it comes.
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
from .executors import Executor
from .score_dispatch import scored_late


async def score_late(suite: Suite, store: Store, run_id: str,
                     executor: Executor | None = None) -> set[tuple[str, int]]:
    """Run the late scorers; returns the (case_id, sample) results they turned to failed.

    `pooled` scorers are included whatever the executor: a run interrupted on Ray and resumed
    locally still gets the scores its outputs lack."""
    executor = executor or Executor()
    late = [s for s in suite.scorers if scored_late(s) or s.pooled]
    if not late:
        return set()
    cases = {case.id: case for case in suite.cases}
    ctx = ScoreContext(suite_dir=Path(suite.path).resolve().parent, judge_cache=store)
    flipped: set[tuple[str, int]] = set()
    for scorer in late:
        pending = await asyncio.to_thread(unscored_outputs, store, run_id, scorer.name)
        pending = [(case_id, sample, c) for case_id, sample, c in pending if case_id in cases
                   and scorer in suite.scorers_for(cases[case_id])]  # `when:` leaves some out
        if not pending:
            continue
        items = [(cases[case_id], completion) for case_id, _, completion in pending]
        async for indices, scores in executor.score_chunks(scorer, items, ctx):
            if isinstance(scores, BaseException):
                scores = _failed(scorer, scores, len(indices))
            rows = [(pending[i][0], pending[i][1], score) for i, score in zip(indices, scores)]
            flipped |= await asyncio.to_thread(add_scores, store, run_id, rows)
    return flipped


def _failed(scorer: Scorer, exc: BaseException, count: int) -> list[Score]:
    """e.g. weights that cannot be had: every score says why."""
    message = redact(f"scorer error: {type(exc).__name__}: {exc}")
    return [Score(scorer.name, None, False, message) for _ in range(count)]


async def close_scorers(scorers: Sequence[Scorer]) -> None:
    """Every scorer's end-of-run hook (flush caches, close judge connections)."""
    for scorer in scorers:
        try:
            await scorer.aclose()
        except Exception:  # a cache that could not be flushed costs a re-ask next time, no more
            pass
