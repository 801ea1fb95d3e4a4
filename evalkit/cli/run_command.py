"""`evalkit run`: load every suite first (fail closed), then run each against each model."""
from __future__ import annotations

import asyncio
import gc
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import click

from ..backends.base import parse_model_args
from ..errors import EXIT_OK, UsageError
from ..runner import RetryPolicy, RunConfig, open_model, provenance, run_suite_async
from ..runner.executors import open_executor
from ..store import Store
from ..store.store import default_db_path
from ..suite import load_suite, parse_vars
from ..suite.option_overrides import apply_option_overrides, parse_option_overrides
from ..suite.shard import ShardSpec
from .render import plain, summary_line
from .run_batches import check_batching, plan_factory, stop_line
from .run_errors import error_lines
from .run_gates import gate_runs, needs_gates, resolve_baseline


def run_command(suite_paths: Sequence[str], models: Sequence[str], model_arg_pairs: Sequence[str],
                *, label, db, cache, resume, auto_resume, max_concurrency, timeout, retries,
                progress, baseline=None, var_pairs: Sequence[str] = (),
                deadline: float | None = None, shard=None, allow_subset=None,
                fail_on: str = "no", executor: str = "local",
                ray_address: str | None = None, batching: dict | None = None,
                option_pairs: Sequence[str] = ()) -> int:
    if resume and (len(suite_paths) > 1 or len(models) > 1):
        raise UsageError("--resume continues one run: give one suite and one --model")
    batching = batching or {}
    check_batching(batching, baseline)
    spec = ShardSpec.parse(shard) if shard else None
    if spec is not None and baseline:
        raise UsageError("--baseline compares a whole run, not a shard: fold the shards with "
                         "`evalkit merge`, then run `evalkit compare BASELINE LABEL`")
    if Path(db or default_db_path()).exists():  # a new file: collected while it is created
        for path in suite_paths:  # git and package versions, while the suites load
            provenance.prefetch(Path(path))
    overrides = parse_vars(var_pairs)
    several = len(suite_paths) > 1
    # every suite valid before any call
    option_overrides = parse_option_overrides(option_pairs)
    suites = [apply_option_overrides(load_suite(path, overrides, undeclared_ok=several),
                                     option_overrides) for path in suite_paths]
    if spec is not None:
        suites = [suite.sharded(spec) for suite in suites]
    unused = sorted(set(overrides) - {key for s in suites for key in s.spec.vars})
    if several and unused:
        raise UsageError(f"--var {unused[0]}: no suite declares a var '{unused[0]}' (declare it "
                         f"under 'vars:' in the suite whose prompt uses it)")
    model_args = parse_model_args(model_arg_pairs)
    policy = RetryPolicy(max_retries=retries, timeout_s=timeout,
                         deadline_s=deadline if deadline is not None else max(
                             RetryPolicy.deadline_s, timeout))
    configs = [RunConfig(model=m, model_args=model_args, label=label, db=db, cache=cache,
                         resume=resume, auto_resume=auto_resume, max_concurrency=max_concurrency,
                         retry=policy, progress=progress, executor=executor,
                         ray_address=ray_address) for m in models]
    code = EXIT_OK
    # What is loaded by now (modules, schemas, suites) lives as long as the process: the cyclic
    # collector need not scan it again (a full collection of it cost ~18 ms per 1,000 calls).
    # (`evalkit run` turned the collector off while all this loaded: it is on from here.)
    gc.freeze()
    gc.enable()
    with Store(db, background=True) as store:  # a new file opens while the first calls go out
        gated = needs_gates(suites, baseline)
        baseline_run = resolve_baseline(store, baseline, suites) if baseline else None
        plan = plan_factory(batching, store, baseline_run)
        summaries = asyncio.run(_run_all(suites, configs, store, plan))
        for summary in summaries:
            click.echo(summary_line(summary))
            if summary.stop:
                click.echo(f"  {plain(stop_line(summary.stop), limit=None)}")
            for line in error_lines(store, summary.run_id, summary.errors, model_args):
                click.echo(line)
            if summary.nodes:
                click.echo("  ray: " + ", ".join(f"{n} calls on node {node[:8]}" for node, n
                                                 in sorted(summary.nodes.items())))
            for scorer, n, mean, pass_rate in store.scorer_totals(summary.run_id):
                click.echo(f"  {plain(scorer)}: pass {pass_rate:.1%}"
                           + (f", mean {mean:.3g}" if mean is not None else "") + f" (n={n})")
        if gated and spec is not None:  # gates judge the whole suite: after `evalkit merge`
            click.echo(f"shard {spec}: gates are checked on the merged run (evalkit merge, "
                       "then evalkit compare)")
        elif gated:
            code = gate_runs(store, summaries, suites, baseline_run, allow_subset=allow_subset,
                             fail_on=fail_on)
    click.echo(f"stored in {db} · details: evalkit show RUN --db {db}")
    return code


async def _run_all(suites, configs, store, plan=lambda suite: None):
    summaries = []
    for config in configs:
        # one model per --model, shared by its suites (a local model loads once), and one
        # executor (Ray replicas load it once too); run_suite_async closes neither
        _, model = open_model(config, store)  # started on its first uncached call
        async with model, open_executor(config, model) as executor:
            for suite in suites:
                summaries.append(await run_suite_async(
                    suite, replace(config, batches=plan(suite)), store=store, model=model,
                    executor=executor))
    return summaries
