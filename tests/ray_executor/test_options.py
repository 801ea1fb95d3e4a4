"""The executor's options without a cluster: placement defaults, bad values, Ray kept out of
the default path, and the store's node/worker columns."""
from __future__ import annotations

import subprocess
import sys

import pytest

from evalkit.backends.hf import HFOptions
from evalkit.backends.llamacpp import LlamaCppOptions
from evalkit.backends.openai_compat import OpenAICompatBackend
from evalkit.backends.vllm import VLLMOptions
from evalkit.errors import UsageError
from evalkit.runner.distributed.placement import Placement, resolve, split_placement
from evalkit.runner.progress import Progress
from evalkit.store import Store
from tests.cli.helpers import (
    api_args,
    assert_no_traceback,
    clean_env,
    echo_cases,
    evalkit,
    query,
    write_suite,
)

CPU_NODES = [{"CPU": 1.0}, {"CPU": 1.0}]
GPU_NODES = [{"CPU": 16.0, "GPU": 4.0}, {"CPU": 16.0, "GPU": 4.0}]


def test_placement_args_are_taken_out_of_the_backend_options():
    placement, rest = split_placement({"replicas": 3, "num_gpus": 0.5, "api_base": "http://x"})
    assert placement == Placement(replicas=3, num_gpus=0.5) and rest == {"api_base": "http://x"}
    assert placement.given == ("replicas", "num_gpus")
    for bad in ({"replicas": 0}, {"replicas": 1.5}, {"replicas": "two"}, {"num_gpus": -1},
                {"num_cpus": True}, {"num_cpus": float("inf")}):
        with pytest.raises(UsageError, match=f"-M {next(iter(bad))}="):
            split_placement(bad)


def test_local_engines_fill_the_cluster_and_api_backends_stay_on_the_driver():
    llama = LlamaCppOptions()
    assert resolve("llamacpp", llama, True, Placement(), CPU_NODES).replicas == 2
    assert resolve("llamacpp", llama, True, Placement(), CPU_NODES).num_gpus == 0
    # an hf model goes to GPUs where there are some (one each), to CPU slots where not
    on_gpus = resolve("hf", HFOptions(), True, Placement(), GPU_NODES)
    assert (on_gpus.replicas, on_gpus.num_gpus, on_gpus.num_cpus) == (8, 1.0, 1.0)
    assert resolve("hf", HFOptions(device="cpu"), True, Placement(), GPU_NODES).num_gpus == 0
    assert resolve("hf", HFOptions(), True, Placement(), CPU_NODES).num_gpus == 0
    halves = resolve("hf", HFOptions(), True, Placement(num_gpus=0.5), GPU_NODES)
    assert halves.replicas == 16  # fractional GPUs: two replicas share one
    api = OpenAICompatBackend.Options(api_base="http://127.0.0.1:1/v1")
    assert resolve("openai", api, False, Placement(), CPU_NODES) is None
    assert resolve("openai", api, False, Placement(replicas=2), CPU_NODES).replicas == 2
    assert resolve("replay", None, False, Placement(), CPU_NODES) is None


def test_vllm_replicas_take_their_gpus_and_tensor_parallel_a_placement_group():
    one = resolve("vllm", VLLMOptions(), True, Placement(), GPU_NODES)
    assert (one.replicas, one.num_gpus, one.bundles) == (8, 1.0, ())
    tp = resolve("vllm", VLLMOptions(tensor_parallel_size=2), True, Placement(), GPU_NODES)
    assert tp.replicas == 4 and tp.num_gpus == 0 and tp.tensor_parallel == 2
    assert list(tp.bundles) == [{"GPU": 1.0, "CPU": 1.0}] * 2
    assert "4 replicas × 2 GPUs (tensor parallel)" == tp.describe()
    with pytest.raises(UsageError, match="tensor_parallel_size=4 needs 4 GPUs"):
        resolve("vllm", VLLMOptions(tensor_parallel_size=4), True, Placement(),
                [{"CPU": 8.0, "GPU": 2.0}])
    with pytest.raises(UsageError, match="vllm replicas need GPUs"):
        resolve("vllm", VLLMOptions(), True, Placement(num_gpus=0), GPU_NODES)


