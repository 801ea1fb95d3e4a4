"""run_suite_async / run_suite: one suite × one model → a Run in the store.

Flow: open the backend once → create or resume the run → the cases stream in chunk by chunk
(feed.py): cache hits are served, the other calls go through a bounded queue to the executor
(locally a pool of workers at the model's concurrency limit; on Ray, model replicas:
executors.py) → scorers → the writer thread stores results in bulk as they come. Whatever the
executor, this process is the only one that writes.
"""
from __future__ import annotations

import asyncio
import secrets
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Collection, Iterator, Mapping, Sequence

from ..backends.base import (
    Backend,
    BackendEnv,
    ModelRef,
    create_backend,
    parse_model_ref,
    reply_problem,
)
from ..backends.model import Model
from ..backends.retry import RetryPolicy
from ..errors import UsageError
from ..redact import register_environment
from ..scorers.base import ScoreContext, Scorer
from ..store import Store
from ..store.store import utcnow
from ..suite import Suite
from ..suite.gate_spec import policy_json
from ..types import Call, Completion, JudgeCache, Result, Score, WorkerRef, sha256_hex
from . import events, provenance
from .batches import PARTIAL, run_in_batches
from .distributed.placement import split_placement
from .executors import Executor, open_executor, until_first_failure
from .feed import QUEUE_CALLS, CallQueue, call_chunks
from .late_scoring import close_scorers, score_late
from .progress import Progress
from .score_dispatch import score_one, scored_late
from .writer import ResultWriter


@dataclass(frozen=True)
class RunConfig:
    model: str  # BACKEND/MODEL
    model_args: Mapping[str, Any] = field(default_factory=dict)
    label: str | None = None
    db: str | None = None
    cache: bool = True
    resume: str | None = None  # a run id to resume; None resumes automatically when possible
    auto_resume: bool = True
    max_concurrency: int | None = None  # default: the backend's own
    retry: RetryPolicy = RetryPolicy()
    progress: bool | None = None  # None: only when stderr is a terminal
    seed: int | None = None
    executor: str = "local"  # local | ray (executors.py)
    ray_address: str | None = None  # None: start (or join, with RAY_ADDRESS) a local Ray
    batches: Any = None  # a batches.BatchPlan: dispatch in batches (budget caps, --sequential)


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    suite: str
    model: str
    label: str | None
    status: str
    total: int  # (case, sample) pairs in the suite
    executed: int  # finished in this invocation
    resumed: int  # already stored before this invocation
    passed: int
    errors: int
    cached: int
    wall_s: float
    db: str
    nodes: Mapping[str, int] = field(default_factory=dict)  # calls made per Ray node
    stop: Mapping[str, Any] | None = None  # batched runs: why and where dispatch stopped

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.executed if self.executed else None

    def results_df(self):
        with Store(self.db, read_only=True) as store:
            return store.results(self.run_id)

    def scores_df(self):
        with Store(self.db, read_only=True) as store:
            return store.scores(self.run_id)


def checked_reply(completion: Completion) -> Completion:
    """The backend's reply, or an error on its case when its fields break the contract."""
    problem = reply_problem(completion)
    if problem is None:
        return completion
    attempts = getattr(completion, "attempts", 1)
    return Completion(text=None, error=f"invalid reply from the backend: {problem}",
                      attempts=attempts if type(attempts) is int else 1)


class StoreWriteFailed(Exception):
    """Raised inside workers to stop the run once the writer has failed."""


def new_run_id() -> str:
    return f"{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def open_backend(config: RunConfig, store: Store | None = None) -> tuple[ModelRef, Backend]:
    register_environment()  # env credentials are masked wherever they might appear
    ref = parse_model_ref(config.model)
    placement, model_args = split_placement(config.model_args)  # -M replicas=..., num_gpus=...
    if placement.given and config.executor != "ray":
        raise UsageError(f"-M {placement.given[0]}=... places model replicas on a Ray cluster; "
                         "add --executor ray (or drop it)")
    backend = create_backend(ref, model_args, BackendEnv(Path.cwd(), recorded=store))
    backend.load()  # a python pipeline is imported here, before the run starts
    return ref, backend


