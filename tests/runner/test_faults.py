"""Faults: 429s, 5xx, hanging requests and a server that always fails, through real HTTP.

Inside a run failures are data: every case ends with exactly one result row, retries are
recorded as attempts, and a run whose calls all failed is still 'completed'.
"""
from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from evalkit.backends.base import parse_retry_after
from evalkit.runner import RetryPolicy, RunConfig, run_suite
from evalkit.suite import load_suite
from tests.cli.helpers import api_options, echo_cases, query, write_suite

MODEL = "litellm/openai/some-model"


def run(suite, db, server, policy, concurrency=None, label=None):
    return run_suite(load_suite(suite), RunConfig(
        model=MODEL, model_args=api_options(server), db=str(db), label=label, cache=False,
        retry=policy, max_concurrency=concurrency))


def test_thousand_cases_through_429s_500s_and_hangs(srv, tmp_path):
    suite = write_suite(tmp_path, "faulty", echo_cases(1000))
    srv.config(fail_rate=0.1, fail_statuses=[429, 500], retry_after="0", timeout_rate=0.02,
               hang_s=2.0, seed=7)
    policy = RetryPolicy(max_retries=10, base_s=0.01, cap_s=0.05, timeout_s=0.5)
    started = time.perf_counter()
    summary = run(suite, tmp_path / "faults.duckdb", srv, policy, concurrency=64)
    wall = time.perf_counter() - started
    stats = srv.stats()
    db = tmp_path / "faults.duckdb"

    assert summary.status == "completed"
    assert (summary.total, summary.executed, summary.errors, summary.passed) == (1000, 1000, 0, 1000)
    # no loss, no duplicate: one row per (case, sample), and every score row is there too
    assert query(db, "SELECT count(*), count(DISTINCT (case_id, sample)), count(error), "
                     "sum(CASE WHEN passed THEN 1 ELSE 0 END) FROM results") == [(1000, 1000, 0, 1000)]
    assert query(db, "SELECT count(*), count(DISTINCT (case_id, sample)) FROM scores") == [(1000, 1000)]
    assert {c for (c,) in query(db, "SELECT case_id FROM results")} == {f"c{i:04d}" for i in range(1000)}
    outputs = dict(query(db, "SELECT case_id, output FROM results"))
    assert all(outputs[f"c{i:04d}"] == f"q{i}" for i in range(1000))

    # the faults really happened, and retries are recorded per case
    assert stats["statuses"].get("429", 0) > 20 and stats["statuses"].get("500", 0) > 20
    retried, max_attempts, attempts = query(
        db, "SELECT count(*) FILTER (WHERE attempts > 1), max(attempts), sum(attempts) FROM results")[0]
    assert 60 < retried < 400, retried
    assert max_attempts >= 3
    # each attempt is a request (timed-out ones included); on a loaded machine a few attempts
    # time out (0.5 s) before their request reaches the server, never the other way round
    assert attempts - attempts // 50 <= stats["total"] <= attempts, (stats["total"], attempts)
    assert query(db, "SELECT status FROM runs") == [("completed",)]
    # 20-odd hangs of 2 s would take far longer one by one; the 0.5 s timeout cut them short
    assert wall < 30, wall


def test_litellm_path_retries_429s_and_500s_too(srv, tmp_path):
    """litellm's own exceptions (RateLimitError, InternalServerError) must map to retries."""
    suite = write_suite(tmp_path, "faulty-litellm", echo_cases(40))
    srv.config(fail_rate=0.3, fail_statuses=[429, 500], retry_after="0", seed=11)
    summary = run_suite(load_suite(suite), RunConfig(
        model=MODEL, model_args=api_options(srv, via="litellm"), db=str(tmp_path / "l.duckdb"),
        cache=False, max_concurrency=8,
        retry=RetryPolicy(max_retries=10, base_s=0.01, cap_s=0.05, timeout_s=10)))
    stats = srv.stats()
    assert summary.status == "completed" and summary.errors == 0 and summary.passed == 40
    assert stats["statuses"].get("429", 0) > 0 and stats["statuses"].get("500", 0) > 0
    retried, attempts = query(tmp_path / "l.duckdb", "SELECT count(*) FILTER (WHERE attempts > 1), "
                                                     "sum(attempts) FROM results")[0]
    assert retried > 0 and stats["total"] == attempts


def test_always_failing_server_records_the_error_on_every_case(srv, tmp_path):
    suite = write_suite(tmp_path, "down", echo_cases(5))
    srv.config(fail_rate=1.0, fail_statuses=[500])
    policy = RetryPolicy(max_retries=2, base_s=0.01, cap_s=0.05, timeout_s=5)
    summary = run(suite, tmp_path / "down.duckdb", srv, policy, label="down")
    db = tmp_path / "down.duckdb"

    assert summary.status == "completed" and summary.errors == 5 and summary.passed == 0
    assert query(db, "SELECT status, error FROM runs") == [("completed", None)]
    result_rows = query(db, "SELECT case_id, output, error, attempts, passed FROM results ORDER BY case_id")
    assert len(result_rows) == 5
    for case_id, output, error, attempts, passed in result_rows:
        assert output is None and passed is False and attempts == 3
        assert "HTTP 500" in error and "injected fault (500)" in error
        assert "gave up after 3 attempts" in error
    assert srv.stats()["total"] == 15  # 1 try + 2 retries per case, no more
    # the scorer did not crash on a missing output: its score says why
    explanations = query(db, "SELECT passed, explanation FROM scores")
    assert len(explanations) == 5 and all(p is False and "no output to score" in e
                                          for p, e in explanations)


