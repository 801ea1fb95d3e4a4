"""`evalkit run --executor ray` on a real two-node Ray cluster (conftest.py).

The driver is the `evalkit` CLI as a subprocess, the API model the real OpenAI-compatible test
server, the CPU models a tiny transformers model built offline and the embedded gemma through
llama.cpp. Checked: calls ran on both nodes and say where, the stored rows equal a local
run's, the cache and resume behave as they do locally, and killing a replica's worker process,
the driver, or a whole node mid-run leaves exactly one row per case with no stored case
called again. The node test comes last: it takes a node away (and puts one back).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.helpers import (
    api_args,
    api_options,
    assert_no_traceback,
    clean_env,
    echo_cases,
    evalkit,
    evalkit_popen,
    ok,
    query,
    write_suite,
)
from tests.ray_executor.conftest import node_ids, ray_args, replica_pids
from tests.runner.test_resume import start_and_kill, stored

MODEL = "openai/some-model"
# Everything a result row says about its case and output; not: run_id, latency, created_at,
# cached, attempts and where it ran.
ROW = ("case_id, sample, input_hash, prompt, output, error, tokens_in, tokens_out, cost_usd, "
       "finish_reason, model_id, target, vars, metadata, context, citations, passed")
OF_LABEL = "run_id IN (SELECT run_id FROM runs WHERE label = ?)"


def rows(db, label: str) -> list[tuple]:
    return query(db, f"SELECT {ROW} FROM results WHERE {OF_LABEL} ORDER BY case_id, sample",
                 [label])


def scores(db, label: str) -> list[tuple]:
    return query(db, "SELECT case_id, sample, scorer, value, passed, explanation, details "
                 f"FROM scores WHERE {OF_LABEL} ORDER BY case_id, sample, scorer", [label])


def where(db, label: str) -> list[tuple]:
    """(node_id, worker_id, calls) of a run."""
    return query(db, f"SELECT node_id, worker_id, count(*) FROM results WHERE {OF_LABEL} "
                 "GROUP BY ALL ORDER BY ALL", [label])


def local_run(suite_path, model: str, model_args: dict, db) -> None:
    """The reference: a local-executor run in this process (torch, when a test needs it, is
    imported once for the session instead of once more per CLI process)."""
    from evalkit import load_suite, run_suite
    from evalkit.runner import RunConfig

    summary = run_suite(load_suite(suite_path), RunConfig(
        model=model, model_args=model_args, db=str(db), label="local", cache=False,
        progress=False))
    assert summary.status == "completed" and summary.errors == 0


def test_api_calls_on_both_nodes_equal_a_local_run_and_share_its_cache(cluster, srv, tmp_path):
    suite = write_suite(tmp_path, "api", echo_cases(300))
    common = ["run", suite.name, "-m", MODEL, *api_args(srv), "--db", "r.duckdb"]
    ok(evalkit(*common, "--label", "local", cwd=tmp_path))
    assert srv.stats()["total"] == 300
    srv.config(latency=0.05)  # long enough for the second replica to start and share the work
    srv.reset()
    # two replicas on the cluster, 2 calls in flight each (the limit is global)
    ray_run = ok(evalkit(*common, *ray_args(cluster), "-M", "replicas=2", "--max-concurrency",
                         "4", "--no-cache", "--label", "ray", cwd=tmp_path, timeout=240))
    assert_no_traceback(ray_run.stderr)
    assert "300 results, 300 passed" in ray_run.stdout
    db = tmp_path / "r.duckdb"
    assert srv.stats()["total"] == 300 and max(srv.stats()["by_prompt"].values()) == 1
    assert rows(db, "ray") == rows(db, "local")
    assert scores(db, "ray") == scores(db, "local")
    placed = where(db, "ray")
    assert {node for node, _, _ in placed} == node_ids(cluster), "both nodes made calls"
    assert sum(n for _, _, n in placed) == 300 and all(w for _, w, _ in placed)
    assert where(db, "local") == [(None, None, 300)]  # made in the driver process
    assert "ray: " in ray_run.stdout and "calls on node" in ray_run.stdout
    # replica options are the executor's: same fingerprint, so the runs share cache entries
    assert len({f for (f,) in query(db, "SELECT DISTINCT fingerprint FROM runs")}) == 1

    srv.reset()
    cached = ok(evalkit(*common, *ray_args(cluster), "-M", "replicas=2", "--label", "cached",
                        cwd=tmp_path))
    assert srv.stats()["total"] == 0, "a fully cached run calls nothing"
    assert "300 cached" in cached.stdout and "ray: " not in cached.stdout
    assert rows(db, "cached") == rows(db, "local")
    assert where(db, "cached") == [(None, None, 300)]  # no call ran anywhere


def test_api_backends_stay_on_the_driver_unless_given_replicas(cluster, srv, tmp_path):
    suite = write_suite(tmp_path, "driver", echo_cases(20))
    done = ok(evalkit("run", suite.name, "-m", MODEL, *api_args(srv), *ray_args(cluster),
                      "--db", "d.duckdb", "--label", "d", cwd=tmp_path))
    assert "20 passed" in done.stdout and srv.stats()["total"] == 20
    assert where(tmp_path / "d.duckdb", "d") == [(None, None, 20)]


TINY_CASES = [{"id": f"h{i:03d}", "question": f"what is the capital of w{i} ?", "answer": "paris"}
              for i in range(200)]


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """A random Llama a little larger than the hf tests' own: enough work per batch (a few
    seconds per run) for the replica that starts second to get a share."""
    pytest.importorskip("transformers")
    from scripts.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("small") / "model", hidden=256, layers=4)


def test_a_cpu_model_on_replicas_equals_a_local_run(cluster, small_model, tmp_path):
    """The hf backend (a small random Llama): one replica per node, each loading the model once
    and generating its batches; greedy outputs equal the local executor's."""
    suite = write_suite(tmp_path, "tiny", TINY_CASES,
                        extra="options: {temperature: 0, max_tokens: 12}\n")
    common = ["run", suite.name, "-m", f"hf/{small_model}", "-M", "batch_size=4", "--db",
              "t.duckdb", "--no-cache"]
    local_run(suite, f"hf/{small_model}", {"batch_size": 4}, tmp_path / "t.duckdb")
    ray_run = ok(evalkit(*common, *ray_args(cluster), "--label", "ray", cwd=tmp_path,
                         timeout=240))
    assert_no_traceback(ray_run.stderr)
    db = tmp_path / "t.duckdb"
    assert rows(db, "ray") == rows(db, "local")
    assert len(rows(db, "ray")) == len(TINY_CASES)
    placed = where(db, "ray")
    assert {node for node, _, _ in placed} <= node_ids(cluster) and None not in {
        node for node, _, _ in placed}
    assert sum(n for _, _, n in placed) == len(TINY_CASES)
    # the model filled the cluster: a replica per node (1 CPU each); both made calls
    assert len({node for node, _, _ in placed}) == 2