def model_for(config: RunConfig, backend: Backend) -> Model:
    """The run's Model around `backend`: its retry policy, concurrency limit and seed."""
    return Model(backend, config.retry, max_concurrency=config.max_concurrency,
                 seed=config.seed)


def open_model(config: RunConfig, store: Store | None = None) -> tuple[ModelRef, Model]:
    """open_backend, wrapped in the run's Model (not started: the first uncached call does)."""
    ref, backend = open_backend(config, store)
    return ref, model_for(config, backend)


def cache_key(fingerprint: str, call: Call, inputs: Any = None) -> str:
    """Everything the backend receives: its identity, `inputs` (Backend.cache_inputs: the
    request, or for a python pipeline the whole case and the suite vars), options, sample."""
    inputs = call.request.to_json() if inputs is None else inputs
    return sha256_hex(fingerprint, inputs, dict(call.options), call.sample)


async def _score(scorers: Sequence[Scorer], call: Call, completion: Completion,
                 suite_dir: Path, judge_cache: JudgeCache | None = None,
                 late: Collection[str] = ()) -> tuple[Score, ...]:
    ctx = ScoreContext(suite_dir=suite_dir, sample=call.sample, judge_cache=judge_cache)
    scores = []
    for scorer in scorers:
        if scored_late(scorer) or scorer.name in late:  # scored at the end (late_scoring)
            continue
        try:
            scores.append(await score_one(scorer, call.case, completion, ctx))
        except Exception as exc:  # a scorer bug fails this score, not the run
            scores.append(Score(scorer.name, None, False, f"scorer error: {type(exc).__name__}: {exc}"))
    return tuple(scores)


class _Execution:
    """The state of one run while its calls are in flight."""

    def __init__(self, suite: Suite, backend: Backend, fingerprint: str, writer: ResultWriter,
                 progress: Progress, config: RunConfig, use_cache: bool,
                 late: Collection[str] = ()):
        self.suite, self.backend, self.fingerprint = suite, backend, fingerprint
        self.writer, self.progress, self.config = writer, progress, config
        self.use_cache, self.late = use_cache, late
        self.suite_dir = suite.path.resolve().parent
        self.keys: dict[tuple[str, int], str] = {}  # cache keys of the calls in flight
        self.observe: Any = None  # batches.py: sees each result of the batch in flight
        self.hooked = events.stored_wanted()  # a plugin listens to each result

    def key(self, call: Call) -> str:
        return cache_key(self.fingerprint, call, self.backend.cache_inputs(call))

    async def finish(self, call: Call, completion: Completion, worker: WorkerRef | None = None,
                     key: str | None = None) -> None:
        if not completion.cached:
            completion = checked_reply(completion)
        scores = await _score(self.suite.scorers_for(call.case), call, completion, self.suite_dir,
                              self.writer.store, self.late)
        result = Result(call.case, call.sample, call.request, completion, scores, worker)
        entry = None
        if self.use_cache:
            key = key or self.keys.pop((call.case.id, call.sample), None)
        if self.use_cache and completion.ok and not completion.cached:
            entry = (key or self.key(call), self.fingerprint, completion)
        self.writer.put(result, entry)  # after a failed write it still reaches the spill file
        if self.observe is not None:
            self.observe(result)
        if self.hooked:
            events.stored(self.writer.run_id, result)
        self.progress.advance(result.passed, not completion.ok, completion.cached,
                              worker.node_id if worker else None)
        if self.writer.error is not None:
            raise StoreWriteFailed()  # stop calling the model; close() reports the cause

    async def serve_cached(self, calls: list[Call]) -> list[Call]:
        """Finish every call the cache answers (one query); return the others."""
        keys = [self.key(c) for c in calls]
        hits = self.writer.store.cached(keys)
        pending = []
        for call, key in zip(calls, keys):
            hit = hits.get(key)
            if hit is None:
                pending.append(call)
                self.keys[(call.case.id, call.sample)] = key  # stored with its answer
            else:
                await self.finish(call, replace(hit, cached=True), key=key)
        return pending

    async def make_calls(self, chunks: Iterator[list[Call]], executor: Executor,
                         expected: int) -> None:
        """Cache hits are served chunk by chunk; the other calls reach the executor through a
        bounded queue (at most `expected` of them). Either side failing stops the other."""
        queue = CallQueue(max(QUEUE_CALLS, 2 * executor.appetite()), expected)
        feeding = asyncio.ensure_future(self.feed(chunks, queue))
        calling = asyncio.ensure_future(executor.run(queue, self.finish))
        await until_first_failure([feeding, calling])

    async def feed(self, chunks: Iterator[list[Call]], queue: CallQueue) -> None:
        # next() reads (and renders) a chunk: in a thread, so calls in flight keep moving
        opening_started = False
        while (calls := await asyncio.to_thread(next, chunks, None)) is not None:
            if self.use_cache:
                served = len(calls)
                calls = await self.serve_cached(calls)
                queue.expected -= served - len(calls)
            if self.backend.batch_size > 1:  # prompts of similar length share a batch
                calls = sorted(calls, key=lambda c: len(c.request.text()))
            for call in calls:
                await queue.put(call)
            if not opening_started:  # a new store opens once the first calls are out
                asyncio.get_running_loop().call_later(0.05, self.writer.store.open_now)
                opening_started = True
        await queue.close()


