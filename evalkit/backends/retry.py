"""Retries with exponential backoff and jitter, honouring Retry-After; a timeout per attempt
and a deadline for the whole call (attempts and waits together).

Model (model.py) applies it to every call. Whatever happens, a call ends as a Completion:
after the last attempt the failure is recorded on the case (errors are data) and the run
goes on.
"""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, replace
from typing import Awaitable, Callable

from ..log import get_logger
from ..redact import redact
from ..types import Completion
from .base import TransientError

log = get_logger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 6
    base_s: float = 0.5
    cap_s: float = 30.0
    max_retry_after_s: float = 120.0  # a server asking for longer gets this much at most
    timeout_s: float | None = 120.0  # per attempt
    deadline_s: float | None = 600.0  # per call, every attempt and wait included

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after_s) + rng.uniform(0, self.base_s / 10)
        ceiling = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)  # "equal jitter": never zero, spread out


async def _within(coro: Awaitable[Completion], timeout_s: float | None) -> Completion:
    """asyncio.wait_for without its extra task per call (Python 3.11+: asyncio.timeout)."""
    if _timeout is None:
        return await asyncio.wait_for(coro, timeout_s)
    async with _timeout(timeout_s):
        return await coro


_timeout = getattr(asyncio, "timeout", None)


async def call_with_retries(attempt_fn: Callable[[], Awaitable[Completion]], policy: RetryPolicy,
                            rng: random.Random) -> Completion:
    loop = asyncio.get_running_loop()
    deadline = None if policy.deadline_s is None else loop.time() + policy.deadline_s
    attempt = 0
    while True:
        attempt += 1
        retry_after = None
        limit, cut_by_deadline = policy.timeout_s, False
        if deadline is not None:
            left = max(0.0, deadline - loop.time())
            if limit is None or left < limit:
                limit, cut_by_deadline = left, True
        try:
            completion = await _within(attempt_fn(), limit)
            # (a copy only when it changes: dataclasses.replace costs ~10 µs per call)
            return completion if completion.attempts == attempt else replace(
                completion, attempts=attempt)
        except TransientError as exc:
            failure, retry_after = str(exc), exc.retry_after
        except asyncio.TimeoutError:
            if cut_by_deadline:
                return _gave_up(f"no answer within the call's deadline of {policy.deadline_s:g} s",
                                attempt)
            failure = f"timed out after {policy.timeout_s:g} s"
        except Exception as exc:  # a backend bug is this case's error, not the run's end
            return Completion(text=None, attempts=attempt,
                              error=redact(f"{type(exc).__name__}: {exc}"))
        if attempt > policy.max_retries:
            return _gave_up(failure, attempt)
        delay = policy.delay(attempt, retry_after, rng)
        if deadline is not None and loop.time() + delay >= deadline:
            return _gave_up(f"{failure}; the call's deadline of {policy.deadline_s:g} s would "
                            "pass before the next attempt", attempt)
        log.debug("attempt %d failed (%s); retrying in %.2f s", attempt, failure, delay)
        await asyncio.sleep(delay)


def _gave_up(failure: str, attempt: int) -> Completion:
    return Completion(text=None, attempts=attempt,
                      error=redact(f"{failure} (gave up after {attempt} attempts)"))


async def batch_with_retries(attempt_fn: Callable[[], Awaitable[list[Completion]]], size: int,
                             policy: RetryPolicy, rng: random.Random) -> list[Completion]:
    """The same policy for a batched engine: the whole batch is retried together."""
    holder: list[list[Completion]] = []

    async def once() -> Completion:
        holder[:] = [await attempt_fn()]
        return Completion(text="")

    outcome = await call_with_retries(once, policy, rng)
    if outcome.error is not None:
        return [replace(outcome) for _ in range(size)]
    return [replace(c, attempts=outcome.attempts) for c in holder[0]]
