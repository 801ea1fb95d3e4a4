"""Test items: one per case, per gate, for expired waivers, and per suite for regressions.

Each item reads its suite's `SuiteOutcome` (the first one to run makes it: one batch) and
reports from it. A failure is an `EvalkitFailure`, rendered as plain text (no traceback):
the case's YAML line, input, target, output, each scorer's explanation, a diff against the
golden answer; or the gate with its numbers and the flipped cases.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

import pytest

from .execution import SessionState, SuiteEntry
from .options import NO_MODEL
from .outcome import GoldenStatus, Regression, SampleResult, SuiteOutcome

MAX_TEXT = 4000  # characters of a prompt or output shown in a failure
MAX_LIST = 20  # flipped cases listed
INDENT = "    "


class EvalkitFailure(Exception):
    """An expected failure (a case, gate or regression failed); shown without a traceback."""

    def __init__(self, message: str, text: str):
        super().__init__(message)
        self.message, self.text = message, text


@dataclass(frozen=True)
class Crash:
    """What pytest's short summary and JUnit XML read: `longrepr.reprcrash.message`."""

    path: str
    lineno: int
    message: str


class FailureRepr:
    """A failure's long text; `toterminal` for the terminal, `str` for xdist and JUnit."""

    def __init__(self, text: str, crash: Crash):
        self.text, self.reprcrash = text, crash

    def toterminal(self, tw) -> None:
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self) -> str:
        return self.text


def shown(text: str) -> str:
    """Text for the terminal and JUnit XML: secrets masked, control characters escaped."""
    from ..printable import printable
    from ..redact import redact

    return printable(redact(text) or "")


def _block(text: Any) -> str:
    if text is None:
        return INDENT + "(none)"
    if not isinstance(text, str):
        text = json.dumps(text, ensure_ascii=False, default=str)
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + f"… ({len(text) - MAX_TEXT} more characters)"
    lines = text.splitlines() or [""]
    return "\n".join(INDENT + line for line in lines)


def _prompt_text(request) -> str:
    if request is None:
        return "(not rendered)"
    if request.messages is None:
        return request.prompt or ""
    if len(request.messages) == 1 and request.messages[0].role == "user":
        return request.messages[0].content
    return "\n".join(f"[{m.role}] {m.content}" for m in request.messages)


class EvalkitItem(pytest.Item):
    evalkit_kind = "item"

    def __init__(self, *, entry: SuiteEntry, where: tuple[Path, int], state: SessionState,
                 **kwargs):
        super().__init__(**kwargs)
        self.entry, self.where, self.state = entry, where, state
        self.add_marker("evalkit")
        self.add_marker(f"evalkit_{self.evalkit_kind}")

    def reportinfo(self):
        return self.where[0], self.where[1] - 1, f"{self.entry.suite.name}::{self.name}"

    def setup(self) -> None:
        if not self.state.settings.model:
            pytest.skip(NO_MODEL)

    def outcome(self) -> SuiteOutcome:
        outcome = self.state.outcome(self.entry)
        if outcome.error is not None:
            first = outcome.error.strip().splitlines()[-1] if outcome.error.strip() else "error"
            raise EvalkitFailure(f"the run of suite '{outcome.suite}' failed: {first}",
                                 f"{self.header()}: the run of suite '{outcome.suite}' "
                                 f"failed\n{_block(outcome.error)}")
        return outcome

    def header(self) -> str:
        path, line, _ = self.location
        what = f"case {self.name!r}" if self.evalkit_kind == "case" else self.name
        return f"{path}:{line + 1}: {what} of suite '{self.entry.suite.name}'"

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, EvalkitFailure):
            failure = excinfo.value
            return FailureRepr(shown(failure.text), Crash(str(self.where[0]), self.where[1],
                                                          shown(failure.message)))
        return super().repr_failure(excinfo, style=style)

    def flipped(self, outcome: SuiteOutcome) -> str:
        flips = outcome.pass_to_fail
        if not flips:
            return ""
        samples = any(flip.sample for flip in flips)
        shown = [f"{f.case_id}#{f.sample}" if samples else str(f.case_id)
                 for f in flips[:MAX_LIST]]
        more = f" and {len(flips) - MAX_LIST} more" if len(flips) > MAX_LIST else ""
        return (f"\npass → fail against baseline {outcome.baseline_run} ({len(flips)}): "
                + ", ".join(shown) + more)


