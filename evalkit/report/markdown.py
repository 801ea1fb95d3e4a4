"""The Markdown summary: sized for a pull-request comment (GitHub allows 65,536 characters).

Sections are added in order of importance — verdict, gates, metrics, flips, slices, cost —
and a section that would pass the limit is cut short, saying how much was left out.
Model text is untrusted: it is redacted, and Markdown/HTML that GitHub would render (tags,
links, mentions, tables) is neutralised.
"""
from __future__ import annotations

import re

from ..gates.evaluate import delta_text, where
from ..readable import metric_label, pp, stat_value
from ..store.reads import case_results
from . import decision_view
from .formatting import fmt_change, fmt_num
from .inputs import ReportInput, as_set

GITHUB_LIMIT = 65_536
_ICON = {"yes": "✅", "no": "❌", "inconclusive": "⚠️"}
_GATE_ICON = {"passed": "✅", "failed": "❌", "skipped": "➖"}
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")


def md_text(text, limit: int = 300) -> str:
    """Untrusted text for one Markdown table cell or list item."""
    value = " ".join(str("" if text is None else text).split())  # one line
    if len(value) > limit:
        value = value[:limit] + "…"
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _SPECIAL.sub(r"\\\1", value)
    return value.replace("@", "@\u200b")  # no @mentions from model output


def _num(value, stat: str) -> str:
    return stat_value(value, stat)


class _Budget:
    def __init__(self, limit: int):
        self.limit, self.lines, self.size = limit, [], 0

    def fits(self, line: str, reserve: int = 200) -> bool:
        return self.size + len(line) + 1 + reserve <= self.limit

    def add(self, line: str) -> bool:
        if not self.fits(line):
            return False
        self.lines.append(line)
        self.size += len(line) + 1
        return True

    def section(self, heading: str, lines: list[str], what: str = "rows") -> None:
        """A heading and as many lines as fit; the rest is counted, not silently dropped."""
        if not lines or not self.add("") or not self.add(heading):
            return
        for i, line in enumerate(lines):
            if not self.add(line):
                rest = sum(1 for x in lines[i:] if not x.startswith("|-"))
                self.lines.append(f"\n_… {rest} more {what} left out to fit a PR comment; "
                                  "see the HTML report._")
                self.size += 90
                return


def render_markdown(store, report, limit: int = GITHUB_LIMIT) -> str:
    """`report`: a ReportInput (one suite) or a ReportSet (several, one overall verdict)."""
    report = as_set(report)
    r = report.redact
    budget = _Budget(limit)
    verdict = report.verdict
    budget.add(f"## {_ICON[verdict.answer]} {md_text(verdict.headline)} — {md_text(r(report.title))}")
    budget.add("")
    several = len(report.items) > 1
    first = report.items[0]
    if not several and first.diff is not None:  # the answer in words, then the statistics
        for line in _headline(first):
            budget.add(line)
        budget.add("")
        budget.add("<details><summary>Why, in statistics</summary>")
        budget.add("")
    for reason in verdict.reasons:
        budget.add(f"- {md_text(r(reason), 500)}")
    if not several and first.diff is not None:
        budget.add("")
        budget.add("</details>")
    level = "####" if several else "###"
    for inp in report.items:
        if several:
            budget.add("")
            budget.add(f"### {_ICON[inp.verdict.answer]} {md_text(r(inp.run.suite))}: "
                       f"{inp.verdict.word}")
            if inp.diff is not None:
                budget.add("")
                for line in _headline(inp):
                    budget.add(line)
        _suite_sections(store, inp, budget, level)
    return "\n".join(budget.lines) + "\n"


def _headline(inp: ReportInput) -> list[str]:
    """A comparison's answer in plain words (headline.py), as the HTML report's top says it."""
    from ..compare.verdicts import records
    from .headline import for_input

    r = inp.redact
    found = for_input(inp, records(inp.diff.operations))
    lines = [f"**{md_text(r(found.sentence.text), 500)}**", ""]
    if found.tally is not None:
        t = found.tally
        lines.append(f"- **outcome**: fixed {t.fixed} / broke {t.broke} / unchanged {t.unchanged} "
                     f"{t.unit}" + (f", {t.one_side} run by one side only" if t.one_side else "")
                     + (f", {t.waived} waived" if t.waived else ""))
    for what, fact in [("change", f) for f in found.metrics] + [
            ("worst slice", found.worst_slice), ("cost", found.cost), ("latency", found.latency)]:
        if fact is not None:
            lines.append(f"- **{what}**: {md_text(r(fact.text), 400)}")
    if found.regressed:
        lines.append("- **top regressed**: " + ", ".join(
            f"{md_text(r(c['case_id']), 80)} ({md_text(r(c.get('candidate_output') or c.get('candidate_error')), 60)})"
            for c in found.regressed))
    return lines


def _suite_sections(store, inp: ReportInput, budget: _Budget, level: str) -> None:
    budget.section(f"{level} Compared", _runs(inp))
    budget.section(f"{level} Gates", _gates(inp), "gates")
    budget.section(f"{level} Metrics", _metrics(inp), "metric rows")
    budget.section(f"{level} Power and slices found", decision_view.markdown_lines(store, inp,
                                                                                 md_text))
    if inp.diff is not None:
        budget.section(f"{level} Flips (regressions first)", _flips(store, inp), "flipped cases")
        budget.section(f"{level} Cost, latency, tokens", _operations(inp))
    else:
        budget.section(f"{level} Failing cases", _failing(store, inp), "failing cases")


