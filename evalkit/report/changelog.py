"""The model-swap changelog of a named baseline: every promotion and rollback, newest first,
with why, who, and what each promotion changed against the run it replaced.

    summarize(store, previous, run_id) -> dict    stored with `evalkit baseline set`
    entries(store, name) -> list[Entry]           the history, newest first
    render_markdown(name, entries, redact) / render_html(name, entries, redact)

A summary is computed once, when the baseline is set (the comparison then is the record,
even if the runs' suite or gates change later), and stored as JSON on the baseline row
(migration 6).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from ..compare import baselines
from ..compare.manifest import MODEL, SETUP
from ..compare.rows import CaseTransition
from ..compare.verdicts import PRIMARY, records
from ..errors import UsageError
from ..gates.evaluate import delta_text, where
from ..store import Store, reads, report_reads
from .headline import finite, for_input, metric_name
from .inputs import prepare
from .redaction import Redactor

IDS_KEPT = 20  # case ids kept per list (broke / fixed)
DELTAS_KEPT = 8
ACTIONS = {"set": "promoted", "rollback": "rolled back"}


def _brief(store: Store, run_id: str) -> dict:
    run = store.run(run_id)
    rate, n = reads.pass_rate_and_count(store, run_id)
    return {"run_id": run_id, "label": run.label, "model": run.model_ref,
            "suite": run.suite, "pass_rate": finite(rate), "results": int(n),
            "started_at": str(run.started_at)[:19]}


def summarize(store: Store, previous: str | None, run_id: str, *,
              today: date | None = None) -> dict:
    """What pointing a baseline at `run_id` changes, against `previous` (the run it
    pointed at; None for a new baseline): the swap answer, key deltas, flips, waivers used
    and what else changed."""
    summary: dict = {"run": _brief(store, run_id)}
    if previous is None:
        return {**summary, "first": True}
    summary["previous"] = _brief(store, previous)
    if previous == run_id:
        return {**summary, "same_run": True}
    try:
        inp = prepare(store, run_id, previous, today=today)
    except UsageError as exc:  # e.g. runs of two suites: recorded, not compared
        return {**summary, "not_compared": str(exc)}
    diff = inp.diff
    headline = for_input(inp, records(diff.operations))
    overall = [r for r in diff.metrics if r.overall and not r.is_duplicate and r.stat != "mean"]
    overall.sort(key=lambda r: (r.family != PRIMARY, r.metric != "passed"))
    counted = [c for c in diff.cases if not c.waived]
    return {
        **summary,
        "answer": inp.verdict.answer,
        "sentence": headline.sentence.text,
        "reasons": list(inp.verdict.reasons[:6]),
        "metrics": [f.text for f in headline.metrics],
        "tally": vars(headline.tally) if headline.tally else None,
        "deltas": [{"metric": metric_name(r), "where": where(r),
                    "baseline": finite(r.baseline),
                    "candidate": finite(r.candidate), "change": delta_text(r),
                    "verdict": r.verdict} for r in overall[:DELTAS_KEPT]],
        "broke": _ids(counted, "pass_to_fail"),
        "fixed": _ids(counted, "fail_to_pass"),
        "worst_slice": headline.worst_slice.text if headline.worst_slice else None,
        "cost": headline.cost.text if headline.cost else None,
        "latency": headline.latency.text if headline.latency else None,
        "waivers": _waivers_used(diff),
        "changed": [{"item": r["item"], "before": r["baseline"], "after": r["candidate"],
                     "part": r["part"]} for r in records(diff.manifest)
                    if r["part"] in (MODEL, SETUP)],
    }


def _ids(cases: list[CaseTransition], status: str) -> list[str]:
    return sorted({c.case_id for c in cases if c.status == status})[:IDS_KEPT]


def _waivers_used(diff) -> list[dict]:
    """The waivers in force whose case is in this comparison (so left out of the numbers
    of its metric, or of all of them)."""
    counts = Counter(c.case_id for c in diff.cases)
    return [{"case": w.case, "metric": w.metric or "all metrics", "reason": w.reason,
             "expires": w.expires.isoformat(), "results": int(counts.get(w.case, 0))}
            for w in diff.policy.active_waivers(diff.today) if counts.get(w.case)]


@dataclass(frozen=True)
class Entry:
    seq: int
    action: str  # set | rollback
    run_id: str  # where the baseline points after this change
    before: str | None  # where it pointed before
    at: str  # UTC, to the second
    by: str | None
    why: str | None
    summary: dict
    labels: dict  # run id -> label, for the runs this entry names
    current: bool  # the newest change: where the baseline points now
    undone: bool  # a later rollback went back past this promotion

    def name(self, run_id: str | None) -> str:
        """'v2 (run ID)', or 'run ID' for a run without a label."""
        if run_id is None:
            return "nothing"
        label = self.labels.get(run_id)
        return f"{label} (run {run_id})" if label else f"run {run_id}"

    @property
    def title(self) -> str:
        """One line: what the change did."""
        if self.action == "rollback":
            return f"rolled back to {self.name(self.run_id)} from {self.name(self.before)}"
        if self.before is None:
            return f"first baseline: {self.name(self.run_id)}"
        if self.before == self.run_id:
            return f"set again to {self.name(self.run_id)}"
        return f"promoted {self.name(self.run_id)}, replacing {self.name(self.before)}"


def entries(store: Store, name: str) -> list[Entry]:
    """The baseline's history as changelog entries, newest first."""
    events = baselines.history(store, name)
    if not events:
        raise UsageError(f"no baseline '{name}'" + baselines.known_text(store))
    labels = report_reads.baseline_run_labels(store, name)
    stack: list[tuple[int, str]] = []  # (seq of the promotion, run)
    undone: set[int] = set()
    found = []
    for event in events:
        before = stack[-1][1] if stack else None
        if event.action == "rollback":
            if stack:
                undone.add(stack.pop()[0])
        else:
            stack.append((event.seq, event.run_id))
        why = event.note
        if event.action == "rollback" and why == f"rolled back from {before}":
            why = None  # the default note only repeats `before`
        found.append((event, before, why))
    last = len(found) - 1
    return [Entry(seq=e.seq, action=e.action, run_id=e.run_id, before=before,
                  at=str(e.set_at)[:19], by=e.by, why=why, summary=e.summary,
                  labels={k: v for k, v in labels.items() if v and k in (e.run_id, before)},
                  current=i == last, undone=e.seq in undone)
            for i, (e, before, why) in reversed(list(enumerate(found)))]


def render_markdown(name: str, found: list[Entry], redact: Redactor | None = None) -> str:
    from .changelog_render import markdown

    return markdown(name, found, redact or Redactor())


def render_html(name: str, found: list[Entry], redact: Redactor | None = None) -> str:
    from .changelog_render import html

    return html(name, found, redact or Redactor())
