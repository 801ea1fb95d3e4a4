"""Bias slices as queries: per-group metrics, the largest gap between groups, and how often
counterfactual variants of one case get different verdicts.

Groups are the values of any metadata key (counterfactual variants carry their group under
the dimension's name, and `origin`, the id of the case they were made from).
"""
from __future__ import annotations

from dataclasses import dataclass

from .store import Store

OVERALL = "(all scorers)"  # the result's own pass flag: every scorer passed


def json_path(key: str) -> str:
    """The JSON path of one metadata key (quoted: a key may hold dots or quotes)."""
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'




@dataclass(frozen=True)
class SliceGap:
    scorer: str  # a scorer name, or OVERALL
    groups: dict[str, tuple[int, float]]  # group → (n, pass rate)
    gap: float  # highest pass rate − lowest
    best: str
    worst: str


@dataclass(frozen=True)
class Disagreement:
    scorer: str
    origins: int  # cases with counterfactual variants
    disagreeing: int  # ... whose variants got different verdicts
    examples: tuple[str, ...]  # a few origin ids that disagree

    @property
    def rate(self) -> float:
        return self.disagreeing / self.origins if self.origins else 0.0


def slice_metrics(store: Store, run_id: str,
                  key: str) -> list[tuple[str, str, int, float, float | None]]:
    """(scorer, group, n, pass rate, mean value) for each scorer and group of `key`."""
    return store.query(
        "SELECT s.scorer, json_extract_string(r.metadata, ?) AS grp, count(*), "
        "avg(CASE WHEN s.passed THEN 1.0 ELSE 0.0 END), avg(s.value) FROM scores s JOIN results r "
        "USING (run_id, case_id, sample) WHERE s.run_id = ? AND grp IS NOT NULL "
        "GROUP BY ALL ORDER BY 1, 2", [json_path(key), run_id])


def slice_gaps(store: Store, run_id: str, key: str) -> list[SliceGap]:
    """Per scorer and overall: pass rate by group and the largest gap between two groups."""
    rows = [(OVERALL, g, n, rate) for g, n, rate in store.query(
        "SELECT json_extract_string(metadata, ?) AS grp, count(*), "
        "avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END) FROM results WHERE run_id = ? AND grp "
        "IS NOT NULL GROUP BY ALL ORDER BY 1", [json_path(key), run_id])]
    rows += [(scorer, g, n, rate) for scorer, g, n, rate, _ in slice_metrics(store, run_id, key)]
    by_scorer: dict[str, dict[str, tuple[int, float]]] = {}
    for scorer, group, n, rate in rows:
        by_scorer.setdefault(scorer, {})[group] = (int(n), float(rate))
    gaps = []
    for scorer, groups in by_scorer.items():
        if len(groups) < 2:
            continue
        best = max(groups, key=lambda g: groups[g][1])
        worst = min(groups, key=lambda g: groups[g][1])
        gaps.append(SliceGap(scorer, groups, groups[best][1] - groups[worst][1], best, worst))
    return gaps


def counterfactual_disagreement(store: Store, run_id: str) -> list[Disagreement]:
    """Per scorer and overall: the share of origin cases whose variants disagree on pass/fail
    (compared within each sample)."""
    origin = json_path("origin")
    overall = store.query(
        "SELECT json_extract_string(metadata, ?) AS origin, sample, "
        "count(DISTINCT coalesce(passed, false)) > 1 FROM results WHERE run_id = ? AND origin "
        "IS NOT NULL GROUP BY ALL HAVING count(*) > 1", [origin, run_id])
    per_scorer = store.query(
        "SELECT s.scorer, json_extract_string(r.metadata, ?) AS origin, s.sample, "
        "count(DISTINCT s.passed) > 1 FROM scores s JOIN results r USING (run_id, case_id, sample) "
        "WHERE s.run_id = ? AND origin IS NOT NULL AND s.passed IS NOT NULL GROUP BY ALL "
        "HAVING count(*) > 1", [origin, run_id])
    rows = [(OVERALL, o, d) for o, _, d in overall] + [(sc, o, d) for sc, o, _, d in per_scorer]
    tally: dict[str, tuple[set, set]] = {}
    for scorer, origin_id, differs in rows:
        origins, differing = tally.setdefault(scorer, (set(), set()))
        origins.add(origin_id)
        if differs:
            differing.add(origin_id)
    return [Disagreement(scorer, len(o), len(d), tuple(sorted(d)[:5]))
            for scorer, (o, d) in sorted(tally.items())]
