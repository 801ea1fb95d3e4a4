"""The self-contained HTML report of a run or a comparison: one file, no request of any kind.

    render_html(store, inp) -> str      the whole page
    write_html(store, inp, path) -> Path

Jinja2 templates with autoescape on, and a `finalize` hook that passes every printed value
through the report's Redactor (model text, case ids, options, errors and explanations are
untrusted). Markup built here (charts, word diffs) is built from redacted, escaped text.
CSS and JavaScript are inlined; a Content-Security-Policy meta tag allows only the page's
own script (by its sha256), inline styles and data: images, so even a missed escape could
neither run a script nor load anything. Cases travel as one JSON blob that the script
renders a page at a time.
"""
from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..compare.operations import operations as run_operations
from ..gates.evaluate import SKIPPED
from ..store import RunRecord, Store
from ..suite.gate_spec import OVERALL_METRIC
from . import cases as case_data
from . import charts, clipping, decision_view, page_top, trend, word_diff
from .distributions import distribution_section
from .files import write_atomic
from .formatting import (
    OPERATION_LABELS,
    fmt_change,
    fmt_measure,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_pp,
    missing,
)
from .headline import answer_sentence
from .human_section import human_review
from .inputs import ReportInput, ReportSet, as_set

FLIPS_SHOWN = 50  # regressions listed in the flips section (improvements: half as many)
MAX_SLICE_VALUES = 40  # values of one slice key in its chart
PAGE_SIZE = 50
def _finalize_factory():
    from jinja2 import pass_context

    @pass_context
    def finalize(context, value):
        """Every printed value: redacted when it is text (Markup is built from redacted
        text already), None as empty."""
        if value is None:
            return ""
        if isinstance(value, Markup):
            return value
        if isinstance(value, str):
            redact = context.get("redact")
            if redact is None:  # fail closed: a template without the redactor prints nothing
                raise RuntimeError("report template rendered without its redactor")
            return redact(value)
        return value

    return finalize


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("evalkit.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, finalize=_finalize_factory(),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=fmt_pct, pp=fmt_pp, num=fmt_num, pval=fmt_p, change=fmt_change,
                       measure=fmt_measure)
    return env


@lru_cache(maxsize=4)
def static_text(name: str) -> str:
    return (resources.files("evalkit.report") / "static" / name).read_text(encoding="utf-8")


def script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def content_security_policy(script: str) -> str:
    return ("default-src 'none'; "
            f"script-src '{script_hash(script)}'; "
            "style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'; "
            "media-src 'none'; object-src 'none'; frame-src 'none'; worker-src 'none'; "
            "base-uri 'none'; form-action 'none'")


# -- sections -------------------------------------------------------------------------
def _provenance(run: RunRecord, redact) -> list[tuple[str, Any]]:
    prov = run.provenance or {}
    git = prov.get("git") or {}
    commit = git.get("commit")
    if commit:
        commit = commit[:12] + (" (dirty)" if git.get("dirty") else "")
    options = run.options or {}
    generation = options.get("generation") or {}
    return [
        ("run id", run.run_id), ("suite", run.suite),
        ("model", run.model_ref), ("label", run.label),
        ("backend", run.backend),
        ("fingerprint", (run.fingerprint or "")[:16] or None),
        ("started at (UTC)", _time(run.started_at)),
        ("finished at (UTC)", _time(run.finished_at)),
        ("status", run.status), ("cases", run.n_cases),
        ("samples", run.samples), ("seed", run.seed),
        ("generation options", ", ".join(f"{k}={v}" for k, v in sorted(generation.items()))
         or None),
        ("evalkit version", prov.get("evalkit_version")), ("git commit", commit),
        ("python", prov.get("python")), ("platform", prov.get("platform")),
    ]


def _time(value: Any) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else str(value)


def _records(frame) -> list[dict]:
    if frame is None or len(frame) == 0:
        return []
    rows = frame.to_dict("records")
    for row in rows:
        for key, value in row.items():
            if value is not None and not isinstance(value, (str, bool)) and missing(value):
                row[key] = None
    return rows


def _metric_rows(inp: ReportInput) -> list:
    """The metrics table's rows: a Diff's MetricRows, or a run's values."""
    if inp.diff is None:
        return [{"metric": v.metric, "stat": v.stat, "slice_key": v.slice_key,
                 "slice_value": v.slice_value, "n": v.n, "value": v.value,
                 "overall": v.slice_key is None} for v in inp.values]
    return list(inp.diff.metrics)


