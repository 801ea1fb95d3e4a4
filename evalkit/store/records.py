"""Typed records the store hands to the layers above it (frozen dataclasses, not row dicts).

A run is read by attribute (`run.suite`, `run.label`), so an IDE and mypy see every use; the
JSON columns come back decoded. `to_dict()` is the runs row as a plain dict, for JSON output
and for writing a run again (merge).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any, Sequence

# Columns of `runs` stored as JSON text and decoded on the way out.
RUN_JSON_COLUMNS = ("options", "provenance", "scorers", "slices", "gates", "shard",
                    "merged_from", "stop")


@dataclass(frozen=True, kw_only=True)
class RunRecord:
    """One row of `runs` (store/schema.py), JSON columns decoded, fields grouped by what
    they say (keyword-only, so required and optional fields can sit together)."""
    run_id: str
    label: str | None = None
    status: str  # running | completed | interrupted | failed | partial
    started_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    stop: Any = None  # where a batched run stopped dispatch and why
    # the suite: its file, contents and what it declares
    suite: str
    suite_path: str | None = None
    suite_hash: str
    cases_hash: str | None = None
    prompt_hash: str | None = None
    n_cases: int | None = None
    samples: int | None = None
    scorers: Any = None  # [{"name": ..., ...}] as the runner recorded them
    slices: Any = None  # metadata keys the suite groups results by
    gates: Any = None  # the suite's gate policy at run time
    # the model and how it was called
    model_ref: str
    backend: str
    fingerprint: str | None = None
    options: Any = None  # {"backend": ..., "generation": ...}
    seed: int | None = None
    resume_key: str | None = None  # same suite, model, options and label: resumed
    provenance: Any = None  # evalkit version, git commit, packages
    # sharded runs (evalkit run --shard, evalkit merge)
    shard: Any = None  # {index, count, cases_hash, n_cases} on a shard run
    merged_from: Any = None  # the shard runs a merged run was folded from

    @classmethod
    def from_row(cls, names: Sequence[str], row: Sequence[Any]) -> "RunRecord":
        data = dict(zip(names, row))
        for key in RUN_JSON_COLUMNS:
            if isinstance(data.get(key), str):
                data[key] = json.loads(data[key])
        known = {f.name for f in fields(cls)}  # a newer schema's extra columns are ignored
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def replace(self, **changes: Any) -> "RunRecord":
        return replace(self, **changes)
