"""Run references as people type them, resolved in one place for the CLI, compare, reports
and the pytest plugin.

The precedence, written once (`resolve_run`):
  1. `baseline:NAME`   that baseline's current run (an error when there is none)
  2. a run id          that run
  3. a baseline name   its current run (with `suite`: only when that run is of the suite)
  4. a label           its latest run; with `suite` / `completed` the latest run of that
                       suite / that completed, else its latest run of all (which the suite
                       check then refuses, saying why)
  5. an id prefix, then an id suffix (run ids share their date prefix, so the distinctive
     part is the end), when unique
  6. otherwise a UsageError with a "did you mean" naming near labels, baselines and ids.
With `suite`, a run of another suite is refused.
"""
from __future__ import annotations

import difflib

from ..errors import UsageError
from .baselines import baseline_names, current, known_text
from .store import Store

EXPLICIT = "baseline:"  # `baseline:prod` always means the named baseline
MIN_SUFFIX = 3  # shorter endings match too many ids by chance
SHOWN = 5

LATEST_BY_SUITE = """
SELECT suite, arg_max(run_id, started_at) FROM runs WHERE label = ? GROUP BY suite ORDER BY suite
"""


def resolve_run(store: Store, ref: str, *, suite: str | None = None,
                completed: bool = False) -> str:
    """The run id that `ref` names (the precedence is in the module docstring)."""
    run_id = _resolve(store, ref, suite, completed)
    if suite is not None:
        found = _suite_of(store, run_id)
        if found != suite:
            raise UsageError(f"baseline '{ref}' is a run of suite '{found}' ({run_id}); suite "
                             f"'{suite}' has no baseline or label '{ref}'")
    return run_id


def require_baseline(store: Store, name: str) -> str:
    run_id = current(store, name)
    if run_id is None:
        raise UsageError(f"no baseline '{name}'" + known_text(store)
                         + "\n  fix: evalkit baseline set NAME RUN")
    return run_id


def names_one_run(store: Store, ref: str) -> bool:
    """True when `ref` is `baseline:NAME`, a run id or a baseline name (not a label, which
    may name a run per suite)."""
    return ref.startswith(EXPLICIT) or _is_run(store, ref) or current(store, ref) is not None


def runs_by_suite(store: Store, ref: str) -> dict[str, str]:
    """suite → run id for what `ref` names: a label's latest run of each suite it was used
    in, else the one run `ref` names."""
    if not names_one_run(store, ref):
        labelled = store._query(LATEST_BY_SUITE, [ref])
        if labelled:
            return {suite: run_id for suite, run_id in labelled}
    run_id = resolve_run(store, ref)
    return {_suite_of(store, run_id): run_id}


def _resolve(store: Store, ref: str, suite: str | None, completed: bool) -> str:
    if ref.startswith(EXPLICIT):
        return require_baseline(store, ref[len(EXPLICIT):])
    if _is_run(store, ref):
        return ref
    named = current(store, ref)
    if named is not None and (suite is None or _suite_of(store, named) == suite):
        return named
    if suite is not None or completed:
        narrowed = _latest_labelled(store, ref, suite, completed)
        if narrowed is not None:
            return narrowed
    if named is not None:  # a baseline of another suite: the suite check says so
        return named
    labelled = _latest_labelled(store, ref, None, False)
    if labelled is not None:
        return labelled
    return _by_id_end(store, ref)


def _is_run(store: Store, ref: str) -> bool:
    return bool(store._query("SELECT 1 FROM runs WHERE run_id = ?", [ref]))


def _suite_of(store: Store, run_id: str) -> str:
    return store._query("SELECT suite FROM runs WHERE run_id = ?", [run_id])[0][0]


def _latest_labelled(store: Store, label: str, suite: str | None, completed: bool) -> str | None:
    where = "label = ?" + (" AND suite = ?" if suite is not None else "") + (
        " AND status = 'completed'" if completed else "")
    params = [label] + ([suite] if suite is not None else [])
    found = store._query(f"SELECT run_id FROM runs WHERE {where} ORDER BY started_at DESC "
                         "LIMIT 1", params)
    return found[0][0] if found else None


def _by_id_end(store: Store, ref: str) -> str:
    for kind, sql in (("prefix", "starts_with(run_id, ?)"), ("suffix", "ends_with(run_id, ?)")):
        if kind == "suffix" and len(ref) < MIN_SUFFIX:
            break
        found = [r for (r,) in store._query(f"SELECT run_id FROM runs WHERE {sql} "
                                            "ORDER BY started_at DESC", [ref])]
        if len(found) == 1:
            return found[0]
        if found:
            raise UsageError(f"run reference '{ref}' is ambiguous: it is the {kind} of "
                             f"{len(found)} runs ({', '.join(found[:SHOWN])}"
                             + (", ..." if len(found) > SHOWN else "") + ")\n"
                             "  fix: give more characters of the id, or a label")
    hint = suggestion(store, ref)
    raise UsageError(f"no run or label '{ref}' in {store.path}" + (f"\n  {hint}" if hint else "")
                     + "\n  fix: see `evalkit runs`")


def suggestion(store: Store, ref: str) -> str:
    """'did you mean ...?' naming the labels, baseline names and run ids close to `ref`."""
    labels = {label for (label,) in store._query("SELECT DISTINCT label FROM runs WHERE label "
                                                 "IS NOT NULL")}
    labels |= set(baseline_names(store))
    close = difflib.get_close_matches(ref, sorted(labels), n=3, cutoff=0.6)
    ids = [r for (r,) in store._query("SELECT run_id FROM runs ORDER BY started_at DESC "
                                      "LIMIT 1000")]
    close += [run_id for run_id in ids if _near_id(ref, run_id)][:3]
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?" if close else ""


def _near_id(ref: str, run_id: str) -> bool:
    """A typo in the id's start or end (a mistyped suffix is the usual slip)."""
    if len(ref) < MIN_SUFFIX:
        return False
    ends = (run_id[:len(ref)], run_id[-len(ref):], run_id)
    return max(difflib.SequenceMatcher(None, ref, end).ratio() for end in ends) >= 0.8
