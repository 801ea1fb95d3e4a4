"""Pooled scorers (toxicity, embeddings) on the cluster: an actor pool over the stored outputs.

One actor per GPU where the cluster has GPUs, else one per node (1 CPU each), shared by the
run's pooled scorers; each actor loads a scorer's model once and scores chunks of CHUNK
outputs. Chunks come back as they finish and
the driver stores each at once (late_scoring.py), so an interrupted run keeps what was scored
and a resumed one fills in the rest. A chunk whose actor dies goes to another, at most
MAX_LOSSES times; after that its outputs get a failed score that says why.
"""
from __future__ import annotations

import asyncio
import copy
from collections import deque
from pathlib import Path
from typing import Any, AsyncIterator, Mapping, Sequence

from ...scorers.base import ScoreContext, Scorer
from ...types import Score
from ..executors import ScoreChunk
from ..score_dispatch import score_many
from .connection import kill
from .dispatch import MAX_LOSSES

CHUNK = 256


class ScorerWorker:
    """The body of a scorer actor (Ray wraps it). Each scorer's model is loaded once per
    process (the scorers keep them in module-level caches), so one pool serves them all."""

    def score(self, scorer: Scorer, items: Sequence) -> list[Score]:
        return score_many(scorer, items, ScoreContext(suite_dir=scorer.suite_dir))


class ScorerPool:
    def __init__(self, ray: Any, nodes: Sequence[Mapping[str, float]], size: int):
        self.ray = ray
        gpus = int(sum(n.get("GPU", 0) for n in nodes))
        options: dict[str, Any] = {"num_cpus": 1, "max_restarts": 1, "max_task_retries": 0}
        if gpus:
            options["num_gpus"] = 1
        else:
            options["scheduling_strategy"] = "SPREAD"
        actor = ray.remote(ScorerWorker).options(**options)
        self.actors = [actor.remote() for _ in range(max(1, min(gpus or len(nodes), size)))]

    @staticmethod
    def chunks(items: int) -> int:
        return -(-items // CHUNK)

    async def score(self, scorer: Scorer, items: Sequence) -> AsyncIterator[ScoreChunk]:
        # Relative paths in its parameters resolve against the suite's folder, wherever it runs.
        scorer = copy.copy(scorer)
        scorer.suite_dir = Path(scorer.suite_dir).resolve()
        chunks = deque(range(start, min(start + CHUNK, len(items)))
                       for start in range(0, len(items), CHUNK))
        losses: dict[int, int] = {}  # by chunk start
        deaths: dict[int, int] = {}  # by actor index
        idle = list(range(len(self.actors)))
        running: dict[asyncio.Future, tuple[int, range]] = {}
        last_error: BaseException | None = None
        while chunks or running:
            while idle and chunks:
                index, chunk = idle.pop(), chunks.popleft()
                future = asyncio.ensure_future(self._call(self.actors[index], scorer,
                                                          [items[i] for i in chunk]))
                running[future] = (index, chunk)
            if not running:  # every actor is gone: the rest fail, saying why
                for chunk in chunks:
                    yield chunk, last_error or RuntimeError("no scorer actor left")
                return
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for future in done:
                index, chunk = running.pop(future)
                try:
                    scores = future.result()
                except self.ray.exceptions.RayTaskError as exc:  # the scorer itself failed
                    idle.append(index)
                    yield chunk, getattr(exc, "cause", None) or exc
                    continue
                except self.ray.exceptions.RayError as exc:  # its worker or node died
                    last_error = exc
                    deaths[index] = deaths.get(index, 0) + 1
                    if deaths[index] <= 1:  # Ray restarts it once (max_restarts)
                        idle.append(index)
                    losses[chunk.start] = losses.get(chunk.start, 0) + 1
                    if losses[chunk.start] >= MAX_LOSSES:
                        yield chunk, exc
                    else:
                        chunks.append(chunk)
                    continue
                idle.append(index)
                yield chunk, scores

    async def _call(self, actor: Any, scorer: Scorer, items: list) -> list[Score]:
        return await actor.score.remote(scorer, items)

    def close(self) -> None:
        kill(self.ray, self.actors)
