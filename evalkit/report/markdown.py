"""The Markdown summary: sized for a pull-request comment (GitHub allows 65,536 characters).

Sections are added in order of importance — verdict, gates, metrics, flips, slices, cost —
and a section that would pass the limit is cut short, saying how much was left out.
Model text is untrusted: it is redacted, and Markdown/HTML that GitHub would render (tags,
links, mentions, tables) is neutralised.
"""
from __future__ import annotations

import math
import re

from .inputs import ReportInput, as_set
from .outcomes import outcomes

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


def _pct(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.1%}"


def _num(value, stat: str) -> str:
    return _pct(value) if stat == "pass_rate" else (
        "–" if value is None or value != value else f"{value:.4g}")


def _delta(row: dict) -> str:
    if row["delta"] != row["delta"]:
        return "–"
    if row["stat"] == "pass_rate":
        text = f"{row['delta'] * 100:+.1f} pp"
        if row["ci_low"] == row["ci_low"]:
            text += f" [{row['ci_low'] * 100:+.1f}, {row['ci_high'] * 100:+.1f}]"
        return text
    return f"{row['delta']:+.4g}"


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
    for reason in verdict.reasons:
        budget.add(f"- {md_text(r(reason), 500)}")
    several = len(report.items) > 1
    level = "####" if several else "###"
    for inp in report.items:
        if several:
            budget.add("")
            budget.add(f"### {_ICON[inp.verdict.answer]} {md_text(r(inp.run['suite']))}: "
                       f"{inp.verdict.answer}")
        _suite_sections(store, inp, budget, level)
    return "\n".join(budget.lines) + "\n"


def _suite_sections(store, inp: ReportInput, budget: _Budget, level: str) -> None:
    budget.section(f"{level} Compared", _runs(inp))
    budget.section(f"{level} Gates", _gates(inp), "gates")
    budget.section(f"{level} Metrics", _metrics(inp), "metric rows")
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
        rows.append(f"| {role} | {md_text(run['run_id'])} | {md_text(r(run['model_ref']))} | "
                    f"{md_text(r(run.get('label') or '–'))} | {str(run['started_at'])[:19]} |")
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
            where = "overall" if v.slice_key is None else f"{v.slice_key}={v.slice_value}"
            name = v.metric if v.stat == "pass_rate" else f"{v.metric} (mean)"
            rows.append(f"| {md_text(r(name))} | {md_text(r(where))} | {v.n} | "
                        f"{_num(v.value, v.stat)} |")
        return rows
    table = inp.diff.metrics
    table = table[table["same_as"].isna()]
    # overall rows first, then slices with a verdict, regressions on top
    order = {"regressed": 0, "improved": 1}
    records = sorted(table.to_dict("records"), key=lambda row: (
        row["slice_key"] is not None, order.get(row["verdict"], 2)))
    rows = ["| metric | slice | n | baseline | candidate | Δ [CI] | p→f / f→p | verdict |",
            "|-|-|-|-|-|-|-|-|"]
    for row in records:
        where = "overall" if row["slice_key"] is None else f"{row['slice_key']}={row['slice_value']}"
        name = row["metric"] if row["stat"] == "pass_rate" else f"{row['metric']} (mean)"
        flips = ("–" if row["stat"] != "pass_rate" or row["pass_to_fail"] is None
                 or row["pass_to_fail"] != row["pass_to_fail"]
                 else f"{int(row['pass_to_fail'])} / {int(row['fail_to_pass'])}")
        verdict = row["verdict"]
        if verdict == "regressed":
            verdict = "**regressed**"
        elif verdict == "no detectable change" and row["mde"] == row["mde"] and row["mde"] is not None:
            verdict += f" (MDE {row['mde'] * 100:.0f} pp)" if row["stat"] == "pass_rate" else ""
        rows.append(f"| {md_text(r(name))} | {md_text(r(where))} | {int(row['n'])} | "
                    f"{_num(row['baseline'], row['stat'])} | {_num(row['candidate'], row['stat'])} | "
                    f"{_delta(row)} | {flips} | {verdict} |")
    return rows


def _flips(store, inp: ReportInput) -> list[str]:
    r = inp.redact
    cases = inp.diff.cases
    flipped = cases[cases["status"].isin(["pass_to_fail", "fail_to_pass"])]
    if flipped.empty:
        return ["_No case changed between pass and fail._"]
    why = {(o.case_id, o.sample): o for o in outcomes(store, inp.run["run_id"])}
    rows = ["| | case | candidate output | why |", "|-|-|-|-|"]
    ordered = sorted(flipped.to_dict("records"),
                     key=lambda c: (c["status"] != "pass_to_fail", c["case_id"], c["sample"]))
    for case in ordered:
        found = why.get((case["case_id"], case["sample"]))
        mark = "❌ pass→fail" if case["status"] == "pass_to_fail" else "✅ fail→pass"
        sample = f" #{case['sample']}" if case["sample"] else ""
        rows.append(f"| {mark} | {md_text(r(case['case_id']), 80)}{sample} | "
                    f"{md_text(r(found.output if found else ''), 160)} | "
                    f"{md_text(r(found.why() if found else ''), 200)} |")
    return rows


def _failing(store, inp: ReportInput) -> list[str]:
    r = inp.redact
    failing = [o for o in outcomes(store, inp.run["run_id"]) if not o.passed]
    if not failing:
        return ["_Every case passed._"]
    rows = ["| case | output | why |", "|-|-|-|"]
    rows += [f"| {md_text(r(o.case_id), 80)} | {md_text(r(o.output), 160)} | "
             f"{md_text(r(o.why()), 200)} |" for o in failing]
    return rows


def _operations(inp: ReportInput) -> list[str]:
    rows = ["| measure | baseline | candidate | change |", "|-|-|-|-|"]
    for op in inp.diff.operations.to_dict("records"):
        change = op["change"]
        change_text = ("–" if change is None or change != change
                       else ("new" if math.isinf(change) else f"{change:+.1%}"))
        rows.append(f"| {md_text(op['measure'])} | {_num(op['baseline'], 'mean')} | "
                    f"{_num(op['candidate'], 'mean')} | {change_text} |")
    return rows
