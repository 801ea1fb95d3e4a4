"""The HTML report's Jinja filters (a missing value prints as '–'): the numbers come from
evalkit.readable, so the page writes them as the terminal and Markdown do."""
from __future__ import annotations

from typing import Any

from ..readable import missing, number, p_column, percent, pp, relative_change

__all__ = ["OPERATION_LABELS", "fmt_change", "fmt_measure", "fmt_num", "fmt_p", "fmt_pct",
           "fmt_pp", "missing"]

OPERATION_LABELS = {
    "results": ("results", "int"), "errors": ("errors", "int"), "cached": ("cached", "int"),
    "cost_total": ("cost, total (USD)", "usd"), "cost": ("cost per result (USD)", "usd"),
    "latency_p50": ("latency p50 (s)", "s"), "latency_p95": ("latency p95 (s)", "s"),
    "tokens_in": ("input tokens per result", "tok"),
    "tokens_out": ("output tokens per result", "tok"),
}


fmt_pct = percent
fmt_pp = pp
fmt_num = number
fmt_p = p_column
fmt_change = relative_change


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
