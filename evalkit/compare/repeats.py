"""Repeated samples (`samples: k`): per-case pass rates, flaky cases, pass@k and pass^k."""
from __future__ import annotations

import numpy as np

from ..store import Store
from . import stats

PER_CASE = """
SELECT case_id,
       count(*) FILTER (WHERE run_id = $base) AS baseline_n,
       count(*) FILTER (WHERE run_id = $base AND passed) AS baseline_passes,
       count(*) FILTER (WHERE run_id = $cand) AS candidate_n,
       count(*) FILTER (WHERE run_id = $cand AND passed) AS candidate_passes
FROM results WHERE run_id IN ($base, $cand) GROUP BY case_id ORDER BY case_id
"""


def case_rates(store: Store, base: str, cand: str):
    """One row per case: samples, passes and pass rate on each run, and whether it is flaky
    (neither always passing nor always failing)."""
    frame = store.df(PER_CASE, {"base": base, "cand": cand})
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