def _parity(inp: ReportInput, redact) -> list[dict]:
    """Per slice key: pass rate (`passed`) per value, both runs, the gap, and a chart."""
    keys = list(inp.run.slices or [])
    found = []
    for key in keys:
        if inp.diff is not None:
            entries = [(r.slice_value, r.baseline, r.candidate, r.n, r.verdict)
                       for r in inp.diff.rows_of(OVERALL_METRIC, "pass_rate", key)]
        else:
            entries = [(v.slice_value, None, v.value, v.n, None) for v in inp.values
                       if v.metric == OVERALL_METRIC and v.stat == "pass_rate"
                       and v.slice_key == key]
        if not entries:
            found.append({"key": key, "chart": None, "gaps": [], "values": [],
                          "hidden": 0})
            continue
        shown = sorted(entries, key=lambda e: (-e[3], str(e[0])))[:MAX_SLICE_VALUES]
        shown.sort(key=lambda e: str(e[0]))
        gaps = []
        for side, index in ((("baseline", 1),) if inp.diff is not None else ()) + (
                ("candidate" if inp.diff is not None else "run", 2),):
            valued = [e for e in entries if not missing(e[index])]
            if len(valued) >= 2:
                best = max(valued, key=lambda e: e[index])
                worst = min(valued, key=lambda e: e[index])
                gaps.append({"run": side, "gap": best[index] - worst[index],
                             "best": redact(str(best[0])), "best_rate": best[index],
                             "worst": redact(str(worst[0])), "worst_rate": worst[index]})
        chart = charts.slice_parity(
            redact(key), [redact(str(e[0])) for e in shown],
            [e[1] for e in shown] if inp.diff is not None else None,
            [e[2] for e in shown], [e[3] for e in shown])
        found.append({"key": key, "chart": chart, "gaps": gaps, "hidden":
                      len(entries) - len(shown),
                      "values": [{"value": e[0], "baseline": e[1], "candidate": e[2],
                                  "n": e[3], "verdict": e[4]} for e in shown]})
    return found


