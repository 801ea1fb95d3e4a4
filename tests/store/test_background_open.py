"""A new database file opens in the background (store/opening.py): `evalkit run` sends its
first calls while DuckDB is imported and the file created, nothing written is lost, and an
error opening it reaches the first user of the store. A file that exists opens at once."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from evalkit.errors import StoreError
from evalkit.store import Store
from tests.cli.helpers import evalkit, ok, pipeline_suite, query

PROBE = '''
import sys

def answer(q, **_):
    return f"{q} duckdb={'duckdb' in sys.modules}"
'''


def test_the_first_calls_go_out_before_duckdb_is_imported(tmp_path):
    """A pipeline that reports whether DuckDB was loaded when it was called: the first call
    of a run into a new file comes before it; every result is stored."""
    pipeline_suite(tmp_path, PROBE, 3)
    ok(evalkit("run", "s.yaml", "-m", "python/pipe:answer", "-M", "path=.", "--db", "new.duckdb",
               "--max-concurrency", "1", cwd=tmp_path))
    outputs = dict(query(tmp_path / "new.duckdb", "SELECT case_id, output FROM results"))
    assert sorted(outputs) == ["c0", "c1", "c2"]
    assert outputs["c0"] == "q0 duckdb=False"
    (provenance,), = query(tmp_path / "new.duckdb", "SELECT provenance FROM runs")
    assert json.loads(provenance)["evalkit_version"]  # written once the file was open


def test_an_existing_file_opens_before_the_first_call(tmp_path):
    pipeline_suite(tmp_path, PROBE, 2)
    Store(tmp_path / "old.duckdb").close()
    ok(evalkit("run", "s.yaml", "-m", "python/pipe:answer", "-M", "path=.", "--db", "old.duckdb",
               cwd=tmp_path))
    outputs = dict(query(tmp_path / "old.duckdb", "SELECT case_id, output FROM results"))
    assert outputs == {"c0": "q0 duckdb=True", "c1": "q1 duckdb=True"}


def test_a_background_store_answers_without_waiting_and_keeps_what_it_was_given(tmp_path):
    code = f"""
import sys
from evalkit.store import Store
store = Store({str(tmp_path / 'b.duckdb')!r}, background=True)
print('duckdb' in sys.modules, store.resumable_run('k'), store.cached(['x']))
store.create_run({{"run_id": "r1", "suite": "s", "suite_hash": "h", "model_ref": "m/x",
                   "backend": "m", "status": "running", "started_at": "2026-11-30 00:00:00",
                   "provenance": lambda: {{"git": "computed at write time"}}}})
print('duckdb' in sys.modules)
print(store.query("SELECT run_id, provenance FROM runs"))
store.close()
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0] == "False None {}"  # nothing waited for the file
    assert lines[1] == "False"  # the run row waits for the opening, not the caller
    assert lines[2] == "[('r1', '{\"git\": \"computed at write time\"}')]"


def test_a_run_row_the_file_refuses_is_raised_to_the_next_user(tmp_path):
    store = Store(tmp_path / "r.duckdb", background=True)
    store.create_run({"run_id": "r1"})  # queued: the columns it lacks are NOT NULL
    with pytest.raises(Exception, match="NOT NULL"):
        store.query("SELECT 1")


def test_an_error_opening_in_the_background_reaches_the_first_user(tmp_path):
    path = tmp_path / "link.duckdb"
    path.symlink_to(tmp_path / "missing-folder" / "x.duckdb")  # a new file DuckDB cannot create
    store = Store(path, background=True)
    assert store.fresh
    with pytest.raises(StoreError, match="cannot open"):
        store.query("SELECT 1")
    with pytest.raises(StoreError, match="cannot open"):
        store.close()


def test_an_existing_foreign_file_is_refused_at_once(tmp_path):
    import duckdb

    path = tmp_path / "other.duckdb"
    duckdb.connect(str(path)).execute("CREATE TABLE t (a INT)").close()
    Store(path, background=True).close()  # migrated: it was a DuckDB file
    with pytest.raises(StoreError, match="not an evalkit results database"):
        other = tmp_path / "x.duckdb"
        duckdb.connect(str(other)).execute("CREATE TABLE t (a INT)").close()
        Store(other, read_only=True, background=True)
