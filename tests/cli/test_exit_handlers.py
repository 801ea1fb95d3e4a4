"""`evalkit` ends with a normal interpreter exit: a pipeline's atexit handler (a tracing or
telemetry flush) runs. A pipeline that leaves a non-daemon thread hanging cannot hold the
process: the exit watchdog ends it with the command's own exit code after its grace time."""
from __future__ import annotations

import time

from tests.cli.helpers import clean_env, evalkit, ok, pipeline_suite, query

PIPELINE = '''
import atexit, threading, time

def _flush():
    with open("flushed.txt", "a", encoding="utf-8") as out:
        out.write("flushed\\n")

atexit.register(_flush)

def answer(vars, options):
    if options.get("hang_thread"):
        threading.Thread(target=time.sleep, args=(10**6,), name="user-hang", daemon=False).start()
    return vars["q"]
'''


def _suite(folder):
    pipeline_suite(folder, PIPELINE, 3)


def test_a_pipelines_atexit_handler_runs(tmp_path):
    _suite(tmp_path)
    ok(evalkit("run", "s.yaml", "-m", "python/pipe:answer", "-M", "path=.", "--db", "r.duckdb",
               cwd=tmp_path))
    assert (tmp_path / "flushed.txt").read_text(encoding="utf-8") == "flushed\n"
    assert query(tmp_path / "r.duckdb", "SELECT count(*) FROM results WHERE passed") == [(3,)]


def test_a_hung_user_thread_cannot_hold_the_exit(tmp_path):
    _suite(tmp_path)
    started = time.monotonic()
    done = evalkit("run", "s.yaml", "-m", "python/pipe:answer", "-M", "path=.", "-M",
                   "hang_thread=1", "--db", "r.duckdb", cwd=tmp_path, timeout=60,
                   env=clean_env(EVALKIT_EXIT_GRACE_S="1"))
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 45
    assert "user-hang" in done.stderr and "Results are stored" in done.stderr
    assert query(tmp_path / "r.duckdb", "SELECT count(*) FROM results") == [(3,)]
