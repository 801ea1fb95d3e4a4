"""The store's typed read API for the layers above it: per-case results with their scores,
a run's totals, its failing cases and error causes, and export to a file.

The modules above the store ask these functions instead of writing SQL: one reader per
shape (the per-case results were read five times in five row shapes before).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..types import Completion
from .store import Store


@dataclass(frozen=True)
class ScoreResult:
    scorer: str
    value: float | None
    passed: bool | None
    explanation: str | None


@dataclass(frozen=True)
class CaseResult:
    """One (case, sample) of a run: the call's outcome and every scorer's score."""
    case_id: str
    sample: int
    passed: bool
    error: str | None
    output: str | None
    target: str | None  # JSON text
    latency_s: float | None
    cached: bool
    scores: tuple[ScoreResult, ...]  # ordered by scorer name

    def why(self) -> str:
        """The reasons this case failed: the call's error, then each failing scorer's words."""
        parts = [f"error: {self.error}"] if self.error else []
        parts += [f"{s.scorer}: {s.explanation or 'failed'}" for s in self.scores
                  if s.passed is False]
        return "; ".join(parts)


CASE_RESULTS = """
SELECT r.case_id, r.sample, r.passed, r.error, r.output, r.target::VARCHAR, r.latency_s, r.cached,
       list(struct_pack(scorer := s.scorer, value := s.value, passed := s.passed,
                        explanation := s.explanation)
            ORDER BY s.scorer) FILTER (WHERE s.scorer IS NOT NULL)
FROM results r LEFT JOIN scores s
  ON s.run_id = r.run_id AND s.case_id = r.case_id AND s.sample = r.sample
WHERE r.run_id = ?
GROUP BY ALL
ORDER BY r.case_id, r.sample
"""


def case_results(store: Store, run_id: str) -> list[CaseResult]:
    """Every result of a run with its scores, in (case id, sample) order, in one query."""
    return [CaseResult(case, int(sample), bool(passed), error, output, target, latency,
                       bool(cached),
                       tuple(ScoreResult(s["scorer"], s["value"], s["passed"], s["explanation"])
                             for s in (scores or ())))
            for case, sample, passed, error, output, target, latency, cached, scores
            in store.query(CASE_RESULTS, [run_id])]


# The columns completion_of reads, in its order.
COMPLETION_COLUMNS = ("output, error, latency_s, tokens_in, tokens_out, cost_usd, model_id, "
                      "finish_reason, context, citations")


def completion_of(row: tuple) -> Completion:
    """A stored result's COMPLETION_COLUMNS back as the Completion the backend returned."""
    text, error, latency, t_in, t_out, cost, model_id, finish, context, cites = row
    return Completion(text=text, error=error, latency_s=latency, tokens_in=t_in,
                      tokens_out=t_out, cost_usd=cost, model_id=model_id, finish_reason=finish,
                      context=tuple(json.loads(context)) if context else None,
                      citations=tuple(json.loads(cites)) if cites else None)


def pass_rate(store: Store, run_id: str) -> float | None:
    """The share of a run's results that passed (None for a run without results)."""
    (rate,), = store.query("SELECT avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END) FROM results "
                           "WHERE run_id = ?", [run_id])
    return rate


def pass_rate_and_count(store: Store, run_id: str) -> tuple[float | None, int]:
    (rate, n), = store.query("SELECT avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END), count(*) "
                             "FROM results WHERE run_id = ?", [run_id])
    return rate, int(n)


# Every alias with AS: DuckDB 1.1 reads a bare `cost` as a keyword.
RUN_TOTALS = ("SELECT count(*) AS n, count(error) AS errors, sum(CASE WHEN passed THEN 1 ELSE 0 "
              "END) AS passed, sum(CASE WHEN cached THEN 1 ELSE 0 END) AS cached, "
              "sum(cost_usd) AS cost, quantile_cont(latency_s, 0.5) AS p50, "
              "quantile_cont(latency_s, 0.95) AS p95, sum(tokens_in) AS tin, "
              "sum(tokens_out) AS tout FROM results WHERE run_id = ?")
