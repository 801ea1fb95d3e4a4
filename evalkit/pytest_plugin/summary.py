"""End of session: the HTML report(s) and the terminal summary (metrics, deltas, goldens)."""
from __future__ import annotations

from ..readable import percent, pp
from .execution import SessionState


def write_reports(state: SessionState) -> None:
    """Write one HTML report of every run of the session (after the runs closed the DB):
    each suite's comparison with its baseline (or its run alone), one overall answer."""
    path = state.settings.report
    ran = [o for o in state.outcomes.values() if o.run_id]
    if path is None or not ran:
        return
    try:
        from ..report import prepare
        from ..report.html import write_html
        from ..report.inputs import ReportSet
        from ..store import Store

        with Store(state.settings.db, read_only=True) as store:
            report = ReportSet.of(prepare(store, o.run_id, o.baseline_run)
                                  for o in sorted(ran, key=lambda o: o.suite))
            write_html(store, report, path)
        state.report_paths = [path]
    except Exception as exc:  # the tests ran; a report failure is said, not raised
        state.report_error = f"{type(exc).__name__}: {exc}"


def _pct(value) -> str:
    return percent(value, none="-")


def _delta(value) -> str:
    return pp(value, none="-")


def lines(state: SessionState) -> list[str]:
    out: list[str] = []
    outcomes = sorted(state.outcomes.values(), key=lambda o: (o.suite, o.path))
    for outcome in outcomes:
        if outcome.error is not None:
            first = outcome.error.strip().splitlines()[-1] if outcome.error.strip() else ""
            out.append(f"{outcome.suite}: run failed: {first}")
            continue
        counts = outcome.counts
        head = (f"{outcome.suite} · {outcome.model} · run {outcome.run_id}: "
                f"{counts.passed}/{counts.results} passed")
        if counts.errors:
            head += f", {counts.errors} errors"
        if counts.cached:
            head += f", {counts.cached} cached"
        out.append(head)
        compare = outcome.baseline_run is not None
        if compare:
            out.append(f"  vs baseline {outcome.baseline_run}")
        elif outcome.baseline_error:
            out.append(f"  baseline: {outcome.baseline_error.splitlines()[0]}")
        rows = outcome.metrics
        width = max([len(r.metric) for r in rows] + [6])
        header = f"  {'metric':<{width}}  {'n':>5}  {'pass':>7}"
        if compare:
            header += f"  {'baseline':>8}  {'delta':>9}  verdict"
        out.append(header)
        for row in rows:
            text = f"  {row.metric:<{width}}  {row.n:>5}  {_pct(row.candidate):>7}"
            if compare:
                verdict = f"(as {row.same_as})" if row.same_as else row.verdict or ""
                text += f"  {_pct(row.baseline):>8}  {_delta(row.delta):>9}  {verdict}"
            out.append(text)
    golden = [o.golden_counts for o in outcomes if o.golden_counts is not None]
    if golden:
        totals = {k: sum(g.get(k, 0) for g in golden) for k in ("added", "changed", "unchanged")}
        out.append(f"golden answers: {totals['added']} added, {totals['changed']} changed, "
                   f"{totals['unchanged']} unchanged")
    for path in state.report_paths:
        out.append(f"HTML report: {path}")
    if state.report_error:
        out.append(f"HTML report not written: {state.report_error}")
    if outcomes:
        out.append(f"results stored in {state.settings.db}")
    return out
