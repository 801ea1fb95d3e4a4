"""Family-wise error over a comparison's rows: a graphical procedure (Bretz, Maurer, Brannath &
Posch 2009, "A graphical approach to sequentially rejective multiple test procedures",
Statistics in Medicine 28:586–604).

Each hypothesis j starts with a share w_j of alpha (Σ w ≤ 1). When one is rejected
(p_j ≤ w_j·alpha) its share moves along the graph's edges (G[j, l]: the part of j's share
l receives) and the graph is rewired around it; repeat until nothing more is rejected.
Any such graph keeps the family-wise error ≤ alpha (strong control). Holm is the complete
graph with equal weights; a fixed sequence is a chain with all weight on its first node.

The comparison's graph (`swap_graph`): the primary rows (the overall pass rate, or the
metrics a suite declares primary) hold two thirds of alpha, the second family — slices of the
primary metric, the error rate, the other metrics overall — shares the rest, and slices of
secondary metrics start with none. A rejected primary passes its share to the second
family; a rejected second-family row passes its share to every other row, so alpha flows
back to the primary. Why not a fixed sequence (primary at the full alpha, slices only after
it)? A regression confined to a quarter of the cases moves the overall rate a quarter as
much: the slice could never be tested when the diluted overall change is not significant.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PRIMARY_SHARE = 2 / 3  # of alpha, for the primary rows; the second family has the rest


@dataclass(frozen=True)
class Graph:
    weights: np.ndarray  # initial share of alpha per hypothesis (Σ ≤ 1)
    transitions: np.ndarray  # [j, l]: share of j's alpha that l receives when j is rejected


def _reject(weights: np.ndarray, g: np.ndarray, j: int, alive: np.ndarray):
    """Bretz et al. (2009), algorithm 1: remove hypothesis j, pass its weight on, rewire."""
    weights = weights + weights[j] * g[j]
    weights[j] = 0.0
    through = np.outer(g[:, j], g[j])  # l → j → k
    denominator = 1.0 - g[:, j] * g[j, :]  # l → j → l loops are dropped
    with np.errstate(divide="ignore", invalid="ignore"):
        rewired = np.where(denominator[:, None] > 0, (g + through) / denominator[:, None], 0.0)
    np.fill_diagonal(rewired, 0.0)
    rewired[j, :] = 0.0
    rewired[:, j] = 0.0
    keep = alive.copy()
    keep[j] = False
    rewired[~keep, :] = 0.0
    rewired[:, ~keep] = 0.0
    return weights * keep, rewired, keep


def adjusted_p(pvalues, graph: Graph) -> np.ndarray:
    """Adjusted p-values of the graphical procedure: hypothesis j is rejected at level alpha
    exactly when its adjusted p ≤ alpha. NaN (not tested) stays NaN and is not in the graph."""
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    alive = ~np.isnan(p)
    weights = np.where(alive, graph.weights, 0.0).astype(np.float64)
    g = np.where(np.outer(alive, alive), graph.transitions, 0.0).astype(np.float64)
    running = 0.0
    while alive.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(alive & (weights > 0), p / weights, np.inf)
        j = int(np.argmin(ratio))
        if not ratio[j] < 1.0:  # the rest could not be rejected at any alpha < 1 (or have
            out[alive] = 1.0  # no weight left): their adjusted p is 1, no need to go on
            break
        running = max(running, min(1.0, float(ratio[j])))
        out[j] = running
        weights, g, alive = _reject(weights, g, j, alive)
    return out


def levels_after(graph: Graph, rejected, tested) -> np.ndarray:
    """Each hypothesis' share of alpha once the `rejected` ones are rejected (in order)."""
    alive = np.asarray(tested, dtype=bool).copy()
    weights = np.where(alive, graph.weights, 0.0).astype(np.float64)
    g = np.where(np.outer(alive, alive), graph.transitions, 0.0).astype(np.float64)
    for j in rejected:
        if alive[j]:
            weights, g, alive = _reject(weights, g, int(j), alive)
    return weights


def _spread(g: np.ndarray, source: int, targets: np.ndarray, share: float) -> None:
    targets = targets[targets != source]
    if len(targets):
        g[source, targets] += share / len(targets)


def swap_graph(primary, first, tested, primary_share: float = PRIMARY_SHARE) -> Graph:
    """The comparison's graph over its rows (boolean masks of equal length):
    `primary` rows share `primary_share` of alpha; `first` rows (the second family's
    initial members) share the rest; other tested rows start at 0."""
    tested = np.asarray(tested, dtype=bool)
    primary = np.asarray(primary, dtype=bool) & tested
    second = tested & ~primary
    first = np.asarray(first, dtype=bool) & second
    if not first.any():
        first = second  # nothing named first: the whole second family shares its part
    m = len(tested)
    weights = np.zeros(m)
    p_idx, f_idx, s_idx = (np.flatnonzero(x) for x in (primary, first, second))
    if not len(p_idx):
        weights[f_idx] = 1.0 / max(1, len(f_idx))
    elif not len(s_idx):
        weights[p_idx] = 1.0 / len(p_idx)
    else:
        weights[p_idx] = primary_share / len(p_idx)
        weights[f_idx] = (1.0 - primary_share) / len(f_idx)
    g = np.zeros((m, m))
    everyone = np.flatnonzero(tested)
    for j in p_idx:
        others = p_idx[p_idx != j]
        if len(others) and len(s_idx):
            _spread(g, j, others, 0.5)
            _spread(g, j, s_idx, 0.5)
        else:
            _spread(g, j, s_idx if len(s_idx) else others, 1.0)
    for j in s_idx:
        _spread(g, j, everyone, 1.0)
    return Graph(weights, g)
