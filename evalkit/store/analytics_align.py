"""Align two runs in DuckDB SQL: paired samples per metric, per-case units, slices, flips.

Part of the compare layer's read-only analytics entry (store/analytics.py): it reads the
stored runs and writes only TEMP tables in the store's connection.

Temporary tables (in the store's connection, also when it is read-only):
  _ek_units   metric, stat, case_id, a (baseline), b (candidate): the mean over the case's
              paired samples (same case id and sample on both runs), pass→fail / fail→pass counts
  _ek_slices  case_id, slice_key, slice_value (the candidate's metadata, else the baseline's)
  _ek_cases   one row per (case_id, sample) of either run, classified
  _ek_scores  one row per (case_id, sample, scorer) of either run, with value deltas

Metrics: `passed` (results.passed: every scorer passed and the call succeeded), each
scorer's pass rate, each scorer's mean value where its values are more than a copy
of pass/fail (an `exact` score of 1.0/0.0 would only repeat its pass rate), and the error
rate (`errors`, stat `error_rate`: calls that failed), overall only.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..suite.gate_spec import OVERALL_METRIC, Waiver
from .slices import json_path
from .store import Store

ERROR_METRIC, ERROR_STAT = "errors", "error_rate"
TABLES = ("_ek_waived", "_ek_units", "_ek_slices", "_ek_cases", "_ek_scores")


def waiver_lists(waivers: Sequence[Waiver]) -> tuple[list[str], list[str]]:
    """Parallel lists of waived case ids and metrics ('' = every metric)."""
    return [w.case for w in waivers], [w.metric or "" for w in waivers]


def valued_scorers(store: Store, run_ids: Sequence[str]) -> list[str]:
    """Scorers with a value that is not just 1.0/0.0 for pass/fail, in any of these runs."""
    rows = store._query("SELECT scorer FROM scores WHERE run_id IN (SELECT unnest(?::VARCHAR[])) "
                       "GROUP BY scorer HAVING bool_or(value IS NOT NULL AND "
                       "value IS DISTINCT FROM CASE WHEN passed THEN 1.0 ELSE 0.0 END) "
                       "ORDER BY scorer", [list(run_ids)])
    return [name for (name,) in rows]


UNITS = f"""
CREATE OR REPLACE TEMP TABLE _ek_units AS
WITH rb AS (SELECT case_id, sample, passed, error FROM results WHERE run_id = $base),
     rc AS (SELECT case_id, sample, passed, error FROM results WHERE run_id = $cand),
     sb AS (SELECT case_id, sample, scorer, value, passed FROM scores WHERE run_id = $base),
     sc AS (SELECT case_id, sample, scorer, value, passed FROM scores WHERE run_id = $cand),
pairs AS (  -- paired samples, one row per metric
    SELECT '{OVERALL_METRIC}' AS metric, 'pass_rate' AS stat, case_id, sample,
           CASE WHEN rb.passed THEN 1.0 ELSE 0.0 END AS a,
           CASE WHEN rc.passed THEN 1.0 ELSE 0.0 END AS b
    FROM rb JOIN rc USING (case_id, sample)
    UNION ALL
    SELECT '{ERROR_METRIC}', '{ERROR_STAT}', case_id, sample,
           CASE WHEN rb.error IS NULL THEN 0.0 ELSE 1.0 END,
           CASE WHEN rc.error IS NULL THEN 0.0 ELSE 1.0 END
    FROM rb JOIN rc USING (case_id, sample)
    UNION ALL
    SELECT scorer, 'pass_rate', case_id, sample, CASE WHEN sb.passed THEN 1.0 ELSE 0.0 END,
           CASE WHEN sc.passed THEN 1.0 ELSE 0.0 END
    FROM sb JOIN sc USING (case_id, sample, scorer)
    WHERE sb.passed IS NOT NULL AND sc.passed IS NOT NULL  -- a score without a verdict
    UNION ALL
    SELECT scorer, 'mean', case_id, sample, sb.value, sc.value
    FROM sb JOIN sc USING (case_id, sample, scorer)
    WHERE sb.value IS NOT NULL AND sc.value IS NOT NULL
      AND scorer IN (SELECT unnest($valued::VARCHAR[])))
