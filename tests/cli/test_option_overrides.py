"""`evalkit run -O KEY=VALUE` (issue 18, item 2): generation options over the suite's,
validated like them, stored with the run, listed in compare's "what else changed"."""
from __future__ import annotations

import json

import pytest

from tests.cli.ergonomics import cases, cli, project, run, write_suite
from tests.cli.helpers import assert_no_traceback, query

OPTIONS = "options: {temperature: 0.8, max_tokens: 64}\n"


def test_two_temperatures_of_one_suite_compare_with_the_option_named(tmp_path):
    project(tmp_path)
    suite = write_suite(tmp_path, "s", cases(4), extra=OPTIONS)
    run(tmp_path, suite, "--label", "hot")
    run(tmp_path, suite, "--label", "cool", "-O", "temperature=0.5", "-O", "stop=[END]",
        "-O", "extra.repeat_penalty=1.1")
    stored = {label: json.loads(options) for label, options in query(
        tmp_path / "e.duckdb", "SELECT label, options FROM runs")}
    assert stored["hot"]["generation"] == {"temperature": 0.8, "max_tokens": 64}
    assert stored["cool"]["generation"] == {"temperature": 0.5, "max_tokens": 64,
                                            "stop": ["END"], "repeat_penalty": 1.1}
    assert stored["cool"]["overrides"] == ["extra.repeat_penalty", "stop", "temperature"]
    proc = cli(tmp_path, "compare", "hot", "cool", "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if "option temperature" in line)
    assert "(-O)" in row and "0.8" in row and "0.5" in row, proc.stdout


@pytest.mark.parametrize("pair, message", [
    ("temperature=3", "-O temperature=3: Input should be less than or equal to 2"),
    ("max_tokens=lots", "-O max_tokens=lots: Input should be a valid integer"),
    ("temprature=0.5", "-O temprature: not a generation option; did you mean 'temperature'?"),
    ("extra.model=gpt", "options.extra cannot set 'model'"),
    ("temperature", "-O 'temperature': expected KEY=VALUE"),
])
def test_a_bad_option_fails_before_any_call(tmp_path, pair, message):
    project(tmp_path)
    suite = write_suite(tmp_path, "s", cases(2), extra=OPTIONS)
    proc = cli(tmp_path, "run", suite, "-m", "python/pipe:answer", "-M", "path=.", "-O", pair)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert_no_traceback(proc.stderr)
    assert not (tmp_path / "e.duckdb").exists() or query(
        tmp_path / "e.duckdb", "SELECT count(*) FROM results") == [(0,)]
