"""A streamed suite (a case file over the streaming threshold) runs like any other: every case
stored once, served from the cache on a rerun, resumed after an interruption — with the
runner reading the cases one chunk at a time."""
from __future__ import annotations

from evalkit.runner import RetryPolicy, RunConfig, run_suite
from evalkit.suite import load_suite, streaming
from evalkit.suite.streaming import CaseStream
from tests.cli.helpers import (
    api_args,
    api_options,
    clean_env,
    echo_cases,
    evalkit,
    ok,
    query,
    write_suite,
)

MODEL = "openai/stream-model"
N = 1200


def test_a_streamed_suite_runs_caches_and_resumes(srv, tmp_path, monkeypatch):
    suite = write_suite(tmp_path, "streamed", echo_cases(N), extra="samples: 2\n")
    env = clean_env(EVALKIT_STREAM_ROWS="500")
    args = ["run", suite, "-m", MODEL, *api_args(srv), "--db", "s.duckdb", "--label", "s",
            "--max-concurrency", "16", "--no-progress"]
    first = ok(evalkit(*args, cwd=tmp_path, env=env))
    assert f"{2 * N} results, {2 * N} passed" in first.stdout
    assert srv.stats()["total"] == 2 * N
    assert query(tmp_path / "s.duckdb", "SELECT count(DISTINCT (case_id, sample)), "
                                        "count(*) FROM results") == [(2 * N, 2 * N)]
    srv.reset()
    again = ok(evalkit(*args, "--no-resume", cwd=tmp_path, env=env))
    assert f"{2 * N} cached" in again.stdout and srv.stats()["total"] == 0

    # an interrupted run (rows deleted as a crash would have lost them) resumes the rest
    monkeypatch.setenv("EVALKIT_STREAM_ROWS", "500")
    monkeypatch.setattr(streaming, "CHUNK_CASES", 100)  # many chunks, each read and rendered
    loaded = load_suite(suite)
    assert isinstance(loaded.cases, CaseStream)
    config = RunConfig(model=MODEL, model_args=api_options(srv), db=str(tmp_path / "r.duckdb"),
                       label="r", cache=False, retry=RetryPolicy(base_s=0.01, cap_s=0.05))
    whole = run_suite(loaded, config)
    import duckdb

    con = duckdb.connect(str(tmp_path / "r.duckdb"))
    for table in ("results", "scores"):
        con.execute(f"DELETE FROM {table} WHERE case_id >= 'c1000'")
    con.execute("UPDATE runs SET status = 'interrupted'")
    con.close()
    srv.reset()
    resumed = run_suite(loaded, config)
    assert resumed.run_id == whole.run_id and resumed.resumed == 2 * 1000
    assert resumed.executed == 2 * (N - 1000) == srv.stats()["total"]
