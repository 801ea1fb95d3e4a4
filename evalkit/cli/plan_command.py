"""`evalkit plan SUITE`: the MDE of the suite now, and the cases a target MDE needs.

SUITE is a suite file (its name, cases, slices and compare settings) or the name of a suite
with stored runs. Only click is imported at module level (main.py registers this on every
start).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from ..errors import EXIT_OK, UsageError
from .compare_commands import db_option


@click.command("plan")
@click.argument("suite_ref", metavar="SUITE")
@click.option("--baseline", metavar="NAME", help="plan from this baseline's noise (its A/A "
              "rerun, else the baseline against the suite's latest other run)")
@click.option("--mde", "target", type=float, default=0.02, show_default=True,
              help="the change in pass rate to detect (0.02 = 2 points)")
@click.option("--power", type=float, default=0.8, show_default=True,
              help="the chance of detecting a change of that size")
@click.option("--assume-flips", type=float, metavar="RATE", help="plan from a stated noise "
              "instead of a stored one: the share of cases that flip between two runs of one "
              "model, e.g. 0.05")
@db_option
def plan_command(suite_ref, baseline, target, power, assume_flips, db) -> int:
    """How small a drop of the primary pass rate SUITE can detect now (MDE, overall and per
    slice), and how many cases a change of --mde needs, at --power, from the suite's stored
    noise (A/A reruns, else the discordance between its recent runs) or a stated one."""
    from ..compare.plan import plan_suite
    from ..store import Store, reads
    from ..suite.gate_spec import Policy

    suite_name, policy, slices, current, samples = _suite_facts(suite_ref)
    if not Path(db).exists():
        if assume_flips is not None and current is not None:  # a stated noise needs no store
            render_plan(plan_suite(None, suite_name, policy, slices, target=target, power=power,
                                   assume_flips=assume_flips, current=current, samples=samples))
            return EXIT_OK
        raise UsageError(f"--db {db}: no such database — run the suite first (twice with "
                         "--no-cache for an A/A rerun), or plan from a stated noise with the "
                         "suite file and --assume-flips RATE")
    with Store(db, read_only=True) as store:
        if suite_name is None:  # a name: facts from its newest run
            latest = reads.latest_run_of_suite(store, suite_ref)
            if latest is None:
                raise UsageError(f"no suite file or stored run named '{suite_ref}' (in {db}); "
                                 "give the suite's YAML file or a suite name that has runs")
            run = store.run(latest)
            suite_name, slices = suite_ref, list(run.slices or [])
            policy = Policy.model_validate(run.gates or {})
            samples = int(run.samples or 1)
            if assume_flips is not None:
                current = reads.case_counts(store, run.run_id, slices)
        plan = plan_suite(store, suite_name, policy, slices, target=target, power=power,
                          baseline=baseline, assume_flips=assume_flips, current=current,
                          samples=samples)
    render_plan(plan)
    return EXIT_OK


def _suite_facts(ref: str):
    """(name, policy, slices, cases per slice value, samples) from a suite file; Nones when
    `ref` is not a file (a suite name)."""
    if not Path(ref).is_file():
        return None, None, [], None, 1
    from ..suite import load_suite
    from ..suite.gate_spec import Policy

    suite = load_suite(ref, fetch=False)
    slices = list(suite.spec.slices)
    counts: Counter = Counter()
    for case in suite.cases:
        counts[(None, None)] += 1
        for key in slices:
            value = (case.metadata or {}).get(key)
            if value is not None:
                counts[(key, str(value))] += 1
    return suite.name, Policy.of(suite.spec), slices, dict(counts), int(suite.spec.samples)


def render_plan(plan) -> None:
    from ..compare.plan import RECENT, count_text, pp_text
    from .render import console, percent, safe, table

    out = console()
    out.print(f"[bold]plan {safe(plan.suite)}[/]: primary {safe(', '.join(sorted({r.metric for r in plan.rows})))}"
              f" · family-wise α {plan.alpha:g} · power {plan.power:.0%} · target MDE "
              f"{pp_text(plan.target)}")
    for line in plan.sentences():
        out.print(safe(line, None))
    rows = [[safe(r.metric), "" if r.slice_key is None else safe(f"{r.slice_key}={r.slice_value}"),
             f"{r.n:,}", f"{r.noise_n:,}", percent(r.flip_rate), f"{r.level:.3g}", pp_text(r.mde),
             count_text(r.cases_needed),
             "-" if plan.noise.source == RECENT else count_text(r.samples_needed)]
            for r in plan.rows]
    out.print(table(f"minimum detectable effect (MDE) at {plan.power:.0%} power, and cases for "
                    f"a {pp_text(plan.target)} MDE", ["metric", "slice", "cases now", "noise cases",
                                                  "noise flips", "α share", "MDE now",
                                                  "cases needed", "or samples per case"], rows))
    out.print("[dim]MDE: the smallest drop of the pass rate a comparison of this many cases "
              "calls regressed with the given power (the same computation as `evalkit "
              "compare`'s MDE column); a slice's cases needed are its own cases; samples per "
              "case: at the cases it has now, from an A/A or stated noise only (samples shrink "
              "sampling noise, not a difference between models).[/]")
