"""Model: a backend with the policy around its calls, the one way evalkit calls a model.

    async with Model(create_backend(ref, args, env), RetryPolicy(max_retries=3)) as model:
        completion = await model.generate(call)

A Backend only knows how to make one call (or one batch); the Model owns what surrounds it:
starting the backend once (on the first call, so a model nobody calls never loads), closing
it, the per-attempt timeout and the retry loop (retry.py), and the concurrency limit. The
runner's executors, the Ray replicas, the LLM judge, the refusal classifier and the pytest
fixture all call models through it.

A call always ends as a Completion: after the last attempt its failure is the completion's
`error` (errors are data). Only a backend that cannot start raises.
"""
from __future__ import annotations

import asyncio
import random
from typing import Sequence

from ..types import Call, Completion
from .base import Backend
from .retry import RetryPolicy, batch_with_retries, call_with_retries


class Model:
    def __init__(self, backend: Backend, policy: RetryPolicy = RetryPolicy(), *,
                 max_concurrency: int | None = None, seed: int | None = None):
        self.backend, self.policy = backend, policy
        # calls in flight at once (batches, for a batched engine); the backend's own default
        self.concurrency = max(1, max_concurrency or backend.default_concurrency)
        self.rng = random.Random(seed)  # the jitter between retries
        # asyncio primitives belong to one event loop; a model may serve several in turn
        # (asyncio.run per command, the pytest fixture's own loop)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(self.concurrency)
        self._starting = asyncio.Lock()
        self._started = False

    @property
    def batch_size(self) -> int:
        return max(1, self.backend.batch_size)

    async def __aenter__(self) -> Model:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._slots = asyncio.Semaphore(self.concurrency)
            self._starting = asyncio.Lock()

    async def start(self) -> None:
        """Load weights or open connections, once (concurrent first calls wait for one start).
        A failure here raises: it is the run's error, not a case's."""
        if self._started:  # every call passes here: no lock once started
            return
        self._bind()
        async with self._starting:
            await self.backend.ensure_started()
            self._started = True

    async def close(self) -> None:
        """Close the backend; a later call starts it again (a closed model is not a dead one)."""
        self._started = False
        await self.backend.ensure_closed()

    async def generate(self, call: Call) -> Completion:
        """One call, retried by the policy, within the concurrency limit."""
        await self.start()
        self._bind()
        async with self._slots:
            return await call_with_retries(lambda: self.backend.generate(call), self.policy,
                                           self.rng)

    async def generate_batch(self, calls: Sequence[Call]) -> list[Completion]:
        """A batched engine answers `calls` in one engine call (retried as a whole); any other
        backend answers them as separate calls."""
        if self.backend.batch_size <= 1:
            if len(calls) == 1:  # the local worker pool's usual case: no task per call
                return [await self.generate(calls[0])]
            return list(await asyncio.gather(*(self.generate(call) for call in calls)))
        await self.start()
        self._bind()
        async with self._slots:
            completions = await batch_with_retries(lambda: self.backend.generate_batch(calls),
                                                   len(calls), self.policy, self.rng)
        if len(completions) != len(calls):  # zip would drop cases silently
            return [Completion(text=None, error=(
                f"the backend answered a batch of {len(calls)} calls with "
                f"{len(completions)} completions"))] * len(calls)
        return completions
