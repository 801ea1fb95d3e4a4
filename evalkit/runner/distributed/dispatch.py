"""Feeding replicas: batches from the driver's call queue, completions back as they finish,
faults contained.

Each replica is served by LANES coroutines, so it always has its next batch while it works on
one; a lane takes a batch of `size` calls from the run's CallQueue (feed.py) as the driver
streams them in. A batch comes back call by call (a Ray streaming generator); when a replica's
worker process or its node dies mid-batch, what it finished is already delivered and only the
rest goes back, ahead of the queue, for any replica (Ray restarts the dead one, reloading its
model, up to its `max_restarts`). A call whose worker dies MAX_LOSSES times is recorded as an
error on its case (errors are data); a (case, sample) is delivered once, whatever arrives
twice. When every replica is gone, the run stops resumable (ReplicasLost): the driver has
stored all it got.
"""
from __future__ import annotations

import asyncio
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Sequence

from ...errors import EvalkitError, UsageError
from ...redact import redact
from ...types import Call, Completion, WorkerRef
from ..executors import Deliver, ReplicasLost
from ..feed import CallQueue

LANES = 2
MAX_LOSSES = 3


@dataclass(eq=False)
class Member:
    """One replica actor as the driver sees it."""

    handle: Any
    label: str
    healthy: bool = False
    failures: int = 0  # times it failed to come (back) up
    retired: str | None = None  # why it was given up
    info: dict = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