def test_llamacpp_replicas_answer_as_a_local_run(cluster, tmp_path):
    pytest.importorskip("llama_cpp", reason="the local extra: pip install 'evalkit[local]'")
    cases = [{"id": f"g{i}", "question": f"What is {i} plus {i}?", "answer": str(2 * i)}
             for i in range(8)]
    prompt = json.dumps({"completion": "Q: What is 2 plus 2?\nA: 4\nQ: {{ question }}\nA:"})
    suite = write_suite(tmp_path, "gemma", cases, prompt=prompt,
                        extra='options: {temperature: 0, max_tokens: 3, stop: ["\\n"]}\n')
    common = ["run", suite.name, "-m", "llamacpp/gemma3-270m", "--db", "g.duckdb", "--no-cache"]
    # the replicas get one thread each (their CPU slot); the local run the same
    local_run(suite, "llamacpp/gemma3-270m", {"n_threads": 1, "n_threads_batch": 1},
              tmp_path / "g.duckdb")
    ray_run = ok(evalkit(*common, *ray_args(cluster), "--label", "ray", cwd=tmp_path,
                         timeout=240))
    db = tmp_path / "g.duckdb"
    assert rows(db, "ray") == rows(db, "local")
    assert all(node in node_ids(cluster) for node, _, _ in where(db, "ray"))
    assert "8 results" in ray_run.stdout


