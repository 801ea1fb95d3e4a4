"""Prompt templates: Jinja2 in its sandbox, with undefined variables as errors.

Templates are compiled when the suite loads and rendered for every case then too,
so a template mistake is a load-time error naming the case and the template line.
Rendering is bounded in time, loop iterations and size (template_bounds.py).
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from ..errors import UNDEFINED_VARIABLE
from ..types import Case, Message, Request
from .schema import PromptSpec
from .template_bounds import CASE_SECONDS, MAX_EXPONENT, MAX_REPEAT, render_budget
from .template_sandbox import BoundedSandbox

__all__ = ["MAX_EXPONENT", "MAX_REPEAT", "PromptTemplate", "TemplateProblem", "environment"]


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    # autoescape off: prompts are plain text; the HTML report escapes on its own side.
    return BoundedSandbox(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)


@dataclass(frozen=True)
class TemplateProblem(Exception):
    part: str  # e.g. "prompt.user" or "prompt.messages[1].content"
    line: int | None  # 1-based line inside the template
    message: str
    case_id: str | None = None
    kind: str = ""  # evalkit.errors problem kind (UNDEFINED_VARIABLE), "" for the others


def _compile(part: str, source: str) -> Template:
    try:
        return environment().from_string(source, globals=None)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(part, exc.lineno, f"template syntax error: {exc.message}") from None


def _template_line(exc: BaseException, fallback: int | None) -> int | None:
    """Jinja rewrites tracebacks so template frames carry the template's line numbers."""
    line = fallback
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<template>":
            line = frame.lineno
    return line


class PromptTemplate:
    """The compiled parts of a PromptSpec; `render(case)` returns a Request."""

    def __init__(self, spec: PromptSpec, shared: dict[str, Any] | None = None):
        self.spec = spec
        self.shared = dict(shared or {})  # suite-level vars; each case's own vars win
        self.parts: dict[str, Template] = {}
        self._copied: dict[str, dict[str, Any]] = {}  # each part's globals, copied once
        self.roles: list[tuple[str, str]] = []  # (role, part name) in message order
        if spec.completion is not None:
            self.parts["prompt.completion"] = _compile("prompt.completion", spec.completion)
            return
        if spec.messages is not None:
            for i, message in enumerate(spec.messages):
                name = f"prompt.messages[{i}].content"
                self.parts[name] = _compile(name, message.content)
                self.roles.append((message.role, name))
            return
        if spec.system is not None:
            self.parts["prompt.system"] = _compile("prompt.system", spec.system)
            self.roles.append(("system", "prompt.system"))
        self.parts["prompt.user"] = _compile("prompt.user", spec.user or "")
        self.roles.append(("user", "prompt.user"))

    def _globals(self, name: str) -> dict[str, Any]:
        found = self._copied.get(name)
        if found is None:
            found = self._copied[name] = dict(self.parts[name].globals)
        return found

    def namespace(self, case: Case) -> dict[str, Any]:
        # Vars at top level; the target is deliberately absent so it cannot leak into prompts.
        merged = {**self.shared, **case.vars}
        return {**merged, "vars": merged, "metadata": case.metadata, "case_id": case.id}

    def _render(self, name: str, case: Case, namespace: dict[str, Any]) -> str:
        template = self.parts[name]
        try:
            # Template.render() copies the globals into a new dict on every call; a suite of
            # millions of cases renders cheaper from one copy (the same names, the same values).
            context = template.new_context({**self._globals(name), **namespace}, shared=True)
            try:
                return environment().concat(template.root_render_func(context))
            except Exception:
                environment().handle_exception()  # template line numbers in the traceback
        except TemplateError as exc:
            line = _template_line(exc, getattr(exc, "lineno", None))
            kind = UNDEFINED_VARIABLE if isinstance(exc, UndefinedError) else ""
            raise TemplateProblem(name, line, str(exc.message or exc), case.id, kind) from None
        except Exception as exc:  # a filter or method raising on this case's data
            raise TemplateProblem(name, _template_line(exc, None),
                                  f"{type(exc).__name__}: {exc}", case.id) from None

    def render(self, case: Case, seconds: float = CASE_SECONDS) -> Request:
        """The case's request; TemplateProblem when a part fails or the case's parts together
        go over the render budget (`seconds`, loop iterations, output size)."""
        namespace = self.namespace(case)
        with render_budget(seconds):
            if "prompt.completion" in self.parts:
                return Request(prompt=self._render("prompt.completion", case, namespace))
            return Request(messages=tuple(Message(role, self._render(name, case, namespace))
                                          for role, name in self.roles))
