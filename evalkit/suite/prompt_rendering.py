"""Rendering every case's prompt at load time, so a template mistake is a suite problem (at
the template's line in the suite file) before any model is called."""
from __future__ import annotations

from ..errors import UNDEFINED_VARIABLE, Location, Problem, ProblemList
from ..types import Case, Request
from .grouped_problems import RenderFailures, undefined_hint
from .template import PromptTemplate, TemplateProblem
from .template_bounds import CASE_SECONDS, SecurityError, SuiteBudget
from .yaml_source import YamlDoc

MAX_RENDER_PROBLEMS = 20


def template_location(doc: YamlDoc, part: str, line: int | None) -> Location:
    """The suite line of a template line (block scalars start on the line after the key)."""
    path: list = []
    for piece in part.replace("[", ".").replace("]", "").split("."):
        path.append(int(piece) if piece.isdigit() else piece)
    if isinstance(doc.data.get("prompt"), str):
        path = ["prompt"]
    base = doc.location(tuple(path))
    if base.line is None or line is None:
        return base
    source = base.source_line or ""
    block = base.col is not None and source[base.col - 1: base.col] in ("|", ">")
    if block:
        return doc.location_at(base.line + line, 1)
    # A quoted or plain scalar: "\n" escapes and folding make template lines differ from
    # file lines, so stay inside the scalar (a one-line "a\n{{ b }" is all on its line).
    last = doc.value_end_lines.get(tuple(path), base.line)
    return doc.location_at(min(base.line + line - 1, max(last, base.line)), 1)


class CaseRenderer:
    """Renders each case's prompt at load time; reports the first MAX_RENDER_PROBLEMS failures.
    With a SuiteBudget, the suite's renders together are bounded in time and characters too:
    once it is spent the remaining cases are left unrendered, and one problem says so."""

    def __init__(self, template: PromptTemplate, doc: YamlDoc, problems: ProblemList,
                 budget: SuiteBudget | None = None):
        self.template, self.doc, self.problems = template, doc, problems
        self.budget, self.seen, self.skipped, self.out_of_time = budget, 0, 0, None
        self.failed, self.dropped = RenderFailures(), 0

    def __call__(self, case: Case) -> Request | None:
        self.seen += 1
        if self.skipped:
            self.skipped += 1
            return None
        try:
            seconds = self.budget.case_seconds() if self.budget else CASE_SECONDS
        except SecurityError as exc:  # the suite's time is spent: this case and the rest wait
            self.out_of_time, self.skipped = exc.message, 1
            return None
        try:
            request = self.template.render(case, seconds)
            if self.budget:
                self.budget.spent(len(request.text()))
            return request
        except TemplateProblem as exc:
            key = (exc.message, exc.part, exc.line)  # the same mistake in many cases: one problem
            if key in self.failed.groups or len(self.failed.groups) < MAX_RENDER_PROBLEMS:
                fields = {**self.template.shared, **case.vars}
                self.failed.add(key, Problem(
                    f"case '{case.id}' ({case.source}): {exc.message}",
                    template_location(self.doc, exc.part, exc.line),
                    f"{exc.part}, template line {exc.line}",
                    undefined_hint(exc.message, fields, "every variable the template uses must "
                                   "be set by each case") if exc.kind == UNDEFINED_VARIABLE else "",
                    exc.kind),
                    case.id, fields)
            else:
                self.dropped += 1
        except SecurityError as exc:  # the suite's characters are spent: the rest wait
            self.skipped = 1
            self.problems.add(Problem(f"case '{case.id}' ({case.source}): {exc.message}",
                                      self.doc.location(("prompt",)), "prompt"))
        return None

    def finish(self) -> None:
        for problem in self.failed.problems(lambda key: key[0]):
            self.problems.add(problem)
        if self.dropped:
            self.problems.add(Problem(f"... and {self.dropped} more cases fail to render",
                                      self.doc.location(("prompt",))))
        if self.out_of_time:
            self.problems.add(Problem(
                f"{self.out_of_time}: {self.skipped} of {self.seen} cases left unrendered",
                self.doc.location(("prompt",)), "prompt",
                "make the template cheaper; prompts render when the suite loads"))


def render_all(template: PromptTemplate, cases: list[Case], doc: YamlDoc,
                problems: ProblemList) -> dict[str, Request]:
    # The suite's prompts are held in memory: bounded as a whole too (time, characters).
    render, requests = CaseRenderer(template, doc, problems, SuiteBudget()), {}
    for case in cases:
        request = render(case)
        if request is not None:
            requests[case.id] = request
    render.finish()
    return requests
