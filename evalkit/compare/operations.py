"""Cost, latency, tokens and errors of two runs, side by side (all results of each run)."""
from __future__ import annotations

import math

from ..store import Store, analytics
from ..store.analytics import MEASURE_NAMES as MEASURES


def relative_change(before, after) -> float:
    """after / before − 1; +inf when it grew from 0, NaN when either is unknown."""
    if before is None or after is None or math.isnan(before) or math.isnan(after):
        return math.nan
    if before == 0:
        return 0.0 if after == 0 else math.inf
    return after / before - 1.0


def operations(store: Store, base: str, cand: str):
    import pandas as pd

    found = analytics.operations(store, base, cand)
    empty = (0, 0, 0) + (None,) * (len(MEASURES) - 3)
    a, b = found.get(base, empty), found.get(cand, empty)
    rows = []
    for name, x, y in zip(MEASURES, a, b):
        x = None if x is None else float(x)
        y = None if y is None else float(y)
        rows.append({"measure": name, "baseline": x, "candidate": y,
                     "delta": None if x is None or y is None else y - x,
                     "change": relative_change(x, y)})
    return pd.DataFrame(rows)
