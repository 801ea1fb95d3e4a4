"""Agreement statistics against references: scikit-learn's cohen_kappa_score (statsmodels'
cohens_kappa where scikit-learn is missing) on fixed data, and Krippendorff's (2011) worked
example for alpha."""
from __future__ import annotations

import numpy as np
import pytest

from evalkit.compare.agreement import cohen_kappa, confusion, krippendorff_alpha

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units, missing values. Published: nominal 0.743, ordinal 0.815, interval 0.849.
WORKED = [[1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
          [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
          [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
          [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]]


@pytest.mark.parametrize("level, published", [("nominal", 0.743), ("ordinal", 0.815),
                                               ("interval", 0.849)])
def test_krippendorff_worked_example(level, published):
    assert krippendorff_alpha(WORKED, level) == pytest.approx(published, abs=5e-4)


def test_krippendorff_edge_cases():
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]], "nominal") == 1.0
    assert np.isnan(krippendorff_alpha([[1, NAN], [NAN, 2]]))  # no unit rated twice
    assert np.isnan(krippendorff_alpha([[3, 3], [3, 3]]))  # one value throughout
    # two coders, nominal, no missing: alpha = 1 - (n-1) D_o / D_e, by hand for this table
    a, b = [1, 1, 2, 2], [1, 2, 2, 2]
    # coincidences: o11 = 2, o12 = o21 = 1, o22 = 4; n1 = 3, n2 = 5, n = 8
    expected = 1 - (8 - 1) * 2 / (2 * 3 * 5)
    assert krippendorff_alpha([a, b], "nominal") == pytest.approx(expected)


def _sklearn_or_statsmodels(a, b, labels, weights):
    try:
        from sklearn.metrics import cohen_kappa_score
    except ImportError:  # pragma: no cover - the dev extra installs scikit-learn
        from statsmodels.stats.inter_rater import cohens_kappa

        table = confusion(a, b, labels)
        wt = {None: None, "linear": "linear", "quadratic": "quadratic"}[weights]
        return cohens_kappa(table, wt=wt).kappa
    return cohen_kappa_score(a, b, labels=labels, weights=weights)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", range(5))
def test_cohen_kappa_matches_the_reference(weights, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 6, 40)
    b = np.clip(a + rng.integers(-1, 2, 40), 1, 5)
    labels = [1, 2, 3, 4, 5]
    ours = cohen_kappa(list(a), list(b), labels, weights)
    assert ours == pytest.approx(_sklearn_or_statsmodels(list(a), list(b), labels, weights))


def test_cohen_kappa_on_pass_fail_and_edge_cases():
    human = [True, True, False, False, True, False]
    judge = [True, False, False, False, True, True]
    assert cohen_kappa(human, judge, [True, False]) == pytest.approx(
        _sklearn_or_statsmodels(human, judge, [True, False], None))
    assert confusion(human, judge, [True, False]).tolist() == [[2, 1], [1, 2]]
    assert np.isnan(cohen_kappa([1, 1], [1, 1]))  # one label throughout: undefined
    assert np.isnan(cohen_kappa([], []))
    with pytest.raises(ValueError):
        cohen_kappa([1], [1, 2])