def _runs(inp: ReportInput) -> list[str]:
    r = inp.redact
    rows = ["| | run | model | label | started (UTC) |", "|-|-|-|-|-|"]
    pairs = [("baseline", inp.baseline), ("candidate", inp.run)] if inp.baseline else [("run", inp.run)]
    for role, run in pairs:
        rows.append(f"| {role} | {md_text(run.run_id)} | {md_text(r(run.model_ref))} | "
                    f"{md_text(r(run.label or '–'))} | {str(run.started_at)[:19]} |")
    if inp.diff is not None and len(inp.diff.manifest):
        rows.append("")
        rows.append("Also changed: " + ", ".join(
            f"{md_text(r(m['item']))} ({md_text(r(m['baseline']), 40)} → "
            f"{md_text(r(m['candidate']), 40)})" for m in inp.diff.manifest.to_dict("records")))
    return rows


def _gates(inp: ReportInput) -> list[str]:
    r = inp.redact
    if not inp.gates.results:
        return ["_The suite defines no gates._"]
    rows = ["| | gate | result |", "|-|-|-|"]
    rows += [f"| {_GATE_ICON.get(g.status, '')} {g.status} | {md_text(r(g.gate))} | "
             f"{md_text(r(g.reason), 400)} |" for g in inp.gates.results]
    return rows


def _metrics(inp: ReportInput) -> list[str]:
    r = inp.redact
    if inp.diff is None:
        rows = ["| metric | slice | n | value |", "|-|-|-|-|"]
        for v in inp.values:
            rows.append(f"| {md_text(r(metric_label(v.metric, v.stat)))} | "
                        f"{md_text(r(where(v)))} | {v.n} | "
                        f"{_num(v.value, v.stat)} |")
        return rows
    # overall rows first, then slices with a verdict, regressions on top
    order = {"regressed": 0, "improved": 1}
    shown = sorted((row for row in inp.diff.metrics if not row.is_duplicate), key=lambda row: (
        not row.overall, order.get(row.verdict, 2)))
    rows = ["| metric | slice | n | baseline | candidate | Δ [CI] | p→f / f→p | verdict |",
            "|-|-|-|-|-|-|-|-|"]
    for row in shown:
        flips = ("–" if row.stat != "pass_rate" or row.pass_to_fail is None
                 else f"{row.pass_to_fail} / {row.fail_to_pass}")
        verdict = row.verdict
        if verdict == "regressed":
            verdict = "**regressed**"
        elif verdict == "no detectable change" and row.mde is not None:
            verdict += f" (MDE {pp(row.mde, 0, signed=False)})" if row.stat != "mean" else ""
        rows.append(f"| {md_text(r(metric_label(row.metric, row.stat)))} | "
                    f"{md_text(r(where(row)))} | {row.n} | "
                    f"{_num(row.baseline, row.stat)} | {_num(row.candidate, row.stat)} | "
                    f"{delta_text(row)} | {flips} | {verdict} |")
    return rows


def _case_cells(r, outcome) -> str:
    """'case | output | why |' for one outcome (a later sample is marked #N)."""
    sample = f" #{outcome.sample}" if outcome.sample else ""
    return (f"{md_text(r(outcome.case_id), 80)}{sample} | {md_text(r(outcome.output), 160)} | "
            f"{md_text(r(outcome.why()), 200)} |")


def _flips(store, inp: ReportInput) -> list[str]:
    flipped = [c for c in inp.diff.cases if c.status in ("pass_to_fail", "fail_to_pass")]
    if not flipped:
        return ["_No case changed between pass and fail._"]
    # a flip is a case both runs have, so the candidate holds its outcome
    found = {(o.case_id, o.sample): o for o in case_results(store, inp.run.run_id)}
    rows = ["| | case | candidate output | why |", "|-|-|-|-|"]
    for case in sorted(flipped, key=lambda c: (c.status != "pass_to_fail", c.case_id, c.sample)):
        mark = "❌ pass→fail" if case.status == "pass_to_fail" else "✅ fail→pass"
        rows.append(f"| {mark} | " + _case_cells(inp.redact, found[(case.case_id, case.sample)]))
    return rows


def _failing(store, inp: ReportInput) -> list[str]:
    failing = [o for o in case_results(store, inp.run.run_id) if not o.passed]
    if not failing:
        return ["_Every case passed._"]
    return ["| case | output | why |", "|-|-|-|"] + [
        "| " + _case_cells(inp.redact, o) for o in failing]


def _operations(inp: ReportInput) -> list[str]:
    rows = ["| measure | baseline | candidate | change |", "|-|-|-|-|"]
    for op in inp.diff.operations.to_dict("records"):
        rows.append(f"| {md_text(op['measure'])} | {fmt_num(op['baseline'])} | "
                    f"{fmt_num(op['candidate'])} | {fmt_change(op['change'])} |")
    return rows
