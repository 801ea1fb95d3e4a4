"""Terminal view of a Diff and its gates: header, what else changed, the metrics table,
operations, repeats, noise floor, the worst regressed cases side by side, the gates.

Everything that comes from runs (outputs, targets, case ids, slice values, labels,
options) is untrusted and goes through safe(); markup here is only our own.
"""
from __future__ import annotations

import json
import math

from rich.markup import escape

from .. import readable
from ..readable import missing, p_value, pp, pp_interval, slice_text
from .render import Styled, number, percent, safe, table
from .slice_view import render_found_slices

STATUS_ORDER = ("pass_to_fail", "fail_to_pass", "still_passing", "still_failing", "new", "removed")
STATUS_WORDS = {"pass_to_fail": "pass→fail", "fail_to_pass": "fail→pass",
                "still_passing": "still passing", "still_failing": "still failing",
                "new": "new", "removed": "removed"}
MEASURE_WORDS = {"cost_total": "cost $ (total)", "cost": "cost $ / result",
                 "latency_p50": "latency p50 (s)", "latency_p95": "latency p95 (s)",
                 "tokens_in": "tokens in / result", "tokens_out": "tokens out / result"}
VERDICT_STYLE = {"regressed": "bold red", "improved": "green"}
GATE_MARK = {"passed": "[green]pass[/]", "failed": "[bold red]FAIL[/]", "skipped": "[dim]skip[/]"}


def run_title(run: dict) -> str:
    label = f" (label {safe(run.label)})" if run.label else ""
    return f"{safe(run.run_id)}{label} {safe(run.model_ref)}"


def value_text(value, stat: str) -> str:
    return percent(value) if stat == "pass_rate" else number(value)


def delta_text(value, stat: str) -> str:
    return (pp(value, none="-") if stat == "pass_rate"
            else readable.number(value, none="-", signed=True))


def interval_text(low, high, stat: str) -> str:
    if missing(low):
        return "-"
    if stat == "pass_rate":
        return Styled(escape(pp_interval(low, high)))
    low, high = (0.0 if abs(x) < 1e-12 else x for x in (low, high))  # float dust of a sum
    return Styled(escape(f"[{low:+.3g}, {high:+.3g}]"))


def target_text(target) -> str:
    """Targets are stored as JSON: show a plain string without its quotes."""
    if missing(target):
        return ""
    try:
        value = json.loads(target)
    except (TypeError, ValueError):
        return str(target)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def verdict_text(row) -> str:
    text = row.verdict
    if text == "no detectable change":
        if missing(row.mde):
            text += " (too few cases to detect any)"
        else:
            mde = pp(row.mde, signed=False) if row.stat != "mean" else readable.number(row.mde, 3)
            text += f" (MDE {mde})"
    style = VERDICT_STYLE.get(row.verdict)
    return Styled(f"[{style}]{text}[/]" if style else text)


METRIC_SUFFIX = {"mean": " (mean)", "error_rate": " (error rate)"}


def metric_rows(diff, metrics=None) -> list[list[str]]:
    """Table rows of `metrics` (default: every row of the diff's metric table)."""
    rows = []
    for r in (diff.metrics if metrics is None else metrics):
        if r.is_duplicate:  # the same numbers as `passed`: said once, below the table
            continue
        name = r.metric + METRIC_SUFFIX.get(r.stat, "") + (" ★" if r.family == "primary" else "")
        where = "" if r.overall else slice_text(r.slice_key, r.slice_value)
        rate = r.stat != "mean"
        flips = "-" if not rate else f"{r.pass_to_fail} / {r.fail_to_pass}"
        p = p_value(r.p_adj, 3, none="-")
        stat = "pass_rate" if rate else r.stat
        rows.append([safe(name), safe(where), str(r.n), value_text(r.baseline, stat),
                     value_text(r.candidate, stat), delta_text(r.delta, stat),
                     interval_text(r.ci_low, r.ci_high, stat), flips, p, verdict_text(r)])
    return rows


def render_header(out, diff) -> None:
    out.print(f"[bold]compare {safe(diff.baseline.suite)}[/]: baseline {run_title(diff.baseline)}"
              f"  →  candidate {run_title(diff.candidate)}")
    cover = diff.coverage
    samples = (int(diff.baseline.samples or 1), int(diff.candidate.samples or 1))
    if cover is not None:
        one_side = ""
        if cover.baseline_only or cover.candidate_only:
            one_side = (f", {len(cover.baseline_only)} baseline only, "
                        f"{len(cover.candidate_only)} candidate only")
        each = (f"{samples[0]} sample(s) each" if samples[0] == samples[1]
                else f"{samples[0]} vs {samples[1]} samples")
        out.print(f"  cases: {cover.paired_cases} paired{one_side} · {each}")
    counts = diff.counts()
    parts = [f"{counts.get(s, 0)} {STATUS_WORDS[s]}" for s in STATUS_ORDER]
    waived = sum(1 for c in diff.cases if c.waived)
    unit = "by sample" if max(samples) > 1 else "by case"
    out.print(f"  {unit}: " + " · ".join(parts) + (f" · {waived} waived" if waived else ""))


def render_manifest(out, diff) -> None:
    manifest = diff.manifest
    besides = manifest[manifest["part"] != "model"]
    if besides.empty:
        out.print("what else changed: nothing besides the model")
        return
    rows = [[safe(r.item) + (" *" if r.strict else ""), safe(r.baseline, 80), safe(r.candidate, 80)]
            for r in besides.itertuples(index=False)]
    out.print(table("what else changed besides the model (* = --strict refuses it)",
                    ["item", "baseline", "candidate"], rows))


