"""Batched engines: the runner hands whole batches to generate_batch, never a stop marker."""
from __future__ import annotations

import asyncio

from evalkit import RunConfig, Store, load_suite
from evalkit.backends.base import Backend, BackendEnv, BackendOptions
from evalkit.runner import run_suite_async
from evalkit.types import Completion


class UpperCaseEngine(Backend):
    """A tiny batched engine: answers every prompt in upper case, one batch at a time."""

    batch_size = 4
    default_concurrency = 3

    def __init__(self):
        super().__init__("upper", BackendOptions(), BackendEnv(cwd=None))
        self.batches: list[list[str]] = []

    async def generate_batch(self, calls):
        assert all(call is not None for call in calls)
        self.batches.append([call.case.id for call in calls])
        await asyncio.sleep(0)
        return [Completion(text=call.request.text().upper()) for call in calls]


def test_batches_hold_only_calls_and_cover_every_case(tmp_path):
    cases = "".join(f"  - {{id: c{i}, q: word{i}, target: WORD{i}}}\n" for i in range(10))
    suite_file = tmp_path / "s.yaml"
    suite_file.write_text("suite: batch\nprompt: '{{ q }}'\ncases:\n" + cases
                          + "scorers:\n  - type: exact\n", encoding="utf-8")
    engine = UpperCaseEngine()
    with Store(tmp_path / "b.duckdb") as store:
        summary = asyncio.run(run_suite_async(
            load_suite(suite_file), RunConfig(model="python/upper:x", progress=False),
            store=store, backend=engine))
        rows = store.results(summary.run_id)
    assert summary.passed == 10 and summary.errors == 0
    seen = [case for batch in engine.batches for case in batch]
    assert sorted(seen) == sorted(f"c{i}" for i in range(10))  # each case exactly once
    assert max(len(batch) for batch in engine.batches) <= 4
    assert len(rows) == 10
