"""Repeated samples (`samples: k`): per-case pass rates, flaky cases, pass@k and pass^k."""
from __future__ import annotations

import numpy as np

from ..store import Store, analytics
from . import stats


def case_rates(store: Store, base: str, cand: str):
    """One row per case: samples, passes and pass rate on each run, and whether it is flaky
    (neither always passing nor always failing)."""
    frame = analytics.case_pass_counts(store, base, cand)
    for side in ("baseline", "candidate"):
        n, c = frame[f"{side}_n"], frame[f"{side}_passes"]
        frame[f"{side}_rate"] = (c / n).where(n > 0)
        frame[f"{side}_flaky"] = (c > 0) & (c < n)
    return frame


def summary(rates, k: int):
    """Per run: cases, pass@1, pass@k, pass^k and flaky cases (cases with at least k samples)."""
    import pandas as pd

    rows = []
    for side in ("baseline", "candidate"):
        n = rates[f"{side}_n"].to_numpy(dtype=np.int64)
        c = rates[f"{side}_passes"].to_numpy(dtype=np.int64)
        keep = n >= k
        n, c = n[keep], c[keep]
        rows.append({"run": side, "k": k, "cases": int(keep.sum()),
                     "pass@1": float(np.mean(c / n)) if len(n) else None,
                     "pass@k": float(np.mean(stats.pass_at_k(n, c, k))) if len(n) else None,
                     "pass^k": float(np.mean(stats.pass_hat_k(n, c, k))) if len(n) else None,
                     "flaky": int(((c > 0) & (c < n)).sum())})
    return pd.DataFrame(rows)
