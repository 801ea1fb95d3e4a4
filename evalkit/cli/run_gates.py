"""Gates right after `evalkit run`: absolute gates on every run, and with --baseline NAME a
comparison of each run against that baseline and the swap answer. Exit 1 when a gate fails
or the answer is "no" (--fail-on).

Imported only when a suite has gates or waivers, or --baseline is given, so plain runs
stay free of pandas and rich.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import EXIT_GATE_FAILED, EXIT_OK, UsageError
from ..store import Store


def needs_gates(suites: Sequence, baseline: str | None) -> bool:
    return baseline is not None or any(s.spec.gates or s.spec.waivers for s in suites)


def resolve_baseline(store: Store, baseline: str, suites: Sequence) -> str:
    """The baseline's run id, checked before any model is called."""
    from ..store.run_refs import resolve_run

    run_id = resolve_run(store, baseline)
    suite_name = store.run(run_id).suite
    others = sorted({s.name for s in suites if s.name != suite_name})
    if others:
        raise UsageError(f"--baseline {baseline} is a run of suite '{suite_name}'; it cannot "
                         f"be compared with suite(s) {', '.join(others)}")
    return run_id


def gate_runs(store: Store, summaries: Sequence, suites: Sequence,
              baseline_run: str | None, *, allow_subset: bool | None = None,
              fail_on: str = "no") -> int:
    from ..compare import compare
    from ..gates import evaluate_gates
    from ..report.swap_answer import for_diff
    from ..suite.gate_spec import Policy
    from .compare_commands import answer_fails
    from .compare_view import render_diff, render_gates
    from .render import console, safe
    from .report_command import print_verdict

    out = console()
    policies = {s.name: Policy.of(s.spec) for s in suites}
    failed = False
    for summary in summaries:
        policy = policies[summary.suite]
        if baseline_run is not None:
            diff = compare(store, baseline_run, summary.run_id, policy=policy,
                           allow_subset=allow_subset)
            report = evaluate_gates(diff=diff).report
            render_diff(out, diff, report)
            verdict = for_diff(diff, report)
            print_verdict(out, verdict)
            failed = failed or answer_fails(verdict.answer, fail_on)
        else:
            report = evaluate_gates(store, summary.run_id, policy=policy).report
            out.print(f"[bold]gates[/] of run {safe(summary.run_id)} ({safe(summary.suite)})")
            render_gates(out, report)
        failed = failed or not report.ok
    return EXIT_GATE_FAILED if failed else EXIT_OK