def _flips(data: case_data.CaseData) -> dict:
    """The flips ranked by impact (the records are in that order already)."""
    def pick(status: str, limit: int) -> tuple[list[dict], int]:
        chosen = [r for r in data.rows if r["s"] == status and not r.get("w")]
        return [_flip_view(r, data) for r in chosen[:limit]], len(chosen)

    regressions, n_regressions = pick("pass_to_fail", FLIPS_SHOWN)
    improvements, n_improvements = pick("fail_to_pass", FLIPS_SHOWN // 2)
    return {"regressions": regressions, "n_regressions": n_regressions,
            "improvements": improvements, "n_improvements": n_improvements}


def _flip_view(record: dict, data: case_data.CaseData) -> dict:
    outputs, scorers = data.outputs(record), data.meta["scorers"]
    left, right = word_diff.side_by_side(outputs[0], outputs[1])
    shown = outputs[1] if outputs[1] is not None else (record.get("e") or [None, None])[1]
    snippet = " ".join((shown or "").split())
    return {"id": record["i"], "sample": record.get("n", 0), "delta": record.get("d", 0.0),
            "snippet": snippet if len(snippet) <= 90 else snippet[:89] + "…",
            "target": record.get("t"), "errors": record.get("e") or [None, None],
            "left": left, "right": right,
            "scores": [{"scorer": scorers[c[0]], "status": c[1],
                        "values": c[2] or [None, None], "passed": c[3],
                        "explanations": [data.text(t) for t in c[4]]}
                       for c in record.get("c", [])]}


def _operations(store: Store, inp: ReportInput) -> dict:
    if inp.diff is not None:
        rows = _records(inp.diff.operations)
    else:
        run_id = inp.run.run_id
        rows = _records(run_operations(store, run_id, run_id))
        for row in rows:
            row["baseline"] = row["delta"] = row["change"] = None
    compare = inp.diff is not None
    by_name = {r["measure"]: r for r in rows}
    for row in rows:
        row["label"], row["kind"] = OPERATION_LABELS.get(row["measure"], (row["measure"], "num"))
    panels = []
    for title, measures in (("latency (s)", ("latency_p50", "latency_p95")),
                            ("tokens per result", ("tokens_in", "tokens_out")),
                            ("cost per result (USD)", ("cost",))):
        present = [m for m in measures if m in by_name]
        cand = [by_name[m]["candidate"] for m in present]
        base = [by_name[m]["baseline"] for m in present] if compare else None
        if any(v is not None for v in cand + (base or [])):
            panels.append((title, [m.replace("latency_", "").replace("tokens_", "")
                                   for m in present], cand, base))
    return {"rows": rows, "chart": charts.operations(panels) if panels else None}


def _gates(inp: ReportInput) -> dict:
    waivers = [{"case": w.case, "metric": w.metric or "all metrics", "reason": w.reason,
                "expires": w.expires.isoformat(),
                "state": "expired" if w.expires < inp.today else "active",
                "days": (w.expires - inp.today).days}
               for w in inp.policy.waivers]
    results = list(inp.gates.results)
    return {"results": results, "waivers": waivers,
            "failed": sum(1 for r in results if r.status == "failed"),
            "passed": sum(1 for r in results if r.status == "passed"),
            "skipped": sum(1 for r in results if r.status == SKIPPED)}


def _noise(inp: ReportInput) -> dict | None:
    if inp.diff is None or inp.diff.noise is None or len(inp.diff.noise) == 0:
        return None
    rows = [r for r in _records(inp.diff.noise)
            if r["metric"] == OVERALL_METRIC and r["stat"] == "pass_rate"]
    return {"run": inp.diff.noise_run, "row": rows[0] if rows else None}


def suite_context(store: Store, inp: ReportInput, budget: int = clipping.PAGE_BUDGET
                  ) -> tuple[dict, case_data.CaseData]:
    """One suite's sections (a comparison or a run), and its case records."""
    redact = inp.redact
    data = case_data.build(store, inp, budget)
    runs = [("baseline", inp.baseline), ("candidate", inp.run)] if inp.diff is not None \
        else [("run", inp.run)]
    operations, metrics = _operations(store, inp), _metric_rows(inp)
    return {
        "inp": inp, "name": inp.run.suite, "title": inp.title, "verdict": inp.verdict,
        "compare": inp.diff is not None, "alpha": inp.policy.compare.alpha,
        "runs": [{"role": role, "run": run, "rows": _provenance(run, redact)} for role, run in runs],
        "manifest": _records(inp.diff.manifest) if inp.diff is not None else [],
        "metrics": metrics,
        "top": page_top.headline(inp, operations["rows"]),
        "prompt": page_top.prompt_diff(store, inp),
        "trend": trend.report_section(store, inp),
        "parity": _parity(inp, redact),
        "flips": _flips(data) if inp.diff is not None else None,
        "distributions": distribution_section(store, inp),
        "operations": operations,
        "gates": _gates(inp),
        "noise": _noise(inp),
        "plan": decision_view.plan_view(store, inp),
        "found_slices": decision_view.found_slices_view(inp),
        "repeats": _records(inp.diff.repeats) if inp.diff is not None else [],
        "human": human_review(store, inp),
    }, data


def context(store: Store, report: ReportInput | ReportSet) -> dict:
    """Everything the template shows: one suite, or several under one answer."""
    from .. import __version__

    report = as_set(report)
    suites, parts = [], []
    for inp in report.items:  # the page's budget for case data, shared by its suites
        suite, data = suite_context(store, inp, clipping.PAGE_BUDGET // len(report.items))
        suites.append(suite)
        parts.append(data)
    data = case_data.merge(parts) if parts else case_data.CaseData([], {
        "mode": "compare" if report.is_comparison else "run", "runs": [], "suites": [],
        "scorers": [], "slices": [], "sliceValues": [], "statuses": [],
        "labels": case_data.STATUS_LABELS, "total": 0, "textLimit": clipping.MAX_TEXT})
    script = static_text("report.js")
    today = report.items[0].today.isoformat() if report.items else ""
    return {
        "redact": report.redact, "title": report.title, "compare": report.is_comparison,
        "verdict": report.verdict, "unpaired": list(report.unpaired), "today": today,
        "version": __version__, "suites": suites, "several": len(suites) > 1,
        "sentence": answer_sentence(report.verdict.answer, report.verdict.kind,
                                    suites[0]["top"]["h"].metrics if len(suites) == 1 else (),
                                    report.verdict.reasons),
        # sections with no data are left out (and their links)
        "shown": {"distributions": any(s["distributions"] for s in suites),
                  "slices": any(s["parity"] for s in suites),
                  "trend": any(s["trend"] for s in suites),
                  "gates": any(s["gates"]["results"] or s["gates"]["waivers"] for s in suites)},
        "counts": data.meta["statuses"], "total_cases": len(data.rows),
        "text_limit": data.meta["textLimit"], "max_text": clipping.MAX_TEXT,
        "case_json": Markup(case_data.script_json(data.payload(pageSize=PAGE_SIZE))),
        "script": Markup(script), "style": Markup(static_text("report.css")),
        # our own text (a user's --redact pattern must not break it): no redaction
        "csp": Markup(content_security_policy(script)),
    }


def render_html(store: Store, inp: ReportInput | ReportSet) -> str:
    """The whole report as one HTML page (one suite, or a ReportSet of several)."""
    if "</script" in static_text("report.js").lower():
        raise RuntimeError("report.js must not contain '</script'")
    return environment().get_template("report.html.j2").render(context(store, inp))


def write_html(store: Store, inp: ReportInput | ReportSet, path: str | os.PathLike) -> Path:
    """Render, then write atomically (a rendering error leaves the old file alone)."""
    return write_atomic(path, render_html(store, inp))
