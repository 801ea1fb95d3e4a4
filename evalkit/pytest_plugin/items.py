"""Test items: one per case, per gate, for expired waivers, and per suite for regressions.

Each item reads its suite's `SuiteOutcome` (the first one to run makes it: one batch) and
reports from it. A failure is an `EvalkitFailure`, rendered as plain text (no traceback):
the case's YAML line, input, target, output, each scorer's explanation, a diff against the
golden answer; or the gate with its numbers and the flipped cases.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .execution import SessionState, SuiteEntry, SuiteOutcome
from .options import NO_MODEL

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
        samples = any(sample for _, sample in flips)
        shown = [f"{case}#{sample}" if samples else str(case) for case, sample in flips[:MAX_LIST]]
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
        golden = outcome.golden.get(self.case.id, {})
        failing = [s for s in samples if not s["passed"]]
        missing = golden.get("missing") or []
        status = golden.get("update")
        if status in ("added", "changed") and self._only_golden_failed(failing):
            self.user_properties.append(("evalkit_golden", status))
            self.add_report_section("call", "evalkit", f"golden answer {status} from the output")
            return
        if failing or (missing and status is None):
            raise self._failure(outcome, samples, failing, golden)

    def _only_golden_failed(self, failing: list[dict]) -> bool:
        from .golden import golden_scorers

        names = {name for name, _ in golden_scorers(self.entry.suite)}
        return all(s["error"] is None and all(sc["passed"] is not False or sc["scorer"] in names
                                              for sc in s["scores"]) for s in failing)

    def _failure(self, outcome: SuiteOutcome, samples: list[dict], failing: list[dict],
                 golden: dict) -> EvalkitFailure:
        from ..scorers.base import targets

        case, suite = self.case, self.entry.suite
        shown = failing or samples[:1]
        parts = [f"{self.header()} failed  [run {outcome.run_id}, model {outcome.model}]",
                 "input:", _block(_prompt_text(suite.requests.get(case.id)))]
        if case.target is not None or golden.get("expected") is None:
            parts += ["target:", _block(case.target)]
        if golden.get("expected") is not None:
            parts += ["golden answer:", _block(golden["expected"])]
        missing = golden.get("missing") or []
        message = (f"golden answer missing in {Path(missing[0]['file']).name}"
                   if missing and golden.get("update") is None else "")
        for sample in shown[:3]:
            which = f" (sample {sample['sample']})" if len(samples) > 1 else ""
            parts += [f"output{which}:", _block(sample["output"])]
            if sample["error"]:
                parts.append(f"error{which}: {sample['error']}")
                message = message or f"error: {sample['error']}"
            parts.append(f"scorers{which}:")
            for score in sample["scores"]:
                verdict = {True: "PASS", False: "FAIL", None: "----"}[score["passed"]]
                parts.append(f"{INDENT}{verdict} {score['scorer']}: {score['explanation'] or ''}")
                if score["passed"] is False and not message:
                    message = f"{score['scorer']}: {score['explanation'] or 'failed'}"
        if len(shown) > 3:
            parts.append(f"... and {len(shown) - 3} more failing samples")
        for entry in golden.get("missing") or []:
            parts.append(f"golden answer missing: no entry for '{case.id}' in {entry['file']} "
                         f"(scorer {entry['scorer']})")
            if golden.get("update") is None:
                parts.append("  hint: run pytest --evalkit-update-golden to record the "
                             "current output")
        if golden.get("update") in ("added", "changed"):
            parts.append(f"golden answer {golden['update']} from the output; other scorers "
                         "still fail")
        expected, label = golden.get("expected"), "golden answer"
        if expected is None and targets(case):
            expected, label = targets(case)[0], "target"
        output = shown[0]["output"]
        if expected is not None and output is not None and str(expected) != output:
            diff = difflib.unified_diff(str(expected).splitlines(), output.splitlines(),
                                        f"expected ({label})", "output", lineterm="")
            parts += [f"diff ({label} → output):", "\n".join(INDENT + line for line in diff)]
        return EvalkitFailure(message or "failed", "\n".join(parts))


class GateItem(EvalkitItem):
    evalkit_kind = "gate"

    def __init__(self, *, index: int, **kwargs):
        super().__init__(**kwargs)
        self.index = index

    def runtest(self) -> None:
        outcome = self.outcome()
        results = outcome.gates[self.index] if self.index < len(outcome.gates) else []
        failed = [r for r in results if r["status"] == "failed"]
        skipped = [r for r in results if r["status"] == "skipped"]
        if not failed and skipped and outcome.baseline_error:
            failed = [{**r, "reason": outcome.baseline_error} for r in skipped]
        if failed:
            lines = [f"{self.header()} failed  [run {outcome.run_id}"
                     + (f" vs baseline {outcome.baseline_run}]" if outcome.baseline_run else "]")]
            lines += [f"{INDENT}{r['gate']}: {r['reason']}" for r in failed]
            lines += [f"{INDENT}passed: {r['gate']}: {r['reason']}"
                      for r in results if r["status"] == "passed"]
            text = "\n".join(lines) + self.flipped(outcome)
            raise EvalkitFailure(f"{failed[0]['gate']}: {failed[0]['reason']}", text)
        if results and len(skipped) == len(results):
            reason = skipped[0]["reason"].replace("--baseline NAME", "--evalkit-baseline REF")
            pytest.skip(f"{skipped[0]['gate']}: {reason}")
        self.add_report_section("call", "evalkit", "\n".join(
            f"{r['gate']}: {r['status']} ({r['reason']})" for r in results))


class WaiverItem(EvalkitItem):
    evalkit_kind = "waivers"

    def runtest(self) -> None:
        outcome = self.outcome()
        if outcome.waivers:
            lines = [f"{INDENT}case {w['case']}: expired on {w['expires']} ({w['reason']})"
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
        regression = outcome.regression or {}
        regressed = regression.get("regressed") or []
        answer = regression.get("answer", "no" if regressed else "yes")
        fails = regression.get("fails", bool(regressed))
        why = "".join(f"\n{INDENT}- {reason}" for reason in regression.get("reasons") or [])
        if fails and regressed:
            lines = [f"{self.header()}: run {outcome.run_id} regressed against baseline "
                     f"{outcome.baseline_run}"]
            lines += [INDENT + row for row in regressed]
            raise EvalkitFailure("regressed: " + regressed[0], "\n".join(lines)
                                 + f"\nsafe to swap: {answer}{why}" + self.flipped(outcome))
        if fails:
            reasons = regression.get("reasons") or [answer]
            raise EvalkitFailure(f"safe to swap: {answer} — {reasons[0]}",
                                 f"{self.header()}: run {outcome.run_id} against baseline "
                                 f"{outcome.baseline_run}: safe to swap: {answer}{why}"
                                 + self.flipped(outcome))
        self.add_report_section("call", "evalkit", (
            f"safe to swap: {answer} (against {outcome.baseline_run}); "
            f"{len(outcome.pass_to_fail)} pass→fail, {regression.get('fail_to_pass', 0)} "
            "fail→pass" + why + self.flipped(outcome)))