def _resume_key(suite: Suite, ref: ModelRef, fingerprint: str, options: dict,
                label: str | None) -> str:
    # The fingerprint too: an edited pipeline or new weights must not continue an old run.
    key: tuple = (suite.name, suite.suite_hash, suite.cases_hash, str(ref), fingerprint, options,
                  label)
    if suite.shard is not None:  # shard 1/1 holds the same cases as an unsharded run
        key += (str(suite.shard.spec),)
    return sha256_hex(*key)


def _seed(suite: Suite, config: RunConfig) -> int:
    return config.seed if config.seed is not None else suite.spec.seed


def _start_run(store: Store, suite: Suite, ref: ModelRef, backend: Backend, fingerprint: str,
               config: RunConfig) -> tuple[str, set]:
    options: dict[str, Any] = {"backend": backend.options.public(), "generation": suite.options}
    if suite.vars:  # shared template vars (a prompt version): shown in comparisons
        options["vars"] = suite.vars
    if suite.option_overrides:  # `-O KEY=VALUE`: comparisons say these came from the command line
        options["overrides"] = sorted(suite.option_overrides)
    resume_key = _resume_key(suite, ref, fingerprint, options, config.label)
    run_id = config.resume or (store.resumable_run(resume_key) if config.auto_resume else None)
    if run_id is not None:
        existing = store.run(run_id)
        if existing.resume_key != resume_key:
            raise UsageError(f"run {run_id} was made with a different suite, model (or model "
                             "version), options or label; it cannot be resumed with these")
        store.mark_resumed(run_id)
        return run_id, store.done_keys(run_id)
    run_id = new_run_id()
    store.create_run({
        "run_id": run_id, "suite": suite.name, "suite_path": str(suite.path),
        "suite_hash": suite.suite_hash, "cases_hash": suite.cases_hash,
        "prompt_hash": suite.prompt_hash, "model_ref": str(ref), "backend": ref.backend,
        "options": options, "fingerprint": fingerprint, "label": config.label,
        "seed": _seed(suite, config),
        "samples": suite.spec.samples, "n_cases": len(suite.cases), "status": "running",
        "started_at": utcnow(), "provenance": partial(provenance.collect, suite.path),
        "scorers": suite.describe_scorers(), "slices": list(suite.spec.slices),
        "resume_key": resume_key, "gates": policy_json(suite.spec),
        "shard": suite.shard.to_json() if suite.shard is not None else None})
    return run_id, set()


