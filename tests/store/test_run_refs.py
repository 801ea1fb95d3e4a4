"""The one run-reference resolver: its precedence (baseline:NAME, id, baseline name, label,
prefix, suffix) and the suite / completed narrowing the pytest plugin asks for."""
from __future__ import annotations

import pytest

from evalkit.compare import baselines
from evalkit.errors import UsageError
from evalkit.store import Store
from evalkit.store.run_refs import resolve_run, runs_by_suite
from tests.compare.helpers import store_run

ROWS = [{"id": "a", "passed": True}]


def _run(db, run_id, *, suite="s1", label=None, status="completed"):
    store_run(db, run_id, ROWS, suite=suite)
    with Store(db) as store:  # started in id order: the later id is the later run
        store._query("UPDATE runs SET label = ?, status = ? WHERE run_id = ?",
                     [label, status, run_id])


def test_precedence_is_explicit_baseline_id_baseline_label_then_id_ends(tmp_path):
    db = tmp_path / "r.duckdb"
    _run(db, "20260101-aaa1", label="v1")
    _run(db, "20260101-bbb2", label="prod")
    _run(db, "20260101-ccc3", label="v1")
    with Store(db) as store:
        baselines.set_baseline(store, "prod", "20260101-aaa1")
        assert resolve_run(store, "baseline:prod") == "20260101-aaa1"
        assert resolve_run(store, "20260101-bbb2") == "20260101-bbb2"
        # a baseline name beats a label of the same name, in the store as in compare
        assert resolve_run(store, "prod") == store.resolve_run("prod") == "20260101-aaa1"
        assert resolve_run(store, "v1") == "20260101-ccc3"  # the label's latest run
        assert resolve_run(store, "ccc3") == "20260101-ccc3"  # a unique suffix
        with pytest.raises(UsageError, match="ambiguous: it is the prefix of 3 runs"):
            resolve_run(store, "2026")
        with pytest.raises(UsageError, match="did you mean 'prod'"):
            resolve_run(store, "prdo")


def test_suite_and_completed_narrow_a_label_and_refuse_another_suite(tmp_path):
    db = tmp_path / "r.duckdb"
    _run(db, "r1", label="v1")
    _run(db, "r2", label="v1", suite="s2")
    _run(db, "r3", label="v1", status="partial")
    with Store(db) as store:
        assert resolve_run(store, "v1") == "r3"  # the latest run, whatever its status
        assert resolve_run(store, "v1", suite="s1", completed=True) == "r1"
        assert resolve_run(store, "v1", suite="s2", completed=True) == "r2"
        with pytest.raises(UsageError, match="is a run of suite 's1'.*suite 's3' has no"):
            resolve_run(store, "v1", suite="s3", completed=True)
        assert runs_by_suite(store, "v1") == {"s1": "r3", "s2": "r2"}
        assert runs_by_suite(store, "r1") == {"s1": "r1"}
