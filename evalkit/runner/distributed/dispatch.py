"""Feeding replicas: batches from one queue, completions back as they finish, faults contained.

Each replica is served by LANES coroutines, so it always has its next batch while it works on
one. A batch comes back call by call (a Ray streaming generator); when a replica's worker
process or its node dies mid-batch, what it finished is already delivered and only the rest
goes back to the queue, for any replica (Ray restarts the dead one, reloading its model, up to
its `max_restarts`). A call whose worker dies MAX_LOSSES times is recorded as an error on its
case (errors are data); a (case, sample) is delivered once, whatever arrives twice. When every
replica is gone, the run stops resumable (ReplicasLost): the driver has stored all it got.
"""
from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Sequence

from ...errors import EvalkitError, UsageError
from ...redact import redact
from ...types import Call, Completion, WorkerRef
from ..executors import Deliver, ReplicasLost

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
    def __init__(self, ray: Any, members: Sequence[Member], batches: Sequence[Sequence[Call]],
                 deliver: Deliver, *, streaming: bool, startup_timeout_s: float,
                 expect_version: str, max_failures: int):
        self.ray, self.members, self.deliver = ray, list(members), deliver
        self.streaming, self.timeout_s = streaming, startup_timeout_s
        self.expect_version, self.max_failures = expect_version, max_failures
        self.queue: asyncio.Queue[list[Call]] = asyncio.Queue()
        for batch in batches:
            self.queue.put_nowait(list(batch))
        self.remaining = sum(len(b) for b in batches)
        self.delivered: set[tuple[str, int]] = set()
        self.losses: Counter[tuple[str, int]] = Counter()
        self.done = asyncio.Event()
        if not self.remaining:
            self.done.set()

    async def run(self) -> None:
        lanes = {asyncio.ensure_future(self._lane(m)) for m in self.members for _ in range(LANES)}
        finished = asyncio.ensure_future(self.done.wait())
        try:
            while not self.done.is_set():
                ended, _ = await asyncio.wait(lanes | {finished},
                                              return_when=asyncio.FIRST_COMPLETED)
                for lane in ended - {finished}:
                    lane.result()  # a fatal error (a model that cannot load) ends the run
                lanes -= ended
                if not lanes and not self.done.is_set():
                    reasons = "; ".join(f"{m.label}: {m.retired}" for m in self.members)
                    raise ReplicasLost(f"every Ray replica is gone with {self.remaining} call(s) "
                                       f"left ({reasons}); the results so far are stored: "
                                       "rerun the same command to resume")
        finally:
            for task in (*lanes, finished):
                task.cancel()
            await asyncio.gather(*lanes, finished, return_exceptions=True)

    # -- one lane of one replica -------------------------------------------------------
    async def _lane(self, member: Member) -> None:
        while await self._ready(member):
            batch = await self.queue.get()
            finished: set[int] = set()
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
        if key in self.delivered:  # exactly one row per (case, sample)
            return
        self.delivered.add(key)
        await self.deliver(call, completion, where)
        self.remaining -= 1
        if self.remaining == 0:
            self.done.set()

    async def _requeue(self, batch: list[Call], finished: set[int], exc: BaseException) -> None:
        again = []
        for index, call in enumerate(batch):
            key = (call.case.id, call.sample)
            if index in finished or key in self.delivered:
                continue
            self.losses[key] += 1
            if self.losses[key] >= MAX_LOSSES:
                error = redact(f"the Ray worker making this call died {MAX_LOSSES} times "
                               f"(last: {_first_line(exc)})")
                await self._deliver(call, Completion(text=None, error=error), None)
            else:
                again.append(call)
        if again:
            self.queue.put_nowait(again)
