"""Reads for the report pages (HTML, review, trend, changelog): the store writes their SQL,
the report layer shapes the rows. Bulk reads return plain tuples in the order documented on
each function, since the HTML case table reads up to a million of them."""
from __future__ import annotations

from typing import Any, Sequence

from .slices import json_path
from .store import Store

# -- the HTML report's case table ---------------------------------------------------------

_PAIRED_RESULTS = """
WITH rb AS (SELECT * FROM results WHERE run_id = $base),
     rc AS (SELECT * FROM results WHERE run_id = $cand)
SELECT coalesce(rb.case_id, rc.case_id) AS case_id, coalesce(rb.sample, rc.sample) AS sample,
       rb.case_id IS NOT NULL, rc.case_id IS NOT NULL, rb.passed, rc.passed, rb.output, rc.output, rb.error, rc.error,
       coalesce(rc.target, rb.target)::VARCHAR AS target,
       rb.latency_s, rc.latency_s, rb.tokens_out, rc.tokens_out, rb.cost_usd, rc.cost_usd
       {slices}
FROM rb FULL JOIN rc ON rb.case_id = rc.case_id AND rb.sample = rc.sample
"""

_SINGLE_RESULTS = """
SELECT case_id, sample, passed, output, error, target::VARCHAR AS target, latency_s,
       tokens_out, cost_usd {slices}
FROM results WHERE run_id = $cand
"""

_PAIRED_SCORES = """
WITH sb AS (SELECT * FROM scores WHERE run_id = $base),
     sc AS (SELECT * FROM scores WHERE run_id = $cand)
SELECT coalesce(sb.case_id, sc.case_id), coalesce(sb.sample, sc.sample),
       coalesce(sb.scorer, sc.scorer), sb.case_id IS NOT NULL, sc.case_id IS NOT NULL,
       sb.value, sc.value, sb.passed, sc.passed, sb.explanation, sc.explanation
FROM sb FULL JOIN sc ON sb.case_id = sc.case_id AND sb.sample = sc.sample
                    AND sb.scorer = sc.scorer
"""

_SINGLE_SCORES = """
SELECT case_id, sample, scorer, value, passed, explanation FROM scores WHERE run_id = $cand
"""


def _slice_columns(keys: Sequence[str], metadata: str) -> tuple[str, dict[str, str]]:
    """Columns with each slice key's value (parameters $k0, $k1... hold the JSON paths)."""
    columns = "".join(f", json_extract_string({metadata}, $k{i})" for i in range(len(keys)))
    return columns, {f"k{i}": json_path(key) for i, key in enumerate(keys)}


def paired_results(store: Store, base: str, cand: str, keys: Sequence[str]) -> list[tuple]:
    """Both runs' results per (case, sample), full outer join: case_id, sample, in_base,
    in_cand, passed ×2, output ×2, error ×2, target, latency ×2, tokens_out ×2, cost ×2,
    then each slice key's value."""
    columns, paths = _slice_columns(keys, "coalesce(rc.metadata, rb.metadata)")
    return store.query(_PAIRED_RESULTS.format(slices=columns),
                       {"base": base, "cand": cand, **paths})


def single_results(store: Store, cand: str, keys: Sequence[str]) -> list[tuple]:
    """One run's results: case_id, sample, passed, output, error, target, latency_s,
    tokens_out, cost_usd, then each slice key's value."""
    columns, paths = _slice_columns(keys, "metadata")
    return store.query(_SINGLE_RESULTS.format(slices=columns), {"cand": cand, **paths})


def paired_scores(store: Store, base: str, cand: str) -> list[tuple]:
    """case_id, sample, scorer, in_base, in_cand, value ×2, passed ×2, explanation ×2."""
    return store.query(_PAIRED_SCORES, {"base": base, "cand": cand})


def single_scores(store: Store, cand: str) -> list[tuple]:
    """case_id, sample, scorer, value, passed, explanation."""
    return store.query(_SINGLE_SCORES, {"cand": cand})


_PROMPTS = """
SELECT rb.case_id, rb.prompt, rc.prompt, count(*) OVER () AS differing
FROM results rb JOIN results rc ON rc.run_id = $cand AND rc.case_id = rb.case_id
     AND rc.sample = rb.sample
WHERE rb.run_id = $base AND rb.prompt::VARCHAR IS DISTINCT FROM rc.prompt::VARCHAR
ORDER BY rb.case_id, rb.sample LIMIT 1
"""


def first_changed_prompt(store: Store, base: str, cand: str) -> tuple[str, Any, Any, int] | None:
    """(case id, baseline prompt, candidate prompt, cases whose prompt differs) for the first
    paired case whose rendered prompt differs, or None."""
    found = store.query(_PROMPTS, {"base": base, "cand": cand})
    return (found[0][0], found[0][1], found[0][2], int(found[0][3])) if found else None


