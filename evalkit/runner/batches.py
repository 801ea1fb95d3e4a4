"""Runs dispatched in batches, so they can stop before the suite is exhausted: budget caps
(`--max-cost`, `--max-tokens`, `--max-calls`, the suite's `budget:`) and the sequential test
of `evalkit run --sequential` (compare/sequential_judge.py, reached through `BatchJudge` so
the runner needs nothing from compare).

The cases go in a seeded random order (the run's seed), so whatever stops the run, the cases
that ran are a random sample of the suite: a comparison over them is unbiased, and the
sequential test's cases are independent draws. A batch is a number of whole cases (every
sample of a case in one batch). Before each batch: the judge may have decided; the budget
must hold the batch, estimated from the calls made so far (cache hits are free) — else the
batch is cut to what the cap still holds, and dispatch stops when not one case fits. A run
that stops early is stored `partial` with a stop record (runs.stop); running the same command
again resumes it (its stored cases are skipped), e.g. with a larger cap.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, Sequence

from ..suite import Suite
from ..types import Result
from .feed import case_calls

if TYPE_CHECKING:
    from ..store import Store

BATCH_CASES = 50  # cases per batch by default
PROBE_CALLS = 8  # calls dispatched before a cost or token cap has an estimate per call
PARTIAL = "partial"  # runs.status of a run stopped before its last case
SEQUENTIAL, BUDGET = "sequential", "budget"


@dataclass(frozen=True)
class Budget:
    """Caps per run (every invocation of a resumed run counts); None: no cap."""

    max_cost: float | None = None  # USD, as the backend reports it
    max_tokens: int | None = None  # input + output tokens
    max_calls: int | None = None  # model calls (a cache hit is no call)

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.max_cost, self.max_tokens, self.max_calls))

    def to_json(self) -> dict:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass
class Spent:
    """What the run's model calls cost so far (cache hits excluded)."""

    calls: int = 0
    cost: float = 0.0
    tokens: int = 0
    priced: int = 0  # calls that reported a cost
    counted: int = 0  # calls that reported tokens

    @classmethod
    def of_run(cls, store: Store, run_id: str) -> Spent:
        from ..store import usage

        return cls(*usage.spent(store, run_id))

    def add(self, result: Result) -> None:
        completion = result.completion
        if completion.cached:
            return
        self.calls += 1
        if completion.cost_usd is not None:
            self.cost += completion.cost_usd
            self.priced += 1
        if completion.tokens_in is not None or completion.tokens_out is not None:
            self.tokens += (completion.tokens_in or 0) + (completion.tokens_out or 0)
            self.counted += 1

    def to_json(self) -> dict:
        return {"calls": self.calls, "cost_usd": round(self.cost, 6), "tokens": self.tokens}


def calls_allowed(budget: Budget, spent: Spent) -> tuple[int | None, str]:
    """How many more calls the caps hold (None: no limit), and why no more when it binds."""
    allowed: int | None = None
    why = ""
    for flag, cap, used, known, what in (
            ("--max-calls", budget.max_calls, spent.calls, spent.calls, "calls"),
            ("--max-cost", budget.max_cost, spent.cost, spent.priced, "cost"),
            ("--max-tokens", budget.max_tokens, spent.tokens, spent.counted, "tokens")):
        if cap is None:
            continue
        if flag == "--max-calls":
            left, reason = cap - used, f"{flag} {cap:,} reached"
        elif not known:  # no estimate per call yet: a small probe, unless calls gave none
            left = 0 if spent.calls else PROBE_CALLS
            reason = (f"{flag} cannot be checked: the backend reported no {what} for its "
                      f"{spent.calls} calls")
        else:
            per_call = used / known
            left = math.floor((cap - used) / per_call + 1e-9) if per_call > 0 else (
                spent.calls if used <= cap else 0)
            shown = f"${cap:g}" if flag == "--max-cost" else f"{cap:,}"
            reason = f"{flag} {shown} reached: {_spent(flag, used)} spent, about " \
                     f"{_spent(flag, per_call)} a call"
            if per_call <= 0:
                continue  # free calls never reach the cap
        left = max(0, int(left))
        if allowed is None or left < allowed:
            allowed, why = left, reason
    return allowed, why


