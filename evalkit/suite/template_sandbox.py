"""The bounded Jinja sandbox: every loop, output and `~` counted, every operator and call
checked (template_bounds.py has the limits, template_size.py the checks)."""
from __future__ import annotations

from typing import Any

from jinja2 import nodes, pass_context
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from .template_bounds import MAX_EXPONENT, MAX_INT_BITS, MAX_RENDER_CHARS, MAX_REPEAT, current
from .template_size import (
    check_format_string,
    check_percent_format,
    check_value,
    checked_filters,
    lipsum,
    precheck_method,
    size_of,
)

LOOP_FILTER = "_evalkit_bounded_loop"
OUTPUT_FILTER = "_evalkit_counted_output"
TEXT_FILTER = "_evalkit_counted_text"
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
        self.filters = checked_filters(self.filters)
        self.filters[LOOP_FILTER] = _bounded_loop
        self.filters[OUTPUT_FILTER] = _counted_output
        self.filters[TEXT_FILTER] = _counted_text
        self.globals["lipsum"] = lipsum

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
        elif operator == "+" and size_of(left) + size_of(right) > MAX_RENDER_CHARS:
            raise SecurityError(f"the template builds a value longer than {MAX_RENDER_CHARS:,}")
        elif operator == "%" and isinstance(left, str):
            check_percent_format(left, right)
        return check_value(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (jinja's signature)
        current().step()
        precheck_method(__obj, args, kwargs)
        return check_value(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any):
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            check_format_string(value.__self__)
        return wrapped


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
