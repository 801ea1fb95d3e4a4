"""Bounds on what a prompt template may cost: time, loop iterations, and the size of what
it builds.

Jinja's sandbox stops a template from reaching Python's internals, but not from asking
for a billion characters (`'x'.center(10**9)`, `'%01000000000d' % 1`, a string doubled in a
loop) or a billion loop iterations. A suite is data, and `evalkit validate` renders every
case's prompt, so each of these routes is closed here:

- numbers a template types that size a value (repeat counts, pad and format widths,
  `center`/`ljust`/`zfill`/`indent`/`batch` arguments) are at most MAX_REPEAT;
- values built from data (`~`, `+`, `join`, `replace`, …) are at most MAX_RENDER_CHARS
  characters, integers at most MAX_INT_BITS bits;
- loop iterations are counted (MAX_ITERATIONS per case), as is every character a
  template outputs, macros and `{% set %}` blocks included (MAX_RENDER_CHARS per case);
- rendering is timed: CASE_SECONDS per case, SUITE_SECONDS for a whole suite's cases.

This module holds the limits and the time/size budgets; template_size.py the checks on
values, methods and filters; template_sandbox.py the sandbox and code generator using them.

Each check raises SecurityError inside the template, so the loader's error names the case
and the template line that went over.
"""
from __future__ import annotations

import threading
import time

from jinja2.sandbox import SecurityError

MAX_REPEAT = 1_000_000  # repeat counts and widths a template may ask for
MAX_EXPONENT = 1_000
MAX_INT_BITS = 100_000  # ~30,000 decimal digits
MAX_RENDER_CHARS = 16_000_000  # characters one case may output (and any single value)
MAX_ITERATIONS = 1_000_000  # loop iterations and calls one case may make
CASE_SECONDS = 2.0
SUITE_SECONDS = 60.0
SUITE_CHARS = 1_000_000_000


class RenderBudget:
    """What one case's rendering may still spend (one per render, per thread)."""

    CLOCK_EVERY = 64  # steps between looks at the clock (each step is cheap and bounded)

    def __init__(self, seconds: float, chars: int = MAX_RENDER_CHARS,
                 iterations: int = MAX_ITERATIONS):
        self.deadline = time.perf_counter() + seconds
        self.seconds = seconds
        self.chars = chars
        self.steps = iterations
        self.check_at = iterations  # the clock is read when steps falls below this

    def step(self, count: int = 1) -> None:
        self.steps -= count
        if self.steps < self.check_at:
            if self.steps < 0:
                raise SecurityError(f"the template runs more than {MAX_ITERATIONS:,} loop "
                                    "iterations or calls for one case")
            if time.perf_counter() > self.deadline:
                raise SecurityError(f"rendering took longer than {self.seconds:g} s")
            self.check_at = self.steps - self.CLOCK_EVERY

    def output(self, size: int) -> None:
        self.chars -= size
        if self.chars < 0:
            raise SecurityError(f"the template outputs more than {MAX_RENDER_CHARS:,} "
                                "characters for one case")


_local = threading.local()


def current() -> RenderBudget:
    try:
        budget = _local.budget  # the hot path: every output, call and loop iteration
    except AttributeError:
        budget = None
    if budget is None:  # rendering outside render_budget (not evalkit's way): a fresh budget
        budget = _local.budget = RenderBudget(CASE_SECONDS)
    return budget


class SuiteBudget:
    """Time and characters left for a whole suite's renders."""

    def __init__(self, seconds: float | None = None, chars: int | None = None):
        self.seconds = SUITE_SECONDS if seconds is None else seconds
        self.chars = SUITE_CHARS if chars is None else chars
        self.deadline = time.perf_counter() + self.seconds

    def case_seconds(self) -> float:
        left = self.deadline - time.perf_counter()
        if left <= 0:
            raise SecurityError(f"rendering the suite's prompts took longer than "
                                f"{self.seconds:g} s")
        return min(CASE_SECONDS, left)

    def spent(self, chars: int) -> None:
        self.chars -= chars
        if self.chars < 0:
            raise SecurityError(f"the suite's prompts are longer than {SUITE_CHARS:,} "
                                "characters in all")


class render_budget:  # noqa: N801 (used as `with render_budget(seconds):`)
    """A fresh budget for the renders inside (one case's prompt parts). A plain class, not
    @contextmanager: that would write to the frozen TemplateProblem passing through."""

    def __init__(self, seconds: float = CASE_SECONDS):
        self.seconds = seconds

    def __enter__(self) -> RenderBudget:
        self.outer = getattr(_local, "budget", None)
        _local.budget = budget = RenderBudget(self.seconds)
        return budget

    def __exit__(self, *exc) -> None:
        _local.budget = self.outer