def _spent(flag: str, value: float) -> str:
    return f"${value:.4g}" if flag == "--max-cost" else f"{value:,.0f}"


class BatchJudge(Protocol):
    """Decides, between batches, whether the run has answered its question."""

    def start(self, store: Store, run_id: str, order: Sequence[str]) -> None:
        """Take in the results the run already stored (a resumed run), in `order`."""

    def observe(self, results: Sequence[Result], order: Sequence[str]) -> None:
        """Take in one batch's results; `order`: the batch's case ids in dispatch order."""

    def decision(self) -> str | None:
        """None to go on; else the decision (e.g. "regressed") that stops the run."""

    def record(self) -> dict:
        """What to store on the run about the test (JSON)."""


@dataclass(frozen=True)
class BatchPlan:
    batch_cases: int = BATCH_CASES
    budget: Budget = field(default_factory=Budget)
    judge: Any = None  # a BatchJudge, or None (budget caps alone)


def ordered(suite: Suite, seed: int) -> list:
    """The suite's (case, request) pairs in the run's seeded random order (the same order on
    every resume of the run)."""
    pairs = [pair for chunk in suite.chunks() for pair in chunk]
    random.Random(f"evalkit-batches:{seed}").shuffle(pairs)
    return pairs


def stop_text(cases_run: int, cases_total: int, why: str) -> str:
    return f"stopped after {cases_run:,} of {cases_total:,} cases: {why}"


async def run_in_batches(execution, executor, suite: Suite, done: set[tuple[str, int]],
                         plan: BatchPlan, store: Store, run_id: str, seed: int) -> dict:
    """Dispatch the run's cases batch by batch until the suite is exhausted, the judge
    decides or the budget is spent. Returns the stop record stored on the run."""
    pairs = ordered(suite, seed)
    order = [case.id for case, _ in pairs]
    judge = plan.judge
    if judge is not None:
        judge.start(store, run_id, order)
    spent = Spent.of_run(store, run_id)
    samples = suite.spec.samples
    pending = [p for p in pairs if any((p[0].id, s) not in done for s in range(samples))]
    run_cases = len(pairs) - len(pending)
    reason = why = None
    batches = 0
    while pending:
        decided = judge.decision() if judge is not None else None
        if decided is not None:
            reason, why = SEQUENTIAL, decided
            break
        batch = pending[:plan.batch_cases]
        allowed, binding = calls_allowed(plan.budget, spent)
        if allowed is not None:
            fits, calls_needed = 0, 0
            for case, _ in batch:
                calls_needed += sum((case.id, s) not in done for s in range(samples))
                if calls_needed > allowed:
                    break
                fits += 1
            if fits == 0:
                reason, why = BUDGET, f"budget ({binding})"
                break
            batch = batch[:fits]
        pending = pending[len(batch):]
        batch_results: list[Result] = []
        execution.observe = batch_results.append
        calls = case_calls(suite, batch, done)
        try:
            await execution.make_calls(iter([calls]), executor, len(calls))
        finally:
            execution.observe = None
        for result in batch_results:
            spent.add(result)
        run_cases += len(batch)
        batches += 1
        if judge is not None:
            judge.observe(batch_results, [case.id for case, _ in batch])
    decided = judge.decision() if judge is not None else None
    record = {"stopped": reason is not None, "reason": reason,
              "decision": decided or ("undecided" if judge is not None else None),
              "cases_run": run_cases, "cases_total": len(pairs),
              "batch_cases": plan.batch_cases, "batches": batches,
              "budget": plan.budget.to_json(), "spent": spent.to_json()}
    if reason is not None:
        record["text"] = stop_text(run_cases, len(pairs), why)
    if judge is not None:
        record[SEQUENTIAL] = judge.record()
    return record
