"""The one entry point for gates: `evaluate_gates` on a comparison or on one stored run.

The CLI (`run`, `compare`, `baseline set`), the reports and the pytest plugin all come
here, so the policy, the day waivers are checked against and the metric values the gates
read are chosen in one place. `check_run` / `check_diff` (evaluate.py) stay the pure
evaluators underneath.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from ..compare.diff import Diff, today_utc
from ..compare.run_metrics import MetricValue, run_values
from ..suite.gate_spec import Policy
from .evaluate import GateReport, check_diff, check_run

if TYPE_CHECKING:
    from ..store import Store


@dataclass(frozen=True)
class GateCheck:
    """Gates evaluated, with what they were evaluated on."""

    report: GateReport
    values: tuple[MetricValue, ...]  # the candidate's (or the run's) metrics, waivers applied
    policy: Policy
    today: date  # the day waivers were checked against
    diff: Diff | None = None  # None: gates of a run alone (relative gates are skipped)

    def each_gate(self) -> list[GateReport]:
        """Each gate on its own, expired waivers left out (pytest: one item per gate)."""
        reports = []
        for gate in self.policy.gates:
            alone = self.policy.model_copy(update={"gates": [gate], "waivers": []})
            reports.append(check_diff(replace(self.diff, policy=alone)) if self.diff is not None
                           else check_run(self.values, alone, self.today))
        return reports


def evaluate_gates(store: Store | None = None, run_id: str | None = None, *,
                   diff: Diff | None = None, policy: Policy | None = None,
                   today: date | None = None, strict: bool = False) -> GateCheck:
    """Gates on `diff` (absolute ones on its candidate, the rest on the comparison; `strict`
    adds "nothing changed besides the model"), or on the stored run `run_id` alone under
    `policy` (default: the policy stored with the run)."""
    if diff is not None:
        return GateCheck(check_diff(diff, strict=strict), diff.candidate_values, diff.policy,
                         diff.today, diff)
    if store is None or run_id is None:
        raise TypeError("evaluate_gates needs a diff, or a store and a run id")
    run = store.run(run_id)
    policy = policy if policy is not None else Policy.model_validate(run.gates or {})
    today = today or today_utc()
    values = tuple(run_values(store, run_id, run.slices or [],
                              policy.active_waivers(today)))
    return GateCheck(check_run(values, policy, today), values, policy, today)
