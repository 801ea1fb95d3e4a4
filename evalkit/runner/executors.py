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
from typing import TYPE_CHECKING, AsyncIterator, Awaitable, Callable, Sequence

from ..backends.model import Model
from ..errors import EvalkitError, UsageError
from ..scorers.base import ScoreContext, Scorer
from ..types import Call, Completion, Score, WorkerRef
from .feed import CallQueue
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


class Executor:
    """The seam: `run` makes the calls; late scoring runs where the executor puts it."""

    name = "local"

    def appetite(self) -> int:
        """Calls this executor works on at once (the driver's queue holds twice as many)."""
        return 1

    async def run(self, calls: CallQueue, deliver: Deliver) -> None:
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

    async def __aenter__(self) -> Executor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class LocalExecutor(Executor):
    """A pool of workers in this process, as many as the model's concurrency limit; one
    failing stops the others."""

    def __init__(self, model: Model):
        self.model = model

    def appetite(self) -> int:
        return self.model.concurrency * self.model.batch_size

    async def run(self, calls: CallQueue, deliver: Deliver) -> None:
        if not await calls.started():
            return  # a fully cached run never loads the model
        await self.model.start()
        count = max(1, min(self.model.concurrency, calls.expected))
        await until_first_failure(
            [asyncio.ensure_future(self._worker(calls, deliver)) for _ in range(count)])

    async def _worker(self, calls: CallQueue, deliver: Deliver) -> None:
        while batch := await calls.take(self.model.batch_size):
            for call, completion in zip(batch, await self.model.generate_batch(batch)):
                await deliver(call, completion, None)


def open_executor(config: RunConfig, model: Model) -> Executor:
    """The executor `config.executor` names (Ray is imported only when it is chosen)."""
    if config.executor == "local":
        return LocalExecutor(model)
    if config.executor == "ray":
        from .distributed.executor import RayExecutor

        return RayExecutor(config, model)
    raise UsageError(f"unknown executor '{config.executor}'; choose one of: "
                     + ", ".join(EXECUTORS))