async def run_suite_async(suite: Suite, config: RunConfig, *, store: Store | None = None,
                          backend: Backend | None = None, model: Model | None = None,
                          executor: Executor | None = None) -> RunSummary:
    """Run one suite against one model. Pass an open `store`, a `model` (open_model) or a bare
    `backend`, and an `executor` (open_executor: e.g. Ray replicas that load the model once) to
    share them across runs; the caller closes what it passed."""
    started = time.perf_counter()
    # The one place a run's resources are released: what this call opened, in reverse order
    # (executor, model, scorers, store), whatever happened.
    async with AsyncExitStack() as shutdown:
        if store is None:
            store = shutdown.enter_context(Store(config.db, background=True))
        shutdown.push_async_callback(close_scorers, suite.scorers)  # judge verdicts: to the store
        ref = parse_model_ref(config.model)
        if model is None and backend is not None:
            model = model_for(config, backend)  # the caller's backend: the caller closes it
        elif model is None:
            ref, model = open_model(config, store)
            await shutdown.enter_async_context(model)
        if executor is None:
            executor = await shutdown.enter_async_context(open_executor(config, model))
        summary = await _run(suite, config, store, ref, model.backend, executor, started)
    return summary


async def _run(suite: Suite, config: RunConfig, store: Store, ref: ModelRef, backend: Backend,
               executor: Executor, started: float) -> RunSummary:
    fingerprint = backend.fingerprint()
    run_id, done = _start_run(store, suite, ref, backend, fingerprint, config)
    events.started(run_id, suite, str(ref), config.label, str(store.path))
    use_cache = config.cache and backend.cacheable
    total = len(suite.cases) * suite.spec.samples - len(done)
    progress = Progress(f"{suite.name} · {ref}", total, config.progress)
    writer = ResultWriter(store, run_id)
    execution = _Execution(suite, backend, fingerprint, writer, progress, config, use_cache,
                           late=executor.pooled(suite.scorers))
    status, error, flipped, stop = "interrupted", None, set(), None
    try:
        try:
            if config.batches is None:
                await execution.make_calls(call_chunks(suite, done), executor, total)
            else:
                stop = await run_in_batches(execution, executor, suite, done, config.batches,
                                            store, run_id, _seed(suite, config))
        except StoreWriteFailed:
            pass  # writer.close() below raises the real error
        progress.close()
        writer.close()
        flipped = await score_late(suite, store, run_id, executor)  # over every stored output
        status = PARTIAL if stop and stop["stopped"] else "completed"
    except Exception as exc:
        # a lost cluster leaves the run resumable: rerunning the command continues it
        status = "interrupted" if getattr(exc, "resumable", False) else "failed"
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        status = _end_run(execution, run_id, ref, started, status, error, stop)
    return RunSummary(run_id=run_id, suite=suite.name, model=str(ref), label=config.label,
                      status=status, total=len(suite.cases) * suite.spec.samples,
                      executed=progress.done, resumed=len(done),
                      passed=progress.passed - len(flipped - done),
                      errors=progress.errors, cached=progress.cached,
                      wall_s=time.perf_counter() - started, db=str(store.path),
                      nodes=dict(progress.nodes), stop=stop)


def _end_run(execution: _Execution, run_id: str, ref: ModelRef, started: float, status: str,
             error: str | None, stop: Mapping[str, Any] | None) -> str:
    """Flush the results still queued and record how the run ended, whatever ended it; returns
    the status recorded. A failed flush fails the run and is the error raised; a failed record
    is raised only for a run that had otherwise completed (else the error already on its way
    is the one to see: a full disk fails this update too)."""
    execution.progress.close()
    store, flush_error = execution.writer.store, None
    try:
        execution.writer.close()
    except Exception as exc:
        status, error, flush_error = "failed", str(exc), exc
    try:
        store.finish_run(run_id, status, error, stop=stop)
    except Exception:
        if status == "completed":
            raise
    events.finished(run_id, execution.suite, str(ref), execution.config.label, status,
                    execution.progress, time.perf_counter() - started, str(store.path))
    if flush_error is not None:
        raise flush_error
    return status


def run_suite(suite: Suite, config: RunConfig, **kwargs) -> RunSummary:
    """The synchronous twin of run_suite_async."""
    return asyncio.run(run_suite_async(suite, config, **kwargs))
