"""The response cache: knows the model and every generation option, never collapses samples.

Hits and misses are judged by what the real server saw (its request counters), and by
the `cached` flag on the stored results.
"""
from __future__ import annotations

from evalkit.runner import RetryPolicy, RunConfig, run_suite
from evalkit.suite import load_suite
from tests.cli.helpers import api_args, api_options, evalkit, ok, query, write_jsonl

MODEL = "litellm/openai/some-model"
FAST = RetryPolicy(max_retries=2, base_s=0.01, cap_s=0.05, timeout_s=30)
CASES = [{"id": "fr", "question": "Paris", "answer": "Paris"},
         {"id": "it", "question": "Rome", "answer": "Roma"},
         {"id": "de", "question": "Berlin", "answer": "Berlin"}]


def suite_file(folder, options="", samples="", description="", name="cached"):
    write_jsonl(folder / "cases.jsonl", CASES)
    path = folder / f"{name}.yaml"
    path.write_text(f"suite: {name}\n{description}prompt: \"{{{{ question }}}}\"\n{options}{samples}"
                    "cases:\n  from: cases.jsonl\n  target: answer\nscorers:\n  - type: exact\n",
                    encoding="utf-8")
    return path


def run(suite, db, server, model=MODEL, cache=True, **args):
    return run_suite(load_suite(suite), RunConfig(
        model=model, model_args=api_options(server, **args), db=str(db), cache=cache, retry=FAST))


def results(db, run_id):
    return query(db, "SELECT case_id, sample, output, cached FROM results WHERE run_id = ? "
                     "ORDER BY case_id, sample", [run_id])


def test_identical_run_is_served_from_the_cache(srv, tmp_path):
    suite, db = suite_file(tmp_path), tmp_path / "c.duckdb"
    first = run(suite, db, srv)
    assert srv.stats()["total"] == 3 and first.cached == 0
    srv.reset()
    second = run(suite, db, srv)
    assert srv.stats()["total"] == 0, "no request at all on the second run"
    assert second.run_id != first.run_id and second.status == "completed"
    assert second.cached == 3 and second.passed == first.passed == 2
    assert results(db, second.run_id) == [(c, s, o, True) for c, s, o, _ in results(db, first.run_id)]
    assert all(not cached for *_, cached in results(db, first.run_id))
    # scores are computed again for the cached outputs
    assert query(db, "SELECT case_id, passed FROM scores WHERE run_id = ? ORDER BY case_id",
                 [second.run_id]) == [("de", True), ("fr", True), ("it", False)]


def test_no_cache_flag_calls_the_model_again(srv, tmp_path):
    suite, db = suite_file(tmp_path), tmp_path / "c.duckdb"
    run(suite, db, srv)
    srv.reset()
    proc = ok(evalkit("run", suite.name, "--model", MODEL, *api_args(srv), "--db", db.name,
                      "--no-cache", cwd=tmp_path))
    assert "0 cached" in proc.stdout
    assert srv.stats()["by_prompt"] == {"Paris": 1, "Rome": 1, "Berlin": 1}
    (run_id,), = query(db, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")
    assert all(not cached for *_, cached in results(db, run_id))
    # and the CLI without --no-cache is served from the cache
    srv.reset()
    proc = ok(evalkit("run", suite.name, "--model", MODEL, *api_args(srv), "--db", db.name,
                      cwd=tmp_path))
    assert "3 cached" in proc.stdout and srv.stats()["total"] == 0


def test_generation_options_are_part_of_the_key(srv, tmp_path):
    db = tmp_path / "c.duckdb"
    run(suite_file(tmp_path, options="options: {temperature: 0}\n"), db, srv)
    srv.reset()
    # an edit that cannot change the outputs keeps the cache
    same = run(suite_file(tmp_path, options="options: {temperature: 0}\n",
                          description="description: reworded, same requests\n"), db, srv)
    assert same.cached == 3 and srv.stats()["total"] == 0
    # a different temperature is a different request
    warmer = run(suite_file(tmp_path, options="options: {temperature: 0.7}\n"), db, srv)
    assert warmer.cached == 0 and srv.stats()["total"] == 3
    srv.reset()
    capped = run(suite_file(tmp_path, options="options: {temperature: 0, max_tokens: 5}\n"), db, srv)
    assert capped.cached == 0 and srv.stats()["total"] == 3


def test_model_name_and_endpoint_are_part_of_the_key(srv, tmp_path):
    suite, db = suite_file(tmp_path), tmp_path / "c.duckdb"
    run(suite, db, srv, model="litellm/openai/model-a")
    srv.reset()
    other = run(suite, db, srv, model="litellm/openai/model-b")
    assert other.cached == 0 and srv.stats()["total"] == 3
    assert {m for (m,) in query(db, "SELECT DISTINCT model_id FROM results")} == {"model-a", "model-b"}
    srv.reset()
    again = run(suite, db, srv, model="litellm/openai/model-a")
    assert again.cached == 3 and srv.stats()["total"] == 0


def test_model_args_passed_to_litellm_are_part_of_the_key(srv, tmp_path):
    """`-M temperature=...` goes to litellm as a call argument: a new value must miss."""
    suite, db = suite_file(tmp_path), tmp_path / "c.duckdb"
    run(suite, db, srv, temperature=0.0)
    srv.reset()
    again = run(suite, db, srv, temperature=0.0)
    assert again.cached == 3 and srv.stats()["total"] == 0
    warmer = run(suite, db, srv, temperature=1.5)
    assert warmer.cached == 0 and srv.stats()["total"] == 3


def test_samples_are_never_collapsed(srv, tmp_path):
    suite, db = suite_file(tmp_path, samples="samples: 3\n"), tmp_path / "c.duckdb"
    first = run(suite, db, srv)
    assert srv.stats()["by_prompt"] == {"Paris": 3, "Rome": 3, "Berlin": 3}
    assert (first.total, first.executed, first.cached) == (9, 9, 0)
    assert [(c, s) for c, s, *_ in results(db, first.run_id)] == [
        (c, s) for c in ("de", "fr", "it") for s in range(3)]
    # three cache entries per case, one per sample
    assert query(db, "SELECT count(*) FROM cache") == [(9,)]
    srv.reset()
    second = run(suite, db, srv)
    assert srv.stats()["total"] == 0
    assert second.cached == 9
    assert [(c, s, cached) for c, s, _, cached in results(db, second.run_id)] == [
        (c, s, True) for c in ("de", "fr", "it") for s in range(3)]


def test_failed_calls_are_not_cached(srv, tmp_path):
    suite, db = suite_file(tmp_path), tmp_path / "c.duckdb"
    srv.config(fail_rate=1.0, fail_statuses=[500])
    failed = run(suite, db, srv)
    assert failed.errors == 3 and query(db, "SELECT count(*) FROM cache") == [(0,)]
    srv.config(fail_rate=0.0)
    srv.reset()
    healed = run(suite, db, srv)
    assert healed.errors == 0 and healed.cached == 0 and srv.stats()["total"] == 3