class CaseItem(EvalkitItem):
    evalkit_kind = "case"

    def __init__(self, *, case, **kwargs):
        super().__init__(**kwargs)
        self.case = case
        marks = case.metadata.get("marks") if isinstance(case.metadata, dict) else None
        for mark in [marks] if isinstance(marks, str) else (marks or []):
            if isinstance(mark, str) and mark.isidentifier():
                self.config.addinivalue_line("markers", f"{mark}: evalkit case mark")
                self.add_marker(mark)

    def runtest(self) -> None:
        outcome = self.outcome()
        samples = outcome.cases.get(self.case.id)
        if not samples and outcome.stop:  # a budget cap or the sequential test stopped first
            pytest.skip(f"not run: {outcome.stop}")
        if not samples:
            raise EvalkitFailure("no result stored for this case",
                                 f"{self.header()}: no result in run {outcome.run_id}")
        golden = outcome.golden.get(self.case.id, GoldenStatus())
        failing = [s for s in samples if not s.passed]
        if golden.update in ("added", "changed") and self._only_golden_failed(failing):
            self.user_properties.append(("evalkit_golden", golden.update))
            self.add_report_section("call", "evalkit",
                                    f"golden answer {golden.update} from the output")
            return
        if failing or (golden.missing and golden.update is None):
            raise self._failure(outcome, samples, failing, golden)

    def _only_golden_failed(self, failing: list[SampleResult]) -> bool:
        from .golden import golden_scorers

        names = {name for name, _ in golden_scorers(self.entry.suite)}
        return all(s.error is None and all(sc.passed is not False or sc.scorer in names
                                           for sc in s.scores) for s in failing)

    def _failure(self, outcome: SuiteOutcome, samples: Sequence[SampleResult],
                 failing: list[SampleResult], golden: GoldenStatus) -> EvalkitFailure:
        case, shown = self.case, failing or list(samples[:1])
        parts = [f"{self.header()} failed  [run {outcome.run_id}, model {outcome.model}]",
                 "input:", _block(_prompt_text(self.entry.suite.requests.get(case.id)))]
        parts += _expected_lines(case, golden)
        parts += _sample_lines(shown, several=len(samples) > 1)
        parts += _golden_lines(case.id, golden)
        parts += _diff_lines(case, golden, shown[0].output)
        return EvalkitFailure(_headline(golden, shown), "\n".join(parts))


def _expected_lines(case, golden: GoldenStatus) -> list[str]:
    """The case's target (unless only a golden answer is known) and its golden answer."""
    lines = []
    if case.target is not None or golden.expected is None:
        lines += ["target:", _block(case.target)]
    if golden.expected is not None:
        lines += ["golden answer:", _block(golden.expected)]
    return lines


def _sample_lines(shown: list[SampleResult], several: bool) -> list[str]:
    """Output, error and every scorer's explanation of the first three samples shown."""
    lines = []
    for sample in shown[:3]:
        which = f" (sample {sample.sample})" if several else ""
        lines += [f"output{which}:", _block(sample.output)]
        if sample.error:
            lines.append(f"error{which}: {sample.error}")
        lines.append(f"scorers{which}:")
        for score in sample.scores:
            mark = {True: "PASS", False: "FAIL", None: "----"}[score.passed]
            lines.append(f"{INDENT}{mark} {score.scorer}: {score.explanation or ''}")
    if len(shown) > 3:
        lines.append(f"... and {len(shown) - 3} more failing samples")
    return lines


def _golden_lines(case_id: str, golden: GoldenStatus) -> list[str]:
    """Missing golden entries (with the update hint) and what an update did."""
    lines = []
    for missing in golden.missing:
        lines.append(f"golden answer missing: no entry for '{case_id}' in {missing.file} "
                     f"(scorer {missing.scorer})")
        if golden.update is None:
            lines.append("  hint: run pytest --evalkit-update-golden to record the "
                         "current output")
    if golden.update in ("added", "changed"):
        lines.append(f"golden answer {golden.update} from the output; other scorers "
                     "still fail")
    return lines


