"""What a run's model calls have cost so far, read back when a batched run resumes
(runner/batches.py keeps the running total from there)."""
from __future__ import annotations

from .store import Store

SPENT = ("SELECT count(*), coalesce(sum(cost_usd), 0), coalesce(sum(coalesce(tokens_in, 0) "
         "+ coalesce(tokens_out, 0)), 0), count(cost_usd), count(*) FILTER (WHERE tokens_in "
         "IS NOT NULL OR tokens_out IS NOT NULL) FROM results WHERE run_id = ? AND NOT "
         "coalesce(cached, false)")


def spent(store: Store, run_id: str) -> tuple[int, float, int, int, int]:
    """(calls, cost, tokens, calls that reported a cost, calls that reported tokens) of the
    run's stored results, cache hits excluded."""
    (calls, cost, tokens, priced, counted), = store._query(SPENT, [run_id])
    return int(calls), float(cost), int(tokens), int(priced), int(counted)
