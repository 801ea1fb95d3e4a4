"""Analytics: the compare layer's one read-only entry to the store's analytical SQL.

Comparisons, noise estimates, plans, repeated samples and agreement are aggregations over
whole runs, best done where the data is (DuckDB). Their SQL lives here and in the
analytics_*.py modules this one gathers, so no layer above the store writes SQL. Everything
here only reads the stored tables; the alignment's scratch tables are TEMP ones in the
store's connection (allowed on a read-only open, gone when it closes).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..suite.gate_spec import OVERALL_METRIC, Waiver
from .analytics_align import (
    ERROR_METRIC,
    ERROR_STAT,
    Alignment,
    valued_scorers,
    waiver_lists,
)
from .analytics_slices import SliceCases, slice_cases
from .human import has_review_tables
from .slices import json_path
from .store import Store

__all__ = ["ERROR_METRIC", "ERROR_STAT", "Alignment", "SliceCases", "json_path", "slice_cases",
           "valued_scorers", "waiver_lists"]

# -- one run's metric values (absolute gates) --------------------------------------------

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


def run_value_rows(store: Store, run_id: str, slice_keys: Sequence[str],
                   waivers: Sequence[Waiver] = ()) -> list[tuple]:
    """(metric, stat, slice key, slice value, cases, mean, samples per case) of one run,
    overall and per slice value, waived cases left out."""
    cases, metrics = waiver_lists(waivers)
    return store._query(RUN_VALUES, {
        "run": run_id, "cases": cases, "metrics": metrics,
        "valued": valued_scorers(store, [run_id]), "keys": list(slice_keys),
        "paths": [json_path(k) for k in slice_keys]})


def pass_values(store: Store, run_id: str, metric: str) -> list[tuple[str, int, Any]]:
    """(case id, sample, passed) of one run on `metric` (overall or one scorer's)."""
    if metric == OVERALL_METRIC:
        return store._query("SELECT case_id, sample, passed FROM results WHERE run_id = ?",
                            [run_id])
    return store._query("SELECT case_id, sample, passed FROM scores WHERE run_id = ? AND "
                        "scorer = ?", [run_id, metric])


# -- two runs side by side -----------------------------------------------------------------

MEASURES = {  # name: SQL aggregate over one run's results
    "results": "count(*)",
    "errors": "count(error)",
    "cached": "count(*) FILTER (WHERE cached)",
    "cost_total": "sum(cost_usd)",
    "cost": "avg(cost_usd)",  # per result: runs of different sizes stay comparable
    "latency_p50": "quantile_cont(latency_s, 0.5)",
    "latency_p95": "quantile_cont(latency_s, 0.95)",
    "tokens_in": "avg(tokens_in)",
    "tokens_out": "avg(tokens_out)",
}
MEASURE_NAMES = tuple(MEASURES)
OPERATIONS = ("SELECT run_id, " + ", ".join(f"{sql} AS {name}" for name, sql in MEASURES.items())
              + " FROM results WHERE run_id IN ($base, $cand) GROUP BY run_id")


def operations(store: Store, base: str, cand: str) -> dict[str, tuple]:
    """run id → its MEASURE_NAMES values (a run without results is absent)."""
    return {row[0]: row[1:] for row in store._query(OPERATIONS, {"base": base, "cand": cand})}


PER_CASE = """
SELECT case_id,
       count(*) FILTER (WHERE run_id = $base) AS baseline_n,
       count(*) FILTER (WHERE run_id = $base AND passed) AS baseline_passes,
       count(*) FILTER (WHERE run_id = $cand) AS candidate_n,
       count(*) FILTER (WHERE run_id = $cand AND passed) AS candidate_passes
FROM results WHERE run_id IN ($base, $cand) GROUP BY case_id ORDER BY case_id
"""


def case_pass_counts(store: Store, base: str, cand: str):
    """Per case (a DataFrame): samples and passes on each run."""
    return store.df(PER_CASE, {"base": base, "cand": cand})


# -- finding runs to measure noise on ------------------------------------------------------

SAME_CONFIGURATION = """r.suite = b.suite AND r.suite_hash = b.suite_hash
  AND r.cases_hash IS NOT DISTINCT FROM b.cases_hash AND r.model_ref = b.model_ref
  AND r.fingerprint IS NOT DISTINCT FROM b.fingerprint
  AND r.options::VARCHAR IS NOT DISTINCT FROM b.options::VARCHAR"""
RERUN = f"""
SELECT r.run_id FROM runs r JOIN runs b ON b.run_id = $base
WHERE r.run_id NOT IN ($base, $cand) AND r.status = 'completed' AND {SAME_CONFIGURATION}
ORDER BY r.started_at DESC LIMIT 1
"""
AA_PAIR = f"""
SELECT b.run_id, r.run_id FROM runs b JOIN runs r
  ON {SAME_CONFIGURATION} AND (b.started_at, b.run_id) < (r.started_at, r.run_id)
WHERE b.suite = $suite AND b.status = 'completed' AND r.status = 'completed'
  AND (SELECT coalesce(avg(CASE WHEN cached THEN 1.0 ELSE 0.0 END), 1.0) FROM results
       WHERE run_id = r.run_id) <= $cached
ORDER BY r.started_at DESC, b.started_at DESC LIMIT 1
"""
RECENT_PAIR = """
SELECT run_id FROM (SELECT run_id, started_at FROM runs
                    WHERE suite = $suite AND status = 'completed'
                    ORDER BY run_id = $base DESC, started_at DESC LIMIT 2)
ORDER BY started_at, run_id  -- the older first, whichever way the pair was found
"""


def rerun_of(store: Store, base: str, other: str | None = None) -> str | None:
    """The latest completed run of the same configuration as `base` (not `other`)."""
    found = store._query(RERUN, {"base": base, "cand": other or base})
    return found[0][0] if found else None


def aa_pair(store: Store, suite: str, cached_at_most: float) -> tuple[str, str] | None:
    """The latest two completed runs of one configuration of `suite` (the later with at
    most `cached_at_most` of its answers from the cache): an A/A pair, older first."""
    found = store._query(AA_PAIR, {"suite": suite, "cached": cached_at_most})
    return (found[0][0], found[0][1]) if found else None


def recent_pair(store: Store, suite: str, base: str | None) -> list[str]:
    """The two most recent completed runs of `suite` (`base` one of them when given), older
    first; fewer when there are fewer."""
    return [r for (r,) in store._query(RECENT_PAIR, {"suite": suite, "base": base or ""})]


def cached_share(store: Store, run_id: str) -> float | None:
    """The share of the run's answers that came from the cache."""
    return store._query("SELECT avg(CASE WHEN cached THEN 1.0 ELSE 0.0 END) FROM results "
                        "WHERE run_id = ?", [run_id])[0][0]


# -- reviews: adjudications and human ratings ----------------------------------------------

LATEST_ADJUDICATIONS = """
SELECT * FROM (
    SELECT *, row_number() OVER (PARTITION BY case_id, sample, reviewer
                                 ORDER BY decided_at DESC NULLS LAST, imported_at DESC) AS rank
    FROM adjudications WHERE suite = ?) WHERE rank = 1
ORDER BY case_id, sample, reviewer
"""
JUDGED = """
SELECT h.passed AS human, j.passed AS judge, h.value AS human_value, j.value AS judge_value
FROM scores h JOIN scores j ON j.run_id = h.run_id AND j.case_id = h.case_id
                           AND j.sample = h.sample AND j.scorer = $judge
WHERE h.run_id IN (SELECT unnest($runs::VARCHAR[])) AND h.scorer = $human
  AND h.passed IS NOT NULL AND j.passed IS NOT NULL
"""


def latest_adjudications(store: Store, suite: str):
    """Each reviewer's latest decision on each flip of the suite (a DataFrame), or None
    where the database has no review tables."""
    if not has_review_tables(store):
        return None
    return store.df(LATEST_ADJUDICATIONS, [suite]).drop(columns=["rank"])


def human_ratings(store: Store, run_ids: Sequence[str]):
    """Every human rating of these runs (a DataFrame), or None without review tables."""
    if not has_review_tables(store):
        return None
    return store.df("SELECT run_id, case_id, sample, rubric, reviewer, score FROM "
                  "human_ratings WHERE run_id IN (SELECT unnest(?::VARCHAR[]))", [list(run_ids)])


def score_details(store: Store, run_ids: Sequence[str], scorer: str) -> dict:
    """The stored details of one score of `scorer` in these runs ({} when none has any)."""
    found = store._query("SELECT details FROM scores WHERE run_id IN (SELECT unnest(?::VARCHAR[]))"
                         " AND scorer = ? AND details IS NOT NULL LIMIT 1",
                         [list(run_ids), scorer])
    return json.loads(found[0][0]) if found else {}


def judged_pairs(store: Store, run_ids: Sequence[str], human: str, judge: str):
    """Per sample both scorers judged (a DataFrame): human and judge verdicts and values."""
    return store.df(JUDGED, {"runs": list(run_ids), "human": human, "judge": judge})
