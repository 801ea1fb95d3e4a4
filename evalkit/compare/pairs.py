"""Pair the runs of two references suite by suite.

A label often names several runs — one per suite (`evalkit run suites/*.yaml --label v2`):
then each suite's latest run with the label is paired with the other side's run of the same
suite. A run id, a baseline name or an id prefix names one run.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import UsageError
from ..store import Store
from .baselines import EXPLICIT, current, resolve

LATEST_BY_SUITE = """
SELECT suite, arg_max(run_id, started_at) FROM runs WHERE label = ? GROUP BY suite ORDER BY suite
"""


@dataclass(frozen=True)
class RunPairs:
    pairs: tuple[tuple[str, str, str], ...]  # (suite, baseline run, candidate run)
    only_baseline: tuple[tuple[str, str], ...]  # (suite, run) with no candidate run
    only_candidate: tuple[tuple[str, str], ...]

    def unpaired(self) -> tuple[str, ...]:
        """The suites run on one side only, in words."""
        return (tuple(f"suite {s} was run by the baseline only ({r})" for s, r in self.only_baseline)
                + tuple(f"suite {s} was run by the candidate only ({r})"
                        for s, r in self.only_candidate))


def runs_by_suite(store: Store, ref: str) -> dict[str, str]:
    """suite → run id for what `ref` names."""
    single = (ref.startswith(EXPLICIT) or store.query("SELECT 1 FROM runs WHERE run_id = ?", [ref])
              or current(store, ref) is not None)
    if not single:
        labelled = store.query(LATEST_BY_SUITE, [ref])
        if labelled:
            return {suite: run_id for suite, run_id in labelled}
    run_id = resolve(store, ref)
    return {store.run(run_id).suite: run_id}


def pair_runs(store: Store, baseline: str, candidate: str) -> RunPairs:
    base, cand = runs_by_suite(store, baseline), runs_by_suite(store, candidate)
    if len(base) == 1 and len(cand) == 1:  # one run each: compare() explains a suite mismatch
        (b_run,), ((c_suite, c_run),) = base.values(), cand.items()
        return RunPairs(((c_suite, b_run, c_run),), (), ())
    common = [s for s in cand if s in base]
    if not common:
        raise UsageError(f"'{baseline}' has runs of suite(s) {', '.join(sorted(base))} and "
                         f"'{candidate}' of {', '.join(sorted(cand))}: no suite in common")
    return RunPairs(tuple((s, base[s], cand[s]) for s in common),
                    tuple((s, r) for s, r in base.items() if s not in cand),
                    tuple((s, r) for s, r in cand.items() if s not in base))
