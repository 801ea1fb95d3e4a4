"""One run's metric values, overall and per slice value: what absolute gates check.

Plain SQL and tuples (no pandas), so `evalkit run` can check gates cheaply. Waived
cases are left out, as in a comparison.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..store import Store
from ..suite.gate_spec import OVERALL_METRIC, Waiver
from .align import json_path, valued_scorers, waiver_lists


@dataclass(frozen=True)
class MetricValue:
    metric: str
    stat: str  # pass_rate | mean
    slice_key: str | None
    slice_value: str | None
    n: int  # cases
    value: float | None  # the mean over every (case, sample) row
    samples: int = 1  # (case, sample) rows per case, at most


RUN_VALUES = f"""
WITH waived AS (SELECT unnest($cases::VARCHAR[]) AS case_id, unnest($metrics::VARCHAR[]) AS metric),
keys AS (SELECT unnest($keys::VARCHAR[]) AS slice_key, unnest($paths::VARCHAR[]) AS path),
long AS (
    SELECT '{OVERALL_METRIC}' AS metric, 'pass_rate' AS stat, case_id,
           CASE WHEN passed THEN 1.0 ELSE 0.0 END AS v
    FROM results WHERE run_id = $run
    UNION ALL
    SELECT scorer, 'pass_rate', case_id, CASE WHEN passed THEN 1.0 ELSE 0.0 END
    FROM scores WHERE run_id = $run AND passed IS NOT NULL  -- a score without a verdict
    UNION ALL
    SELECT scorer, 'mean', case_id, value FROM scores
    WHERE run_id = $run AND value IS NOT NULL AND scorer IN (SELECT unnest($valued::VARCHAR[]))),
kept AS (SELECT * FROM long l WHERE NOT EXISTS (
    SELECT 1 FROM waived w WHERE w.case_id = l.case_id AND w.metric IN ('', l.metric))),
slices AS (  -- once per case, not per row and metric
    SELECT DISTINCT case_id, slice_key, json_extract_string(metadata, path) AS slice_value
    FROM results, keys WHERE run_id = $run AND json_extract_string(metadata, path) IS NOT NULL)
SELECT metric, stat, NULL::VARCHAR, NULL::VARCHAR, count(DISTINCT case_id), avg(v),
       ceil(count(*) / count(DISTINCT case_id))::INT FROM kept GROUP BY ALL
UNION ALL
SELECT metric, stat, slice_key, slice_value, count(DISTINCT case_id), avg(v),
       ceil(count(*) / count(DISTINCT case_id))::INT
FROM kept JOIN slices USING (case_id) GROUP BY ALL
ORDER BY 1, 2, 3 NULLS FIRST, 4
"""


def run_values(store: Store, run_id: str, slice_keys: Sequence[str],
               waivers: Sequence[Waiver] = ()) -> list[MetricValue]:
    cases, metrics = waiver_lists(waivers)
    rows = store.query(RUN_VALUES, {
        "run": run_id, "cases": cases, "metrics": metrics,
        "valued": valued_scorers(store, [run_id]), "keys": list(slice_keys),
        "paths": [json_path(k) for k in slice_keys]})
    return [MetricValue(m, s, k, v, int(n), value, int(samples or 1))
            for m, s, k, v, n, value, samples in rows]
