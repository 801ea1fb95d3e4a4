"""Blocking calls (a synchronous pipeline) in daemon threads that a timeout can walk away from.

`asyncio.to_thread` cannot end a hung function, and the default executor joins its threads
when the event loop closes, so one pipeline stuck in `time.sleep(10**9)` kept `evalkit run`
from ever exiting after its timeout was recorded. Here a call whose awaiting task is
cancelled (the runner's timeout) leaves its thread behind: the thread is a daemon, so the
process exits when the run is over, and the pool starts another thread for the next call.
Whatever the function raises, `SystemExit` and other `BaseException`s included, comes back
as the call's outcome instead of unwinding the event loop.
"""
from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any, Callable

MAX_ABANDONED = 64  # hung calls left running; past this, calls fail at once instead


class TooManyHungCalls(RuntimeError):
    pass


class _Job:
    __slots__ = ("loop", "future", "fn", "args", "kwargs", "abandoned", "finished")

    def __init__(self, loop, future, fn, args, kwargs):
        self.loop, self.future, self.fn, self.args, self.kwargs = loop, future, fn, args, kwargs
        self.abandoned = self.finished = False


def _settle(future: asyncio.Future, outcome: tuple[bool, Any]) -> None:
    if not future.done():
        future.set_result(outcome)


class AbandonableThreads:
    """A growing pool of daemon threads; `await run(fn, ...)` gives (ok, value or exception)."""

    def __init__(self, name: str = "evalkit-pipeline"):
        self.name = name
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._threads = 0
        self.abandoned = 0  # calls given up on whose thread is still running

    async def run(self, fn: Callable, *args, **kwargs) -> tuple[bool, Any]:
        if self.abandoned >= MAX_ABANDONED:
            raise TooManyHungCalls(f"{self.abandoned} earlier calls are still hung in their "
                                   "threads; not starting more")
        loop = asyncio.get_running_loop()
        job = _Job(loop, loop.create_future(), fn, args, kwargs)
        with self._lock:
            spawn = self._idle == 0
            if spawn:
                self._threads += 1
            else:
                self._idle -= 1
        if spawn:
            threading.Thread(target=self._work, name=f"{self.name}-{self._threads}",
                             daemon=True).start()
        self._jobs.put(job)
        try:
            return await job.future
        except asyncio.CancelledError:
            with self._lock:
                if not job.finished:
                    job.abandoned = True
                    self.abandoned += 1
            raise

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                outcome: tuple[bool, Any] = (True, job.fn(*job.args, **job.kwargs))
            except BaseException as exc:  # noqa: B036 - SystemExit is the pipeline's failure too
                outcome = (False, exc)
            with self._lock:
                job.finished = True
                if job.abandoned:
                    self.abandoned -= 1
                self._idle += 1
            try:
                job.loop.call_soon_threadsafe(_settle, job.future, outcome)
            except RuntimeError:  # the loop is closed: nobody waits for this answer any more
                pass
            job = outcome = None  # type: ignore[assignment]  # drop references while idle
