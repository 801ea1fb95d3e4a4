"""`comparison_made`: the answer of one comparison, told to the log and to the hooks."""
from __future__ import annotations

from .. import hooks
from ..log import get_logger
from ..redact import redact

log = get_logger(__name__)
FIELDS = ("metric", "stat", "n", "baseline", "candidate", "delta", "ci_low", "ci_high",
          "pass_to_fail", "fail_to_pass", "p_adj", "verdict")


def announce(diff, swap) -> None:
    suite = diff.candidate.suite
    log.info("compared %s → %s (suite %s): safe to swap: %s", diff.baseline_id,
             diff.candidate_id, suite, swap.answer)
    if not hooks.wants("comparison_made"):
        return
    rows = tuple({f: getattr(r, f) for f in FIELDS} for r in diff.metrics if r.overall)
    hooks.emit("comparison_made", hooks.ComparisonMade(
        suite=suite, baseline_run=diff.baseline_id, candidate_run=diff.candidate_id,
        answer=swap.answer, reasons=tuple(redact(r) for r in swap.reasons), metrics=rows))
