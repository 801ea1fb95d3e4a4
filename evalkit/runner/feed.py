"""The runner's calls as a stream: one chunk of cases at a time (suite.chunks()), so a suite of
millions of cases never holds all its calls, and the executor takes them from a bounded queue
(CallQueue) that the driver fills as it goes."""
from __future__ import annotations

import asyncio
from typing import Iterator

from ..suite import Suite
from ..types import Call

QUEUE_CALLS = 1024  # calls waiting for a worker (at least twice the workers' appetite)
_END = object()


FIRST_CALLS = 64  # the first chunk's head: out before the rest of it is keyed and queued


def call_chunks(suite: Suite, done: set[tuple[str, int]]) -> Iterator[list[Call]]:
    """Every (case, sample) not yet stored, as Calls, chunk by chunk. The first FIRST_CALLS
    come alone, so the first requests go out without waiting for a whole chunk's cache keys
    and lookup (5,000 cases: ~50 ms)."""
    head = True  # the first calls are still to come
    for chunk in suite.chunks():
        calls = case_calls(suite, chunk, done)
        if head and calls:
            head = False
            if len(calls) > FIRST_CALLS:
                yield calls[:FIRST_CALLS]
                calls = calls[FIRST_CALLS:]
        if calls:
            yield calls


def case_calls(suite: Suite, pairs, done: set[tuple[str, int]]) -> list[Call]:
    """The calls of these (case, request) pairs not yet stored (every sample of a case)."""
    base = suite.options
    samples = suite.spec.samples
    calls = []
    for case, request in pairs:
        for sample in range(samples):
            if (case.id, sample) in done:
                continue
            options = base
            if samples > 1 and "seed" in base:  # otherwise every sample would be identical
                options = {**base, "seed": base["seed"] + sample}
            calls.append(Call(case, sample, request, options, suite.vars))
    return calls


class CallQueue:
    """The calls still to make, between the driver's feed (cache hits already served) and the
    executor: bounded, so a suite of millions of cases is never in memory at once, and closed
    by the feed at its end. Any number of consumers may take from it."""

    def __init__(self, size: int, expected: int):
        self._queue: asyncio.Queue = asyncio.Queue(maxsize=size)
        self._held: list[Call] = []  # taken by started(), handed out first
        self._ended = False
        # At most this many calls will come (the feed lowers it by the cache hits it serves):
        # an executor sizes itself by it, e.g. starts no more Ray replicas than it can feed.
        self.expected = expected

    async def put(self, call: Call) -> None:
        await self._queue.put(call)

    async def close(self) -> None:
        await self._queue.put(_END)

    async def started(self) -> bool:
        """Wait for the first call; False when the feed ends without one (every call was
        served from the cache: the model need not even load)."""
        if self._held:
            return True
        first = await self._next()
        if first is None:
            return False
        self._held.append(first)
        return True

    async def take(self, most: int, fill: bool = False) -> list[Call]:
        """Up to `most` calls: as many as are waiting once the first has come, or, with `fill`,
        `most` unless the feed ends first. [] once every call has been taken."""
        batch: list[Call] = []
        if self._held:
            batch, self._held = self._held[:most], self._held[most:]
        while len(batch) < most and not self._ended:
            if batch and not fill and self._queue.empty():
                break
            call = await self._next()
            if call is None:
                break
            batch.append(call)
        return batch

    async def _next(self) -> Call | None:
        if self._ended:
            return None
        call = await self._queue.get()
        if call is _END:
            self._ended = True
            self._queue.put_nowait(_END)  # wakes the next consumer waiting (room: one was taken)
            return None
        return call
