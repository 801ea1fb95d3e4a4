"""The run summary names its dominant errors with counts and a hint (issue 18, item 5)."""
from __future__ import annotations

import socket

from tests.cli.ergonomics import cli, project, run, write_suite
from tests.cli.helpers import assert_no_traceback


def test_a_pipeline_that_raises_is_named_with_its_count(tmp_path):
    project(tmp_path)
    cases = [{"id": f"b{i}", "question": f"boom {i}", "answer": "x"} for i in range(7)]
    cases += [{"id": "ok", "question": "fine", "answer": "fine"}]
    proc = run(tmp_path, write_suite(tmp_path, "s", cases))
    assert "7 errors" in proc.stdout
    assert "7 × error: RuntimeError: the retriever is down" in proc.stdout, proc.stdout
    assert "hint: the pipeline raised this: `evalkit show" in proc.stdout


def test_a_server_that_is_down_gets_the_question_to_ask(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/v1"
    cases = [{"id": f"c{i}", "question": f"q{i}", "answer": "x"} for i in range(9)]
    suite = write_suite(tmp_path, "s", cases)
    proc = cli(tmp_path, "run", suite, "-m", "openai/m", "-M", f"api_base={base}", "-M",
               "api_key=sk-test", "--retries", "1", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    cause = next(i for i, line in enumerate(lines) if "× error:" in line)
    assert lines[cause].strip().startswith("9 × error: connection error"), proc.stdout
    assert "(gave up after" not in lines[cause]  # retry counts do not split the group
    assert f"hint: is the server at {base} running?" in lines[cause + 1]
    assert_no_traceback(proc.stdout + proc.stderr)
