"""The report's human review section: agreement per human rubric (reviewers with each other,
humans with the LLM judge, with the confusion table) and the flips people adjudicated.
None when the runs have neither: the section is left out."""
from __future__ import annotations

from typing import Any

from ..compare.human_agreement import rubric_agreement
from ..store import Store
from .inputs import ReportInput


def human_review(store: Store, inp: ReportInput) -> dict[str, Any] | None:
    run_ids = [inp.run.run_id] + ([inp.baseline.run_id] if inp.baseline else [])
    rubrics = rubric_agreement(store, run_ids)
    marks = getattr(inp.diff, "adjudications", None) if inp.diff is not None else None
    rows = [] if marks is None or marks.empty else [
        {"case": r.case_id, "sample": int(r.sample), "decision": r.decision,
         "reviewer": r.reviewer, "reason": r.reason or "",
         "expires": None if r.expires is None or r.expires != r.expires else str(r.expires)[:10],
         "golden_applied": bool(r.golden_applied),
         "same_runs": (r.baseline_run, r.candidate_run) == (inp.baseline.run_id,
                                                             inp.run.run_id)}
        for r in marks.itertuples(index=False)]
    if not rubrics and not rows:
        return None
    return {"rubrics": rubrics, "adjudications": rows}
