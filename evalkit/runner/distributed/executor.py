"""The Ray executor: the run's remaining calls go to model replicas (Ray actors) in batches,
and completions stream back to the driver, which scores and stores them as before.

Local engines (llama.cpp, hf, vLLM) run as replicas by default; API backends stay on the
driver (they are I/O-bound: one connection pool, one concurrency limit) unless `-M replicas=N`
sends them to the cluster too. Pooled scorers (toxicity, embeddings) score late, over the
stored outputs, on an actor pool (scoring.py).
"""
from __future__ import annotations

import math
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Sequence

from ...backends.base import parse_model_ref
from ...backends.model import Model
from ...errors import UsageError
from ...scorers.base import ScoreContext, Scorer
from ..executors import Deliver, Executor, LocalExecutor, ScoreChunk
from ..feed import CallQueue
from . import connection
from .dispatch import LANES, Dispatch, Member
from .placement import DRIVER_ONLY, Resources, resolve, split_placement
from .replica import Replica, ReplicaSpec, evalkit_version

if TYPE_CHECKING:
    from ..run import RunConfig

MAX_RESTARTS = 3  # Ray restarts a dead replica this many times (it reloads the model)
STARTUP_TIMEOUT_ENV = "EVALKIT_RAY_STARTUP_TIMEOUT"  # seconds a replica may take to load
DEFAULT_STARTUP_TIMEOUT_S = 900.0
# Passed on to replicas so that a driver told to stay offline keeps its workers offline too.
FORWARDED_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


def startup_timeout() -> float:
    value = os.environ.get(STARTUP_TIMEOUT_ENV)
    try:
        return float(value) if value else DEFAULT_STARTUP_TIMEOUT_S
    except ValueError:
        raise UsageError(f"${STARTUP_TIMEOUT_ENV}={value!r}: must be a number of seconds") from None


