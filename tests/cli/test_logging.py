"""Logging under the `evalkit` logger: silent by default, -v INFO, -vv or EVALKIT_LOG_LEVEL
DEBUG, a bad level a usage error; records routed by the application when used as a library,
with secrets masked like every other sink."""
from __future__ import annotations

import logging

from evalkit.log import get_logger
from tests.cli.helpers import REPO_ROOT, clean_env, evalkit, ok

PIPELINE = ["suites/examples/pipeline_quickstart.yaml", "-m", "python/keyword_rag:answer",
            "-M", "path=suites/pipelines"]


def test_quiet_by_default_info_with_v_debug_with_the_env(tmp_path):
    db = tmp_path / "r.duckdb"
    quiet = ok(evalkit("run", *PIPELINE, "--db", db, cwd=REPO_ROOT))
    assert "evalkit INFO" not in quiet.stderr
    verbose = ok(evalkit("-v", "run", *PIPELINE, "--db", db, cwd=REPO_ROOT))
    assert "evalkit INFO evalkit.runner.events: run " in verbose.stderr
    assert "completed: 9 results" in verbose.stderr and "DEBUG" not in verbose.stderr
    debug = ok(evalkit("runs", "--db", db, cwd=REPO_ROOT,
                       env=clean_env(EVALKIT_LOG_LEVEL="debug")))
    assert "evalkit DEBUG evalkit.store.store: opened" in debug.stderr
    assert "evalkit DEBUG" in ok(evalkit("-vv", "runs", "--db", db, cwd=REPO_ROOT)).stderr


def test_a_bad_level_is_a_usage_error(tmp_path):
    done = evalkit("runs", "--db", tmp_path / "r.duckdb", cwd=REPO_ROOT,
                   env=clean_env(EVALKIT_LOG_LEVEL="loud"))
    assert done.returncode == 2 and "EVALKIT_LOG_LEVEL='loud' is not a log level" in done.stderr


def test_library_records_reach_the_applications_handler_masked(caplog):
    # an API-key shape: masked without registering it (the registry is process-wide)
    with caplog.at_level(logging.INFO, logger="evalkit"):
        get_logger("evalkit.backends.x").info("calling with key %s", "sk-live-9f8e7d6c5b4a39281706")
    (record,) = [r for r in caplog.records if r.name == "evalkit.backends.x"]
    assert record.getMessage() == "calling with key ***"
