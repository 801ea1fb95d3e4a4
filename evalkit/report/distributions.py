"""The "Score distributions" section: a histogram and summary of every real-valued scorer.

Real-valued: a scorer that recorded some value other than 1.0/0.0 for pass/fail (toxicity,
ROUGE, an LLM judge, an embedding similarity...), in either run. A scorer class may say how
to read its values (`Scorer.value_hint`, e.g. "higher is more toxic"); nothing here knows
one scorer from another.
"""
from __future__ import annotations

from ..compare.align import valued_scorers
from ..registry import UnknownPluginError, scorer_class
from ..store import Store
from ..store.score_values import ScoreValues, score_values
from . import charts
from .inputs import ReportInput


def distribution_section(store: Store, inp: ReportInput) -> dict | None:
    """Charts and summary rows of the suite's real-valued scorers; None when it has none."""
    runs = ([("baseline", inp.baseline), ("candidate", inp.run)] if inp.baseline is not None
            else [("run", inp.run)])
    names = valued_scorers(store, [run.run_id for _, run in runs])
    if not names:
        return None
    hints = _hints(run for _, run in runs)
    items, summary = [], []
    for name in names:
        found = [(role, score_values(store, run.run_id, name)) for role, run in runs]
        summary += [_summary(name, role, values) for role, values in found]
        data = [(role, list(values.values)) for role, values in found if values.values]
        items.append({"name": name, "hint": hints.get(name, ""),
                      "chart": charts.histogram(data, f"{inp.redact(name)} score")
                      if data else None})
    return {"charts": items, "summary": summary}


def _hints(runs) -> dict[str, str]:
    """Scorer name -> its class's `value_hint`, through the registry name the run recorded."""
    hints = {}
    for run in runs:
        for scorer in run.scorers or []:
            try:
                hint = getattr(scorer_class(str(scorer.get("type"))), "value_hint", "")
            except UnknownPluginError:  # an older run recorded the class name
                continue
            if hint and scorer.get("name"):
                hints[scorer["name"]] = hint
    return hints


def _summary(name: str, role: str, found: ScoreValues) -> dict:
    import numpy as np

    array = np.asarray(found.values, dtype=float)
    return {"scorer": name, "run": role, "n": len(array),
            "mean": float(array.mean()) if len(array) else None,
            "p95": float(np.quantile(array, 0.95)) if len(array) else None,
            "max": float(array.max()) if len(array) else None,
            "failed": found.failed, "scored": found.scored}
