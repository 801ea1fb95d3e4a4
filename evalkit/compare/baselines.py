"""Named baselines: a pointer to a run, kept with its history in the `baselines` table.

Every change is a row (action `set` or `rollback`, in `seq` order). The current run is
found by replaying them: `set` pushes a run, `rollback` pops back to the one before.
Also: resolving BASELINE / CANDIDATE references (run id, baseline name, label, prefix).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import UsageError
from ..redact import redact
from ..store import Store
from ..suite.schema import NAME_PATTERN

EXPLICIT = "baseline:"  # `baseline:prod` always means the named baseline


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
    return bool(store.query("SELECT 1 FROM information_schema.columns "
                            "WHERE table_name = 'baselines' AND column_name = ?", [column]))


def history(store: Store, name: str) -> list[BaselineEvent]:
    """Every change of NAME, oldest first."""
    if _has_column(store, "changed_by"):
        rows = store.query("SELECT coalesce(seq, 0), coalesce(action, 'set'), run_id, set_at, "
                           "note, changed_by, summary FROM baselines WHERE name = ? "
                           "ORDER BY seq NULLS FIRST, set_at", [name])
    elif _has_column(store, "seq"):
        rows = store.query("SELECT coalesce(seq, 0), coalesce(action, 'set'), run_id, set_at, "
                           "note, NULL, NULL FROM baselines WHERE name = ? "
                           "ORDER BY seq NULLS FIRST, set_at", [name])
    else:
        rows = store.query("SELECT 0, 'set', run_id, set_at, note, NULL, NULL FROM baselines "
                           "WHERE name = ? ORDER BY set_at", [name])
    return [BaselineEvent(*row[:6], summary=_json(row[6])) for row in rows]


def _json(value) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


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


def _append(store: Store, name: str, action: str, run_id: str, note: str | None,
            by: str | None = None, summary: dict | None = None) -> None:
    # Masked like every other string the store writes: a why or a summary may quote output.
    text = redact(json.dumps(summary, default=str)) if summary else None
    store.query("INSERT INTO baselines (name, run_id, set_at, note, action, seq, changed_by, "
                "summary) SELECT ?, ?, current_timestamp, ?, ?, coalesce(max(seq), 0) + 1, ?, ? "
                "FROM baselines WHERE name = ?",
                [name, run_id, redact(note) if note else None, action,
                 redact(by) if by else None, text, name])


Summarize = Callable[[str | None, str], dict]  # (run it replaces, new run) -> summary


def set_baseline(store: Store, name: str, run_ref: str, note: str | None = None, *,
                 by: str | None = None, summarize: Summarize | None = None) -> str:
    """Point NAME at a completed run; returns its id. `summarize(previous, run)` says what
    the change does (the report layer's comparison); it is stored with the change."""
    if not re.match(NAME_PATTERN, name) or name.startswith(EXPLICIT):
        raise UsageError(f"baseline name '{name}' must be letters, digits, '.', '_' or '-'")
    run_id = resolve(store, run_ref)
    run = store.run(run_id)
    if run.status != "completed":
        raise UsageError(f"run {run_id} is {run.status}, not completed; a baseline must be "
                         "a finished run (resume it first)")
    summary = summarize(current(store, name), run_id) if summarize else None
    _append(store, name, "set", run_id, note, by, summary)
    return run_id


def rollback(store: Store, name: str, note: str | None = None, *,
             by: str | None = None) -> tuple[str, str]:
    """Point NAME back at the run it had before its latest change; returns (from, to)."""
    events = history(store, name)
    stack = _stack(events)
    if not stack:
        raise UsageError(f"no baseline '{name}'" + _known(store))
    if len(stack) < 2:
        raise UsageError(f"baseline '{name}' has no earlier run to roll back to: "
                         + _first_run_text(name, events, stack[0]))
    _append(store, name, "rollback", stack[-2], note or f"rolled back from {stack[-1]}", by,
            {"from": stack[-1], "to": stack[-2]})
    return stack[-1], stack[-2]


def _first_run_text(name: str, events: list[BaselineEvent], first: str) -> str:
    """Why nothing is left to roll back to, true to the history (set r1, set r2, rollback
    has pointed at two runs, not "only" at r1)."""
    seen = list(dict.fromkeys(e.run_id for e in events))
    if len(seen) == 1:
        return f"it has only pointed at {first}"
    undone = sum(1 for e in events if e.action == "rollback")
    return (f"it is back at its first run {first} after {undone} rollback(s) (it has pointed "
            f"at {', '.join(seen)}); point it at another run with: evalkit baseline set {name} RUN")


def require(store: Store, name: str) -> str:
    run_id = current(store, name)
    if run_id is None:
        raise UsageError(f"no baseline '{name}'" + _known(store)
                         + "\n  fix: evalkit baseline set NAME RUN")
    return run_id


def known_text(store: Store) -> str:
    """' (baselines: a, b)' or ' (no baselines are set)', for an error message."""
    return _known(store)


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
