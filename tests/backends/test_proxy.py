"""The native OpenAI-compatible client honours HTTP(S)_PROXY and NO_PROXY (aiohttp's
trust_env), like litellm and httpx do: a real `evalkit run` against the loopback test server,
through a loopback proxy that counts the requests it forwards."""
from __future__ import annotations

from tests.cli.helpers import REPO_ROOT, api_args, clean_env, evalkit, ok, query, srv  # noqa: F401
from tests.support.proxy import CountingProxy

SUITE = ["suites/examples/pipeline_quickstart.yaml"]


def _env(proxy_url: str, no_proxy: str) -> dict[str, str]:
    env = clean_env(HTTP_PROXY=proxy_url, HTTPS_PROXY=proxy_url, http_proxy=proxy_url,
                    https_proxy=proxy_url)
    env.update(NO_PROXY=no_proxy, no_proxy=no_proxy)
    return env


def _run(srv, tmp_path, env, label):  # noqa: F811
    db = tmp_path / "p.duckdb"
    ok(evalkit("run", *SUITE, "-m", "openai/echo", *api_args(srv), "--no-cache",
               "--label", label, "--db", db, cwd=REPO_ROOT, env=env))
    return query(db, "SELECT count(*), count(x.error) FROM results x JOIN runs r USING (run_id) "
                     "WHERE r.label = ?", [label])[0]


def test_calls_go_through_the_proxy(srv, tmp_path):  # noqa: F811
    with CountingProxy() as proxy:
        results, errors = _run(srv, tmp_path, _env(proxy.url, ""), "proxied")
        assert results == 9 and errors == 0
        assert proxy.counts["POST"] == 9  # every call, and nothing but the calls


def test_no_proxy_bypasses_it(srv, tmp_path):  # noqa: F811
    with CountingProxy() as proxy:
        results, errors = _run(srv, tmp_path, _env(proxy.url, "127.0.0.1,localhost"), "direct")
        assert results == 9 and errors == 0
        assert sum(proxy.counts.values()) == 0
