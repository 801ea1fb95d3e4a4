"""backends.Model: start once, close, retries and timeouts, the concurrency limit."""
from __future__ import annotations

import asyncio
from pathlib import Path

from evalkit.backends.base import Backend, BackendEnv, BackendOptions, ModelRef, create_backend
from evalkit.backends.model import Model
from evalkit.backends.retry import RetryPolicy
from evalkit.types import Call, Case, Completion, Request
from tests.cli.helpers import api_options

FAST = RetryPolicy(max_retries=5, base_s=0.01, cap_s=0.05, timeout_s=5)


def call(prompt: str = "hello") -> Call:
    return Call(Case(id=prompt, vars={}), 0, Request(prompt=prompt), {})


class Counting(Backend):
    """A backend that counts its starts, closes and calls in flight (no I/O but a sleep)."""

    default_concurrency = 3

    def __init__(self, batch_size: int = 1):
        super().__init__("counting", BackendOptions(), BackendEnv(Path.cwd()))
        self.batch_size = batch_size
        self.starts = self.closes = self.in_flight = self.most_in_flight = 0
        self.batches: list[int] = []

    async def start(self) -> None:
        await asyncio.sleep(0.02)  # concurrent first calls all arrive while this one waits
        self.starts += 1

    async def close(self) -> None:
        self.closes += 1

    async def generate(self, call: Call) -> Completion:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            return Completion(text=call.request.prompt)
        finally:
            self.in_flight -= 1

    async def generate_batch(self, calls):
        self.batches.append(len(calls))
        if self.batch_size > 1 and len(calls) == 4:  # a broken engine: one answer short
            return [Completion(text="x")] * 3
        return [Completion(text=c.request.prompt) for c in calls]


def test_concurrent_first_calls_start_the_backend_once_and_exit_closes_it():
    backend = Counting()

    async def go():
        async with Model(backend) as model:
            return await asyncio.gather(*(model.generate(call(str(i))) for i in range(10)))

    completions = asyncio.run(go())
    assert [c.text for c in completions] == [str(i) for i in range(10)]
    assert (backend.starts, backend.closes) == (1, 1)


def test_a_model_nobody_calls_never_starts():
    backend = Counting()

    async def go():
        async with Model(backend):
            pass

    asyncio.run(go())
    assert (backend.starts, backend.closes) == (0, 1)


def test_calls_in_flight_stay_within_the_limit_on_every_event_loop():
    backend = Counting()
    limited = Model(backend, max_concurrency=2)
    default = Model(Counting())
    assert default.concurrency == 3  # the backend's own default

    async def burst(model):
        await asyncio.gather(*(model.generate(call()) for _ in range(12)))

    for _ in range(2):  # asyncio.run twice: the limit is rebuilt for the new loop
        asyncio.run(burst(limited))
    assert backend.most_in_flight == 2
    asyncio.run(burst(default))
    assert default.backend.most_in_flight == 3


def test_a_batched_engine_gets_one_call_and_a_short_answer_fails_the_batch():
    backend = Counting(batch_size=8)
    model = Model(backend, FAST)
    good = asyncio.run(model.generate_batch([call("a"), call("b")]))
    assert [c.text for c in good] == ["a", "b"] and backend.batches == [2]
    short = asyncio.run(model.generate_batch([call(str(i)) for i in range(4)]))
    assert all(c.text is None for c in short)
    assert short[0].error == "the backend answered a batch of 4 calls with 3 completions"


def test_transient_failures_are_retried_against_a_real_server(srv):
    srv.config(fail_rate=0.5, fail_statuses=[503], retry_after="0", seed=3)
    srv.reset()
    backend = create_backend(ModelRef("openai", "m"), api_options(srv), BackendEnv(Path.cwd()))

    async def go():
        async with Model(backend, FAST, seed=0) as model:
            return await asyncio.gather(*(model.generate(call(f"q{i}")) for i in range(20)))

    completions = asyncio.run(go())
    assert all(c.ok for c in completions), [c.error for c in completions if not c.ok]
    assert [c.text for c in completions] == [f"q{i}" for i in range(20)]
    retried = sum(c.attempts - 1 for c in completions)
    assert retried > 0 and srv.stats()["total"] == 20 + retried


def test_the_last_timeout_is_the_calls_error_not_an_exception(srv):
    srv.config(latency=1.0)
    backend = create_backend(ModelRef("openai", "m"), api_options(srv), BackendEnv(Path.cwd()))
    policy = RetryPolicy(max_retries=1, base_s=0.01, cap_s=0.02, timeout_s=0.2)

    async def go():
        async with Model(backend, policy) as model:
            return await model.generate(call())

    completion = asyncio.run(go())
    assert completion.text is None and completion.attempts == 2
    assert completion.error == "timed out after 0.2 s (gave up after 2 attempts)"


def test_a_closed_model_starts_its_backend_again_on_the_next_call():
    backend = Counting()

    async def go():
        model = Model(backend)
        first = await model.generate(call("a"))
        await model.close()
        second = await model.generate(call("b"))
        await model.close()
        return first.text, second.text

    assert asyncio.run(go()) == ("a", "b")
    assert (backend.starts, backend.closes) == (2, 2)