def run_and_break(tmp_path, srv, cluster, cases: list[dict], label: str, break_it) -> Path:
    """Run the cases on two API replicas, call `break_it()` once 80 calls are done, and check
    that the run still ends well: every case stored exactly once, with its right output, and
    only calls in flight on what broke (2 at a time per replica) made twice."""
    suite = write_suite(tmp_path, label, cases)
    srv.config(latency=0.03)
    srv.reset()
    proc = evalkit_popen("run", suite.name, "-m", MODEL, *api_args(srv), *ray_args(cluster),
                         "-M", "replicas=2", "--max-concurrency", "4", "--db", f"{label}.duckdb",
                         "--label", label, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while srv.stats()["total"] < 80:
            assert proc.poll() is None, f"the run ended early: {proc.communicate()}"
            assert time.monotonic() < deadline, "the run never got going"
            time.sleep(0.01)
        break_it()
        _, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert_no_traceback(err)
    db = tmp_path / f"{label}.duckdb"
    assert query(db, "SELECT count(*), count(DISTINCT (case_id, sample)) FROM results") == [
        (len(cases), len(cases))]
    assert stored(db) == {(c["id"], 0): c["question"] for c in cases}
    assert query(db, "SELECT count(*) FROM results WHERE error IS NOT NULL") == [(0,)]
    calls = srv.stats()["by_prompt"]
    assert len(calls) == len(cases) and max(calls.values()) <= 2
    twice = [p for p, n in calls.items() if n > 1]
    assert len(twice) <= 4, twice
    return db


def test_a_killed_replica_worker_loses_nothing_and_repeats_only_its_unfinished_calls(
        cluster, srv, tmp_path):
    def kill_a_replica():
        victims = replica_pids()
        assert len(victims) == 2, victims
        os.kill(victims[0], signal.SIGKILL)

    db = run_and_break(tmp_path, srv, cluster, echo_cases(300), "k", kill_a_replica)
    # the killed worker's own results (made before it died) are there, beside the others'
    assert len({w for _, w, _ in where(db, "k")}) >= 2


def test_driver_killed_mid_run_resumes_like_a_local_run(cluster, srv, tmp_path):
    cases = echo_cases(200)
    suite = write_suite(tmp_path, "driver", cases)
    prompt_of = {c["id"]: c["question"] for c in cases}
    srv.config(latency=0.05)
    srv.reset()
    args = ["run", suite.name, "-m", MODEL, *api_args(srv), *ray_args(cluster), "-M",
            "replicas=2", "--max-concurrency", "4", "--db", "c.duckdb", "--label", "c"]
    start_and_kill(args, tmp_path, srv, at_least=60)
    db = tmp_path / "c.duckdb"
    (run_id, status), = query(db, "SELECT run_id, status FROM runs")
    assert status == "running"
    before = stored(db)
    assert 0 < len(before) < 200
    time.sleep(0.3)
    calls_before = srv.stats()["by_prompt"]
    for case_id, _ in before:
        assert calls_before.get(prompt_of[case_id]) == 1
    srv.config(latency=0.0)
    rerun = ok(evalkit(*args, cwd=tmp_path, timeout=240))
    assert run_id in rerun.stdout and f"{len(before)} resumed from earlier" in rerun.stdout
    assert query(db, "SELECT run_id, status FROM runs") == [(run_id, "completed")]
    assert stored(db) == {(c["id"], 0): c["question"] for c in cases}
    twice = {p for p, n in srv.stats()["by_prompt"].items() if n > 1}
    assert not twice & {prompt_of[c] for c, _ in before}, "a stored case was called again"


def test_pooled_scorers_score_late_on_the_cluster_like_locally(cluster, srv, tmp_path):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("detoxify")
    from tests.scorers.tiny_detoxify import build

    build(tmp_path / "tox")
    cases = [{"id": f"e{i:02d}", "question": q, "answer": a} for i, (q, a) in enumerate(
        [("the cat sat on the mat", "a cat was sitting on the mat"),
         ("you are an idiot", "have a great day"), ("Paris", "Paris"),
         ("stock prices fell sharply", "the weather is sunny")] * 10)]
    suite = write_suite(tmp_path, "pooled", cases, scorers=(
        "  - {type: embedding, min: 0.5}\n"
        "  - {type: toxicity, max: 0.99, checkpoint: tox/tiny-detoxify.ckpt, hf_config: tox/hf,"
        " device: cpu}\n"))
    common = ["run", suite.name, "-m", MODEL, *api_args(srv), "--db", "p.duckdb"]
    local_run(suite, MODEL, api_options(srv), tmp_path / "p.duckdb")
    ray_run = ok(evalkit(*common, *ray_args(cluster), "-M", "replicas=2", "--no-cache",
                         "--label", "ray", cwd=tmp_path, timeout=300))
    assert_no_traceback(ray_run.stderr)
    db = tmp_path / "p.duckdb"
    local, remote = scores(db, "local"), scores(db, "ray")
    assert [r[:3] for r in remote] == [r[:3] for r in local]
    assert len(remote) == 2 * len(cases)
    for a, b in zip(local, remote):
        assert b[3] == pytest.approx(a[3], abs=1e-5) and b[4] == a[4]
    assert rows(db, "ray") == rows(db, "local")  # late scores failed the same results


def test_the_pytest_plugin_runs_suites_on_the_cluster(cluster, srv, tmp_path):
    """The twins: the executor from the ini file, the address from the environment."""
    (tmp_path / "suites").mkdir()
    write_suite(tmp_path / "suites", "plug", echo_cases(12))
    (tmp_path / "pytest.ini").write_text("[pytest]\nevalkit_suites = suites/*.yaml\n"
                                         "evalkit_executor = ray\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--evalkit-model", MODEL,
         "--evalkit-model-option", f"api_base={srv.base_url}", "--evalkit-model-option",
         "api_key=sk-test", "--evalkit-model-option", "replicas=2",
         "--evalkit-db", str(tmp_path / "plug.duckdb")],
        cwd=tmp_path, env=clean_env(EVALKIT_RAY_ADDRESS=cluster.address), capture_output=True,
        text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "12 passed" in done.stdout, done.stdout
    placed = query(tmp_path / "plug.duckdb", "SELECT DISTINCT node_id FROM results")
    assert placed and all(node in node_ids(cluster) for (node,) in placed)


def test_asking_for_gpus_a_cluster_lacks_is_a_clear_error(cluster, srv, tmp_path):
    suite = write_suite(tmp_path, "gpu", echo_cases(3))
    done = evalkit("run", suite.name, "-m", MODEL, *api_args(srv), *ray_args(cluster),
                   "-M", "replicas=1", "-M", "num_gpus=1", "--db", "g.duckdb", cwd=tmp_path)
    assert done.returncode == 2, done
    assert "no Ray node has 1 CPU and 1 GPU" in done.stderr and "0 GPU on 2 node" in done.stderr
    assert_no_traceback(done.stderr)


def test_a_streamed_suite_in_shards_on_replicas_merges_into_a_local_run(
        cluster, srv, tmp_path, monkeypatch):
    """A case file over the streaming threshold, split in two shards, each run on two API
    replicas (shard 1 by the CLI, shard 2 in process with chunks of 50 cases, so the replicas'
    lanes take their batches from the driver's bounded queue while later chunks are still being
    read): `evalkit merge` of the shards equals an unsharded local run, row for row."""
    from evalkit import load_suite, run_suite
    from evalkit.runner import RunConfig
    from evalkit.suite import streaming
    from evalkit.suite.shard import ShardSpec
    from evalkit.suite.streaming import CaseStream

    monkeypatch.setenv("EVALKIT_STREAM_ROWS", "100")
    monkeypatch.setattr(streaming, "CHUNK_CASES", 50)
    cases = echo_cases(400)
    suite_path = write_suite(tmp_path, "streamed", cases)
    assert isinstance(load_suite(suite_path).cases, CaseStream)
    local_run(suite_path, MODEL, api_options(srv), tmp_path / "all.duckdb")
    srv.reset()
    ok(evalkit("run", suite_path.name, "-m", MODEL, *api_args(srv), *ray_args(cluster),
               "-M", "replicas=2", "--max-concurrency", "4", "--shard", "1/2", "--no-cache",
               "--db", "s1.duckdb", "--label", "ray", cwd=tmp_path, timeout=240,
               env=clean_env(EVALKIT_STREAM_ROWS="100")))
    shard2 = load_suite(suite_path).sharded(ShardSpec.parse("2/2"))
    assert isinstance(shard2.cases, CaseStream)
    summary = run_suite(shard2, RunConfig(
        model=MODEL, model_args={**api_options(srv), "replicas": 2}, label="ray", cache=False,
        db=str(tmp_path / "s2.duckdb"), progress=False, max_concurrency=4, executor="ray",
        ray_address=cluster.address))
    assert summary.status == "completed" and summary.errors == 0
    assert sum(summary.nodes.values()) == summary.executed == len(shard2.cases) > 100
    assert srv.stats()["total"] == len(cases) and max(srv.stats()["by_prompt"].values()) == 1
    for db, shard in (("s1.duckdb", "1/2"), ("s2.duckdb", "2/2")):
        placed = where(tmp_path / db, "ray")
        assert placed and None not in {node for node, _, _ in placed}, shard
    ok(evalkit("merge", "s1.duckdb", "s2.duckdb", "--into", "all.duckdb", cwd=tmp_path))
    db = tmp_path / "all.duckdb"
    assert rows(db, "ray") == rows(db, "local") and len(rows(db, "ray")) == len(cases)
    assert scores(db, "ray") == scores(db, "local")


def test_a_whole_node_lost_mid_run_loses_nothing(cluster, srv, tmp_path):
    """Last: it removes the worker node (and adds a fresh one afterwards)."""
    worker_node = next(iter(cluster.worker_nodes))
    try:
        db = run_and_break(tmp_path, srv, cluster, echo_cases(300), "n",
                           lambda: cluster.remove_node(worker_node, allow_graceful=False))
    finally:
        cluster.add_node(num_cpus=1, object_store_memory=80 * 2**20)
    nodes = {node for node, _, _ in where(db, "n")}
    assert worker_node.node_id in nodes and len(nodes) == 2, "the lost node had made calls"
