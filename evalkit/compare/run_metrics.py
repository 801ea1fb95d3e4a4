"""One run's metric values, overall and per slice value: what absolute gates check.

SQL (store/analytics.py) and tuples (no pandas), so `evalkit run` can check gates cheaply. Waived
cases are left out, as in a comparison.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..store import Store, analytics
from ..suite.gate_spec import Waiver


@dataclass(frozen=True)
class MetricValue:
    metric: str
    stat: str  # pass_rate | mean
    slice_key: str | None
    slice_value: str | None
    n: int  # cases
    value: float | None  # the mean over every (case, sample) row
    samples: int = 1  # (case, sample) rows per case, at most


def run_values(store: Store, run_id: str, slice_keys: Sequence[str],
               waivers: Sequence[Waiver] = ()) -> list[MetricValue]:
    rows = analytics.run_value_rows(store, run_id, slice_keys, waivers)
    return [MetricValue(m, s, k, v, int(n), value, int(samples or 1))
            for m, s, k, v, n, value, samples in rows]
