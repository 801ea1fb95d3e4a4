"""Size checks on what a template builds: values, str methods and filters (the limits and the
budget they charge are in template_bounds.py)."""
from __future__ import annotations

import re
import string
from functools import wraps
from typing import Any

from jinja2.sandbox import SecurityError

from .template_bounds import MAX_INT_BITS, MAX_RENDER_CHARS, MAX_REPEAT, current

# `%` conversions: flags, width, precision
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)")
_NUMBER = re.compile(r"\d+")
_SIZED = frozenset({"center", "ljust", "rjust", "zfill"})


def size_of(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set)) else 0


def check_value(value: Any) -> Any:
    """A value a template built: not longer than MAX_RENDER_CHARS, not a huge integer."""
    if size_of(value) > MAX_RENDER_CHARS:
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


def precheck_method(obj: Any, args: tuple, kwargs: dict) -> None:
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
def checked_filters(filters: dict) -> dict:
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


def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    from jinja2.utils import generate_lorem_ipsum

    check_width(n * 100, "lipsum size")
    check_width(max, "lipsum words")
    return generate_lorem_ipsum(n, html, min, max)