class Dispatch:
    def __init__(self, ray: Any, members: Sequence[Member], calls: CallQueue, size: int,
                 deliver: Deliver, *, streaming: bool, startup_timeout_s: float,
                 expect_version: str, max_failures: int):
        self.ray, self.members, self.deliver = ray, list(members), deliver
        self.calls, self.size = calls, size
        self.streaming, self.timeout_s = streaming, startup_timeout_s
        self.expect_version, self.max_failures = expect_version, max_failures
        self.again: deque[list[Call]] = deque()  # unfinished rests of failed batches
        self.fed_all = False  # the call queue is drained
        self.busy = 0  # batches on replicas now
        self.changed = asyncio.Event()  # a batch came back or ended: lanes waiting look again
        self.finished = asyncio.Event()  # every call made and delivered
        # (case, sample) of the calls taken and not yet delivered: what arrives twice, or for
        # a call no longer in flight, is dropped. Bounded by the calls in flight.
        self.in_flight: set[tuple[str, int]] = set()
        self.losses: Counter[tuple[str, int]] = Counter()

    async def run(self) -> None:
        lanes = {asyncio.ensure_future(self._lane(m)) for m in self.members for _ in range(LANES)}
        finished = asyncio.ensure_future(self.finished.wait())
        try:
            while lanes and not self._all_made():
                ended, lanes = await asyncio.wait(lanes | {finished},
                                                  return_when=asyncio.FIRST_COMPLETED)
                lanes.discard(finished)
                for lane in ended - {finished}:
                    lane.result()  # a fatal error (a model that cannot load) ends the run
            if not self._all_made():
                left = sum(len(batch) for batch in self.again) + len(self.in_flight)
                reasons = "; ".join(f"{m.label}: {m.retired}" for m in self.members)
                rest = "" if self.fed_all else " and the rest of the suite"
                raise ReplicasLost(f"every Ray replica is gone with {left} call(s){rest} left "
                                   f"({reasons}); the results so far are stored: rerun the "
                                   "same command to resume")
        finally:  # lanes still waiting for a replica to come back are not needed any more
            for task in (*lanes, finished):
                task.cancel()
            await asyncio.gather(*lanes, finished, return_exceptions=True)

    def _all_made(self) -> bool:
        return self.fed_all and not self.again and not self.busy

    # -- one lane of one replica -------------------------------------------------------
    async def _lane(self, member: Member) -> None:
        while await self._ready(member):
            batch = await self._next_batch()
            if batch is None:
                return  # every call is made
            finished: set[int] = set()
            self.busy += 1
            try:
                async for index, completion, where in self._results(member, batch):
                    if index not in finished:
                        finished.add(index)
                        await self._deliver(batch[index], completion, where)
                if len(finished) < len(batch):  # a stream that ended short: never silently
                    raise self.ray.exceptions.RayError(
                        f"{member.label} returned {len(finished)} of {len(batch)} results")
            except self.ray.exceptions.RayTaskError as exc:  # the replica's own code failed
                await self._requeue(batch, finished, exc)
            except self.ray.exceptions.RayError as exc:  # its worker or node died
                member.healthy = False
                await self._requeue(batch, finished, exc)
            finally:
                self.busy -= 1
                self.changed.set()
                if self._all_made():
                    self.finished.set()

    async def _next_batch(self) -> list[Call] | None:
        """Calls given back by a failed batch first, then the driver's queue; None when both
        are drained and no batch on a replica can still give calls back."""
        while True:
            if self.again:
                return self.again.popleft()
            if not self.fed_all:
                batch = await self.calls.take(self.size, fill=True)
                if batch:
                    self.in_flight.update((call.case.id, call.sample) for call in batch)
                    return batch
                self.fed_all = True
                continue
            if not self.busy:
                self.changed.set()  # the other lanes waiting here end too
                self.finished.set()
                return None
            self.changed.clear()
            await self.changed.wait()

    async def _results(self, member: Member, batch: list[Call]
                       ) -> AsyncIterator[tuple[int, Completion, WorkerRef]]:
        if self.streaming:
            async for ref in member.handle.stream.remote(batch):
                for item in await ref:  # the calls that finished together
                    yield item
        else:
            for item in await member.handle.run.remote(batch):
                yield item

    async def _ready(self, member: Member) -> bool:
        """Wait until the replica has its model loaded (again, after a restart); False once it
        is given up. Both lanes of a replica wait for the same call."""
        async with member.lock:
            while not member.healthy and member.retired is None:
                try:
                    member.info = await asyncio.wait_for(self._ask_ready(member), self.timeout_s)
                except asyncio.TimeoutError:
                    member.retired = (f"not ready after {self.timeout_s:g} s (Ray could not place "
                                      "or start it)")
                    break
                except self.ray.exceptions.RayTaskError as exc:
                    raise self._fatal(member, exc) from None
                except self.ray.exceptions.RayError as exc:  # died while (re)starting
                    if getattr(exc, "actor_init_failed", False):
                        raise self._fatal(member, exc) from None
                    member.failures += 1
                    if member.failures >= self.max_failures:
                        member.retired = _first_line(exc)
                        break
                    await asyncio.sleep(min(0.5 * 2 ** member.failures, 10.0))
                    continue
                if member.info.get("evalkit") != self.expect_version:
                    raise UsageError(
                        f"Ray node {member.info.get('host')} runs evalkit "
                        f"{member.info.get('evalkit')}, this driver {self.expect_version}; "
                        "install the same evalkit on every node")
                member.healthy = True
        return member.retired is None

    async def _ask_ready(self, member: Member) -> dict:
        return await member.handle.ready.remote()

    def _fatal(self, member: Member, exc: Any) -> BaseException:
        """A replica that cannot load its model fails the same way on every node: stop."""
        cause = getattr(exc, "cause", None)
        if isinstance(cause, EvalkitError):
            return cause
        return EvalkitError(redact(f"{member.label} could not start: {_first_line(cause or exc)}"))

    # -- bookkeeping -------------------------------------------------------------------
    async def _deliver(self, call: Call, completion: Completion, where: WorkerRef | None) -> None:
        key = (call.case.id, call.sample)
        if key not in self.in_flight:  # exactly one row per (case, sample)
            return
        self.in_flight.discard(key)
        self.losses.pop(key, None)
        await self.deliver(call, completion, where)

    async def _requeue(self, batch: list[Call], finished: set[int], exc: BaseException) -> None:
        again = []
        for index, call in enumerate(batch):
            key = (call.case.id, call.sample)
            if index in finished or key not in self.in_flight:
                continue
            self.losses[key] += 1
            if self.losses[key] >= MAX_LOSSES:
                error = redact(f"the Ray worker making this call died {MAX_LOSSES} times "
                               f"(last: {_first_line(exc)})")
                await self._deliver(call, Completion(text=None, error=error), None)
            else:
                again.append(call)
        if again:
            self.again.append(again)
