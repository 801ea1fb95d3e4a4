"""Executors: how a run's pending calls reach the model.

The driver (run.py) keeps everything else: the suite, the cache, resume, scoring and the one
writer. It hands an executor the calls still to make, and the executor calls `deliver` once
per call, as each finishes, with its Completion and where it ran. Two implementations:

- `LocalExecutor`: a pool of asyncio workers in this process (the model's concurrency limit);
- `RayExecutor` (runner/distributed/): model replicas as Ray actors, imported only when
  `--executor ray` is chosen.

Late scoring (batch scorers over stored outputs) goes through the executor as well: in a
thread here, on an actor pool on Ray.
"""
from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING, AsyncIterator, Awaitable, Callable, Sequence

from ..backends.base import Backend
from ..errors import EvalkitError, UsageError
from ..scorers.base import ScoreContext, Scorer
from ..types import Call, Completion, Score, WorkerRef
from .retry import RetryPolicy, batch_with_retries, call_with_retries

if TYPE_CHECKING:
    from .run import RunConfig

EXECUTORS = ("local", "ray")

Deliver = Callable[[Call, Completion, "WorkerRef | None"], Awaitable[None]]
# A chunk of late scores: the indices of the items scored, and their scores or the exception
# that prevented them.
ScoreChunk = tuple[Sequence[int], "Sequence[Score] | BaseException"]


class ReplicasLost(EvalkitError):
    """Every worker that could make the remaining calls is gone. The results stored so far are
    kept and the run is left `interrupted`, so the same command resumes it."""

    resumable = True


class CallRunner:
    """A backend's calls with the run's retry policy: one call, or one batch for batched
    engines (`batch_size` > 1). Shared by the local worker pool and Ray replicas."""

    def __init__(self, backend: Backend, policy: RetryPolicy):
        self.backend, self.policy = backend, policy

    async def run(self, calls: Sequence[Call], rng: random.Random) -> list[Completion]:
        backend = self.backend
        if backend.batch_size == 1:
            return [await call_with_retries(lambda: backend.generate(call), self.policy, rng)
                    for call in calls]
        return await batch_with_retries(lambda: backend.generate_batch(calls), len(calls),
                                        self.policy, rng)


class Executor:
    """The seam: `run` makes the calls; late scoring runs where the executor puts it."""

    name = "local"

    async def run(self, calls: list[Call], deliver: Deliver, rng: random.Random) -> None:
        raise NotImplementedError

    def pooled(self, scorers: Sequence[Scorer]) -> frozenset[str]:
        """Scorers this executor takes off the per-result path and scores late, on its pool."""
        return frozenset()

    async def score_chunks(self, scorer: Scorer, items: Sequence, ctx: ScoreContext
                           ) -> AsyncIterator[ScoreChunk]:
        """Late scores for `items` ((case, completion) pairs), in chunks as they finish."""
        try:
            scores: Sequence[Score] | BaseException = await asyncio.to_thread(
                scorer.score_many, items, ctx)
        except Exception as exc:  # late_scoring turns it into a failed score for each item
            scores = exc
        yield range(len(items)), scores

    async def close(self) -> None:
        pass


class LocalExecutor(Executor):
    """A pool of workers in this process; one failing stops the others."""

    def __init__(self, backend: Backend, policy: RetryPolicy, max_concurrency: int | None):
        self.backend, self.max_concurrency = backend, max_concurrency
        self.runner = CallRunner(backend, policy)

    async def run(self, calls: list[Call], deliver: Deliver, rng: random.Random) -> None:
        await self.backend.ensure_started()  # a fully cached run never gets here
        queue: asyncio.Queue = asyncio.Queue()
        if self.backend.batch_size > 1:  # prompts of similar length share a batch: less padding
            calls = sorted(calls, key=lambda c: len(c.request.text()))
        for call in calls:
            queue.put_nowait(call)
        count = min(self.max_concurrency or self.backend.default_concurrency, len(calls))
        for _ in range(count):
            queue.put_nowait(None)
        tasks = [asyncio.ensure_future(self._worker(queue, deliver, rng)) for _ in range(count)]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # re-raise the first failure
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _worker(self, queue: asyncio.Queue, deliver: Deliver, rng: random.Random) -> None:
        batch_size = max(1, self.backend.batch_size)
        while True:
            batch = [await queue.get()]
            if batch[0] is None:
                return
            while len(batch) < batch_size and not queue.empty():
                batch.append(queue.get_nowait())
            stops = batch.count(None)
            if stops:  # stop markers taken with a batch go back for the next turns
                batch = [c for c in batch if c is not None]
                for _ in range(stops):
                    queue.put_nowait(None)
            for call, completion in zip(batch, await self.runner.run(batch, rng)):
                await deliver(call, completion, None)


def open_executor(config: RunConfig, backend: Backend) -> Executor:
    """The executor `config.executor` names (Ray is imported only when it is chosen)."""
    if config.executor == "local":
        return LocalExecutor(backend, config.retry, config.max_concurrency)
    if config.executor == "ray":
        from .distributed.executor import RayExecutor

        return RayExecutor(config, backend)
    raise UsageError(f"unknown executor '{config.executor}'; choose one of: "
                     + ", ".join(EXECUTORS))
