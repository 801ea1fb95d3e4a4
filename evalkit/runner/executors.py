"""Executors: how a run's pending calls reach the model.

The driver (run.py) keeps everything else: the suite, the cache, resume, scoring and the one
writer. It feeds the calls still to make, chunk by chunk with cache hits already served, into
a bounded CallQueue (feed.py); the executor takes them from there and calls `deliver` once per
call, as each finishes, with its Completion and where it ran. Two implementations:

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
from .feed import CallQueue
from .retry import RetryPolicy, batch_with_retries, call_with_retries
from .score_dispatch import score_many

if TYPE_CHECKING:
    from .run import RunConfig

EXECUTORS = ("local", "ray")

Deliver = Callable[[Call, Completion, "WorkerRef | None"], Awaitable[None]]
# A chunk of late scores: the indices of the items scored, and their scores or the exception
# that prevented them.
ScoreChunk = tuple[Sequence[int], "Sequence[Score] | BaseException"]



async def until_first_failure(tasks: list[asyncio.Future]) -> None:
    """Wait for the tasks; the first to fail stops the others and its error is raised."""
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()  # re-raise the first failure
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

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
        completions = await batch_with_retries(lambda: backend.generate_batch(calls),
                                               len(calls), self.policy, rng)
        if len(completions) != len(calls):  # zip would drop cases silently
            return [Completion(text=None, error=(
                f"the backend answered a batch of {len(calls)} calls with "
                f"{len(completions)} completions"))] * len(calls)
        return completions


class Executor:
    """The seam: `run` makes the calls; late scoring runs where the executor puts it."""

    name = "local"

    def appetite(self) -> int:
        """Calls this executor works on at once (the driver's queue holds twice as many)."""
        return 1

    async def run(self, calls: CallQueue, deliver: Deliver, rng: random.Random) -> None:
        """Make every call `calls` brings, until the feed ends; nothing at all (no model load,
        no cluster) when the feed ends without one."""
        raise NotImplementedError

    def pooled(self, scorers: Sequence[Scorer]) -> frozenset[str]:
        """Scorers this executor takes off the per-result path and scores late, on its pool."""
        return frozenset()

    async def score_chunks(self, scorer: Scorer, items: Sequence, ctx: ScoreContext
                           ) -> AsyncIterator[ScoreChunk]:
        """Late scores for `items` ((case, completion) pairs), in chunks as they finish."""
        try:
            scores: Sequence[Score] | BaseException = await asyncio.to_thread(
                score_many, scorer, items, ctx)
        except Exception as exc:  # late_scoring turns it into a failed score for each item
            scores = exc
        yield range(len(items)), scores

    async def close(self) -> None:
        pass


class LocalExecutor(Executor):
    """A pool of workers in this process (the model's concurrency limit); one failing stops
    the others."""

    def __init__(self, backend: Backend, policy: RetryPolicy, max_concurrency: int | None):
        self.backend, self.max_concurrency = backend, max_concurrency
        self.runner = CallRunner(backend, policy)

    def _workers(self) -> int:
        return self.max_concurrency or self.backend.default_concurrency

    def appetite(self) -> int:
        return self._workers() * max(1, self.backend.batch_size)

    async def run(self, calls: CallQueue, deliver: Deliver, rng: random.Random) -> None:
        if not await calls.started():
            return  # a fully cached run never loads the model
        await self.backend.ensure_started()
        count = max(1, min(self._workers(), calls.expected))
        await until_first_failure(
            [asyncio.ensure_future(self._worker(calls, deliver, rng)) for _ in range(count)])

    async def _worker(self, calls: CallQueue, deliver: Deliver, rng: random.Random) -> None:
        batch_size = max(1, self.backend.batch_size)
        while batch := await calls.take(batch_size):
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