def test_hanging_server_times_out_per_attempt(srv, tmp_path):
    suite = write_suite(tmp_path, "hang", echo_cases(2))
    srv.config(timeout_rate=1.0, hang_s=3.0)
    policy = RetryPolicy(max_retries=1, base_s=0.01, cap_s=0.05, timeout_s=0.2)
    started = time.perf_counter()
    summary = run(suite, tmp_path / "hang.duckdb", srv, policy)
    assert time.perf_counter() - started < 2.5, "attempts were cut at 0.2 s, not 3 s"
    assert summary.status == "completed" and summary.errors == 2
    assert query(tmp_path / "hang.duckdb", "SELECT DISTINCT attempts, error FROM results") == [
        (2, "timed out after 0.2 s (gave up after 2 attempts)")]


def test_unreachable_server_is_a_connection_error_per_case(tmp_path):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    suite = write_suite(tmp_path, "nobody-home", echo_cases(3))
    summary = run_suite(load_suite(suite), RunConfig(
        model=MODEL, model_args={"api_base": f"http://127.0.0.1:{port}/v1", "api_key": "sk-test"},
        db=str(tmp_path / "down.duckdb"), cache=False,
        retry=RetryPolicy(max_retries=2, base_s=0.01, cap_s=0.05, timeout_s=5)))
    assert summary.status == "completed" and summary.errors == 3
    for attempts, error in query(tmp_path / "down.duckdb", "SELECT attempts, error FROM results"):
        assert attempts == 3
        assert error.startswith("connection error: ") and "gave up after 3 attempts" in error


def test_client_errors_are_not_retried(srv, tmp_path):
    suite = write_suite(tmp_path, "auth", echo_cases(3))
    srv.config(require_key="sk-some-other-key")
    summary = run(suite, tmp_path / "auth.duckdb", srv,
                  RetryPolicy(max_retries=5, base_s=0.01, cap_s=0.05, timeout_s=5))
    assert summary.errors == 3
    assert {(a, e) for a, e in query(tmp_path / "auth.duckdb", "SELECT attempts, error FROM results")} \
        == {(1, "HTTP 401: Incorrect API key provided.")}
    assert srv.stats()["total"] == 3


def test_retry_after_from_the_server_is_waited_for(srv, tmp_path):
    """One case, the server answers 429 with Retry-After 0.4 until the retries run out."""
    suite = write_suite(tmp_path, "slow-down", echo_cases(1))
    srv.config(fail_rate=1.0, fail_statuses=[429], retry_after="0.4")
    policy = RetryPolicy(max_retries=1, base_s=0.01, cap_s=0.05, timeout_s=5)
    started = time.perf_counter()
    summary = run(suite, tmp_path / "ra.duckdb", srv, policy)
    wall = time.perf_counter() - started
    assert summary.errors == 1
    assert query(tmp_path / "ra.duckdb", "SELECT attempts FROM results") == [(2,)]
    assert srv.stats()["total"] == 2
    # without Retry-After the backoff would be at most cap_s = 0.05 s
    assert summary.wall_s >= 0.4 and wall >= 0.4


class TestRetryPolicyDelay:
    def test_retry_after_sets_the_delay(self):
        policy = RetryPolicy(base_s=0.01, cap_s=0.05)
        rng = random.Random(0)
        for attempt in (1, 2, 5):
            delay = policy.delay(attempt, 1.0, rng)
            assert 1.0 <= delay <= 1.0 + 0.01 / 10

    def test_retry_after_is_capped(self):
        policy = RetryPolicy(base_s=0.01, max_retry_after_s=3.0)
        assert 3.0 <= policy.delay(1, 3600.0, random.Random(0)) <= 3.001

    def test_backoff_without_retry_after_grows_and_is_capped(self):
        policy = RetryPolicy(base_s=0.1, cap_s=0.5)
        rng = random.Random(1)
        for attempt, ceiling in ((1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (10, 0.5)):
            delays = [policy.delay(attempt, None, rng) for _ in range(200)]
            assert all(ceiling / 2 <= d <= ceiling for d in delays), (attempt, min(delays), max(delays))
            assert max(delays) - min(delays) > ceiling / 4, "jitter spreads the retries out"


class TestParseRetryAfter:
    @pytest.mark.parametrize("value, expected", [
        ("0", 0.0), ("1", 1.0), ("120", 120.0), ("1.5", 1.5), ("-3", 0.0),
        (None, None), ("", None), ("soon", None)])
    def test_delay_seconds(self, value, expected):
        assert parse_retry_after(value) == expected

    def test_http_date_in_the_future(self):
        when = datetime.now(timezone.utc) + timedelta(seconds=30)
        delay = parse_retry_after(format_datetime(when, usegmt=True))
        assert delay is not None and 27 <= delay <= 30.5

    def test_http_date_in_the_past_means_now(self):
        assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
