"""Numbers and labels for people: the one home of how evalkit writes a rate, a change in
percentage points, a p-value, a delta with its interval, a metric's name and a slice.

The terminal, the HTML and Markdown reports, JUnit and the pytest summary call these, so a
number reads the same everywhere; a surface keeps only its own choice of digits and of the
mark for a missing value (`none`: '–' in reports, '-' in the terminal and pytest).
A missing value is None or NaN (DataFrames and DuckDB hand over both).
"""
from __future__ import annotations

import math
from typing import Any

DASH = "–"


def missing(value: Any) -> bool:
    """None, NaN or pandas' NA (text, even 'nan', and anything else that is not a number
    counts as present: a model may answer 'nan')."""
    if value is None:
        return True
    if isinstance(value, (str, bytes)):
        return False
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):  # pandas' NA and NaT refuse float(); pandas not imported
        return type(value).__name__ in ("NAType", "NaTType")


def percent(value: Any, digits: int = 1, none: str = DASH) -> str:
    """A rate as a percentage: 0.125 → '12.5%'."""
    return none if missing(value) else f"{float(value) * 100:.{digits}f}%"


def pp(value: Any, digits: int = 1, signed: bool = True, none: str = DASH) -> str:
    """A difference of rates in percentage points: -0.125 → '-12.5 pp'."""
    if missing(value):
        return none
    return f"{float(value) * 100:{'+' if signed else ''}.{digits}f} pp"


def pp_size(value: float) -> str:
    """The size of a change in pp, for sentences: whole points from 10 pp ('20 pp', '3.0 pp')."""
    return f"{abs(value) * 100:.{0 if abs(value) >= 0.0995 else 1}f} pp"


def pp_interval(low: Any, high: Any, digits: int = 1, none: str = DASH) -> str:
    """An interval of a difference of rates, in pp without the unit: '[-20.0, -5.0]'.
    Float dust of a sum (|x| < 1e-12) prints as 0."""
    if missing(low) or missing(high):
        return none
    low, high = (0.0 if abs(x) < 1e-12 else float(x) for x in (low, high))
    return f"[{low * 100:+.{digits}f}, {high * 100:+.{digits}f}]"


def number(value: Any, digits: int = 4, none: str = DASH, signed: bool = False) -> str:
    """A plain number to `digits` significant digits; infinities as ∞."""
    if missing(value):
        return none
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    return f"{value:{'+' if signed else ''}.{digits}g}"


def relative_change(value: Any, none: str = DASH) -> str:
    """A relative change (cost, latency): 0.123 → '+12.3%'; from zero: 'new'."""
    if missing(value):
        return none
    value = float(value)
    return "new" if math.isinf(value) else f"{value:+.1%}"


def p_value(value: Any, digits: int = 2, none: str = DASH) -> str:
    """A p-value to `digits` significant digits: '0.031'."""
    return none if missing(value) else f"{float(value):.{digits}g}"


def p_column(value: Any, none: str = DASH) -> str:
    """A p-value in a table column: three decimals, '<0.001' below."""
    if missing(value):
        return none
    value = float(value)
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def stat_value(value: Any, stat: str, none: str = DASH) -> str:
    """A metric's value: a percentage for rates, four significant digits for means."""
    return percent(value, none=none) if stat != "mean" else number(value, none=none)


def metric_label(metric: str, stat: str) -> str:
    """'exact' for a pass rate, 'sim (mean)', 'errors (error rate)' for other stats."""
    return metric if stat == "pass_rate" else f"{metric} ({stat.replace('_', ' ')})"


def slice_text(key: Any, value: Any) -> str:
    """'overall', or 'key=value' for a slice."""
    return "overall" if missing(key) else f"{key}={value}"


def delta_text(delta: Any, stat: str, low: Any = None, high: Any = None) -> str:
    """A change with its interval: '-12.5 pp [-20.0, -5.0]' for rates, '-0.031 [...]' for
    means (interval in pp for rates, in the score's units for means)."""
    if missing(delta):
        return DASH
    if stat == "mean":
        text = number(delta, signed=True)
        if not (missing(low) or missing(high)):
            text += f" [{low:+.1f}, {high:+.1f}]"
        return text
    return pp(delta) + ("" if missing(low) or missing(high) else " " + pp_interval(low, high))
