"""The typed rows of a comparison: one `MetricRow` per metric × stat × slice, one
`CaseTransition` per (case, sample). A missing number is None, never NaN, so a consumer
tests `x is None` rather than `x != x`; `frame()` turns rows back into a DataFrame for
notebooks (Diff.metrics_frame() / Diff.cases_frame()).
"""
from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

from ..suite.gate_spec import OVERALL_METRIC


@dataclass(frozen=True)
class MetricRow:
    """One test of a comparison (see verdicts.py for how each number is made)."""
    metric: str
    stat: str  # pass_rate | mean | error_rate
    slice_key: str | None  # None: the overall row
    slice_value: str | None
    n: int  # cases both runs have
    samples: int
    baseline: float | None
    candidate: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    interval: str  # tango score | bootstrap
    pass_to_fail: int | None  # None for mean scores: flips mean nothing there
    fail_to_pass: int | None
    test: str
    p: float | None  # None: not tested
    p_adj: float | None
    family: str  # primary | secondary
    level: float | None  # the row's first share of alpha
    same_as: str | None  # a scorer identical to `passed` takes that row's numbers
    margin: float
    verdict: str  # regressed | improved | no detectable change | no data
    mde: float | None

    @property
    def p_holm(self) -> float | None:
        """The former name of p_adj (Holm is the graph procedure with equal weights)."""
        return self.p_adj

    @property
    def overall(self) -> bool:
        return self.slice_key is None

    @property
    def is_duplicate(self) -> bool:
        return self.same_as is not None

    def matches(self, metric: str = OVERALL_METRIC, stat: str = "pass_rate",
                slice_key: str | None = None, slice_value: str | None = None) -> bool:
        return (self.metric == metric and self.stat == stat and self.slice_key == slice_key
                and (slice_key is None or self.slice_value == slice_value))


class CaseTransition(NamedTuple):
    """One (case, sample) across the two runs. A NamedTuple, not a dataclass: a comparison
    makes one per (case, sample), and 100,000 frozen dataclasses cost seconds to build."""
    case_id: str
    sample: int
    status: str  # pass_to_fail | fail_to_pass | still_passing | still_failing | new | removed
    baseline_passed: bool | None  # None: the baseline lacks the sample
    candidate_passed: bool | None
    baseline_error: str | None
    candidate_error: str | None
    baseline_latency_s: float | None
    candidate_latency_s: float | None
    baseline_cost_usd: float | None
    candidate_cost_usd: float | None
    baseline_tokens_out: int | None
    candidate_tokens_out: int | None
    waived: bool
    metadata: Any = None


METRIC_COLUMNS = [f.name for f in fields(MetricRow)]
CASE_COLUMNS = list(CaseTransition._fields)
# the DataFrame keeps p_holm beside p_adj, where notebooks have read it before
METRIC_FRAME_COLUMNS = METRIC_COLUMNS[:METRIC_COLUMNS.index("p_adj") + 1] + ["p_holm"] + \
    METRIC_COLUMNS[METRIC_COLUMNS.index("p_adj") + 1:]
INTS = {"n", "samples", "pass_to_fail", "fail_to_pass", "sample", "baseline_tokens_out",
        "candidate_tokens_out"}


def _column(series, integer: bool) -> list:
    """A DataFrame column as Python values, NaN / NA → None (vectorised: the cases table
    has a row per (case, sample), 100,000s of them)."""
    if series.hasnans:
        values = series.astype(object).where(series.notna(), None).tolist()
    else:  # nothing to replace: tolist() gives Python values already
        values = series.tolist()
    if integer and series.dtype.kind not in "iu":  # ints with gaps come as floats or Int64
        values = [v if v is None else int(v) for v in values]
    return values


def _cells(table, columns: Sequence[str]) -> list[list]:
    return [_column(table[c], c in INTS) for c in columns]


def metric_rows(table) -> tuple[MetricRow, ...]:
    """verdicts.analyse's DataFrame as MetricRows (the calibration simulation calls this)."""
    if table is None or len(table) == 0:
        return ()
    return tuple(map(MetricRow, *_cells(table, METRIC_COLUMNS)))


def case_transitions(table) -> tuple[CaseTransition, ...]:
    """Alignment.case_tables' cases DataFrame as CaseTransitions."""
    if table is None or len(table) == 0:
        return ()
    cells = _cells(table, CASE_COLUMNS)
    # the rows hold no cycles: pausing the collector spares it passes over 100,000s of new
    # tuples (0.32 → 0.19 s CPU at 100,000 rows)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return tuple(map(CaseTransition._make, zip(*cells)))
    finally:
        if enabled:
            gc.enable()


def frame(rows: Iterable, columns: Sequence[str]):
    """Rows as a DataFrame with `columns` (an empty one keeps them)."""
    import pandas as pd

    return pd.DataFrame([[getattr(r, c) for c in columns] for r in rows], columns=list(columns))
