"""The runner's calls as a stream: one chunk of cases at a time (suite.chunks()), so a suite of
millions of cases never holds all its calls, and the workers read them from a bounded queue."""
from __future__ import annotations

from typing import Iterator

from ..suite import Suite
from ..types import Call

QUEUE_CALLS = 1024  # calls waiting for a worker (at least twice the workers' appetite)


def call_chunks(suite: Suite, done: set[tuple[str, int]]) -> Iterator[list[Call]]:
    """Every (case, sample) not yet stored, as Calls, chunk by chunk."""
    base = suite.options
    samples = suite.spec.samples
    for chunk in suite.chunks():
        calls = []
        for case, request in chunk:
            for sample in range(samples):
                if (case.id, sample) in done:
                    continue
                options = base
                if samples > 1 and "seed" in base:  # otherwise every sample would be identical
                    options = {**base, "seed": base["seed"] + sample}
                calls.append(Call(case, sample, request, options, suite.vars))
        if calls:
            yield calls
