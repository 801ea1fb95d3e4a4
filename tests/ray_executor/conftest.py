"""A real two-node Ray cluster on this machine (`ray.cluster_utils.Cluster`, Ray's own test
harness): each node is a raylet with its own worker processes and 1 CPU, so "ran on both
nodes", "killed a worker" and "removed a node" are the real thing. evalkit runs as a CLI
subprocess that joins it with --ray-address."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.helpers import srv  # noqa: F401  (a fixture)

NODE = {"num_cpus": 1, "object_store_memory": 80 * 2**20}
# The cluster's workers inherit this process's environment: keep them offline and quiet.
WORKER_ENV = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
              "TOKENIZERS_PARALLELISM": "false", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
              "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    pytest.importorskip("ray", reason="the ray extra: pip install 'evalkit[ray]'")
    from ray.cluster_utils import Cluster

    env = {**WORKER_ENV, "EVALKIT_CACHE_DIR": str(tmp_path_factory.mktemp("weights-cache"))}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    cluster = Cluster(initialize_head=True,
                      head_node_args={**NODE, "include_dashboard": False})
    cluster.add_node(**NODE)
    cluster.wait_for_nodes()
    try:
        yield cluster
    finally:
        cluster.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def node_ids(cluster) -> set[str]:
    return {node.node_id for node in cluster.list_all_nodes()}


def ray_args(cluster) -> list[str]:
    return ["--executor", "ray", "--ray-address", cluster.address]


def replica_pids() -> list[int]:
    """Processes whose title Ray set to a Replica actor's (`ray::Replica...`)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"ray::Replica"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids
