"""A model replica: the body of a Ray actor that loads one backend once and serves many batches.

Plain classes (Ray wraps them with `ray.remote` in the executor), so this module imports
without Ray. The actor is asynchronous: batches from the driver's lanes interleave, while a
semaphore keeps the replica's calls in flight at its share of the concurrency limit.
"""
from __future__ import annotations

import asyncio
import os
import random
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Mapping, Sequence

from ...backends.base import BackendEnv, create_backend, parse_model_ref
from ...redact import register_environment
from ...types import Call, Completion, WorkerRef
from ..executors import CallRunner
from ..retry import RetryPolicy

Finished = tuple[int, Completion, WorkerRef]  # (index in the batch, completion, where it ran)


@dataclass(frozen=True)
class ReplicaSpec:
    """Everything a replica needs to build its backend, identically on every node."""

    model: str
    model_args: Mapping[str, Any]  # without the placement keys
    cwd: str  # the driver's working directory: relative model paths resolve as they did there
    retry: RetryPolicy
    concurrency: int  # calls in flight on this replica
    seed: int
    env: Mapping[str, str] = field(default_factory=dict)  # set before the backend is built


def evalkit_version() -> str:
    from ... import __version__

    return __version__


def here() -> WorkerRef:
    import ray

    context = ray.get_runtime_context()
    return WorkerRef(context.get_node_id(), context.get_worker_id())


class Replica:
    def __init__(self, spec: ReplicaSpec):
        # Nothing that can fail here: an error in a Ray actor's constructor reaches the driver
        # without its exception; one in ready() arrives whole (a UsageError stays one).
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.where = here()
        self.backend: Any = None
        self.runner: CallRunner | None = None
        self._slots: asyncio.Semaphore | None = None

    async def ready(self) -> dict[str, Any]:
        """Build the backend and load the model (once); who and where this replica is."""
        if self.backend is None:
            os.environ.update(self.spec.env)
            register_environment()
            self.backend = create_backend(parse_model_ref(self.spec.model), self.spec.model_args,
                                          BackendEnv(Path(self.spec.cwd)))
            self.backend.load()  # a python pipeline is imported here, as on the driver
            self.runner = CallRunner(self.backend, self.spec.retry)
            self._slots = asyncio.Semaphore(self.spec.concurrency)
        await self.backend.ensure_started()
        return {"node_id": self.where.node_id, "worker_id": self.where.worker_id,
                "pid": os.getpid(), "host": socket.gethostname(), "evalkit": evalkit_version()}

    async def stream(self, calls: Sequence[Call]) -> AsyncIterator[list[Finished]]:
        """The finished calls of a batch, as they finish: each item lists every call done since
        the previous one (index in `calls`, completion, where). A Ray streaming generator, so a
        replica that dies mid-batch has already handed back what it finished; grouping keeps
        Ray's per-item cost off calls that finish together."""
        await self.ready()  # the driver asked already; after a restart, this reloads
        if self.backend.batch_size > 1:  # a batched engine: the batch is one engine call
            async with self._slots:  # type: ignore[union-attr]
                completions = await self.runner.run(calls, self.rng)  # type: ignore[union-attr]
            yield [(index, completion, self.where) for index, completion in enumerate(completions)]
            return
        pending = {asyncio.ensure_future(self._one(index, call)) for index, call in enumerate(calls)}
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                yield [(*task.result(), self.where) for task in done]
        finally:
            for task in pending:
                task.cancel()

    async def run(self, calls: Sequence[Call]) -> list[Finished]:
        """The whole batch at once (for Ray Client, which has no streaming generators)."""
        return [item async for group in self.stream(calls) for item in group]

    async def _one(self, index: int, call: Call) -> tuple[int, Completion]:
        async with self._slots:  # type: ignore[union-attr]
            return index, (await self.runner.run([call], self.rng))[0]  # type: ignore[union-attr]

    async def close(self) -> None:
        if self.backend is not None:
            await self.backend.close()
