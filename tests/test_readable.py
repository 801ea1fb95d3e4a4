"""evalkit.readable: the one home of numbers and labels for people. Each surface (terminal,
HTML, Markdown, JUnit, pytest) calls these, so the same number reads the same everywhere."""
from __future__ import annotations

import math

import pandas as pd

from evalkit import readable as r
from evalkit.cli.compare_view import delta_text as terminal_delta
from evalkit.cli.render import percent as terminal_percent
from evalkit.report.formatting import fmt_p, fmt_pct, fmt_pp


def test_missing_is_none_nan_or_na_never_text():
    assert r.missing(None) and r.missing(math.nan) and r.missing(pd.NA)
    assert not r.missing(0.0) and not r.missing("nan") and not r.missing("")


def test_rates_and_points():
    assert r.percent(0.125) == "12.5%" and r.percent(1.0, 0) == "100%"
    assert r.pp(-0.125) == "-12.5 pp" and r.pp(0.03) == "+3.0 pp"
    assert r.pp(-0.125, signed=False) == "-12.5 pp" and r.pp(0.05, signed=False) == "5.0 pp"
    assert r.pp_size(-0.2) == "20 pp" and r.pp_size(0.03) == "3.0 pp"
    assert r.pp_interval(-0.45, -1e-14) == "[-45.0, +0.0]"  # float dust is no sign
    assert (r.percent(None), r.pp(math.nan, none="-"), r.pp_interval(None, 0.1)) == ("–", "-", "–")


def test_numbers_p_values_and_changes():
    assert r.number(0.123456) == "0.1235" and r.number(-0.01, signed=True) == "-0.01"
    assert r.number(math.inf) == "∞" and r.number(None, none="-") == "-"
    assert r.p_value(0.031234) == "0.031" and r.p_value(0.031234, 3) == "0.0312"
    assert r.p_column(0.0004) == "<0.001" and r.p_column(0.25) == "0.250"
    assert r.relative_change(0.5) == "+50.0%" and r.relative_change(math.inf) == "new"
    assert r.stat_value(0.5, "pass_rate") == "50.0%" and r.stat_value(0.5, "mean") == "0.5"


def test_labels_and_deltas():
    assert r.metric_label("exact", "pass_rate") == "exact"
    assert r.metric_label("errors", "error_rate") == "errors (error rate)"
    assert r.slice_text(None, None) == "overall" and r.slice_text("lang", "fr") == "lang=fr"
    assert r.delta_text(-0.125, "pass_rate", -0.2, -0.05) == "-12.5 pp [-20.0, -5.0]"
    assert r.delta_text(-0.031, "mean", -0.05, -0.01) == "-0.031 [-0.1, -0.0]"
    assert r.delta_text(None, "pass_rate") == "–" and r.delta_text(0.1, "pass_rate") == "+10.0 pp"


def test_every_surface_writes_a_rate_the_same_way():
    """The terminal and the HTML filters are the shared functions with their own dash."""
    assert terminal_percent(0.125) == fmt_pct(0.125) == r.percent(0.125)
    assert terminal_delta(-0.125, "pass_rate") == fmt_pp(-0.125) == r.pp(-0.125)
    assert terminal_percent(None) == "-" and fmt_pct(None) == "–"
    assert fmt_p(0.0004) == r.p_column(0.0004)