class RayExecutor(Executor):
    name = "ray"

    def __init__(self, config: RunConfig, model: Model):
        # the driver's model: its backend's traits size the replicas; API calls go through it
        self.config, self.model, self.backend = config, model, model.backend
        connection.require_ray()
        self.ref = parse_model_ref(config.model)
        self.placement, self.model_args = split_placement(config.model_args)
        if self.ref.backend in DRIVER_ONLY and self.placement.given:  # before reaching Ray
            raise UsageError(f"the {self.ref.backend} backend reads recorded outputs from the "
                             f"driver's database and runs there; drop -M {self.placement.given[0]}")
        self._local: LocalExecutor | None = None  # API backends: calls from the driver
        self._members: list[Member] = []
        self._groups: list[Any] = []  # placement groups (vLLM tensor parallel)
        self._scorers: Any = None  # the pooled scorers' actor pool (scoring.py)
        self.resources: Resources | None = None
        self._owns_ray = False  # this executor initialised Ray in this process

    # -- calls ---------------------------------------------------------------------
    def _on_driver(self) -> bool:
        return not self.backend.local_engine and self.placement.replicas is None

    def _local_executor(self) -> LocalExecutor:
        if self._local is None:
            self._local = LocalExecutor(self.model)
        return self._local

    def appetite(self) -> int:
        if self._on_driver():
            return self._local_executor().appetite()
        return LANES * max(4, self.backend.batch_size)  # per replica; the queue refills

    async def run(self, calls: CallQueue, deliver: Deliver) -> None:
        if self._on_driver():  # API backends: no Ray needed for these calls
            await self._local_executor().run(calls, deliver)
            return
        if not await calls.started():
            return  # a fully cached run never reaches Ray
        if not self._members:
            ray = self._connect()
            self.resources = resolve(self.ref.backend, self.backend.options,
                                     self.backend.local_engine, self.placement,
                                     connection.nodes(ray))
        if self.resources is None:
            await self._local_executor().run(calls, deliver)
            return
        concurrency = self._concurrency(self.resources.replicas)
        size = self.backend.batch_size if self.backend.batch_size > 1 else max(4, concurrency)
        ray = self._connect()
        gone = [m for m in self._members if m.retired is not None]
        if gone:  # given up in an earlier run: make room for new ones
            connection.kill(ray, [m.handle for m in gone])
            self._members = [m for m in self._members if m.retired is None]
        # a small run starts fewer (the feed's calls so far, less its cache hits)
        wanted = min(self.resources.replicas, max(1, -(-calls.expected // size)))
        if len(self._members) < wanted:
            self._release_scorers()
            self._start(ray, self.resources, concurrency, wanted)
        await Dispatch(ray, self._members, calls, size, deliver,
                       streaming=connection.streaming_supported(ray),
                       startup_timeout_s=startup_timeout(), expect_version=evalkit_version(),
                       max_failures=MAX_RESTARTS + 1).run()

    def _connect(self) -> Any:
        ray, initialised = connection.connect(self.config.ray_address)
        self._owns_ray = self._owns_ray or initialised
        return ray

    def _concurrency(self, replicas: int) -> int:
        """Calls in flight per replica: the run's limit is global, shared by the replicas; a
        local engine's own limit (1: one engine) holds per replica."""
        if self.config.max_concurrency:
            return max(1, math.ceil(self.config.max_concurrency / replicas))
        if self.backend.local_engine:
            return self.backend.default_concurrency
        return max(1, math.ceil(self.backend.default_concurrency / replicas))

    def _spec(self, resources: Resources, concurrency: int) -> ReplicaSpec:
        args = dict(self.model_args)
        if self.ref.backend == "llamacpp":  # its CPU slot, not every core of the machine
            for key in ("n_threads", "n_threads_batch"):
                args.setdefault(key, max(1, int(resources.num_cpus)))
        if resources.bundles:
            args["distributed_executor_backend"] = "ray"
        env = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
        seed = self.config.seed if self.config.seed is not None else 0
        return ReplicaSpec(self.config.model, args, str(Path.cwd()), self.config.retry,
                           concurrency, seed, env)

    def _start(self, ray: Any, resources: Resources, concurrency: int, count: int) -> None:
        """Start replicas until there are `count` (a later, larger run adds to them)."""
        spec = self._spec(resources, concurrency)
        actor = ray.remote(Replica)
        token = secrets.token_hex(3)
        for index in range(len(self._members), count):
            options: dict[str, Any] = {
                "num_cpus": resources.num_cpus, "num_gpus": resources.num_gpus,
                "max_restarts": MAX_RESTARTS, "max_task_retries": 0,
                "name": f"evalkit-replica-{token}-{index}"}
            if resources.bundles:
                from ray.util.placement_group import placement_group
                from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

                group = placement_group(list(resources.bundles), strategy="PACK")
                self._groups.append(group)
                options["scheduling_strategy"] = PlacementGroupSchedulingStrategy(
                    group, placement_group_capture_child_tasks=True)
            else:
                options["scheduling_strategy"] = "SPREAD"  # replicas on as many nodes as can be
            self._members.append(Member(actor.options(**options).remote(spec), f"replica-{index}"))

    # -- late scoring ----------------------------------------------------------------
    def pooled(self, scorers: Sequence[Scorer]) -> frozenset[str]:
        return frozenset(s.name for s in scorers if s.pooled)

    async def score_chunks(self, scorer: Scorer, items: Sequence, ctx: ScoreContext
                           ) -> AsyncIterator[ScoreChunk]:
        if not scorer.pooled:
            async for chunk in super().score_chunks(scorer, items, ctx):
                yield chunk
            return
        ray = self._connect()
        self._release()  # idle replicas would hold the CPUs and GPUs the scorers need
        if self._scorers is None:
            from .scoring import ScorerPool

            self._scorers = ScorerPool(ray, connection.nodes(ray), ScorerPool.chunks(len(items)))
        async for chunk in self._scorers.score(scorer, items):
            yield chunk

    # -- end -------------------------------------------------------------------------
    def _release(self) -> None:
        """Kill the replicas (the scorer pool's turn on the cluster)."""
        if not self._members and not self._groups:
            return
        import ray

        connection.kill(ray, [member.handle for member in self._members])
        for group in self._groups:
            try:
                ray.util.remove_placement_group(group)
            except Exception:
                pass
        self._members, self._groups = [], []

    def _release_scorers(self) -> None:
        """Kill the scorer pool (the replicas' turn)."""
        if self._scorers is not None:
            self._scorers.close()
            self._scorers = None

    async def close(self) -> None:
        self._release()
        self._release_scorers()
        if self._owns_ray:
            import ray

            ray.shutdown()
            self._owns_ray = False