# -- review pages ------------------------------------------------------------------------

_REVIEW_ITEMS = """
SELECT c.case_id, c.sample, c.prompt::VARCHAR, c.target::VARCHAR, c.output, c.error, c.passed,
       b.case_id IS NOT NULL AS paired, b.output, b.error, b.passed,
       json_extract_string(c.metadata, $slice_path) AS slice_value
FROM results c LEFT JOIN results b ON b.run_id = $base AND b.case_id = c.case_id
                                   AND b.sample = c.sample
WHERE c.run_id = $cand ORDER BY c.case_id, c.sample
"""


def review_rows(store: Store, cand: str, base: str | None, slice_key: str | None) -> list[tuple]:
    """Every (case, sample) of `cand` with the baseline's beside it: case_id, sample, prompt,
    target, output, error, passed, paired, baseline output, error, passed, slice value."""
    return store.query(_REVIEW_ITEMS, {
        "cand": cand, "base": base or "",
        "slice_path": json_path(slice_key) if slice_key else "$.__none__"})


def judge_details(store: Store, run_id: str) -> list[tuple[str, int, str]]:
    """(case_id, sample, details JSON) of the run's LLM-judge scores."""
    return store.query("SELECT case_id, sample, details FROM scores WHERE run_id = ? AND "
                       "json_extract(details, '$.rubric_sha256') IS NOT NULL", [run_id])


def machine_scores(store: Store, run_id: str) -> list[tuple[str, int, str, bool | None, str]]:
    """(case_id, sample, scorer, passed, explanation or '') of every score but people's
    (`human:` rubrics), by scorer name."""
    return store.query("SELECT case_id, sample, scorer, passed, coalesce(explanation, '') "
                       "FROM scores WHERE run_id = ? AND scorer NOT LIKE 'human:%' "
                       "ORDER BY scorer", [run_id])


def known_runs(store: Store, run_ids: Sequence[str]) -> set[str]:
    """Those of `run_ids` the store holds."""
    return {run for (run,) in store.query("SELECT run_id FROM runs WHERE run_id IN "
                                          "(SELECT unnest(?::VARCHAR[]))", [sorted(run_ids)])}


def case_ids_of_runs(store: Store, run_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(run_id, case_id) of every case the runs hold."""
    return store.query("SELECT DISTINCT run_id, case_id FROM results WHERE run_id IN "
                       "(SELECT unnest(?::VARCHAR[]))", [sorted(run_ids)])


def output_of(store: Store, run_id: str, case_id: str, sample: int) -> tuple[str | None, str | None]:
    """(output, error) of one stored result."""
    (output, error), = store.query("SELECT output, error FROM results WHERE run_id = ? AND "
                                   "case_id = ? AND sample = ?", [run_id, case_id, sample])
    return output, error


# -- trends and the changelog ----------------------------------------------------------------

def completed_runs_of_suite(store: Store, suite: str) -> list[tuple]:
    """(run_id, label, model_ref, started_at, slices, gates, samples) of the suite's completed
    runs, shards left out, oldest first (slices and gates as stored JSON)."""
    return store.query("SELECT run_id, label, model_ref, started_at, slices, gates, samples "
                       "FROM runs WHERE suite = ? AND status = 'completed' AND shard IS NULL "
                       "ORDER BY started_at, run_id", [suite])


def suite_has_runs(store: Store, suite: str) -> bool:
    return bool(store.query("SELECT 1 FROM runs WHERE suite = ? LIMIT 1", [suite]))


def suite_names(store: Store, limit: int = 10) -> list[str]:
    return [s for (s,) in store.query(f"SELECT DISTINCT suite FROM runs ORDER BY 1 "
                                      f"LIMIT {int(limit)}")]


def latest_gates(store: Store, suite: str) -> Any:
    """The gate policy (stored JSON) of the suite's latest completed run, or None."""
    found = store.query("SELECT gates FROM runs WHERE suite = ? AND status = 'completed' "
                        "ORDER BY started_at DESC LIMIT 1", [suite])
    return found[0][0] if found else None


def scorers_of_suite(store: Store, suite: str) -> list[str]:
    """Every scorer name the suite's runs stored scores under, sorted."""
    return [n for (n,) in store.query(
        "SELECT DISTINCT s.scorer FROM scores s JOIN runs r USING (run_id) WHERE r.suite = ? "
        "ORDER BY 1", [suite])]


def baseline_run_labels(store: Store, name: str) -> dict[str, str | None]:
    """run id -> label of every run the baseline NAME ever pointed at."""
    return dict(store.query("SELECT run_id, label FROM runs WHERE run_id IN "
                            "(SELECT run_id FROM baselines WHERE name = ?)", [name]))
