"""Crash and resume: SIGKILL `evalkit run` mid-run, run the same command again.

The resumed run keeps its run id, ends 'completed' with exactly the rows an uninterrupted
run produces, and never calls the model again for a case whose result was stored.
DuckDB's writer holds a file lock, so progress is watched through the server's counters
and the DB is read only once the killed process is gone.
"""
from __future__ import annotations

import re
import signal
import textwrap
import time

from evalkit.runner import RetryPolicy, RunConfig, run_suite
from evalkit.suite import load_suite
from tests.cli.helpers import (
    api_args,
    api_options,
    assert_no_traceback,
    echo_cases,
    evalkit,
    evalkit_popen,
    ok,
    query,
    write_suite,
)

MODEL = "litellm/openai/some-model"


def start_and_kill(args, folder, server, at_least: int):
    """Start `evalkit run ARGS`, SIGKILL it once the server has seen `at_least` requests."""
    proc = evalkit_popen(*args, cwd=folder)
    deadline = time.monotonic() + 60
    try:
        while server.stats()["total"] < at_least:
            assert proc.poll() is None, f"run ended before the kill: {proc.communicate()}"
            assert time.monotonic() < deadline, "the run never got going"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def stored(db):
    return {(c, s): o for c, s, o in query(db, "SELECT case_id, sample, output FROM results")}


def test_sigkill_then_same_command_resumes_the_same_run(srv, tmp_path):
    cases = echo_cases(300)
    suite = write_suite(tmp_path, "big", cases)
    prompt_of = {c["id"]: c["question"] for c in cases}

    # the reference: the same suite, uninterrupted, in another DB
    reference = run_suite(load_suite(suite), RunConfig(
        model=MODEL, model_args=api_options(srv), db=str(tmp_path / "reference.duckdb"),
        label="v1", max_concurrency=32, retry=RetryPolicy(base_s=0.01, cap_s=0.05)))
    assert reference.errors == 0
    expected = stored(tmp_path / "reference.duckdb")
    assert len(expected) == 300

    srv.config(latency=0.05)
    srv.reset()
    args = ["run", suite.name, "--model", MODEL, *api_args(srv), "--db", "crash.duckdb",
            "--label", "v1", "--max-concurrency", "4"]
    # (~1.5 s of calls: the new file opens while the first ones are out, then results are
    # written every half second)
    start_and_kill(args, tmp_path, srv, at_least=120)
    db = tmp_path / "crash.duckdb"

    (run_id, status), = query(db, "SELECT run_id, status FROM runs")
    assert status == "running", "a killed run never got to say it finished"
    before = stored(db)
    assert 40 <= len(before) < 300, len(before)
    assert all(expected[key] == output for key, output in before.items())
    time.sleep(0.2)  # let the server count requests the killed process had already sent
    calls_before = srv.stats()["by_prompt"]
    for case_id, _ in before:  # a stored result was a completed call
        assert calls_before.get(prompt_of[case_id]) == 1

    srv.config(latency=0.0)
    rerun = ok(evalkit(*args, cwd=tmp_path))
    assert_no_traceback(rerun.stderr)
    assert run_id in rerun.stdout
    assert re.search(rf"{len(before)} resumed from earlier", rerun.stdout), rerun.stdout
    assert re.search(rf"\b{300 - len(before)} results\b", rerun.stdout), rerun.stdout

    assert query(db, "SELECT run_id, status FROM runs") == [(run_id, "completed")]
    assert query(db, "SELECT count(*), count(DISTINCT (case_id, sample)) FROM results") == [(300, 300)]
    assert query(db, "SELECT count(*), count(DISTINCT (case_id, sample)) FROM scores") == [(300, 300)]
    assert stored(db) == expected
    assert query(db, "SELECT DISTINCT run_id FROM results") == [(run_id,)]

    calls = srv.stats()["by_prompt"]
    assert set(calls) == set(prompt_of.values()), "every case was called at least once"
    twice = {p for p, n in calls.items() if n > 1}
    assert not twice & {prompt_of[c] for c, _ in before}, "a stored case was called again"
    assert all(n <= 2 for n in calls.values())
    # exactly the calls that were in flight (or done but not yet written) at the kill repeat
    assert twice == set(calls_before) - {prompt_of[c] for c, _ in before}


