"""Named baselines: a pointer to a run, kept with its history in the `baselines` table.

Every change is a row (action `set` or `rollback`, in `seq` order). The current run is
found by replaying them: `set` pushes a run, `rollback` pops back to the one before.
Also: resolving BASELINE / CANDIDATE references (run id, baseline name, label, prefix).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..errors import UsageError
from ..store import Store
from ..suite.schema import NAME_PATTERN

EXPLICIT = "baseline:"  # `baseline:prod` always means the named baseline


@dataclass(frozen=True)
class BaselineEvent:
    seq: int
    action: str  # set | rollback
    run_id: str
    set_at: datetime
    note: str | None


def _has_actions(store: Store) -> bool:
    # A database from before migration 2 (opened read-only, so not migrated) lacks them.
    return bool(store.query("SELECT 1 FROM information_schema.columns "
                            "WHERE table_name = 'baselines' AND column_name = 'seq'"))


def history(store: Store, name: str) -> list[BaselineEvent]:
    if _has_actions(store):
        rows = store.query("SELECT coalesce(seq, 0), coalesce(action, 'set'), run_id, set_at, "
                           "note FROM baselines WHERE name = ? ORDER BY seq NULLS FIRST, set_at",
                           [name])
    else:
        rows = store.query("SELECT 0, 'set', run_id, set_at, note FROM baselines "
                           "WHERE name = ? ORDER BY set_at", [name])
    return [BaselineEvent(*row) for row in rows]


def _stack(events: list[BaselineEvent]) -> list[str]:
    stack: list[str] = []
    for event in events:
        if event.action == "rollback":
            if stack:
                stack.pop()
        else:
            stack.append(event.run_id)
    return stack


def current(store: Store, name: str) -> str | None:
    stack = _stack(history(store, name))
    return stack[-1] if stack else None


def names(store: Store) -> list[tuple[str, str | None, int]]:
    """(name, current run, number of changes) for every baseline."""
    found = [n for (n,) in store.query("SELECT DISTINCT name FROM baselines ORDER BY name")]
    return [(n, current(store, n), len(history(store, n))) for n in found]


def _append(store: Store, name: str, action: str, run_id: str, note: str | None) -> None:
    store.query("INSERT INTO baselines (name, run_id, set_at, note, action, seq) "
                "SELECT ?, ?, current_timestamp, ?, ?, coalesce(max(seq), 0) + 1 "
                "FROM baselines WHERE name = ?", [name, run_id, note, action, name])


def set_baseline(store: Store, name: str, run_ref: str, note: str | None = None) -> str:
    """Point NAME at a completed run; returns its id."""
    if not re.match(NAME_PATTERN, name) or name.startswith(EXPLICIT):
        raise UsageError(f"baseline name '{name}' must be letters, digits, '.', '_' or '-'")
    run_id = resolve(store, run_ref)
    run = store.run(run_id)
    if run["status"] != "completed":
        raise UsageError(f"run {run_id} is {run['status']}, not completed; a baseline must be "
                         "a finished run (resume it first)")
    _append(store, name, "set", run_id, note)
    return run_id


def rollback(store: Store, name: str) -> tuple[str, str]:
    """Point NAME back at the run it had before its latest change; returns (from, to)."""
    stack = _stack(history(store, name))
    if not stack:
        raise UsageError(f"no baseline '{name}'" + _known(store))
    if len(stack) < 2:
        raise UsageError(f"baseline '{name}' has no earlier run to roll back to "
                         f"(it has only pointed at {stack[0]})")
    _append(store, name, "rollback", stack[-2], f"rolled back from {stack[-1]}")
    return stack[-1], stack[-2]


def require(store: Store, name: str) -> str:
    run_id = current(store, name)
    if run_id is None:
        raise UsageError(f"no baseline '{name}'" + _known(store)
                         + "\n  fix: evalkit baseline set NAME RUN")
    return run_id


def _known(store: Store) -> str:
    known = [n for n, _, _ in names(store)]
    return f" (baselines: {', '.join(known[:10])})" if known else " (no baselines are set)"


def resolve(store: Store, ref: str) -> str:
    """A run id, a baseline name (or `baseline:NAME`), a label (its latest run) or an id prefix."""
    if ref.startswith(EXPLICIT):
        return require(store, ref[len(EXPLICIT):])
    if store.query("SELECT 1 FROM runs WHERE run_id = ?", [ref]):
        return ref
    named = current(store, ref)
    return named if named is not None else store.resolve_run(ref)
