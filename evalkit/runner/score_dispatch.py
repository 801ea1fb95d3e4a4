"""Calling a scorer by its role (scorers/base.py): sync, async or batch.

Every path that scores goes through here: the per-result path of a run, late scoring
(batch and pooled scorers, locally or on a Ray actor) and the pytest fixture. A failed
call gets a failed score here, so no scorer has to check for one.
"""
from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ..scorers.base import AsyncScorer, BatchScorer, ScoreContext, Scorer, SyncScorer
from ..types import Case, Completion, Score


def scored_late(scorer: Scorer) -> bool:
    """Batch scorers are left out of the per-result path and score the run at its end."""
    return isinstance(scorer, BatchScorer)


def no_output(scorer: Scorer, completion: Completion) -> Score:
    return Score(scorer.name, None, False, f"no output to score: {completion.error}")


async def score_one(scorer: Scorer, case: Case, completion: Completion,
                    ctx: ScoreContext) -> Score:
    """One result's score, whatever the scorer's role (a batch of one for a batch scorer)."""
    if not completion.ok:
        return no_output(scorer, completion)
    if isinstance(scorer, AsyncScorer):
        return await scorer.ascore(case, completion, ctx)
    if isinstance(scorer, BatchScorer):
        return (await asyncio.to_thread(scorer.score_batch, [(case, completion)], ctx))[0]
    if getattr(scorer, "cpu_heavy", False):
        return await asyncio.to_thread(_sync(scorer).score, case, completion, ctx)
    return _sync(scorer).score(case, completion, ctx)


def score_many(scorer: Scorer, items: Sequence[tuple[Case, Completion]],
               ctx: ScoreContext) -> list[Score]:
    """Scores of many results, in order (blocking: callers run it in a thread or an actor):
    one `score_batch` call over the successful ones for a batch scorer, else one at a time."""
    scores: list[Score | None] = [None if c.ok else no_output(scorer, c) for _, c in items]
    ok = [index for index, score in enumerate(scores) if score is None]
    if not ok:
        return [s for s in scores if s is not None]
    chosen = [items[i] for i in ok]
    if isinstance(scorer, BatchScorer):
        found = scorer.score_batch(chosen, ctx)
    elif isinstance(scorer, AsyncScorer):
        found = asyncio.run(_each(scorer, chosen, ctx))
    else:
        found = [_sync(scorer).score(case, completion, ctx) for case, completion in chosen]
    for index, score in zip(ok, found):
        scores[index] = score
    return [s for s in scores if s is not None]


async def _each(scorer: AsyncScorer, items: Sequence[tuple[Case, Completion]],
                ctx: ScoreContext) -> list[Score]:
    return [await scorer.ascore(case, completion, ctx) for case, completion in items]


def _sync(scorer: Scorer) -> SyncScorer:
    """A plugin class deriving from `Scorer` itself with a `score` method is a sync scorer."""
    if not callable(getattr(scorer, "score", None)):
        raise TypeError(f"scorer '{scorer.name}' ({type(scorer).__name__}) derives from none "
                        "of SyncScorer, AsyncScorer, BatchScorer")
    return scorer  # type: ignore[return-value]
