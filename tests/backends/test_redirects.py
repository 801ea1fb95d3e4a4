"""Redirects of model calls, against real servers on 127.0.0.1.

By default a redirect is an error on its case: nothing is sent where the server points
(another server on another port is another host, and counts every request it gets), a 302
never turns the POST into a GET whose empty answer would pass for an output, and the error
is never cached. `-M follow_redirects=same-host` follows 307/308 within the same host only.
"""
from __future__ import annotations

import json

import pytest

from evalkit.runner import RetryPolicy, RunConfig, run_suite
from evalkit.suite import load_suite
from tests.cli.helpers import api_args, api_options, evalkit, ok, query
from tests.support.openai_server import serve

FAST = RetryPolicy(max_retries=2, base_s=0.01, cap_s=0.05, timeout_s=30)
HEADERS = {"x-api-key": "xk-" + "7" * 12, "api-key": "ak-" + "8" * 12}


@pytest.fixture(scope="module")
def other_host():
    """A second server: where a cross-host redirect points."""
    with serve() as other:
        yield other


def run(suite, db, label, cache=True, **args):
    return run_suite(load_suite(suite), RunConfig(
        model="openai/m", model_args={**api_options(args.pop("server")), **args},
        db=str(db), label=label, cache=cache, retry=FAST))


def results(db, run_id):
    return query(db, "SELECT case_id, output, error, attempts FROM results WHERE run_id = ? "
                     "ORDER BY case_id", [run_id])


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_cross_host_redirect_sends_nothing_to_the_other_host(qa_smoke, server, other_host,
                                                               tmp_path, status):
    other_host.reset()
    server.config(redirect={"status": status,
                            "location": f"{other_host.base_url}/chat/completions"})
    summary = run(qa_smoke, tmp_path / "r.duckdb", "x", server=server, headers=HEADERS,
                  follow_redirects="same-host")
    assert other_host.stats()["total"] == 0, "the request (and its headers) went to the other host"
    assert summary.errors == 3
    for _, output, error, attempts in results(tmp_path / "r.duckdb", summary.run_id):
        assert output is None and attempts == 1, "a redirect is not retried"
        assert error.startswith(f"HTTP {status} redirect to another host (http://127.0.0.1:"
                                f"{other_host.port}/v1/chat/completions) refused"), error


def test_a_302_is_an_error_never_an_empty_success_and_never_cached(qa_smoke, server, tmp_path):
    server.config(redirect={"status": 302, "location": "/v2/chat/completions"})
    db = tmp_path / "r.duckdb"
    first = run(qa_smoke, db, "a", server=server)
    again = run(qa_smoke, db, "b", server=server)  # the cache holds no answer for these calls
    stats = server.stats()
    assert stats["methods"] == {"POST /v1/chat/completions": 6}, "no GET, no second request"
    for summary in (first, again):
        assert (summary.errors, summary.cached, summary.passed) == (3, 0, 0)
        for _, output, error, _ in results(db, summary.run_id):
            assert output is None
            assert error == (f"HTTP 302 redirect to {server.url}/v2/chat/completions not followed: "
                             "model calls never follow redirects (set api_base to the final URL, "
                             "or -M follow_redirects=same-host for redirects within the host)")
    assert query(db, "SELECT count(*) FROM cache") == [(0,)]


def test_same_host_307_is_followed_only_when_asked(qa_smoke, server, tmp_path):
    server.config(redirect={"status": 307, "location": "/v2/chat/completions"})
    db = tmp_path / "r.duckdb"
    refused = run(qa_smoke, db, "default", server=server, cache=False)
    assert refused.errors == 3
    server.reset()
    followed = run(qa_smoke, db, "same-host", server=server, cache=False, headers=HEADERS,
                   follow_redirects="same-host")
    assert followed.errors == 0
    assert [(c, o) for c, o, _, _ in results(db, followed.run_id)] == [
        ("de", "Berlin"), ("fr", "Paris"), ("it", "Rome")]
    stats = server.stats()
    assert stats["methods"] == {"POST /v1/chat/completions": 3, "POST /v2/chat/completions": 3}
    assert stats["headers"][f"x-api-key: {HEADERS['x-api-key']}"] == 6  # same host: kept
    # a 302 within the host is still refused: it would resend the call as a GET
    server.config(redirect={"status": 302, "location": "/v2/chat/completions"})
    as_get = run(qa_smoke, db, "302", server=server, cache=False, follow_redirects="same-host")
    assert as_get.errors == 3
    [(_, _, error, _), *_] = results(db, as_get.run_id)
    assert "it would resend the call as a GET without its body" in error


def test_the_cli_records_a_redirect_as_the_case_error(qa_smoke, server, other_host):
    other_host.reset()
    server.config(redirect={"status": 307, "location": f"{other_host.base_url}/chat/completions"})
    folder = qa_smoke.parent
    proc = ok(evalkit("run", qa_smoke.name, "--model", "openai/m", *api_args(server),
                      "-M", f"headers={json.dumps(HEADERS)}", "--db", "r.duckdb", "--label", "r",
                      cwd=folder))
    assert "3 errors" in proc.stdout
    assert other_host.stats()["total"] == 0
    shown = ok(evalkit("show", "r", "--db", "r.duckdb", cwd=folder)).stdout
    assert "redirect" in shown and "not followed" in shown


def test_the_litellm_path_does_not_follow_redirects_either(qa_smoke, server, other_host, tmp_path):
    """`-M via=litellm`: the OpenAI SDK's own client would follow a 307 to another host with
    the custom headers; evalkit gives litellm a client that does not."""
    other_host.reset()
    server.config(redirect={"status": 307, "location": f"{other_host.base_url}/chat/completions"})
    summary = run_suite(load_suite(qa_smoke), RunConfig(
        model="litellm/openai/m", db=str(tmp_path / "r.duckdb"), cache=False, retry=FAST,
        model_args=api_options(server, via="litellm", extra_headers=HEADERS)))
    assert other_host.stats()["total"] == 0
    assert summary.errors == 3
    assert server.stats()["methods"] == {"POST /v1/chat/completions": 3}
