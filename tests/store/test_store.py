"""The Store: one writer process, migrations, DataFrame views and exports of a real DuckDB file."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from evalkit.errors import StoreError, StoreLockedError
from evalkit.runner import RetryPolicy, RunConfig, run_suite
from evalkit.store import Store
from evalkit.store.schema import MIGRATIONS
from evalkit.suite import load_suite
from tests.cli.helpers import (
    api_args,
    api_options,
    assert_no_traceback,
    evalkit,
    ok,
    query,
    write_suite,
)

MODEL = "litellm/openai/some-model"
CASES = [{"id": "fr", "question": "Paris", "answer": "Paris"},
         {"id": "it", "question": "Rome", "answer": "Roma"},
         {"id": "de", "question": "Berlin", "answer": "Berlin"}]
TWO_SCORERS = "  - type: exact\n  - type: contains\n    value: e\n"


@pytest.fixture
def finished_run(srv, tmp_path):
    """A completed run of 3 cases × 2 samples with two scorers, in tmp_path/store.duckdb."""
    suite = write_suite(tmp_path, "stored", CASES, extra="samples: 2\n", scorers=TWO_SCORERS)
    summary = run_suite(load_suite(suite), RunConfig(
        model=MODEL, model_args=api_options(srv), db=str(tmp_path / "store.duckdb"),
        label="v1", retry=RetryPolicy(base_s=0.01, cap_s=0.05)))
    return tmp_path / "store.duckdb", summary


def test_a_second_writer_gets_exit_3_and_a_clear_message(srv, tmp_path, qa_smoke):
    folder = qa_smoke.parent
    db = folder / "results.duckdb"
    holder = Store(db)  # this test process is the writer now
    try:
        proc = evalkit("run", "qa-smoke.yaml", "--model", MODEL, *api_args(srv), "--db",
                       "results.duckdb", cwd=folder)
        assert proc.returncode == 3, proc
        assert "open for writing by another process" in proc.stderr
        assert "one writer at a time" in proc.stderr and "fix:" in proc.stderr
        assert proc.stderr.startswith("error: ")
        assert_no_traceback(proc.stderr)
        assert srv.stats()["total"] == 0, "nothing was called"
        # a reader in another process is refused the same way while the writer holds the file
        reader = evalkit("runs", "--db", "results.duckdb", cwd=folder)
        assert reader.returncode == 3 and "open for writing by another process" in reader.stderr
    finally:
        holder.close()
    # the file is intact and readable once the writer is gone
    assert query(db, "SELECT version FROM schema_migrations ORDER BY version") == [
        (version,) for version, _, _ in MIGRATIONS]
    listing = ok(evalkit("runs", "--db", "results.duckdb", cwd=folder))
    assert "no runs" in listing.stdout
    ok(evalkit("run", "qa-smoke.yaml", "--model", MODEL, *api_args(srv), "--db",
               "results.duckdb", cwd=folder))
    assert query(db, "SELECT count(*) FROM results") == [(3,)]


def test_store_locked_error_in_process(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "locked.duckdb"
    Store(db).close()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
        "sys.stdin.read()"), str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLockedError, match=r"open for writing by another process \(pid \d+\)"):
            Store(db)
    finally:
        holder.communicate("", timeout=10)


def test_migrations_are_recorded_once(tmp_path):
    db = tmp_path / "m.duckdb"
    with Store(db):
        pass
    with Store(db):  # opening again applies nothing twice
        pass
    rows = query(db, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    assert [(v, n) for v, n, _ in rows] == [(v, n) for v, n, _ in MIGRATIONS]
    assert all(applied is not None for *_, applied in rows)
    tables = {t for (t,) in query(db, "SELECT table_name FROM information_schema.tables")}
    assert {"runs", "results", "scores", "cache", "baselines", "schema_migrations"} <= tables


def test_a_newer_schema_is_refused(tmp_path):
    import duckdb

    db = tmp_path / "new.duckdb"
    Store(db).close()
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO schema_migrations VALUES (999, 'from the future', now())")
    con.close()
    with pytest.raises(StoreError, match="newer evalkit"):
        Store(db)


def test_read_only_store_of_a_missing_file_says_how_to_fix_it(tmp_path):
    with pytest.raises(StoreError, match="no results database") as info:
        Store(tmp_path / "absent.duckdb", read_only=True)
    assert "--db" in str(info.value)
    assert not (tmp_path / "absent.duckdb").exists()


def test_not_a_duckdb_file(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("this is not a database\n" * 100)
    with pytest.raises(StoreError):
        Store(path, read_only=True)
    proc = evalkit("runs", "--db", path.name, cwd=tmp_path)
    assert proc.returncode == 3 and proc.stderr.startswith("error: ")
    assert_no_traceback(proc.stderr)


def test_queries_return_dataframes(finished_run):
    db, summary = finished_run
    with Store(db, read_only=True) as store:
        runs, results, scores = store.runs(), store.results("v1"), store.scores(summary.run_id)
    assert all(isinstance(f, pd.DataFrame) for f in (runs, results, scores))
    assert runs[["run_id", "label", "status", "results", "errors"]].values.tolist() == [
        [summary.run_id, "v1", "completed", 6, 0]]
    assert runs.pass_rate.iloc[0] == pytest.approx(2 / 6)  # only "de" passes both scorers
    assert list(zip(results.case_id, results["sample"])) == [
        (c, s) for c in ("de", "fr", "it") for s in (0, 1)]
    assert results.output.tolist() == ["Berlin"] * 2 + ["Paris"] * 2 + ["Rome"] * 2
    assert len(scores) == 12
    assert set(scores.scorer) == {"exact", "contains"}
    both = scores.set_index(["case_id", "sample", "scorer"]).passed
    assert both[("it", 1, "exact")] == False and both[("it", 1, "contains")] == True
    assert summary.results_df().equals(results) and len(summary.scores_df()) == 12


def test_resolve_run_by_id_prefix_and_label(finished_run):
    db, summary = finished_run
    with Store(db, read_only=True) as store:
        assert store.resolve_run(summary.run_id) == summary.run_id
        assert store.resolve_run("v1") == summary.run_id
        assert store.resolve_run(summary.run_id[:17]) == summary.run_id
        with pytest.raises(Exception, match="no run or label 'nope'"):
            store.resolve_run("nope")


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export_one_row_per_case_and_sample_with_scores(finished_run, fmt):
    db, summary = finished_run
    out = db.parent / f"out.{fmt}"
    proc = ok(evalkit("export", "v1", "--db", db.name, "--format", fmt, "-o", out.name,
                      cwd=db.parent))
    assert f"wrote 6 rows of run {summary.run_id}" in proc.stdout
    frame = {"parquet": pd.read_parquet, "csv": pd.read_csv,
             "jsonl": lambda p: pd.read_json(p, lines=True)}[fmt](out)
    assert len(frame) == 6
    assert sorted(zip(frame.case_id, frame["sample"])) == [
        (c, s) for c in ("de", "fr", "it") for s in (0, 1)]
    assert set(frame.run_id) == {summary.run_id}
    for row in frame.itertuples():
        scores = row.scores if isinstance(row.scores, list) else json.loads(row.scores)
        assert [s["scorer"] for s in scores] == ["contains", "exact"]
        by_name = {s["scorer"]: s for s in scores}
        assert by_name["exact"]["passed"] == (row.case_id != "it")
        assert by_name["contains"]["passed"] == (row.case_id in ("it", "de"))
        assert by_name["exact"]["explanation"]


def test_export_default_path_is_under_reports(finished_run):
    db, summary = finished_run
    ok(evalkit("export", summary.run_id[:17], "--db", db.name, "--format", "csv", cwd=db.parent))
    assert len(pd.read_csv(db.parent / "reports" / f"{summary.run_id}.csv")) == 6


def test_text_that_is_not_utf8_does_not_sink_the_batch(srv, tmp_path):
    """An API may answer with a lone surrogate escape ("\\ud800", a split emoji); Python takes
    it, DuckDB's UTF-8 does not. It is stored as U+FFFD, and the other results with it."""
    suite = write_suite(tmp_path, "surrogate", [
        {"id": "a", "question": "fine", "answer": "fine"},
        {"id": "b", "question": "split", "answer": "x"},
        {"id": "c", "question": "ok", "answer": "ok"}])
    srv.config(answers={"split": "half an emoji \ud83d here"})
    proc = ok(evalkit("run", suite.name, "--model", MODEL, *api_args(srv), "--db", "s.duckdb",
                      "--label", "s", cwd=tmp_path))
    assert_no_traceback(proc.stderr)
    db = tmp_path / "s.duckdb"
    assert query(db, "SELECT case_id, output, error FROM results ORDER BY case_id") == [
        ("a", "fine", None), ("b", "half an emoji \N{REPLACEMENT CHARACTER} here", None),
        ("c", "ok", None)]
    assert query(db, "SELECT status FROM runs") == [("completed",)]
    assert query(db, "SELECT count(*) FROM cache") == [(3,)]
    # and a second run is served the same text from the cache
    srv.reset()
    ok(evalkit("run", suite.name, "--model", MODEL, *api_args(srv), "--db", "s.duckdb",
               "--label", "s2", cwd=tmp_path))
    assert srv.stats()["total"] == 0
    assert query(db, "SELECT output FROM results x JOIN runs r USING (run_id) "
                     "WHERE r.label = 's2' AND case_id = 'b'") == [
        ("half an emoji \N{REPLACEMENT CHARACTER} here",)]


