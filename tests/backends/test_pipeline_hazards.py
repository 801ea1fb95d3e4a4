"""A pipeline that hangs, calls sys.exit() or raises a BaseException fails its own case only.

Each test is a real `evalkit run` subprocess with a pipeline module written beside the
suite; the process must end on its own (a hung function is abandoned after its timeout),
with exit 0, the run completed and one error row for the bad case.
"""
from __future__ import annotations

import textwrap
import time

from tests.cli.helpers import assert_no_traceback, evalkit, ok, query

SUITE = """\
suite: hazards
prompt: "{{ q }}"
cases:
  - {id: a, q: fine, target: fine}
  - {id: b, q: hang, target: hang}
  - {id: c, q: exit, target: exit}
  - {id: d, q: base, target: base}
  - {id: e, q: fine too, target: fine too}
scorers:
  - type: exact
"""

PIPES = '''
import asyncio
import sys
import time


class Boom(BaseException):
    pass


def sync_answer(prompt):
    if prompt == "hang":
        time.sleep(3600)
    if prompt == "exit":
        sys.exit(0)
    if prompt == "base":
        raise Boom("not an Exception")
    return prompt


async def async_answer(prompt):
    if prompt == "hang":
        await asyncio.sleep(3600)
    if prompt == "exit":
        sys.exit(3)
    if prompt == "base":
        raise Boom("not an Exception either")
    return prompt
'''


def run_pipeline(tmp_path, name: str):
    (tmp_path / "hazard_pipes.py").write_text(PIPES, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(SUITE, encoding="utf-8")
    started = time.monotonic()
    # On the old code a hung sync call kept `evalkit run` alive after its timeout: the
    # subprocess timeout below would end the test with TimeoutExpired.
    proc = evalkit("run", "s.yaml", "--model", f"python/hazard_pipes:{name}", "--db", "h.duckdb",
                   "--timeout", "1", "--retries", "0", cwd=tmp_path, timeout=60)
    return proc, time.monotonic() - started


def test_a_hung_sync_pipeline_times_out_and_the_run_exits(tmp_path):
    proc, wall = run_pipeline(tmp_path, "sync_answer")
    ok(proc)
    assert_no_traceback(proc.stderr)
    assert wall < 30, wall
    rows = dict(query(tmp_path / "h.duckdb", "SELECT case_id, error FROM results"))
    assert rows["b"] == "timed out after 1 s (gave up after 1 attempts)"
    assert rows["a"] is None and rows["e"] is None
    assert query(tmp_path / "h.duckdb", "SELECT status FROM runs") == [("completed",)]


def test_sys_exit_and_base_exceptions_are_errors_on_their_cases(tmp_path):
    for name, exit_error, boom in (("sync_answer", "SystemExit: 0", "Boom: not an Exception"),
                                   ("async_answer", "SystemExit: 3",
                                    "Boom: not an Exception either")):
        proc, _ = run_pipeline(tmp_path, name)
        ok(proc)
        assert_no_traceback(proc.stderr)
        assert "2 passed" in proc.stdout, proc.stdout
        rows = dict(query(tmp_path / "h.duckdb", "SELECT x.case_id, x.error FROM results x JOIN "
                          "runs r USING (run_id) WHERE r.model_ref LIKE ?", [f"%:{name}"]))
        assert rows["c"] == exit_error and rows["d"] == boom
        assert rows["b"].startswith("timed out after 1 s")
        assert rows["a"] is None and rows["e"] is None
    assert query(tmp_path / "h.duckdb", "SELECT DISTINCT status FROM runs") == [("completed",)]


def test_the_python_api_returns_after_a_hung_sync_call(tmp_path):
    """run_suite (asyncio.run) used to wait for the hung thread when closing its loop."""
    import subprocess
    import sys

    (tmp_path / "hazard_pipes.py").write_text(PIPES, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(SUITE, encoding="utf-8")
    script = textwrap.dedent("""
        from evalkit import RunConfig, load_suite, run_suite
        from evalkit.runner import RetryPolicy
        summary = run_suite(load_suite("s.yaml"), RunConfig(
            model="python/hazard_pipes:sync_answer", db="api.duckdb", progress=False,
            retry=RetryPolicy(max_retries=0, timeout_s=1)))
        print(summary.status, summary.errors)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["completed", "3"]