def test_explicit_resume_by_run_id(srv, tmp_path):
    suite = write_suite(tmp_path, "mid", echo_cases(120))
    srv.config(latency=0.05)
    srv.reset()
    args = ["run", suite.name, "--model", MODEL, *api_args(srv), "--db", "r.duckdb",
            "--max-concurrency", "4"]
    # 60 requests (~0.75 s at 4 × 50 ms): on a loaded machine the first write (imports, the
    # first DuckDB transaction) can take longer than 20 requests did, leaving nothing stored.
    # (~1.5 s of calls: the new file opens while the first ones are out, then results are
    # written every half second)
    start_and_kill(args, tmp_path, srv, at_least=120)
    db = tmp_path / "r.duckdb"
    (run_id,), = query(db, "SELECT run_id FROM runs")
    before = stored(db)
    assert 0 < len(before) < 120
    srv.config(latency=0.0)

    # another suite cannot continue it
    other = write_suite(tmp_path, "other", echo_cases(3))
    wrong = evalkit("run", other.name, "--model", MODEL, *api_args(srv), "--db", "r.duckdb",
                    "--resume", run_id, cwd=tmp_path)
    assert wrong.returncode == 2, wrong
    assert "cannot be resumed" in wrong.stderr and run_id in wrong.stderr
    assert_no_traceback(wrong.stderr)
    missing = evalkit(*args, "--resume", "no-such-run", cwd=tmp_path)
    assert missing.returncode == 2 and "no run 'no-such-run'" in missing.stderr

    resumed = ok(evalkit(*args, "--resume", run_id, cwd=tmp_path))
    assert run_id in resumed.stdout and f"{len(before)} resumed from earlier" in resumed.stdout
    assert query(db, "SELECT run_id, status FROM runs") == [(run_id, "completed")]
    assert query(db, "SELECT count(*), count(DISTINCT (case_id, sample)) FROM results") == [(120, 120)]
    assert stored(db) == {(f"c{i:04d}", 0): f"q{i}" for i in range(120)}


def test_a_finished_run_is_not_resumed(srv, tmp_path):
    suite = write_suite(tmp_path, "again", echo_cases(3))
    args = ["run", suite.name, "--model", MODEL, *api_args(srv), "--db", "n.duckdb",
            "--label", "v1"]
    ok(evalkit(*args, cwd=tmp_path))
    # a finished run is never resumed: the same command makes a second run (from the cache)
    second = ok(evalkit(*args, cwd=tmp_path))
    assert "3 cached" in second.stdout
    assert query(tmp_path / "n.duckdb", "SELECT count(*), count(DISTINCT run_id) FROM runs") == [(2, 2)]


def test_ctrl_c_keeps_results_and_the_same_command_resumes(srv, tmp_path):
    suite = write_suite(tmp_path, "interrupted", echo_cases(120))
    srv.config(latency=0.05)
    srv.reset()
    args = ["run", suite.name, "--model", MODEL, *api_args(srv), "--db", "i.duckdb",
            "--label", "v1", "--max-concurrency", "4"]
    proc = evalkit_popen(*args, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while srv.stats()["total"] < 20:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, (out, err)
    assert "interrupted: results so far are stored" in err
    assert_no_traceback(err)
    db = tmp_path / "i.duckdb"
    (run_id, status), = query(db, "SELECT run_id, status FROM runs")
    assert status == "interrupted"
    before = stored(db)
    assert 0 < len(before) < 120

    srv.config(latency=0.0)
    rerun = ok(evalkit(*args, cwd=tmp_path))
    assert run_id in rerun.stdout and f"{len(before)} resumed from earlier" in rerun.stdout
    assert query(db, "SELECT run_id, status FROM runs") == [(run_id, "completed")]
    assert stored(db) == {(f"c{i:04d}", 0): f"q{i}" for i in range(120)}


SLOW_PIPELINE = """
import time
from pathlib import Path

def answer(prompt):
    time.sleep(DELAY)
    with open(Path(__file__).with_name("calls.log"), "a") as log:
        log.write(prompt + "\\n")
    return "VERSION:" + prompt
"""


def test_an_edited_pipeline_does_not_continue_an_interrupted_run(tmp_path):
    pipe = tmp_path / "slow_pipe.py"
    pipe.write_text(textwrap.dedent(SLOW_PIPELINE).replace("DELAY", "0.05")
                    .replace("VERSION", "v1"), encoding="utf-8")
    suite = write_suite(tmp_path, "slow", echo_cases(40))
    args = ["run", suite.name, "--model", "python/slow_pipe:answer", "-M", "concurrency=1",
            "--db", "p.duckdb", "--label", "v"]
    proc = evalkit_popen(*args, cwd=tmp_path)
    log, deadline = tmp_path / "calls.log", time.monotonic() + 60
    while not log.exists() or len(log.read_text().splitlines()) < 10:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert query(tmp_path / "p.duckdb", "SELECT count(*) FROM results")[0][0] > 0

    # the pipeline is edited (a new version of the model), then the same command is run
    pipe.write_text(textwrap.dedent(SLOW_PIPELINE).replace("DELAY", "0")
                    .replace("VERSION", "v2"), encoding="utf-8")
    rerun = evalkit(*args, cwd=tmp_path)
    # a fix may start a new run or refuse to continue this one; either way no run mixes versions
    assert rerun.returncode in (0, 2), rerun
    assert_no_traceback(rerun.stderr)
    versions = query(tmp_path / "p.duckdb", "SELECT run_id, list(DISTINCT split_part(output, ':', 1)) "
                                            "FROM results GROUP BY run_id")
    for run_id, found in versions:
        assert len(found) == 1, f"run {run_id} mixes outputs of pipeline versions {sorted(found)}"
