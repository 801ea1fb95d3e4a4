"""Results → column arrays for DuckDB bulk inserts (a dict of NumPy arrays, one INSERT)."""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Sequence

from ..redact import redact
from ..types import Completion, Result, canonical_json
from .schema import RESULT_COLUMNS, SCORE_COLUMNS


def _json(value: Any) -> str | None:
    return None if value is None else _ENCODER.encode(value)


# json.dumps(value, ensure_ascii=False, default=str) builds an encoder per call; four per row.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


# A lone surrogate is a valid Python str but not UTF-8 (APIs can send one as a JSON escape
# such as "\ud800"); DuckDB would refuse it and with it the whole batch.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: Any) -> Any:
    """Every string bound for the store has its secrets masked (outputs, errors, case vars,
    targets, explanations, details, cached completions alike)."""
    if not isinstance(value, str):
        return value
    value = redact(value)
    if _SURROGATE.search(value):
        return _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", value)
    return value


# From this many rows a batch goes to DuckDB as NumPy arrays (a third of the CPU per row);
# smaller ones as lists, so a run that never writes a big batch never imports NumPy (about
# 100 ms of CPU and 15 MB of memory once).
NUMPY_ROWS = 2000


# Columns evalkit makes itself (hex digests, generated ids) or that are not text: stored as
# they are. Masking is for what comes from outside, and a masked cache key would never hit.
MADE_HERE = frozenset({"run_id", "sample", "input_hash", "latency_s", "tokens_in", "tokens_out",
                       "cost_usd", "cached", "attempts", "passed", "value", "key",
                       "fingerprint"})


def _column(rows: Sequence[tuple], index: int, name: str) -> list:
    if name in MADE_HERE:
        return [row[index] for row in rows]
    return [_storable(row[index]) for row in rows]


def columns(rows: Sequence[tuple], names: Sequence[str]) -> dict:
    import numpy as np

    out = {}
    for index, name in enumerate(names):
        array = np.empty(len(rows), dtype=object)
        array[:] = _column(rows, index, name)
        out[name] = array
    return out


def column_lists(rows: Sequence[tuple], names: Sequence[str]) -> list[list]:
    return [_column(rows, index, name) for index, name in enumerate(names)]


def result_row(run_id: str, result: Result) -> tuple:
    c, case = result.completion, result.case
    return (run_id, case.id, result.sample, case.content_hash()[:16],
            _json(result.request.to_json()), c.text, c.error, c.latency_s, c.tokens_in,
            c.tokens_out, c.cost_usd, c.cached, c.attempts, c.finish_reason, c.model_id,
            _json(case.target), _json(dict(case.vars)), _json(dict(case.metadata)),
            _json(list(c.context) if c.context is not None else None),
            _json(list(c.citations) if c.citations is not None else None), result.passed,
            *((result.worker.node_id, result.worker.worker_id) if result.worker else (None, None)))


def score_rows(run_id: str, result: Result) -> Iterable[tuple]:
    for s in result.scores:
        yield (run_id, result.case.id, result.sample, s.scorer, s.value, s.passed,
               s.explanation, _json(dict(s.details)) if s.details else None)


def result_record(run_id: str, result: Result) -> dict:
    """One result and its scores as a JSON-ready dict (for spill files and exports)."""
    record = {k: _storable(v) for k, v in zip(RESULT_COLUMNS, result_row(run_id, result))}
    record["scores"] = [{k: _storable(v) for k, v in zip(SCORE_COLUMNS, row)}
                        for row in score_rows(run_id, result)]
    return record


def result_rows(run_id: str, results: Sequence[Result]) -> list[tuple]:
    return [result_row(run_id, r) for r in results]


def all_score_rows(run_id: str, results: Sequence[Result]) -> list[tuple]:
    return [row for r in results for row in score_rows(run_id, r)]


def cache_rows(entries: Sequence[tuple[str, str, Completion]]) -> list[tuple]:
    """(key, fingerprint, completion) → rows; the completion is stored as JSON (masked by
    _storable on its way in, like every string)."""
    return [(k, f, canonical_json(c.to_json())) for k, f, c in entries]
