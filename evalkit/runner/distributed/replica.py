"""A model replica: the body of a Ray actor that loads one backend once and serves many batches.

Plain classes (Ray wraps them with `ray.remote` in the executor), so this module imports
without Ray. The actor is asynchronous: batches from the driver's lanes interleave, while its
Model keeps the replica's calls in flight at its share of the concurrency limit.
"""
from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Mapping, Sequence

from ...backends.base import BackendEnv, create_backend, parse_model_ref
from ...backends.model import Model
from ...backends.retry import RetryPolicy
from ...redact import register_environment
from ...types import Call, Completion, WorkerRef

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
        self.where = here()
        self.model: Model | None = None

    async def ready(self) -> dict[str, Any]:
        """Build the backend and load the model (once); who and where this replica is."""
        if self.model is None:
            os.environ.update(self.spec.env)
            register_environment()
            backend = create_backend(parse_model_ref(self.spec.model), self.spec.model_args,
                                     BackendEnv(Path(self.spec.cwd)))
            backend.load()  # a python pipeline is imported here, as on the driver
            self.model = Model(backend, self.spec.retry, max_concurrency=self.spec.concurrency,
                               seed=self.spec.seed)
        await self.model.start()
        return {"node_id": self.where.node_id, "worker_id": self.where.worker_id,
                "pid": os.getpid(), "host": socket.gethostname(), "evalkit": evalkit_version()}

    async def stream(self, calls: Sequence[Call]) -> AsyncIterator[list[Finished]]:
        """The finished calls of a batch, as they finish: each item lists every call done since
        the previous one (index in `calls`, completion, where). A Ray streaming generator, so a
        replica that dies mid-batch has already handed back what it finished; grouping keeps
        Ray's per-item cost off calls that finish together."""
        await self.ready()  # the driver asked already; after a restart, this reloads
        assert self.model is not None  # built by ready()
        if self.model.batch_size > 1:  # a batched engine: the batch is one engine call
            completions = await self.model.generate_batch(calls)
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
        assert self.model is not None  # built by ready()
        return index, await self.model.generate(call)  # within the replica's concurrency

    async def close(self) -> None:
        if self.model is not None:
            await self.model.close()
