"""The calibration simulation (benchmarks/calibration.py) feeds evalkit's own statistics
with per-group sums it computes in NumPy; they must equal what the SQL alignment computes
from a real DuckDB file, or the simulation would calibrate something else."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from evalkit.compare.align import Alignment
from evalkit.store import Store
from tests.compare.helpers import store_run

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "calibration.py"


def _calibration():
    if "evalkit_calibration" in sys.modules:
        return sys.modules["evalkit_calibration"]
    spec = importlib.util.spec_from_file_location("evalkit_calibration", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("evalkit_calibration", module)  # dataclasses look their module up
    module.__name__ = "evalkit_calibration"
    spec.loader.exec_module(sys.modules["evalkit_calibration"])
    return module


@pytest.mark.parametrize("samples", [1, 3])
def test_simulated_group_sums_equal_the_sql_alignment(tmp_path, samples):
    calibration = _calibration()
    rng = np.random.default_rng(samples)
    n = 30
    a = rng.random((1, n, samples)) < 0.7
    b = rng.random((1, n, samples)) < 0.6
    lang = np.where(np.arange(n) % 3 == 0, "fr", "en")
    db = tmp_path / "sim.duckdb"
    for run_id, passes in (("A", a), ("B", b)):
        store_run(db, run_id, [{"id": f"k{i:02d}", "sample": j, "passed": bool(passes[0, i, j]),
                                "lang": str(lang[i])} for i in range(n) for j in range(samples)],
                  samples=samples)
    with Store(db, read_only=True) as store:
        alignment = Alignment(store, "A", "B", slice_keys=["lang"])
        try:
            groups = alignment.groups()
        finally:
            alignment.drop()
    passed = groups[(groups["metric"] == "passed") & (groups["stat"] == "pass_rate")]
    for value in (None, "en", "fr"):
        mask = np.ones((1, n), dtype=bool) if value is None else (lang == value)[None, :]
        ours, _ = calibration._group_numbers(a, b, mask)
        row = passed[passed["slice_value"].isna()] if value is None else \
            passed[passed["slice_value"] == value]
        sql = row.iloc[0]
        for key, simulated in ours.items():
            assert float(simulated[0]) == pytest.approx(float(sql[key]), abs=1e-9), (value, key)


def test_a_few_trials_run_the_real_answer(tmp_path):
    calibration = _calibration()
    found = calibration.judge(calibration.Scenario("heterogeneous", 60, 2, scorers=2), 3, 1)
    assert set(found) >= {"yes", "no", "primary_regressed", "covered", "mde"}
    assert len(found["yes"]) == 3
