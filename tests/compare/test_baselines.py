"""Named baselines: set, history, rollback as a stack, resolving references, and a database
from before migration 2."""
from __future__ import annotations

import duckdb
import pytest

from evalkit.compare import baselines, compare
from evalkit.errors import UsageError
from evalkit.store import Store
from evalkit.store.schema import MIGRATIONS
from tests.compare.helpers import store_run


def _runs(db, *ids):
    for run_id in ids:
        store_run(db, run_id, [{"id": "a", "passed": True}, {"id": "b", "passed": False}])


def test_set_history_and_rollback_replay_as_a_stack(tmp_path):
    db = tmp_path / "b.duckdb"
    _runs(db, "r1", "r2", "r3")
    with Store(db) as store:
        assert baselines.set_baseline(store, "prod", "r1", note="launch") == "r1"
        baselines.set_baseline(store, "prod", "r2")
        baselines.set_baseline(store, "prod", "r3")
        assert baselines.current(store, "prod") == "r3"
        assert baselines.rollback(store, "prod") == ("r3", "r2")
        assert baselines.rollback(store, "prod") == ("r2", "r1")  # back again, not to r3
        with pytest.raises(UsageError, match="no earlier run"):
            baselines.rollback(store, "prod")
        events = baselines.history(store, "prod")
        assert [(e.seq, e.action, e.run_id) for e in events] == [
            (1, "set", "r1"), (2, "set", "r2"), (3, "set", "r3"), (4, "rollback", "r2"),
            (5, "rollback", "r1")]
        assert events[0].note == "launch" and events[3].note == "rolled back from r3"
        baselines.set_baseline(store, "prod", "r3")
        assert baselines.current(store, "prod") == "r3"
        assert baselines.rollback(store, "prod") == ("r3", "r1")
        assert baselines.names(store) == [("prod", "r1", 7)]


def test_references_resolve_to_runs(tmp_path):
    db = tmp_path / "b.duckdb"
    _runs(db, "r1", "r2")
    with Store(db) as store:
        baselines.set_baseline(store, "prod", "r1")
        assert baselines.resolve(store, "prod") == "r1"
        assert baselines.resolve(store, "baseline:prod") == "r1"
        assert baselines.resolve(store, "r2") == "r2"
        with pytest.raises(UsageError, match="no baseline 'staging'"):
            baselines.resolve(store, "baseline:staging")
        diff = compare(store, "prod", "r2")
        assert diff.baseline_id == "r1" and diff.candidate_id == "r2"


def test_bad_baselines_are_refused(tmp_path):
    db = tmp_path / "b.duckdb"
    _runs(db, "r1")
    with Store(db) as store:
        store.query("UPDATE runs SET status = 'interrupted' WHERE run_id = 'r1'")
        with pytest.raises(UsageError, match="not completed"):
            baselines.set_baseline(store, "prod", "r1")
        with pytest.raises(UsageError, match="baseline name"):
            baselines.set_baseline(store, "bad name!", "r1")
        with pytest.raises(UsageError, match="no run or label"):
            baselines.set_baseline(store, "prod", "missing")
        with pytest.raises(UsageError, match="no baselines are set"):
            baselines.rollback(store, "prod")


def test_database_from_before_migration_2_is_migrated_and_readable(tmp_path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
                "applied_at TIMESTAMP)")
    version, name, sql = MIGRATIONS[0]
    con.execute(sql)
    con.execute("INSERT INTO schema_migrations VALUES (?, ?, current_timestamp)", [version, name])
    con.execute("INSERT INTO runs (run_id, suite, suite_hash, model_ref, backend, status, "
                "started_at) VALUES ('old', 's', 'h', 'python/x:y', 'python', 'completed', "
                "current_timestamp)")
    con.execute("INSERT INTO baselines (name, run_id) VALUES ('prod', 'old')")
    con.close()
    with Store(db, read_only=True) as store:  # read-only: not migrated, still readable
        assert baselines.current(store, "prod") == "old"
        assert store.run("old").gates is None
    with Store(db) as store:  # a writer applies migration 2 and keeps the data
        assert baselines.history(store, "prod")[0].action == "set"
        applied = {v for (v,) in store.query("SELECT version FROM schema_migrations")}
        assert applied == {v for v, _, _ in MIGRATIONS} and 2 in applied
        assert store.run("old").gates is None
