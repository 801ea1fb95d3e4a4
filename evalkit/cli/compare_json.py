"""The `evalkit compare --json` document: the answer, each suite's comparison (metrics,
gates, case counts) and the files written, with the exit code the command returns."""
from __future__ import annotations

from .json_output import emit, records, untrusted

METRIC_FIELDS = {c: c for c in ("metric", "stat", "slice_key", "slice_value", "n", "samples",
                                "baseline", "candidate", "delta", "ci_low", "ci_high",
                                "pass_to_fail", "fail_to_pass", "p", "p_adj", "family",
                                "verdict")}


def _verdict(verdict) -> dict:
    return {"answer": verdict.answer, "headline": verdict.headline,
            "reasons": [untrusted(r) for r in verdict.reasons]}


def comparison(item) -> dict:
    diff = item.diff
    return {"suite": item.run.suite, "baseline_run": diff.baseline_id,
            "candidate_run": diff.candidate_id,
            "baseline_label": diff.baseline.label,
            "candidate_label": diff.candidate.label,
            **_verdict(item.verdict),
            "cases": diff.counts(),
            "metrics": records(diff.metrics, METRIC_FIELDS),
            "gates": [{"gate": g.gate, "status": g.status, "reason": untrusted(g.reason)}
                      for g in item.gates.results]}


def emit_compare(report_set, written, exit_code: int) -> None:
    emit("compare", {**_verdict(report_set.verdict), "exit_code": exit_code,
                     "comparisons": [comparison(item) for item in report_set.items],
                     "unpaired": [untrusted(u) for u in report_set.unpaired],
                     "files": [{"kind": what, "path": str(path)} for what, path in written]})
