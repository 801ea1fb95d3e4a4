"""Numbers for people: the HTML report's Jinja filters (a missing value prints as '–')."""
from __future__ import annotations

import math
from typing import Any

OPERATION_LABELS = {
    "results": ("results", "int"), "errors": ("errors", "int"), "cached": ("cached", "int"),
    "cost_total": ("cost, total (USD)", "usd"), "cost": ("cost per result (USD)", "usd"),
    "latency_p50": ("latency p50 (s)", "s"), "latency_p95": ("latency p95 (s)", "s"),
    "tokens_in": ("input tokens per result", "tok"),
    "tokens_out": ("output tokens per result", "tok"),
}


def missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def fmt_pct(value: Any, digits: int = 1) -> str:
    return "–" if missing(value) else f"{float(value) * 100:.{digits}f}%"


def fmt_pp(value: Any) -> str:
    return "–" if missing(value) else f"{float(value) * 100:+.1f} pp"


def fmt_num(value: Any, digits: int = 4) -> str:
    if missing(value):
        return "–"
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    return f"{value:.{digits}g}"


def fmt_p(value: Any) -> str:
    if missing(value):
        return "–"
    value = float(value)
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def fmt_change(value: Any) -> str:
    if missing(value):
        return "–"
    value = float(value)
    if math.isinf(value):
        return "new"
    return f"{value:+.1%}"


def fmt_measure(value: Any, kind: str) -> str:
    if missing(value):
        return "–"
    value = float(value)
    if kind == "int":
        return f"{value:,.0f}"
    if kind == "usd":
        return f"${value:.4g}" if value < 1 else f"${value:,.2f}"
    if kind == "s":
        return f"{value:.3g} s"
    return f"{value:,.1f}"