def test_a_replica_no_node_can_hold_is_refused_with_the_cluster_it_saw():
    with pytest.raises(UsageError) as error:
        resolve("llamacpp", LlamaCppOptions(), True, Placement(num_cpus=4), CPU_NODES)
    assert "no Ray node has 4 CPU and 0 GPU" in str(error.value)
    assert "2 CPU, 0 GPU on 2 node(s)" in str(error.value)


def test_replica_options_need_the_ray_executor(srv, tmp_path):
    suite = write_suite(tmp_path, "s", echo_cases(2))
    done = evalkit("run", suite.name, "-m", "openai/m", *api_args(srv), "-M", "replicas=2",
                   "--db", "x.duckdb", cwd=tmp_path)
    assert done.returncode == 2 and "add --executor ray" in done.stderr
    bad = evalkit("run", suite.name, "-m", "openai/m", *api_args(srv), "-M", "replicas=0",
                  "--executor", "ray", "--db", "x.duckdb", cwd=tmp_path)
    assert bad.returncode == 2 and "-M replicas=0: must be a whole number" in bad.stderr
    replay = evalkit("run", suite.name, "-m", "replay/out.jsonl", "-M", "replicas=2",
                     "--executor", "ray", "--db", "x.duckdb", cwd=tmp_path)
    assert replay.returncode == 2 and "replay backend reads recorded outputs" in replay.stderr
    unknown = evalkit("run", suite.name, "-m", "openai/m", "--executor", "dask", cwd=tmp_path)
    assert unknown.returncode == 2 and "'dask' is not one of 'local', 'ray'" in unknown.stderr
    for done in (bad, replay, unknown):
        assert_no_traceback(done.stderr)
    assert srv.stats()["total"] == 0


def test_ray_stays_out_of_the_default_path(tmp_path):
    code = ("import sys; from click.testing import CliRunner; from evalkit.cli.main import cli; "
            "r = CliRunner().invoke(cli, ['run', '--help']); assert '--executor' in r.output "
            "and 'EVALKIT_RAY_ADDRESS' in r.output, r.output; "
            "import evalkit.runner, evalkit.runner.run; print('ray' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=clean_env(), check=True)
    assert done.stdout.strip() == "False"


def test_a_missing_ray_extra_says_how_to_install_it(srv, tmp_path):
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "ray.py").write_text("raise ImportError('No module named ray')\n")
    suite = write_suite(tmp_path, "s", echo_cases(2))
    done = evalkit("run", suite.name, "-m", "openai/m", *api_args(srv), "-M", "replicas=2",
                   "--executor", "ray", "--db", "x.duckdb", cwd=tmp_path,
                   env=clean_env(PYTHONPATH=str(shadow)))
    assert done.returncode == 3, done
    assert "--executor ray needs the 'ray' package" in done.stderr
    assert "pip install 'evalkit[ray]'" in done.stderr
    assert_no_traceback(done.stderr)
    assert query(tmp_path / "x.duckdb", "SELECT count(*) FROM results") == [(0,)]
    assert srv.stats()["total"] == 0


def test_progress_counts_calls_per_node():
    progress = Progress("t", 3, enabled=False)
    progress.advance(True, False, False, "a" * 56)
    progress.advance(True, False, False, "b" * 56)
    progress.advance(False, True, False, "a" * 56)
    progress.advance(True, False, True)  # a cache hit ran nowhere
    assert progress.nodes == {"a" * 56: 2, "b" * 56: 1}
    assert progress.node_rates().startswith("node aaaaaaaa ") and " · node bbbbbbbb " in \
        progress.node_rates()


def test_the_node_and_worker_migration_is_idempotent(tmp_path):
    db = tmp_path / "m.duckdb"
    Store(db).close()
    # a database that has the columns but not the record (another branch's numbering)
    with Store(db) as store:
        store.query("DELETE FROM schema_migrations WHERE version = 5")
    with Store(db) as store:
        assert (5,) in store.query("SELECT version FROM schema_migrations")
        columns = {c for (c,) in store.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'results'")}
    assert {"node_id", "worker_id"} <= columns
