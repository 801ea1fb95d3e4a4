"""Where model replicas go on a Ray cluster: `-M replicas=N -M num_gpus=1 -M num_cpus=2`.

These model args belong to the executor, not to the backend: they are taken out before the
backend sees its options, so they change neither the fingerprint nor the resume key (a run
started on one machine resumes on a cluster, and back).

Defaults, per replica: 1 CPU; GPUs for engines that want them (hf on a cluster with GPUs, vLLM
always, tensor_parallel_size of them), none for llama.cpp unless it offloads layers. Local
engines fill the cluster (one replica per free GPU or CPU slot); API backends stay on the
driver unless `replicas` is given.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ...errors import UsageError

KEYS = ("replicas", "num_cpus", "num_gpus")
# Backends whose calls read recorded outputs from the driver's database.
DRIVER_ONLY = ("replay",)


@dataclass(frozen=True)
class Placement:
    """What the user asked for (None: the default)."""

    replicas: int | None = None
    num_cpus: float | None = None
    num_gpus: float | None = None

    @property
    def given(self) -> tuple[str, ...]:
        return tuple(key for key in KEYS if getattr(self, key) is not None)


@dataclass(frozen=True)
class Resources:
    """What the executor asks Ray for: `replicas` actors of `num_cpus` / `num_gpus` each, or,
    for a vLLM replica spanning several GPUs, a placement group of `bundles` per replica."""

    replicas: int
    num_cpus: float
    num_gpus: float
    bundles: tuple[Mapping[str, float], ...] = ()
    tensor_parallel: int = 1

    def describe(self) -> str:
        each = f"{self.num_cpus:g} CPU" + (f", {self.num_gpus:g} GPU" if self.num_gpus else "")
        if self.bundles:
            each = f"{len(self.bundles)} GPUs (tensor parallel)"
        return f"{self.replicas} replica{'s' * (self.replicas != 1)} × {each}"


def _number(key: str, value: Any, integer: bool) -> float:
    numeric = (not isinstance(value, bool) and isinstance(value, (int, float))
               and math.isfinite(value) and value >= 0)
    if not numeric or (integer and (value != int(value) or value < 1)):
        kind = "a whole number ≥ 1" if integer else "a number ≥ 0 (fractions allowed)"
        raise UsageError(f"-M {key}={value!r}: must be {kind}")
    return int(value) if integer else float(value)


def split_placement(model_args: Mapping[str, Any]) -> tuple[Placement, dict[str, Any]]:
    """(the placement asked for, the model args left for the backend)."""
    rest = {k: v for k, v in model_args.items() if k not in KEYS}
    values = {k: _number(k, model_args[k], k == "replicas") for k in KEYS if k in model_args}
    return Placement(**values), rest


def _gpus_wanted(backend_name: str, options: Any, cluster_gpus: float) -> float:
    """GPUs per replica when the user gave none."""
    if backend_name == "vllm":
        return float(getattr(options, "tensor_parallel_size", 1))
    if backend_name == "hf":
        device = getattr(options, "device", None) or ""
        return 1.0 if cluster_gpus and not device.startswith(("cpu", "mps")) else 0.0
    if backend_name == "llamacpp":
        return 1.0 if cluster_gpus and getattr(options, "n_gpu_layers", 0) else 0.0
    return 0.0


def resolve(backend_name: str, options: Any, local_engine: bool, placement: Placement,
            nodes: Sequence[Mapping[str, float]]) -> Resources | None:
    """Replicas and resources on a cluster of `nodes` (each node's total resources), or None
    when the calls stay on the driver (API backends unless `replicas` is given). `options`:
    the backend's (BackendOptions); `local_engine`: Backend.local_engine."""
    if backend_name in DRIVER_ONLY or (not local_engine and placement.replicas is None):
        return None  # I/O-bound: the driver's own connection pool, one concurrency limit
    cpus = sum(n.get("CPU", 0) for n in nodes)
    gpus = sum(n.get("GPU", 0) for n in nodes)
    num_cpus = 1.0 if placement.num_cpus is None else placement.num_cpus
    num_gpus = (_gpus_wanted(backend_name, options, gpus) if placement.num_gpus is None
                else placement.num_gpus)
    tensor_parallel = int(getattr(options, "tensor_parallel_size", 1) or 1)
    if backend_name == "vllm" and not num_gpus:
        raise UsageError("vllm replicas need GPUs: give -M num_gpus=N (N ≥ 1)")
    bundles: tuple[Mapping[str, float], ...] = ()
    if backend_name == "vllm" and tensor_parallel > 1:
        # vLLM starts one Ray worker per GPU itself (distributed_executor_backend=ray) inside
        # the replica's placement group; the replica actor holds no GPU of its own.
        bundles = tuple({"GPU": 1.0, "CPU": 1.0} for _ in range(tensor_parallel))
        num_gpus = 0.0
        if gpus < tensor_parallel:
            raise UsageError(f"tensor_parallel_size={tensor_parallel} needs {tensor_parallel} "
                             f"GPUs per replica; the cluster has {gpus:g}")
    elif not any(n.get("CPU", 0) >= num_cpus and n.get("GPU", 0) >= num_gpus for n in nodes):
        raise UsageError(
            f"no Ray node has {num_cpus:g} CPU and {num_gpus:g} GPU free for a replica "
            f"(the cluster: {cpus:g} CPU, {gpus:g} GPU on {len(nodes)} node(s)); "
            "fix: lower -M num_cpus / -M num_gpus, or add nodes to the cluster")
    replicas = placement.replicas
    if replicas is None:  # fill the cluster
        if bundles:
            replicas = int(gpus // tensor_parallel)
        elif num_gpus:
            replicas = int(gpus // num_gpus)
        else:
            replicas = int(cpus // num_cpus) if num_cpus else len(nodes)
        replicas = max(1, replicas)
    return Resources(replicas, num_cpus, num_gpus, bundles, tensor_parallel)