def test_typed_reads_run_record_and_case_results(finished_run):
    """Store.run is a RunRecord read by attribute (JSON columns decoded); case_results is the
    one per-case reader: every (case, sample) with its scores, the failing ones with why."""
    from evalkit.store import RunRecord
    from evalkit.store.reads import case_results, pass_rate

    db, summary = finished_run
    with Store(db, read_only=True) as store:
        run = store.run(summary.run_id)
        found = case_results(store, summary.run_id)
        rate = pass_rate(store, summary.run_id)
    assert isinstance(run, RunRecord)
    assert (run.run_id, run.label, run.status, run.samples, run.n_cases) == (
        summary.run_id, "v1", "completed", 2, 3)
    assert [s["name"] for s in run.scorers] == ["exact", "contains"]  # decoded, not JSON text
    assert isinstance(run.options, dict) and run.finished_at >= run.started_at
    with pytest.raises(Exception):
        run.label = "changed"  # frozen: a record, not a row to edit
    assert [(r.case_id, r.sample) for r in found] == [(c, s) for c in ("de", "fr", "it")
                                                      for s in (0, 1)]
    it = next(r for r in found if (r.case_id, r.sample) == ("it", 1))
    assert (it.output, it.passed, it.error) == ("Rome", False, None)
    assert [(s.scorer, s.passed) for s in it.scores] == [("contains", True), ("exact", False)]
    assert it.why().startswith("exact: ") and "contains" not in it.why()
    assert all(r.passed and r.why() == "" for r in found if r.case_id == "de")
    assert rate == pytest.approx(2 / 6)
