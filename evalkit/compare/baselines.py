"""Named baselines: a pointer to a run, kept with its history in the `baselines` table.

Every change is a row (action `set` or `rollback`, in `seq` order). The current run is
found by replaying them: `set` pushes a run, `rollback` pops back to the one before.
Storage is store/baselines.py; this module holds the rules for changing one. References
(run id, baseline name, label, prefix) resolve in store/run_refs.py.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import UsageError
from ..store import Store
from ..store.baselines import BaselineEvent, current, history, known_text, names
from ..store.baselines import append as _append
from ..store.baselines import stack as _stack
from ..store.run_refs import EXPLICIT, require_baseline, resolve_run
from ..suite.schema import NAME_PATTERN

__all__ = ["BaselineEvent", "EXPLICIT", "current", "history", "known_text", "names", "require",
           "resolve", "rollback", "set_baseline"]

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
        raise UsageError(f"no baseline '{name}'" + known_text(store))
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


# The one resolver and its baseline lookup (store/run_refs.py), under the names compare's
# callers know.
require = require_baseline
resolve = resolve_run
