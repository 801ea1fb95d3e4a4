"""Results → column arrays for DuckDB bulk inserts (a dict of NumPy arrays, one INSERT)."""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Sequence

from ..redact import redact
from ..types import Completion, Result, canonical_json
from .schema import CACHE_COLUMNS, RESULT_COLUMNS, SCORE_COLUMNS


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


# A lone surrogate is a valid Python str but not UTF-8 (APIs can send one as a JSON escape
# such as "\ud800"); DuckDB would refuse it and with it the whole batch.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: Any) -> Any:
    if isinstance(value, str) and _SURROGATE.search(value):
        return _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", value)
    return value


def columns(rows: Sequence[tuple], names: Sequence[str]) -> dict:
    import numpy as np

    out = {}
    for index, name in enumerate(names):
        array = np.empty(len(rows), dtype=object)
        array[:] = [_storable(row[index]) for row in rows]
        out[name] = array
    return out


def result_row(run_id: str, result: Result) -> tuple:
    c, case = result.completion, result.case
    return (run_id, case.id, result.sample, case.content_hash()[:16],
            redact(_json(result.request.to_json())), redact(c.text), redact(c.error), c.latency_s, c.tokens_in,
            c.tokens_out, c.cost_usd, c.cached, c.attempts, c.finish_reason, c.model_id,
            _json(case.target), _json(dict(case.vars)), _json(dict(case.metadata)),
            _json(list(c.context) if c.context is not None else None),
            _json(list(c.citations) if c.citations is not None else None), result.passed,
            *((result.worker.node_id, result.worker.worker_id) if result.worker else (None, None)))


def score_rows(run_id: str, result: Result) -> Iterable[tuple]:
    for s in result.scores:
        yield (run_id, result.case.id, result.sample, s.scorer, s.value, s.passed,
               redact(s.explanation), _json(dict(s.details)) if s.details else None)


def result_record(run_id: str, result: Result) -> dict:
    """One result and its scores as a JSON-ready dict (for spill files and exports)."""
    record = dict(zip(RESULT_COLUMNS, result_row(run_id, result)))
    record["scores"] = [dict(zip(SCORE_COLUMNS, row)) for row in score_rows(run_id, result)]
    return record


def result_columns(run_id: str, results: Sequence[Result]) -> dict:
    return columns([result_row(run_id, r) for r in results], RESULT_COLUMNS)


def score_columns(run_id: str, results: Sequence[Result]) -> dict:
    return columns([row for r in results for row in score_rows(run_id, r)], SCORE_COLUMNS)


def cache_columns(entries: Sequence[tuple[str, str, Completion]]) -> dict:
    """(key, fingerprint, completion) → columns; the completion is stored as JSON."""
    return columns([(k, f, redact(canonical_json(c.to_json()))) for k, f, c in entries],
                   CACHE_COLUMNS)