def _diff_lines(case, golden: GoldenStatus, output: str | None) -> list[str]:
    """A unified diff from the golden answer (or the first target) to the output."""
    from ..scorers.base import targets

    expected, label = golden.expected, "golden answer"
    if expected is None and targets(case):
        expected, label = targets(case)[0], "target"
    if expected is None or output is None or str(expected) == output:
        return []
    diff = difflib.unified_diff(str(expected).splitlines(), output.splitlines(),
                                f"expected ({label})", "output", lineterm="")
    return [f"diff ({label} → output):", "\n".join(INDENT + line for line in diff)]


def _headline(golden: GoldenStatus, shown: list[SampleResult]) -> str:
    """The one-line message: a missing golden entry, else the first error or failed score."""
    if golden.missing and golden.update is None:
        return f"golden answer missing in {Path(golden.missing[0].file).name}"
    for sample in shown[:3]:
        if sample.error:
            return f"error: {sample.error}"
        for score in sample.scores:
            if score.passed is False:
                return f"{score.scorer}: {score.explanation or 'failed'}"
    return "failed"


class GateItem(EvalkitItem):
    evalkit_kind = "gate"

    def __init__(self, *, index: int, **kwargs):
        super().__init__(**kwargs)
        self.index = index

    def runtest(self) -> None:
        outcome = self.outcome()
        results = outcome.gates[self.index] if self.index < len(outcome.gates) else ()
        failed = [r for r in results if r.status == "failed"]
        skipped = [r for r in results if r.status == "skipped"]
        if not failed and skipped and outcome.baseline_error:
            failed = [replace(r, reason=outcome.baseline_error) for r in skipped]
        if failed:
            lines = [f"{self.header()} failed  [run {outcome.run_id}"
                     + (f" vs baseline {outcome.baseline_run}]" if outcome.baseline_run else "]")]
            lines += [f"{INDENT}{r.gate}: {r.reason}" for r in failed]
            lines += [f"{INDENT}passed: {r.gate}: {r.reason}"
                      for r in results if r.status == "passed"]
            text = "\n".join(lines) + self.flipped(outcome)
            raise EvalkitFailure(f"{failed[0].gate}: {failed[0].reason}", text)
        if results and len(skipped) == len(results):
            reason = skipped[0].reason.replace("--baseline NAME", "--evalkit-baseline REF")
            pytest.skip(f"{skipped[0].gate}: {reason}")
        self.add_report_section("call", "evalkit", "\n".join(
            f"{r.gate}: {r.status} ({r.reason})" for r in results))


class WaiverItem(EvalkitItem):
    evalkit_kind = "waivers"

    def runtest(self) -> None:
        outcome = self.outcome()
        if outcome.waivers:
            lines = [f"{INDENT}case {w.case}: expired on {w.expires} ({w.reason})"
                     for w in outcome.waivers]
            raise EvalkitFailure(f"{len(outcome.waivers)} waiver(s) expired",
                                 f"{self.header()}: expired waivers fail the gates\n"
                                 + "\n".join(lines))


class RegressionItem(EvalkitItem):
    evalkit_kind = "regression"

    def runtest(self) -> None:
        outcome = self.outcome()
        if outcome.baseline_error:
            raise EvalkitFailure(outcome.baseline_error,
                                 f"{self.header()}: no baseline to compare with\n"
                                 + _block(outcome.baseline_error))
        regression = outcome.regression or Regression((), 0, 0, "yes", (), False)
        regressed, answer, fails = regression.regressed, regression.answer, regression.fails
        why = "".join(f"\n{INDENT}- {reason}" for reason in regression.reasons)
        if fails and regressed:
            lines = [f"{self.header()}: run {outcome.run_id} regressed against baseline "
                     f"{outcome.baseline_run}"]
            lines += [INDENT + row for row in regressed]
            raise EvalkitFailure("regressed: " + regressed[0], "\n".join(lines)
                                 + f"\nsafe to swap: {answer}{why}" + self.flipped(outcome))
        if fails:
            reasons = regression.reasons or (answer,)
            raise EvalkitFailure(f"safe to swap: {answer} — {reasons[0]}",
                                 f"{self.header()}: run {outcome.run_id} against baseline "
                                 f"{outcome.baseline_run}: safe to swap: {answer}{why}"
                                 + self.flipped(outcome))
        self.add_report_section("call", "evalkit", (
            f"safe to swap: {answer} (against {outcome.baseline_run}); "
            f"{len(outcome.pass_to_fail)} pass→fail, {regression.fail_to_pass} "
            "fail→pass" + why + self.flipped(outcome)))
