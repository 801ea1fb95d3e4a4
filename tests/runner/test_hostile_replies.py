"""Hostile replies from an OpenAI-compatible server: each is an error on its own case.

A reply whose content is not a string, whose usage is a string or too large for a BIGINT,
a body far over the size cap (declared or streamed without end), and a server too slow for
the call's deadline: the run completes, the other cases keep their answers, and nothing is
lost. Everything goes through the real test server and the `evalkit` command.
"""
from __future__ import annotations

import time

import pytest

from tests.cli.helpers import (
    api_args,
    assert_no_traceback,
    evalkit,
    ok,
    query,
    write_suite,
)

MODEL = "openai/some-model"
CASES = [{"id": f"c{i}", "question": f"q{i}", "answer": f"q{i}"} for i in range(6)]


def run_hostile(srv, tmp_path, replies: dict, *extra: str, key: str = "sk-test-key-123456"):
    suite = write_suite(tmp_path, "hostile", CASES)
    srv.config(replies=replies)
    proc = evalkit("run", suite.name, "--model", MODEL, *api_args(srv, key=key), "--db",
                   "h.duckdb", "--no-cache", *extra, cwd=tmp_path)
    rows = {c: (o, e) for c, o, e in query(tmp_path / "h.duckdb",
                                            "SELECT case_id, output, error FROM results")}
    return proc, rows


def assert_others_answered(rows: dict, bad: set[str]) -> None:
    assert set(rows) == {c["id"] for c in CASES}, "one row per case, none lost"
    for case_id, (output, error) in rows.items():
        if case_id not in bad:
            assert (output, error) == (f"q{case_id[1:]}", None), case_id


@pytest.mark.parametrize("content, kind", [(12345, "int"), ([{"type": "text"}], "list"),
                                           ({"a": 1}, "dict"), (True, "bool")])
def test_a_non_string_content_is_an_error_on_its_case(srv, tmp_path, content, kind):
    """With an API key set, a number as `content` used to kill the writer in masking."""
    proc, rows = run_hostile(srv, tmp_path, {"q2": {"content": content}})
    ok(proc)
    assert_no_traceback(proc.stderr)
    assert rows["c2"] == (None, f"malformed response: 'content' must be a string, got {kind}")
    assert_others_answered(rows, {"c2"})
    assert query(tmp_path / "h.duckdb", "SELECT status FROM runs") == [("completed",)]


def test_bad_usage_values_error_their_cases_not_the_run(srv, tmp_path):
    proc, rows = run_hostile(srv, tmp_path, {
        "q1": {"usage": {"prompt_tokens": "lots", "completion_tokens": 1}},
        "q3": {"usage": {"prompt_tokens": 1, "completion_tokens": 2**64}},
        "q4": {"usage": {"prompt_tokens": -5, "completion_tokens": 1}},
        "q5": {"usage": "plenty"},
    })
    ok(proc)
    assert_no_traceback(proc.stderr)
    assert rows["c1"] == (None, "malformed response: 'tokens_in' must be an integer, got 'lots'")
    assert rows["c3"] == (None, f"malformed response: 'tokens_out' must be an integer, got {2**64}")
    assert rows["c4"] == (None, "malformed response: 'tokens_in' must not be negative, got -5")
    assert rows["c5"][0] is None and rows["c5"][1].startswith("malformed response: ")
    assert_others_answered(rows, {"c1", "c3", "c4", "c5"})
    assert query(tmp_path / "h.duckdb", "SELECT status FROM runs") == [("completed",)]


def test_a_reply_over_the_size_cap_is_not_read(srv, tmp_path):
    started = time.monotonic()
    proc, rows = run_hostile(srv, tmp_path, {"q1": {"pad_bytes": 3 * 2**20},
                                             "q2": {"stream_mb": 2000}},
                             "-M", "max_reply_mb=1", "--retries", "0")
    ok(proc)
    assert rows["c1"][0] is None and rows["c1"][1].startswith(
        "reply too large: 3,145,") and "bytes declared, over the limit of 1,048,576" in rows["c1"][1]
    assert rows["c2"] == (None, "reply too large: over the limit of 1,048,576 bytes (not read "
                                "further); raise the limit with -M max_reply_mb=...")
    assert_others_answered(rows, {"c1", "c2"})
    # 2 GB offered without a Content-Length: the client hung up after about a megabyte
    assert srv.stats()["sent_bytes"]["q2"] < 64 * 2**20
    assert time.monotonic() - started < 60
    assert query(tmp_path / "h.duckdb", "SELECT max(length(output)) FROM results") == [(2,)]


def test_the_default_cap_stores_a_large_reply_whole(srv, tmp_path):
    proc, rows = run_hostile(srv, tmp_path, {"q1": {"content": "y" * 2**20}})
    ok(proc)
    assert rows["c1"] == ("y" * 2**20, None)


def test_a_deadline_ends_a_call_across_its_retries(srv, tmp_path):
    """Per-attempt timeouts alone allowed 7 × 120 s for one call."""
    started = time.monotonic()
    proc, rows = run_hostile(srv, tmp_path, {"q0": {"delay": 30}}, "--timeout", "0.4",
                             "--retries", "50", "--deadline", "2")
    ok(proc)
    assert time.monotonic() - started < 25
    output, error = rows["c0"]
    assert output is None and "deadline of 2 s" in error, error
    (attempts,), = query(tmp_path / "h.duckdb", "SELECT attempts FROM results WHERE case_id = 'c0'")
    assert 2 <= attempts <= 6
    assert_others_answered(rows, {"c0"})