SELECT p.metric, p.stat, p.case_id, avg(p.a) AS a, avg(p.b) AS b, count(*) AS k,
       -- flips for the worse (pass→fail; for errors ok→error) and for the better
       count(*) FILTER (WHERE (p.stat = 'pass_rate' AND p.a = 1 AND p.b = 0)
                           OR (p.stat = '{ERROR_STAT}' AND p.a = 0 AND p.b = 1)) AS pf,
       count(*) FILTER (WHERE (p.stat = 'pass_rate' AND p.a = 0 AND p.b = 1)
                           OR (p.stat = '{ERROR_STAT}' AND p.a = 1 AND p.b = 0)) AS fp
FROM pairs p
WHERE NOT EXISTS (SELECT 1 FROM _ek_waived w
                  WHERE w.case_id = p.case_id AND w.metric IN ('', p.metric))
GROUP BY p.metric, p.stat, p.case_id
"""

SLICES = """
CREATE OR REPLACE TEMP TABLE _ek_slices AS
WITH meta AS (
    SELECT case_id, first(metadata ORDER BY (run_id = $cand) DESC) AS metadata
    FROM results WHERE run_id IN ($base, $cand) GROUP BY case_id),
keys AS (SELECT unnest($keys::VARCHAR[]) AS slice_key, unnest($paths::VARCHAR[]) AS path)
SELECT case_id, slice_key, json_extract_string(metadata, path) AS slice_value
FROM meta, keys
WHERE json_extract_string(metadata, path) IS NOT NULL
"""

_AGGREGATES = """count(*) AS n, avg(a) AS baseline, avg(b) AS candidate, avg(b - a) AS delta,
    sum(pf)::BIGINT AS pass_to_fail, sum(fp)::BIGINT AS fail_to_pass, max(k) AS samples,
    var_pop(b - a) AS var_delta, var_pop(a) AS var_baseline, var_pop(b) AS var_candidate,
    avg(abs(b - a)) AS abs_delta, least(min(a), min(b)) AS low_value,
    greatest(max(a), max(b)) AS high_value"""

# The UNION sits in a FROM clause: DuckDB 1.x cannot ORDER BY an expression over a bare UNION.
GROUPS = f"""
SELECT * FROM (
SELECT metric, stat, NULL::VARCHAR AS slice_key, NULL::VARCHAR AS slice_value, {_AGGREGATES}
FROM _ek_units GROUP BY metric, stat
HAVING stat <> '{ERROR_STAT}' OR max(a) > 0 OR max(b) > 0  -- an error rate when there are errors
UNION ALL
SELECT metric, stat, slice_key, slice_value, {_AGGREGATES}
FROM _ek_units JOIN _ek_slices USING (case_id) WHERE stat <> '{ERROR_STAT}'
GROUP BY metric, stat, slice_key, slice_value)
ORDER BY metric = '{OVERALL_METRIC}' DESC, metric, stat DESC, slice_key NULLS FIRST, slice_value
"""

CASES = """
CREATE OR REPLACE TEMP TABLE _ek_cases AS
WITH rb AS (SELECT * FROM results WHERE run_id = $base),
     rc AS (SELECT * FROM results WHERE run_id = $cand)
