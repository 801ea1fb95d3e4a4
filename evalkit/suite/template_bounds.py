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

Each check raises SecurityError inside the template, so the loader's error names the case
and the template line that went over.
"""
from __future__ import annotations

import re
import string
import threading
import time
from functools import wraps
from typing import Any

from jinja2 import nodes, pass_context
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import SandboxedEnvironment, SecurityError

MAX_REPEAT = 1_000_000  # repeat counts and widths a template may ask for
MAX_EXPONENT = 1_000
MAX_INT_BITS = 100_000  # ~30,000 decimal digits
MAX_RENDER_CHARS = 16_000_000  # characters one case may output (and any single value)
MAX_ITERATIONS = 1_000_000  # loop iterations and calls one case may make
CASE_SECONDS = 2.0
SUITE_SECONDS = 60.0
SUITE_CHARS = 1_000_000_000

LOOP_FILTER = "_evalkit_bounded_loop"
OUTPUT_FILTER = "_evalkit_counted_output"
TEXT_FILTER = "_evalkit_counted_text"
# `%` conversions: flags, width, precision
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)")
_NUMBER = re.compile(r"\d+")
_SIZED = frozenset({"center", "ljust", "rjust", "zfill"})


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


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set)) else 0


def check_value(value: Any) -> Any:
    """A value a template built: not longer than MAX_RENDER_CHARS, not a huge integer."""
    if _size(value) > MAX_RENDER_CHARS:
        raise SecurityError(f"the template builds a value longer than {MAX_RENDER_CHARS:,}")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise SecurityError(f"the template builds an integer larger than {MAX_INT_BITS:,} bits")
    return value


def check_width(value: Any, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_REPEAT:
        raise SecurityError(f"{what} {value:,} is larger than {MAX_REPEAT:,}")
    if isinstance(value, str) and len(value) > MAX_REPEAT:
        raise SecurityError(f"{what} is longer than {MAX_REPEAT:,} characters")


def check_percent_format(fmt: str, args: Any) -> None:
    """`fmt % args`: widths and precisions written in the format or passed with `*`."""
    starred = False
    for width, precision, _ in _PERCENT_SPEC.findall(fmt):
        for number in (width, precision):
            if number == "*":
                starred = True
            elif number:
                check_width(int(number), "a format width")
    if starred:
        for arg in args if isinstance(args, tuple) else (args,):
            check_width(arg, "a format width")


def check_format_string(fmt: str) -> None:
    """str.format: widths and precisions in the specs; nested `{:{w}}` specs are refused."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format raises its own error
    for _, _, spec, _ in fields:
        if not spec:
            continue
        if "{" in spec:
            raise SecurityError("nested replacement fields in a format spec are not allowed "
                                "in templates")
        for number in _NUMBER.findall(spec):
            check_width(int(number), "a format width")


def _precheck_method(obj: Any, args: tuple, kwargs: dict) -> None:
    """The str methods whose result can dwarf their inputs, checked before they run."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in _SIZED and args:
        check_width(args[0], f"{name}() width")
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        check_width(tabsize, "expandtabs() tab size")
        if isinstance(tabsize, int) and len(owner) * max(tabsize, 1) > MAX_RENDER_CHARS:
            raise SecurityError(f"expandtabs() would build more than {MAX_RENDER_CHARS:,} characters")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        _check_replace(owner, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count", -1))
    elif name == "join" and args:
        _check_join(owner, args[0])
    elif name == "translate" and args and isinstance(args[0], dict):
        longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
        if len(owner) * longest > MAX_RENDER_CHARS:
            raise SecurityError(f"translate() would build more than {MAX_RENDER_CHARS:,} characters")


def _check_replace(text: str, old: str, new: str, count: Any) -> None:
    if len(new) <= len(old):
        return
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    if len(text) + hits * (len(new) - len(old)) > MAX_RENDER_CHARS:
        raise SecurityError(f"replace() would build more than {MAX_RENDER_CHARS:,} characters")


def _check_join(separator: Any, items: Any) -> None:
    if not isinstance(items, (list, tuple)):
        return  # generators and the like are bounded by the loop budget as they are consumed
    total = len(str(separator)) * max(len(items) - 1, 0)
    total += sum(len(item) if isinstance(item, str) else 16 for item in items)
    if total > MAX_RENDER_CHARS:
        raise SecurityError(f"join() would build more than {MAX_RENDER_CHARS:,} characters")


# -- filters ----------------------------------------------------------------------------
def _checked_filters(filters: dict) -> dict:
    """Every filter: result size checked and time counted; the blowing-up ones pre-checked."""
    checked = {name: _bounded(function) for name, function in filters.items()}
    original = dict(filters)

    def center(value, width=80):
        check_width(width, "center width")
        return original["center"](value, width)

    def indent(value, width=4, first=False, blank=False):
        check_width(width, "indent width")
        lines = str(value).count("\n") + 1
        size = len(width) if isinstance(width, str) else (width if isinstance(width, int) else 0)
        if lines * size > MAX_RENDER_CHARS:
            raise SecurityError(f"indent() would build more than {MAX_RENDER_CHARS:,} characters")
        return original["indent"](value, width, first, blank)

    def format_(value, *args, **kwargs):
        check_percent_format(str(value), kwargs or args)
        return original["format"](value, *args, **kwargs)

    def batch(value, linecount, fill_with=None):
        check_width(linecount, "batch size")
        return original["batch"](value, linecount, fill_with)

    def slice_(value, slices, fill_with=None):
        check_width(slices, "slice count")
        return original["slice"](value, slices, fill_with)

    def tojson(eval_ctx, value, indent=None):
        check_width(indent, "tojson indent")
        return original["tojson"](eval_ctx, value, indent)

    overrides = {"center": center, "indent": indent, "format": format_, "batch": batch,
                 "slice": slice_}
    for name, function in overrides.items():
        checked[name] = _bounded(function)
    checked["tojson"] = _bounded(wraps(original["tojson"])(tojson))
    checked["replace"] = _bounded(_wrap_replace(original["replace"]))
    checked["join"] = _bounded(_wrap_join(original["join"]))
    return checked


def _wrap_replace(function):
    @wraps(function)
    def replace(eval_ctx, value, old, new, count=None):
        _check_replace(str(value), str(old), str(new), -1 if count is None else count)
        return function(eval_ctx, value, old, new, count)
    return replace


def _wrap_join(function):
    @wraps(function)
    def join(eval_ctx, value, d="", attribute=None):
        items = list(value) if not isinstance(value, (list, tuple)) else value
        current().step(len(items))
        _check_join(d, items)
        return function(eval_ctx, items, d, attribute)
    return join


def _bounded(function):
    @wraps(function)  # keeps jinja's pass_context / pass_eval_context marks
    def bounded(*args, **kwargs):
        current().step()
        return check_value(function(*args, **kwargs))
    return bounded


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    from jinja2.utils import generate_lorem_ipsum

    check_width(n * 100, "lipsum size")
    check_width(max, "lipsum words")
    return generate_lorem_ipsum(n, html, min, max)


# -- loops and output, through the code generator ------------------------------------------
def _bounded_loop(iterable):
    budget = current()
    for item in iterable:
        budget.step()
        yield item


@pass_context  # never evaluated at compile time
def _counted_output(context, value):
    text = value if type(value) is str else str(value)
    current().output(len(text))
    return text


@pass_context
def _counted_text(context, size: int) -> str:
    """Charges an Output node's template text (its constants, `size` characters) at once."""
    current().output(size)
    return ""


class BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator with every loop's iterable counted, every output counted,
    and every `~` concatenation's result size checked."""

    def visit_Template(self, node: nodes.Template, frame=None) -> None:
        # Rewritten before any code is written: the generator collects the filters a template
        # uses in a first pass.
        loops, outputs = list(node.find_all(nodes.For)), list(node.find_all(nodes.Output))
        for loop in loops:
            loop.iter = nodes.Filter(loop.iter, LOOP_FILTER, [], [], None, None,
                                     lineno=loop.lineno)
        for output in outputs:  # expressions counted one by one, template text at once
            text = sum(len(c.data) for c in output.nodes if isinstance(c, nodes.TemplateData))
            output.nodes = [child if isinstance(child, nodes.TemplateData) else
                            nodes.Filter(child, OUTPUT_FILTER, [], [], None, None,
                                         lineno=child.lineno) for child in output.nodes]
            if text:
                output.nodes.append(nodes.Filter(nodes.Const(text), TEXT_FILTER, [], [], None,
                                                 None, lineno=output.lineno))
        super().visit_Template(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame) -> None:
        self.write("environment.check_value(")
        super().visit_Concat(node, frame)
        self.write(")")


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox with the bounds above."""

    code_generator_class = BoundedCodeGenerator
    intercepted_binops = frozenset(["*", "**", "+", "%", "//"])

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.filters = _checked_filters(self.filters)
        self.filters[LOOP_FILTER] = _bounded_loop
        self.filters[OUTPUT_FILTER] = _counted_output
        self.filters[TEXT_FILTER] = _counted_text
        self.globals["lipsum"] = _lipsum

    @staticmethod
    def check_value(value: Any) -> Any:
        return check_value(value)

    def call_binop(self, context, operator, left, right):
        current().step()
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int) \
                        and len(seq) * count > MAX_REPEAT:
                    raise SecurityError(f"template builds a value longer than {MAX_REPEAT:,}")
            if _is_int(left) and _is_int(right) and \
                    left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise SecurityError(f"the template builds an integer larger than {MAX_INT_BITS:,} bits")
        elif operator == "**" and isinstance(right, (int, float)):
            if abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent larger than {MAX_EXPONENT} in a template")
            if _is_int(left) and _is_int(right) and left.bit_length() * abs(right) > MAX_INT_BITS:
                raise SecurityError(f"the template builds an integer larger than {MAX_INT_BITS:,} bits")
        elif operator == "+" and _size(left) + _size(right) > MAX_RENDER_CHARS:
            raise SecurityError(f"the template builds a value longer than {MAX_RENDER_CHARS:,}")
        elif operator == "%" and isinstance(left, str):
            check_percent_format(left, right)
        return check_value(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (jinja's signature)
        current().step()
        _precheck_method(__obj, args, kwargs)
        return check_value(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any):
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            check_format_string(value.__self__)
        return wrapped


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
