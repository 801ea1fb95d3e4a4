"""The compact terminal view of a comparison (`evalkit compare` without --details): per suite
the pairing, what else changed on one line, the primary metric rows and every regressed row,
the worst cases and the gates that failed. Three suites stay within a screen or two;
--details prints every slice row, operations, repeats and the noise floor.

Untrusted values go through safe(), as in compare_view.
"""
from __future__ import annotations

from .compare_view import metric_rows, render_adjudications, render_header, render_worst
from .render import safe, table
from .slice_view import render_found_slices

CHANGES_SHOWN = 4


def _changes(diff) -> str:
    """One plain line (printed without markup): untrusted values through plain()."""
    manifest = diff.manifest
    besides = manifest[manifest["part"] != "model"]
    if besides.empty:
        return "what else changed: nothing besides the model"
    parts = [f"{r.item}{' *' if r.strict else ''} {r.baseline} → {r.candidate}"
             for r in besides.head(CHANGES_SHOWN).itertuples(index=False)]
    more = len(besides) - CHANGES_SHOWN
    return ("what else changed: " + "; ".join(safe(p, 60) for p in parts)
            + (f"; and {more} more (--details)" if more > 0 else ""))


def _shown_metrics(diff):
    """The primary rows (overall) and any row, slice or not, whose verdict is regressed."""
    return tuple(r for r in diff.metrics
                 if (r.overall and r.family == "primary") or r.verdict == "regressed")


def render_compact(out, diff, report, cases: int = 10) -> None:
    render_header(out, diff)
    out.print(_changes(diff), markup=False, soft_wrap=True)
    shown = _shown_metrics(diff)
    if not diff.metrics:
        out.print("no paired results: the runs share no (case, sample)")
    else:
        rows = metric_rows(diff, shown)
        out.print(table("primary metrics, and every regressed row (★ primary)",
                        ["metric", "slice", "n", "baseline", "candidate", "Δ", "CI",
                         "flips ↓ / ↑", "p (adj)", "verdict"], rows))
        hidden = sum(1 for r in diff.metrics if not r.is_duplicate) - len(rows)
        if hidden:
            out.print(f"  {hidden} more metric row(s), slices and operations: --details",
                      markup=False)
    render_found_slices(out, diff)  # undeclared slices that broke: part of the short story
    render_worst(out, diff, cases)
    render_adjudications(out, diff)  # who decided which flips: part of the short story
    _gates(out, report)


def _gates(out, report) -> None:
    if not report.results:
        return
    failed = report.failed
    for result in failed:
        out.print(f"  [bold red]FAIL[/]  {safe(result.gate)}: {safe(result.reason, 300)}")
    passed = sum(r.status == "passed" for r in report.results)
    skipped = len(report.results) - passed - len(failed)
    tail = f" ({skipped} skipped)" if skipped else ""
    out.print(f"[bold red]{len(failed)} gate(s) failed[/], {passed} passed{tail}" if failed
              else f"[green]all gates passed[/]{tail}")