SELECT coalesce(rb.case_id, rc.case_id) AS case_id, coalesce(rb.sample, rc.sample) AS sample,
       CASE WHEN rb.case_id IS NULL THEN 'new' WHEN rc.case_id IS NULL THEN 'removed'
            WHEN rb.passed AND rc.passed THEN 'still_passing'
            WHEN rb.passed THEN 'pass_to_fail' WHEN rc.passed THEN 'fail_to_pass'
            ELSE 'still_failing' END AS status,
       rb.passed AS baseline_passed, rc.passed AS candidate_passed,
       rb.error AS baseline_error, rc.error AS candidate_error,
       rb.latency_s AS baseline_latency_s, rc.latency_s AS candidate_latency_s,
       rb.cost_usd AS baseline_cost_usd, rc.cost_usd AS candidate_cost_usd,
       rb.tokens_out AS baseline_tokens_out, rc.tokens_out AS candidate_tokens_out,
       EXISTS (SELECT 1 FROM _ek_waived w WHERE w.case_id = coalesce(rb.case_id, rc.case_id)
               AND w.metric IN ('', $overall)) AS waived,
       coalesce(rc.metadata, rb.metadata) AS metadata
FROM rb FULL JOIN rc ON rb.case_id = rc.case_id AND rb.sample = rc.sample
"""

SCORES = """
CREATE OR REPLACE TEMP TABLE _ek_scores AS
WITH sb AS (SELECT * FROM scores WHERE run_id = $base),
     sc AS (SELECT * FROM scores WHERE run_id = $cand)
SELECT coalesce(sb.case_id, sc.case_id) AS case_id, coalesce(sb.sample, sc.sample) AS sample,
       coalesce(sb.scorer, sc.scorer) AS scorer,
       CASE WHEN sb.case_id IS NULL THEN 'new' WHEN sc.case_id IS NULL THEN 'removed'
            WHEN sb.passed IS NULL OR sc.passed IS NULL THEN 'no_verdict'
            WHEN sb.passed AND sc.passed THEN 'still_passing'
            WHEN sb.passed THEN 'pass_to_fail' WHEN sc.passed THEN 'fail_to_pass'
            ELSE 'still_failing' END AS status,
       sb.value AS baseline_value, sc.value AS candidate_value, sc.value - sb.value AS delta,
       sb.passed AS baseline_passed, sc.passed AS candidate_passed
FROM sb FULL JOIN sc ON sb.case_id = sc.case_id AND sb.sample = sc.sample
                    AND sb.scorer = sc.scorer
"""

WORST = """
WITH ranked AS (
    SELECT x.case_id, x.sample, x.status, coalesce(d.delta, 0) AS score_delta
    FROM _ek_cases x
    LEFT JOIN (SELECT case_id, sample, sum(delta) AS delta FROM _ek_scores
               GROUP BY case_id, sample) d USING (case_id, sample)
    WHERE NOT x.waived AND (x.status = 'pass_to_fail'
          OR (x.status IN ('still_passing', 'still_failing') AND d.delta < 0))
    ORDER BY x.status = 'pass_to_fail' DESC, score_delta, case_id, sample LIMIT $limit)
SELECT w.case_id, w.sample, w.status, w.score_delta, rc.target,
       rb.output AS baseline_output, rc.output AS candidate_output,
       rb.error AS baseline_error, rc.error AS candidate_error,
       (SELECT string_agg(s.scorer || ': ' || coalesce(s.explanation, ''), '; ' ORDER BY s.scorer)
        FROM scores s WHERE s.run_id = $cand AND s.case_id = w.case_id AND s.sample = w.sample
        AND s.passed IS NOT TRUE) AS why
