"""Named baselines as stored: a pointer to a run, kept with its history in `baselines`.

Every change is a row (action `set` or `rollback`, in `seq` order). The current run is
found by replaying them: `set` pushes a run, `rollback` pops back to the one before.
The rules for changing a baseline (a completed run, a valid name) are compare/baselines.py's;
this module only reads and appends rows.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from ..redact import redact
from .store import Store


@dataclass(frozen=True)
class BaselineEvent:
    seq: int
    action: str  # set | rollback
    run_id: str
    set_at: datetime
    note: str | None  # why (-m); a rollback without one says where it came from
    by: str | None = None  # who made the change (migration 6; None on older rows)
    summary: dict = field(default_factory=dict)  # what it changed (report/changelog.py)


def _has_column(store: Store, column: str) -> bool:
    # A database from before a migration (opened read-only, so not migrated) lacks it.
    return bool(store._query("SELECT 1 FROM information_schema.columns "
                             "WHERE table_name = 'baselines' AND column_name = ?", [column]))


def history(store: Store, name: str) -> list[BaselineEvent]:
    """Every change of NAME, oldest first."""
    if _has_column(store, "changed_by"):
        extra = "coalesce(seq, 0), coalesce(action, 'set'), run_id, set_at, note, changed_by, summary"
        order = "seq NULLS FIRST, set_at"
    elif _has_column(store, "seq"):
        extra = "coalesce(seq, 0), coalesce(action, 'set'), run_id, set_at, note, NULL, NULL"
        order = "seq NULLS FIRST, set_at"
    else:
        extra, order = "0, 'set', run_id, set_at, note, NULL, NULL", "set_at"
    rows = store._query(f"SELECT {extra} FROM baselines WHERE name = ? ORDER BY {order}", [name])
    return [BaselineEvent(*row[:6], summary=_json(row[6])) for row in rows]


def _json(value) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def stack(events: list[BaselineEvent]) -> list[str]:
    """The runs the baseline points at after replaying its events, the current one last."""
    runs: list[str] = []
    for event in events:
        if event.action == "rollback":
            if runs:
                runs.pop()
        else:
            runs.append(event.run_id)
    return runs


def current(store: Store, name: str) -> str | None:
    runs = stack(history(store, name))
    return runs[-1] if runs else None


def baseline_names(store: Store) -> list[str]:
    """Every baseline name, sorted."""
    return [n for (n,) in store._query("SELECT DISTINCT name FROM baselines ORDER BY name")]


def names(store: Store) -> list[tuple[str, str | None, int]]:
    """(name, current run, number of changes) for every baseline."""
    out = []
    for name in baseline_names(store):
        events = history(store, name)  # read once: the current run and the count both come from it
        runs = stack(events)
        out.append((name, runs[-1] if runs else None, len(events)))
    return out


def append(store: Store, name: str, action: str, run_id: str, note: str | None,
           by: str | None = None, summary: dict | None = None) -> None:
    """One change row, numbered after the name's last one."""
    # Masked like every other string the store writes: a why or a summary may quote output.
    text = redact(json.dumps(summary, default=str)) if summary else None
    store._query("INSERT INTO baselines (name, run_id, set_at, note, action, seq, changed_by, "
                 "summary) SELECT ?, ?, current_timestamp, ?, ?, coalesce(max(seq), 0) + 1, ?, ? "
                 "FROM baselines WHERE name = ?",
                 [name, run_id, redact(note) if note else None, action,
                  redact(by) if by else None, text, name])


def known_text(store: Store) -> str:
    """' (baselines: a, b)' or ' (no baselines are set)', for an error message."""
    known = baseline_names(store)
    return f" (baselines: {', '.join(known[:10])})" if known else " (no baselines are set)"
