"""Both API paths against a real OpenAI-compatible server: evalkit's native client (the
default for litellm/openai/*), real litellm (`-M via=litellm`), and the `openai/` backend.

The same suite must give the same outputs, token counts, model id, finish reason and cost
whichever client makes the call, and hit the same endpoint.
"""
from __future__ import annotations

import pytest

from evalkit.runner import RetryPolicy, RunConfig, run_suite
from evalkit.suite import load_suite
from tests.cli.helpers import api_options, query, write_suite

FAST = RetryPolicy(max_retries=2, base_s=0.01, cap_s=0.05, timeout_s=30)
COMPARED = ("case_id", "sample", "output", "error", "tokens_in", "tokens_out", "model_id",
            "finish_reason", "cost_usd", "cached", "attempts", "passed")


def run(suite, model, db, label, cache=False, **args):
    return run_suite(load_suite(suite), RunConfig(model=model, model_args=args, db=str(db),
                                                  label=label, cache=cache, retry=FAST))


def rows(db, run_id):
    return query(db, f"SELECT {', '.join(COMPARED)} FROM results WHERE run_id = ? "
                     "ORDER BY case_id, sample", [run_id])


def test_chat_suite_native_and_litellm_agree(qa_smoke, path_server, tmp_path):
    path_server.fake.config["model_id"] = "served-model-2024"  # what the API says it ran
    db = tmp_path / "paths.duckdb"
    native = run(qa_smoke, "litellm/openai/some-model", db, "native", **api_options(path_server))
    assert dict(path_server.paths) == {"/v1/chat/completions": 3}
    via = run(qa_smoke, "litellm/openai/some-model", db, "litellm",
              **api_options(path_server, via="litellm"))
    assert dict(path_server.paths) == {"/v1/chat/completions": 6}, "litellm made its own calls"
    assert path_server.fake.auth == {"Bearer sk-test": 6}

    assert native.run_id != via.run_id and native.status == via.status == "completed"
    expected = [("de", 0, "Berlin", None, 1, 1, "served-model-2024", "stop", None, False, 1, True),
                ("fr", 0, "Paris", None, 1, 1, "served-model-2024", "stop", None, False, 1, True),
                ("it", 0, "Rome", None, 1, 1, "served-model-2024", "stop", None, False, 1, False)]
    assert rows(db, native.run_id) == expected
    assert rows(db, via.run_id) == expected
    # the two runs are told apart by their stored options
    options = dict(query(db, "SELECT label, options->>'$.backend.via' FROM runs"))
    assert options == {"native": "auto", "litellm": "litellm"}


def test_priced_model_costs_the_same_on_both_paths(qa_smoke, path_server, tmp_path):
    db = tmp_path / "cost.duckdb"
    native = run(qa_smoke, "litellm/openai/gpt-4o-mini", db, "n", **api_options(path_server))
    via = run(qa_smoke, "litellm/openai/gpt-4o-mini", db, "l",
              **api_options(path_server, via="litellm"))
    a, b = rows(db, native.run_id), rows(db, via.run_id)
    assert [r[:8] for r in a] == [r[:8] for r in b]
    for left, right in zip(a, b):
        assert left[8] is not None and left[8] > 0, "gpt-4o-mini is in the price map"
        assert left[8] == pytest.approx(right[8], rel=1e-9)


@pytest.mark.parametrize("via", ["auto", "litellm"])
def test_completion_prompt_suite_hits_v1_completions(tmp_path, path_server, via):
    suite = write_suite(tmp_path, "raw", [
        {"id": "a", "question": "one two three", "answer": "Q: one"},
        {"id": "b", "question": "four", "answer": "Q: four"},
    ], prompt='\n  completion: "Q: {{ question }}"', extra="options: {max_tokens: 2}\n")
    db = tmp_path / "raw.duckdb"
    summary = run(suite, "litellm/openai/some-model", db, via, **api_options(path_server, via=via))
    assert dict(path_server.paths) == {"/v1/completions": 2}
    assert path_server.fake.by_prompt == {"Q: one two three": 1, "Q: four": 1}
    # max_tokens reached the server: the long answer is cut at two words
    assert rows(db, summary.run_id) == [
        ("a", 0, "Q: one", None, 4, 2, "some-model", "length", None, False, 1, True),
        ("b", 0, "Q: four", None, 2, 2, "some-model", "stop", None, False, 1, True),
    ]
    prompt = query(db, "SELECT prompt FROM results WHERE case_id = 'a'")[0][0]
    assert '"prompt": "Q: one two three"' in prompt and "messages" not in prompt


def test_openai_backend_directly(qa_smoke, path_server, tmp_path):
    db = tmp_path / "openai.duckdb"
    direct = run(qa_smoke, "openai/some-model", db, "direct", cache=True,
                 **api_options(path_server))
    assert dict(path_server.paths) == {"/v1/chat/completions": 3}
    assert direct.cached == 0
    assert [r[:8] for r in rows(db, direct.run_id)] == [
        ("de", 0, "Berlin", None, 1, 1, "some-model", "stop"),
        ("fr", 0, "Paris", None, 1, 1, "some-model", "stop"),
        ("it", 0, "Rome", None, 1, 1, "some-model", "stop"),
    ]
    assert query(db, "SELECT backend, model_ref FROM runs") == [("openai", "openai/some-model")]
    # The same endpoint and model name is the same model identity whichever client calls it
    # (documented in both backends): a litellm/openai run is served from this cache.
    again = run(qa_smoke, "litellm/openai/some-model", db, "hit", cache=True,
                **api_options(path_server, via="litellm"))
    assert again.cached == 3
    assert [r[:8] for r in rows(db, again.run_id)] == [r[:8] for r in rows(db, direct.run_id)]
    assert sum(path_server.paths.values()) == 3, "the litellm run was served from the cache"


def test_openai_backend_reads_the_key_from_the_environment(qa_smoke, path_server, tmp_path,
                                                           monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-0123456789")
    path_server.fake.config["require_key"] = "sk-from-env-0123456789"
    try:
        summary = run(qa_smoke, "openai/some-model", tmp_path / "env.duckdb", "env",
                      **api_options(path_server, key=None))
    finally:
        path_server.fake.config["require_key"] = None
    assert summary.errors == 0 and summary.passed == 2
    assert path_server.fake.auth == {"Bearer sk-from-env-0123456789": 3}
