"""Agreement between raters: Cohen's kappa (two raters), Krippendorff's alpha (any number,
missing ratings allowed), and confusion tables. NumPy only.

Checked against scikit-learn's `cohen_kappa_score` (unweighted, linear, quadratic) and the
worked example of Krippendorff (2011, "Computing Krippendorff's Alpha-Reliability": 4
coders, 12 units; alpha nominal 0.743, ordinal 0.815, interval 0.849) in
tests/compare/test_agreement.py.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

LEVELS = ("nominal", "ordinal", "interval")


def confusion(a: Sequence, b: Sequence, labels: Sequence) -> np.ndarray:
    """counts[i, j]: items rater a put in labels[i] and rater b in labels[j]."""
    index = {label: i for i, label in enumerate(labels)}
    table = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for x, y in zip(a, b):
        table[index[x], index[y]] += 1
    return table


def cohen_kappa(a: Sequence, b: Sequence, labels: Sequence | None = None,
                weights: str | None = None) -> float:
    """Cohen's kappa of two raters' labels of the same items (weights: None, "linear" or
    "quadratic", for ordered labels). NaN when it is undefined (no items, or both raters
    gave one and the same label to everything)."""
    if len(a) != len(b):
        raise ValueError("the two raters must label the same items")
    if not len(a):
        return float("nan")
    labels = list(labels) if labels is not None else sorted(set(a) | set(b))
    table = confusion(a, b, labels).astype(float)
    k = len(labels)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if weights is None:
        w = 1.0 - np.eye(k)
    else:
        grid = np.abs(np.subtract.outer(np.arange(k), np.arange(k))).astype(float)
        if weights == "linear":
            w = grid
        elif weights == "quadratic":
            w = grid ** 2
        else:
            raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")
    disagreement = (w * expected).sum()
    if disagreement == 0:
        return float("nan")
    return float(1.0 - (w * table).sum() / disagreement)


def krippendorff_alpha(ratings, level: str = "nominal") -> float:
    """Krippendorff's alpha of a raters × units array (NaN: not rated). Units rated by fewer
    than two raters carry no pairs and are left out. NaN when undefined (fewer than two
    pairable values, or a single value used throughout)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    data = np.asarray(ratings, dtype=float)
    if data.ndim != 2:
        raise ValueError("ratings must be a raters × units array")
    values = np.unique(data[~np.isnan(data)])
    if len(values) == 0:
        return float("nan")
    # counts[u, v]: how many raters gave unit u the value values[v]
    counts = np.stack([(data == v).sum(axis=0) for v in values], axis=1).astype(float)
    pairable = counts.sum(axis=1)
    counts = counts[pairable >= 2]
    m = pairable[pairable >= 2]
    if not len(m):
        return float("nan")
    # coincidences: ordered pairs of values within a unit, each unit weighted 1 / (m_u - 1)
    per_unit = counts[:, :, None] * counts[:, None, :]
    per_unit[:, np.arange(len(values)), np.arange(len(values))] -= counts
    coincidence = (per_unit / (m - 1)[:, None, None]).sum(axis=0)
    n_v = coincidence.sum(axis=1)
    n = n_v.sum()
    delta = _distance(values, n_v, level)
    observed = (coincidence * delta).sum() / n
    expected = (np.outer(n_v, n_v) * delta).sum() / (n * (n - 1))
    if expected == 0:
        return float("nan")
    return float(1.0 - observed / expected)


def _distance(values: np.ndarray, n_v: np.ndarray, level: str) -> np.ndarray:
    """Squared distance between every two values (Krippendorff's metric differences)."""
    k = len(values)
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "interval":
        return np.subtract.outer(values, values) ** 2
    cumulative = np.concatenate([[0.0], np.cumsum(n_v)])  # ordinal: ranks by frequency
    lo, hi = np.minimum.outer(np.arange(k), np.arange(k)), np.maximum.outer(np.arange(k),
                                                                              np.arange(k))
    between = cumulative[hi + 1] - cumulative[lo]  # n_g summed for g from c to k
    return (between - (n_v[lo] + n_v[hi]) / 2.0) ** 2
