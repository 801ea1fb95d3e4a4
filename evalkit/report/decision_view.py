"""Two parts of the report's verdict section: the power plan (compare/plan.py: the MDE of
the suite from its stored noise and the cases a 2-point MDE needs, as `evalkit plan` says
it) and the undeclared slices where the candidate got worse (compare/slice_search.py)."""
from __future__ import annotations

from ..compare.plan import Plan, count_text, plan_suite, pp_text
from ..errors import EvalkitError
from .inputs import ReportInput

TARGET_MDE, POWER = 0.02, 0.8  # `evalkit plan`'s defaults


def plan_for(store, inp: ReportInput) -> Plan | None:
    """The plan from the suite's stored noise (the baseline's A/A rerun first); None when
    there is none to plan from."""
    run = inp.baseline or inp.run
    try:
        return plan_suite(store, run.suite, inp.policy, list(run.slices or []),
                          target=TARGET_MDE, power=POWER,
                          baseline=run.run_id if inp.baseline else None)
    except EvalkitError:
        return None


def plan_view(store, inp: ReportInput) -> dict | None:
    plan = plan_for(store, inp)
    if plan is None:
        return None
    rows = [{"metric": r.metric, "slice": None if r.slice_key is None else
             f"{r.slice_key}={r.slice_value}", "n": r.n, "mde": pp_text(r.mde),
             "needed": count_text(r.cases_needed)} for r in plan.rows]
    return {"sentences": plan.sentences(), "rows": rows, "target": pp_text(plan.target),
            "power": f"{plan.power:.0%}"}


def found_slices_view(inp: ReportInput) -> dict | None:
    search = inp.diff.slice_search if inp.diff is not None else None
    if search is None or not search.searched:
        return None
    return {"searched": search.searched, "q": search.q, "floor": search.floor,
            "metric": search.metric,
            "found": [{"where": f.where, "n": f.n, "baseline": f.baseline,
                       "candidate": f.candidate, "delta": f.delta, "rest": f.rest_delta,
                       "q": f.q, "sentence": f.sentence(search.searched)}
                      for f in search.found]}


def markdown_lines(store, inp: ReportInput, md_text) -> list[str]:
    """The same two parts for the Markdown summary."""
    r = inp.redact
    lines = []
    plan = plan_view(store, inp)
    if plan is not None:
        lines += [f"- {md_text(r(s), 500)}" for s in plan["sentences"]]
    found = found_slices_view(inp)
    if found is not None:
        if found["found"]:
            lines += [f"- ❌ {md_text(r(f['sentence']), 500)}" for f in found["found"]]
        else:
            lines.append(f"- no undeclared slice where the candidate is significantly worse "
                         f"({found['searched']} searched, family-wise α {found['q']:g})")
    return lines