FAILING = ("SELECT case_id, sample, output, error, target FROM results "
           "WHERE run_id = ? AND NOT passed ORDER BY case_id, sample")
EXPLANATIONS = ("SELECT case_id, sample, scorer, explanation FROM scores "
                "WHERE run_id = ? AND passed IS NOT TRUE")


def run_totals(store: Store, run_id: str) -> Any:
    """n, errors, passed, cached, cost, p50, p95, tin, tout of a run (a pandas row)."""
    return store.df(RUN_TOTALS, [run_id]).iloc[0]


def failing_cases(store: Store, run_id: str) -> Any:
    """The failing results (case_id, sample, output, error, target) as a DataFrame."""
    return store.df(FAILING, [run_id])


def failing_explanations(store: Store, run_id: str) -> Any:
    """(case_id, sample, scorer, explanation) of every score that did not pass."""
    return store.df(EXPLANATIONS, [run_id])


# Retry counts differ from case to case; the cause does not.
_ERROR_CAUSE = r"regexp_replace(left(error, 300), ' ?\(gave up after \d+ attempts?\)', '')"


def error_causes(store: Store, run_id: str) -> list[tuple[str, int]]:
    """(cause, count) of a run's errors, the most frequent first."""
    return [(cause, int(n)) for cause, n in store.query(
        f"SELECT {_ERROR_CAUSE} AS cause, count(*) AS n FROM results WHERE run_id = ? AND "
        "error IS NOT NULL GROUP BY cause ORDER BY n DESC, cause", [run_id])]


def latest_run_of_suite(store: Store, suite: str) -> str | None:
    """The newest run of a suite (any status), or None."""
    found = store.query("SELECT run_id FROM runs WHERE suite = ? ORDER BY started_at DESC "
                        "LIMIT 1", [suite])
    return found[0][0] if found else None


def case_counts(store: Store, run_id: str, slices: list[str]) -> dict:
    """Distinct cases of a run: {(None, None): all, (key, value): per slice value}."""
    from .slices import json_path

    counts: dict[tuple[str | None, str | None], int] = {(None, None): store.query("SELECT count(DISTINCT case_id) FROM results "
                                        "WHERE run_id = ?", [run_id])[0][0]}
    for key in slices:
        for value, n in store.query("SELECT json_extract_string(metadata, ?) v, "
                                    "count(DISTINCT case_id) FROM results WHERE run_id = ? "
                                    "AND v IS NOT NULL GROUP BY v", [json_path(key), run_id]):
            counts[(key, value)] = n
    return counts


EXPORT_SQL = """
SELECT r.*, s.scores
FROM results r
LEFT JOIN (
    SELECT case_id, sample,
           to_json(list({'scorer': scorer, 'value': value, 'passed': passed,
                         'explanation': explanation} ORDER BY scorer)) AS scores
    FROM scores WHERE run_id = $run GROUP BY case_id, sample
) s USING (case_id, sample)
WHERE r.run_id = $run
ORDER BY case_id, sample
"""
EXPORT_FORMATS = {"parquet": "FORMAT parquet", "csv": "FORMAT csv, HEADER",
                  "jsonl": "FORMAT json"}


def export(store: Store, run_id: str, target: Path, fmt: str) -> int:
    """Write a run's results, each with its scores as JSON, to `target` (parquet, csv or
    jsonl) with DuckDB's COPY; returns the rows written. Errors are DuckDB's."""
    escaped = str(target).replace("'", "''")
    store.query(f"COPY ({EXPORT_SQL}) TO '{escaped}' ({EXPORT_FORMATS[fmt]})", {"run": run_id})
    return int(store.query("SELECT count(*) FROM results WHERE run_id = ?", [run_id])[0][0])
