"""Tests of the fake OpenAI server, through real HTTP against a subprocess."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.openai_server import serve

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(url: str, payload: dict, key: str | None = None, timeout: float = 10):
    """POST JSON; return (status, headers, decoded body), errors included."""
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    try:
        with _opener.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, err.headers, json.loads(err.read())


def chat(srv, content: str, key: str | None = "sk-test", **extra):
    body = {"model": "m1", "messages": [{"role": "system", "content": "be brief"},
                                        {"role": "user", "content": content}], **extra}  # fmt: skip
    return post(srv.base_url + "/chat/completions", body, key)


@pytest.fixture(scope="module")
def srv():
    with serve(answers={"What is 2+2?": "4"}) as s:
        yield s


@pytest.fixture(autouse=True)
def _clean(srv):
    srv.config(fail_rate=0.0, timeout_rate=0.0, require_key=None, latency=0.0, model_id=None)
    srv.reset()


def test_chat_answer_and_echo(srv):
    status, _, body = chat(srv, "What is 2+2?")
    assert status == 200
    assert body["object"] == "chat.completion"
    assert body["model"] == "m1"
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "4"},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ]
    # prompt tokens = words of all messages (2 + 3); completion = 1
    assert body["usage"] == {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}

    status, _, body = chat(srv, "hello there world")
    assert body["choices"][0]["message"]["content"] == "hello there world"


def test_completions_answer_and_echo(srv):
    url = srv.base_url + "/completions"
    status, _, body = post(url, {"model": "m2", "prompt": "What is 2+2?"})
    assert status == 200 and body["object"] == "text_completion"
    assert body["choices"][0]["text"] == "4" and body["choices"][0]["finish_reason"] == "stop"
    _, _, body = post(url, {"model": "m2", "prompt": "echo me"})
    assert body["choices"][0]["text"] == "echo me"


def test_model_id_override_and_models(srv):
    srv.config(model_id="served-model")
    _, _, body = chat(srv, "x")
    assert body["model"] == "served-model"
    with _opener.open(srv.base_url + "/models", timeout=10) as resp:
        assert json.loads(resp.read())["data"][0]["id"] == "served-model"


def test_n_and_max_tokens(srv):
    _, _, body = chat(srv, "one two three four five", n=3, max_tokens=2)
    assert len(body["choices"]) == 3
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    assert all(c["message"]["content"] == "one two" for c in body["choices"])
    assert all(c["finish_reason"] == "length" for c in body["choices"])
    assert body["usage"]["completion_tokens"] == 6
    # a limit that is not reached leaves finish_reason "stop"
    _, _, body = chat(srv, "one two", max_tokens=5)
    assert body["choices"][0]["finish_reason"] == "stop"


def test_stream_rejected(srv):
    status, _, body = chat(srv, "x", stream=True)
    assert status == 400 and body["error"]["type"] == "invalid_request_error"


def test_fault_injection_all_429_with_retry_after(srv):
    srv.config(fail_rate=1.0, fail_statuses=[429], retry_after=7)
    try:
        for _ in range(5):
            status, headers, body = chat(srv, "boom")
            assert status == 429
            assert headers["Retry-After"] == "7"
            assert body["error"]["code"] == "rate_limit_exceeded"
    finally:
        srv.config(fail_statuses=[429, 500], retry_after=None)
    assert srv.stats()["statuses"] == {"429": 5}


def test_fault_rate_is_seeded_and_partial(srv):
    def run():
        srv.config(seed=123, fail_rate=0.5)
        return [chat(srv, "p")[0] for _ in range(40)]

    first = run()
    assert first == run()  # same seed -> same fault sequence
    assert set(first) == {200, 429, 500}


def test_stats_counting(srv):
    started = time.time()
    chat(srv, "a", key="k1")
    chat(srv, "a", key="k1")
    chat(srv, "b", key="k2")
    post(srv.base_url + "/completions", {"model": "m", "prompt": "c"})
    srv.config(fail_rate=1.0, fail_statuses=[500])
    chat(srv, "a", key="k1")
    stats = srv.stats()
    assert stats["total"] == 5
    assert stats["by_prompt"] == {"a": 3, "b": 1, "c": 1}
    assert stats["statuses"] == {"200": 4, "500": 1}
    assert stats["auth"] == {"Bearer k1": 3, "Bearer k2": 1, "": 1}
    assert stats["methods"] == {"POST /v1/chat/completions": 4, "POST /v1/completions": 1}
    assert started <= stats["first_at"] <= time.time()  # when the first request arrived
    srv.reset()
    assert srv.stats() == {"total": 0, "by_prompt": {}, "statuses": {}, "auth": {},
                           "sent_bytes": {}, "methods": {}, "headers": {}, "first_at": None,
                           "response_formats": {}}


def test_hostile_redirects_and_echoed_headers(srv):
    import http.client

    def raw(path, headers):
        con = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
        con.request("POST", path, body, {"Content-Type": "application/json", **headers})
        response = con.getresponse()
        return response.status, response.getheader("Location"), response.read()

    srv.config(echo_headers=["x-api-key"], redirect={"status": 307, "location": "/v2/chat/completions"})
    try:
        status, location, _ = raw("/v1/chat/completions", {"x-api-key": "k1"})
        assert (status, location) == (307, "/v2/chat/completions")
        status, _, body = raw("/v2/chat/completions", {"x-api-key": "k1"})  # /v2 is not redirected
        assert status == 200
        assert json.loads(body)["choices"][0]["message"]["content"] == 'hi {"x-api-key": "k1"}'
        con = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        con.request("GET", "/v2/chat/completions")  # what a 302-turned-GET gets: an empty answer
        assert json.loads(con.getresponse().read())["choices"][0]["message"]["content"] == ""
    finally:
        srv.config(echo_headers=[], redirect=None)
    stats = srv.stats()
    assert stats["methods"] == {"POST /v1/chat/completions": 1, "POST /v2/chat/completions": 1,
                                "GET /v2/chat/completions": 1}
    assert stats["headers"] == {"x-api-key: k1": 2}


def test_require_key(srv):
    srv.config(require_key="sk-right")
    status, _, body = chat(srv, "x", key="sk-wrong")
    assert status == 401 and body["error"]["code"] == "invalid_api_key"
    assert chat(srv, "x", key=None)[0] == 401
    assert chat(srv, "x", key="sk-right")[0] == 200
    assert srv.stats()["statuses"] == {"401": 2, "200": 1}


def test_unknown_config_key_rejected(srv):
    with pytest.raises(urllib.error.HTTPError) as exc:
        srv.config(fail_ratee=1.0)
    assert exc.value.code == 400


def test_latency_honoured_and_concurrent(srv):
    srv.config(latency=0.2)
    t0 = time.perf_counter()
    assert chat(srv, "slow")[0] == 200
    assert 0.2 <= time.perf_counter() - t0 < 1.0
    # 16 concurrent requests overlap rather than queue
    t0 = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda i: chat(srv, f"q{i}")[0], range(16)))
    assert statuses == [200] * 16
    assert time.perf_counter() - t0 < 1.5


def test_timeout_rate_hangs(srv):
    srv.config(timeout_rate=1.0, hang_s=1.0)
    body = {"model": "m", "messages": [{"role": "user", "content": "hang"}]}
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        post(srv.base_url + "/chat/completions", body, timeout=0.3)
    # ...and the hung request is then answered normally (wait for it so it
    # cannot leak into the next test's stats).
    deadline = time.monotonic() + 5
    while srv.stats()["statuses"].get("200") != 1:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_sigterm_exits_cleanly():
    with serve(latency=0.05, seed=1) as s:
        assert chat(s, "hi")[0] == 200
        proc = s.proc
    assert proc.returncode == 0