FROM ranked w
JOIN results rb ON rb.run_id = $base AND rb.case_id = w.case_id AND rb.sample = w.sample
JOIN results rc ON rc.run_id = $cand AND rc.case_id = w.case_id AND rc.sample = w.sample
ORDER BY w.status = 'pass_to_fail' DESC, w.score_delta, w.case_id, w.sample
"""


class Alignment:
    """The SQL side of one comparison (baseline vs candidate) in the store's connection."""

    def __init__(self, store: Store, base: str, cand: str, *, waivers: Sequence[Waiver] = (),
                 slice_keys: Sequence[str] = ()):
        self.store, self.base, self.cand = store, base, cand
        cases, metrics = waiver_lists(waivers)
        store._query("CREATE OR REPLACE TEMP TABLE _ek_waived AS SELECT unnest(?::VARCHAR[]) "
                    "AS case_id, unnest(?::VARCHAR[]) AS metric", [cases, metrics])
        self.valued = valued_scorers(store, [base, cand])
        store._query(UNITS, {"base": base, "cand": cand, "valued": self.valued})
        self.slice_keys = list(slice_keys)
        store._query(SLICES, {"base": base, "cand": cand, "keys": self.slice_keys,
                             "paths": [json_path(k) for k in self.slice_keys]})

    def same_as_overall(self) -> set[str]:
        """Scorers whose pass/fail equals `passed` on every paired case (a suite with one
        scorer, say): the same test on the same data, counted once in the family."""
        rows = self.store._query(f"""
            SELECT u.metric FROM _ek_units u JOIN _ek_units o ON o.case_id = u.case_id
             AND o.metric = '{OVERALL_METRIC}' AND o.stat = 'pass_rate'
            WHERE u.stat = 'pass_rate' AND u.metric <> '{OVERALL_METRIC}'
            GROUP BY u.metric HAVING bool_and(u.a = o.a AND u.b = o.b) AND count(*) =
              (SELECT count(*) FROM _ek_units WHERE metric = '{OVERALL_METRIC}'
               AND stat = 'pass_rate')""")
        return {name for (name,) in rows}

    def groups(self):
        """Per (metric, stat) overall and per slice value: n, means, delta, flips, variances."""
        table = self.store.df(GROUPS)
        for column in ("slice_key", "slice_value"):  # None, not NaN, for the overall rows
            table[column] = table[column].astype(object).where(table[column].notna(), None)
        return table

    def unit_deltas(self, metric: str, stat: str):
        """Per-case deltas of one metric (sorted by case id), with the case's value of slice
        key i in column `s{i}`."""
        wide = ", ".join(f"max(slice_value) FILTER (WHERE slice_key = $k{i}) AS s{i}"
                         for i in range(len(self.slice_keys)))
        params = {"metric": metric, "stat": stat,
                  **{f"k{i}": key for i, key in enumerate(self.slice_keys)}}
        joined = (f"LEFT JOIN (SELECT case_id, {wide} FROM _ek_slices GROUP BY case_id) "
                  "USING (case_id)" if wide else "")
        return self.store.df(f"SELECT * FROM (SELECT case_id, b - a AS delta FROM _ek_units "
                             f"WHERE metric = $metric AND stat = $stat) {joined} ORDER BY case_id",
                             params)

    def case_tables(self, worst: int):
        """(cases, scores, worst cases with outputs) as DataFrames."""
        params = {"base": self.base, "cand": self.cand}
        self.store._query(CASES, {**params, "overall": OVERALL_METRIC})
        self.store._query(SCORES, params)
        cases = self.store.df("SELECT * FROM _ek_cases ORDER BY case_id, sample")
        scores = self.store.df("SELECT * FROM _ek_scores ORDER BY case_id, sample, scorer")
        worst_cases = self.store.df(WORST, {**params, "limit": int(worst)})
        return cases, scores, worst_cases

    def identical_outputs(self) -> tuple[int, int]:
        """(paired samples whose output and error are the same on both runs, paired samples)."""
        (same, total), = self.store._query(
            "SELECT count(*) FILTER (WHERE rb.output IS NOT DISTINCT FROM rc.output AND "
            "rb.error IS NOT DISTINCT FROM rc.error), count(*) FROM results rb JOIN results rc "
            "ON rc.run_id = $cand AND rc.case_id = rb.case_id AND rc.sample = rb.sample "
            "WHERE rb.run_id = $base", {"base": self.base, "cand": self.cand})
        return int(same), int(total)

    def drop(self) -> None:
        for table in TABLES:
            self.store._query(f"DROP TABLE IF EXISTS {table}")