def render_metrics(out, diff) -> None:
    if not diff.metrics:
        out.print("no paired results: the runs share no (case, sample)")
        return
    settings = diff.policy.compare
    tests = sum(1 for r in diff.metrics if r.p is not None and not r.is_duplicate)
    title = (f"metrics (n = cases; Δ = candidate − baseline on paired cases; "
             f"{1 - settings.alpha:.0%} CI: Tango score for rates, bootstrap for means; p adjusted "
             f"over {tests} tests, family-wise α {settings.alpha:g}, ★ primary first)")
    out.print(table(title, ["metric", "slice", "n", "baseline", "candidate", "Δ", "CI",
                            "flips ↓ / ↑", "p (adj)", "verdict"], metric_rows(diff)))
    same = sorted({r.metric for r in diff.metrics if r.is_duplicate})
    if same:
        out.print(f"  {safe(', '.join(same))}: pass/fail equals `passed` on every case "
                  "(same rows, counted once)")


def render_operations(out, diff) -> None:
    rows = []
    for r in diff.operations.itertuples(index=False):
        if missing(r.baseline) and missing(r.candidate):
            continue
        change = "-" if missing(r.change) else ("+∞" if r.change == math.inf else f"{r.change:+.1%}")
        rows.append([MEASURE_WORDS.get(r.measure, r.measure), number(r.baseline),
                     number(r.candidate), change])
    out.print(table("operations", ["measure", "baseline", "candidate", "change"], rows))


def render_repeats(out, diff) -> None:
    if diff.repeats.empty:
        return
    rows = [[r["run"], str(r["k"]), str(r["cases"]), percent(r["pass@1"]), percent(r["pass@k"]),
             percent(r["pass^k"]), str(r["flaky"])] for r in diff.repeats.to_dict("records")]
    out.print(table("repeated samples", ["run", "k", "cases", "pass@1", "pass@k", "pass^k",
                                         "flaky cases"], rows))


def render_noise(out, diff) -> None:
    if diff.noise_run is None:
        out.print("[dim]noise floor: no rerun of the baseline's configuration in the store "
                  "(run it again with --no-cache to measure one)[/]")
        return
    row = diff.noise[(diff.noise["metric"] == "passed")]
    cached = diff.noise["rerun_cached"].iloc[0] if len(diff.noise) else None
    if row.empty:
        return
    r = row.iloc[0]
    out.print(f"noise floor (A/A: baseline vs its rerun {safe(diff.noise_run)}): passed Δ "
              f"{delta_text(r['delta'], 'pass_rate')} {interval_text(r['ci_low'], r['ci_high'], 'pass_rate')}"
              f", {r['pass_to_fail']} pass→fail / {r['fail_to_pass']} fail→pass, p {p_value(r['p'], 3)}"
              + (f" · rerun {percent(cached)} cached" if cached else ""))


def _output(text, error) -> str:
    return f"error: {error}" if not missing(error) else ("" if missing(text) else text)


def render_worst(out, diff, limit: int) -> None:
    worst = diff.worst.head(limit)
    if worst.empty:
        return
    rows = [[safe(r.case_id, 60), str(r.sample), STATUS_WORDS.get(r.status, r.status),
             safe(target_text(r.target), 100), safe(_output(r.baseline_output, r.baseline_error), 200),
             safe(_output(r.candidate_output, r.candidate_error), 200),
             "" if missing(r.why) else safe(r.why, 200)]
            for r in worst.itertuples(index=False)]
    out.print(table(f"worst regressed cases (up to {limit})", ["case", "sample", "status",
                    "target", "baseline output", "candidate output", "why (candidate)"], rows))


def render_adjudications(out, diff) -> None:
    """The pass→fail flips people adjudicated (evalkit review import), and by whom."""
    marks = getattr(diff, "adjudications", None)
    if marks is None or marks.empty:
        return
    rows = [[safe(r.case_id, 60), str(r.sample), safe(r.decision), safe(r.reviewer, 60),
             "" if missing(r.reason) else safe(r.reason, 200),
             "" if missing(r.expires) else str(r.expires)[:10]]
            for r in marks.itertuples(index=False)]
    out.print(table("adjudicated flips", ["case", "sample", "decision", "by", "reason",
                                          "waived until"], rows))


def render_gates(out, report) -> None:
    if not report.results:
        out.print("  (the suite has no gates)")
        return
    for result in report.results:
        out.print(f"  {GATE_MARK[result.status]}  {safe(result.gate)}: {safe(result.reason, 400)}")
    failed = len(report.failed)
    out.print(f"[bold red]{failed} gate(s) failed[/]" if failed else "[green]all gates passed[/]")


def render_diff(out, diff, report, cases: int = 10, details: bool = True) -> None:
    if not details:  # `evalkit compare` without --details
        from .compare_compact import render_compact

        render_compact(out, diff, report, cases)
        return
    render_header(out, diff)
    render_manifest(out, diff)
    render_metrics(out, diff)
    render_found_slices(out, diff)
    render_operations(out, diff)
    render_repeats(out, diff)
    render_noise(out, diff)
    render_worst(out, diff, cases)
    render_adjudications(out, diff)
    out.print("[bold]gates[/]")
    render_gates(out, report)
