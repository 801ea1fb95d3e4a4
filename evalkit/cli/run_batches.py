"""`evalkit run --sequential` and the budget caps (--max-cost, --max-tokens, --max-calls):
the options, and each run's batch plan (runner/batches.py, compare/sequential_judge.py).

Only click is imported at module level (main.py registers the options on every start).
"""
from __future__ import annotations

import click

from ..errors import UsageError

BATCH_OPTIONS = (
    click.option("--sequential", is_flag=True, envvar="EVALKIT_SEQUENTIAL",
                 help="with --baseline: run the cases in a seeded random order, in batches, "
                 "and stop as soon as an anytime-valid paired test on the primary metric "
                 "decides 'regressed' or 'non-inferior' (the run is stored partial; the "
                 "same command resumes it) (env EVALKIT_SEQUENTIAL)"),
    click.option("--batch-size", "batch_cases", type=click.IntRange(1), default=None,
                 help="cases dispatched at a time with --sequential or a cap [default: the "
                 "suite's budget.batch, else 50]"),
    click.option("--max-cost", type=click.FloatRange(0), default=None, metavar="USD",
                 help="stop dispatching before a batch would pass this cost per run "
                 "(estimated from the calls so far; suite: budget.max_cost)"),
    click.option("--max-tokens", type=click.IntRange(0), default=None, metavar="N",
                 help="stop dispatching before a batch would pass N input + output tokens "
                 "per run (suite: budget.max_tokens)"),
    click.option("--max-calls", type=click.IntRange(0), default=None, metavar="N",
                 help="make at most N model calls per run; cache hits are free (suite: "
                 "budget.max_calls)"),
)


def batch_options(command):
    for option in reversed(BATCH_OPTIONS):
        command = option(command)
    return command


def check_batching(batching: dict, baseline: str | None) -> None:
    if batching.get("sequential") and not baseline:
        raise UsageError("--sequential stops when the comparison with a baseline is decided: "
                         "add --baseline NAME (a baseline name, label or run id)")


def plan_factory(batching: dict, store, baseline_run: str | None):
    """suite -> its BatchPlan (or None) for this invocation's flags."""
    from ..runner.batches import Budget

    budget = Budget(batching.get("max_cost"), batching.get("max_tokens"),
                    batching.get("max_calls"))
    sequential = bool(batching.get("sequential"))

    def plan(suite):
        if not sequential and not budget.given and getattr(suite.spec, "budget", None) is None:
            return None  # the streamed path; the compare package stays unimported (start-up)
        from ..compare.sequential_judge import batch_plan

        return batch_plan(store, suite, baseline_run, sequential=sequential, budget=budget,
                          batch_cases=batching.get("batch_cases"))

    return plan


def stop_line(record: dict) -> str:
    from ..compare.stopping import Stop

    stop = Stop.of(record)
    return stop.summary() if stop is not None else ""
