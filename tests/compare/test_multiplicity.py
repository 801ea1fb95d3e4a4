"""The graphical multiple-test procedure (Bretz et al. 2009): its special cases (Holm, a
fixed sequence), the closed test it is a shortcut of, and its family-wise error."""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from evalkit.compare.multiplicity import Graph, adjusted_p, levels_after, swap_graph


def _holm_graph(m: int) -> Graph:
    g = np.full((m, m), 1.0 / max(1, m - 1))
    np.fill_diagonal(g, 0.0)
    return Graph(np.full(m, 1.0 / m), g)


def test_the_complete_graph_with_equal_weights_is_holm():
    rng = np.random.default_rng(3)
    for m in (1, 2, 5, 17, 40):
        p = rng.uniform(0, 0.2, m) ** rng.uniform(0.5, 3)
        np.testing.assert_allclose(adjusted_p(p, _holm_graph(m)),
                                   multipletests(p, method="holm")[1], rtol=1e-12)


def test_a_chain_with_all_weight_first_is_a_fixed_sequence():
    g = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=float)
    chain = Graph(np.array([1.0, 0.0, 0.0]), g)
    np.testing.assert_allclose(adjusted_p([0.03, 0.01, 0.2], chain), [0.03, 0.03, 0.2])
    np.testing.assert_allclose(adjusted_p([0.2, 0.001, 0.001], chain), [0.2, 0.2, 0.2])


def _closed_test(p: np.ndarray, graph: Graph) -> np.ndarray:
    """The closed test the graph encodes, by brute force: each intersection J is tested with
    weighted Bonferroni, its weights those left after removing the hypotheses outside J;
    the adjusted p of j is the largest intersection p over every J that contains j."""
    m = len(p)
    everyone = np.ones(m, dtype=bool)
    out = np.zeros(m)
    for size in range(1, m + 1):
        for subset in combinations(range(m), size):
            outside = [i for i in range(m) if i not in subset]
            weights = levels_after(graph, outside, everyone)
            ratios = [p[i] / weights[i] for i in subset if weights[i] > 0]
            p_subset = min(1.0, min(ratios)) if ratios else 1.0
            for j in subset:
                out[j] = max(out[j], p_subset)
    return out


def test_the_shortcut_equals_the_closed_test():
    rng = np.random.default_rng(8)
    for trial in range(40):
        m = int(rng.integers(2, 7))
        primary = np.zeros(m, dtype=bool)
        primary[: int(rng.integers(1, 3))] = True
        first = rng.random(m) < 0.5
        graph = swap_graph(primary, first, np.ones(m, dtype=bool))
        p = rng.uniform(0, 0.1, m) ** rng.uniform(0.5, 2.5)
        np.testing.assert_allclose(adjusted_p(p, graph), _closed_test(p, graph), rtol=1e-9,
                                   err_msg=f"trial {trial}")


def test_the_swap_graph_gives_the_primary_most_of_alpha():
    graph = swap_graph([True, False, False, False, False], [False, True, True, False, False],
                       [True] * 5)
    np.testing.assert_allclose(graph.weights, [2 / 3, 1 / 6, 1 / 6, 0.0, 0.0])
    np.testing.assert_allclose(graph.transitions.sum(axis=1), 1.0)
    # once the primary is rejected, its share reaches every second-family row
    np.testing.assert_allclose(levels_after(graph, [0], [True] * 5),
                               [0, 1 / 6 + 1 / 6, 1 / 6 + 1 / 6, 1 / 6, 1 / 6])
    alone = swap_graph([True], [False], [True])
    assert alone.weights[0] == 1.0  # nothing else tested: the primary at the full alpha
    untested = adjusted_p([0.01, np.nan, 0.02], swap_graph([True, False, False],
                                                           [False, True, True],
                                                           [True, False, True]))
    assert np.isnan(untested[1]) and untested[0] == pytest.approx(0.01 * 1.5)


def test_family_wise_error_stays_below_alpha_under_the_global_null():
    rng = np.random.default_rng(1)
    m = 21  # the primary, 4 of its slices, 16 other rows
    primary = np.zeros(m, dtype=bool)
    primary[0] = True
    first = np.zeros(m, dtype=bool)
    first[1:5] = True
    graph = swap_graph(primary, first, np.ones(m, dtype=bool))
    sims = 1500
    p = rng.uniform(size=(sims, m))
    rejected = np.mean([(adjusted_p(row, graph) < 0.05).any() for row in p])
    assert rejected <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / sims), rejected
