"""Run references as people type them: an id, a label, a unique id prefix or suffix (run ids
share their date prefix, so the distinctive part is the end), and a "did you mean" naming
near labels, baseline names and ids when a reference matches nothing."""
from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence

from ..errors import UsageError

Query = Callable[[str, Sequence], list[tuple]]
MIN_SUFFIX = 3  # shorter endings match too many ids by chance
SHOWN = 5


def resolve(query: Query, ref: str, db: str) -> str:
    """The run id that `ref` names, or a UsageError that lists what it might have meant."""
    exact = query("SELECT run_id FROM runs WHERE run_id = ?", [ref])
    if exact:
        return exact[0][0]
    by_label = query("SELECT run_id FROM runs WHERE label = ? ORDER BY started_at DESC LIMIT 1",
                     [ref])
    if by_label:
        return by_label[0][0]
    for kind, sql in (("prefix", "starts_with(run_id, ?)"), ("suffix", "ends_with(run_id, ?)")):
        if kind == "suffix" and len(ref) < MIN_SUFFIX:
            break
        found = [r for (r,) in query(f"SELECT run_id FROM runs WHERE {sql} "
                                     "ORDER BY started_at DESC", [ref])]
        if len(found) == 1:
            return found[0]
        if found:
            raise UsageError(f"run reference '{ref}' is ambiguous: it is the {kind} of "
                             f"{len(found)} runs ({', '.join(found[:SHOWN])}"
                             + (", ..." if len(found) > SHOWN else "") + ")\n"
                             "  fix: give more characters of the id, or a label")
    hint = suggestion(query, ref)
    raise UsageError(f"no run or label '{ref}' in {db}" + (f"\n  {hint}" if hint else "")
                     + "\n  fix: see `evalkit runs`")


def suggestion(query: Query, ref: str) -> str:
    """'did you mean ...?' naming the labels, baseline names and run ids close to `ref`."""
    labels = {label for (label,) in query("SELECT DISTINCT label FROM runs WHERE label IS NOT "
                                          "NULL", [])}
    try:
        labels |= {name for (name,) in query("SELECT DISTINCT name FROM baselines", [])}
    except Exception:  # a database from before baselines existed
        pass
    close = difflib.get_close_matches(ref, sorted(labels), n=3, cutoff=0.6)
    ids = [r for (r,) in query("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1000",
                               [])]
    close += [run_id for run_id in ids if _near_id(ref, run_id)][:3]
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?" if close else ""


def _near_id(ref: str, run_id: str) -> bool:
    """A typo in the id's start or end (a mistyped suffix is the usual slip)."""
    if len(ref) < MIN_SUFFIX:
        return False
    ends = (run_id[:len(ref)], run_id[-len(ref):], run_id)
    return max(difflib.SequenceMatcher(None, ref, end).ratio() for end in ends) >= 0.8
