"""JUnit XML for CI systems: one testsuite per report, a testcase per case (its candidate
result), per gate, and — for a comparison — per regressed metric.

Model text is untrusted: ElementTree escapes markup, and characters XML 1.0 cannot hold
(control characters a model may emit) are replaced so the file always parses.
"""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from ..gates.evaluate import where
from ..readable import number, p_value
from ..store.reads import case_results
from .inputs import ReportInput, as_set

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text, limit: int = 4000) -> str:
    value = _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", "" if text is None else str(text))
    return value if len(value) <= limit else value[:limit] + "…"


def render_junit(store, report) -> str:
    """`report`: a ReportInput or a ReportSet (one <testsuite> per suite)."""
    report = as_set(report)
    root = ET.Element("testsuites", name="evalkit")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for inp in report.items:
        for key, value in _suite(store, inp, root).items():
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(store, inp: ReportInput, root) -> dict[str, int]:
    r = inp.redact
    suite_name = _clean(r(inp.run.suite))
    suite = ET.SubElement(root, "testsuite", name=suite_name)
    props = ET.SubElement(suite, "properties")
    for name, value in (("verdict", inp.verdict.answer), ("candidate_run", inp.run.run_id),
                        ("candidate_model", inp.run.model_ref),
                        ("baseline_run", inp.baseline.run_id if inp.baseline else ""),
                        ("database", inp.db_path)):
        ET.SubElement(props, "property", name=name, value=_clean(r(value)))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    transitions = {}
    if inp.diff is not None:
        transitions = {(c.case_id, c.sample): c.status for c in inp.diff.cases}
    time_total = 0.0
    for outcome in case_results(store, inp.run.run_id):
        name = outcome.case_id + (f" #{outcome.sample}" if outcome.sample else "")
        case = ET.SubElement(suite, "testcase", classname=f"{suite_name}.cases",
                             name=_clean(r(name)), time=f"{outcome.latency_s or 0.0:.3f}")
        time_total += outcome.latency_s or 0.0
        counts["tests"] += 1
        transition = transitions.get((outcome.case_id, outcome.sample))
        if outcome.error:
            counts["errors"] += 1
            node = ET.SubElement(case, "error", message=_clean(r(outcome.error), 500),
                                 type="call_error")
            node.text = _clean(r(outcome.why()))
        elif not outcome.passed:
            counts["failures"] += 1
            kind = "regression" if transition == "pass_to_fail" else "case_failed"
            node = ET.SubElement(case, "failure", message=_clean(r(outcome.why()), 500), type=kind)
            node.text = _clean(r(f"output: {outcome.output}\ntarget: {outcome.target}\n"
                                 f"{outcome.why()}"))
        if transition:
            ET.SubElement(case, "system-out").text = f"transition: {transition}"
    for gate in inp.gates.results:
        case = ET.SubElement(suite, "testcase", classname=f"{suite_name}.gates",
                             name=_clean(r(gate.gate)), time="0")
        counts["tests"] += 1
        if gate.status == "failed":
            counts["failures"] += 1
            ET.SubElement(case, "failure", message=_clean(r(gate.reason), 500), type="gate")
        elif gate.status == "skipped":
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message=_clean(r(gate.reason), 500))
    if inp.diff is not None:
        for row in (m for m in inp.diff.metrics if not m.is_duplicate):
            case = ET.SubElement(suite, "testcase", classname=f"{suite_name}.regressions",
                                 name=_clean(r(f"{row.metric} {row.stat} {where(row)}")), time="0")
            counts["tests"] += 1
            if row.verdict == "regressed":
                counts["failures"] += 1
                ET.SubElement(case, "failure", type="regression", message=_clean(
                    f"regressed: {number(row.baseline)} → {number(row.candidate)} "
                    f"(Δ {number(row.delta, signed=True)}, CI [{number(row.ci_low, signed=True)}, "
                    f"{number(row.ci_high, signed=True)}], p_holm {p_value(row.p_holm, 3)})"))
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", f"{time_total:.3f}")
    return counts
