"""`evalkit compare` and `evalkit baseline set|show|rollback|list`.

Only click is imported here (main.py registers these on every start); the comparison,
pandas and rich load inside the commands.
"""
from __future__ import annotations

import click

from ..errors import EXIT_GATE_FAILED, EXIT_OK, UsageError

db_option = click.option("--db", envvar="EVALKIT_DB", default="reports/evalkit.duckdb",
                         show_default=True, help="DuckDB file (env EVALKIT_DB)")


def policy_from_suite(path: str, suite_name: str | None = None):
    from ..suite import load_suite
    from ..suite.gate_spec import Policy

    suite = load_suite(path)
    if suite_name is not None and suite.name != suite_name:
        raise UsageError(f"--suite {path} is suite '{suite.name}', but the runs are of "
                         f"suite '{suite_name}'")
    return Policy.of(suite.spec)


@click.command("compare")
@click.argument("baseline")
@click.argument("candidate")
@db_option
@click.option("--strict", is_flag=True, help="fail (exit 1) when anything besides the model "
              "changed (prompt, options, suite, cases, scorers, judge, evalkit version, backend)")
@click.option("--suite", "suite_path", type=click.Path(dir_okay=False),
              help="gates, waivers and settings from this suite file (default: the candidate "
              "run's own, stored when it ran)")
@click.option("--cases", "shown", type=click.IntRange(0, 10_000), default=10, show_default=True,
              help="how many of the worst regressed cases to show")
def compare_command(baseline, candidate, db, strict, suite_path, shown) -> int:
    """Compare CANDIDATE with BASELINE (run ids, baseline names, labels or id prefixes).

    Exit 0 when every gate passes, 1 when one fails, 2 on bad input."""
    from ..compare import compare
    from ..gates import check_diff
    from ..store import Store
    from .compare_view import render_diff
    from .render import console

    with Store(db, read_only=True) as store:
        policy = None
        if suite_path:
            from ..compare.baselines import resolve

            policy = policy_from_suite(suite_path, store.run(resolve(store, candidate))["suite"])
        diff = compare(store, baseline, candidate, policy=policy, worst=shown)
    report = check_diff(diff, strict=strict)
    render_diff(console(), diff, report, shown)
    return EXIT_GATE_FAILED if report.failed else EXIT_OK


@click.group("baseline")
def baseline_group() -> None:
    """Named baselines: point a name at a run, show its history, roll it back."""


@baseline_group.command("set")
@click.argument("name")
@click.argument("run_ref", metavar="RUN")
@click.option("--note", help="why this run is the baseline now")
@db_option
def baseline_set(name, run_ref, note, db) -> int:
    """Point baseline NAME at RUN (id, id prefix or label); earlier runs stay in its history."""
    from ..compare import baselines
    from ..store import Store
    from .render import console, safe

    with Store(db) as store:
        run_id = baselines.set_baseline(store, name, run_ref, note)
    console().print(f"baseline {safe(name)} → run {safe(run_id)}")
    return EXIT_OK


@baseline_group.command("rollback")
@click.argument("name")
@db_option
def baseline_rollback(name, db) -> int:
    """Point baseline NAME back at the run it had before its latest change."""
    from ..compare import baselines
    from ..store import Store
    from .render import console, safe

    with Store(db) as store:
        before, after = baselines.rollback(store, name)
    console().print(f"baseline {safe(name)} → run {safe(after)} (was {safe(before)})")
    return EXIT_OK


@baseline_group.command("show")
@click.argument("name")
@db_option
def baseline_show(name, db) -> int:
    """The run baseline NAME points at, and its history."""
    from ..compare import baselines
    from ..store import Store
    from .render import console, percent, safe, table

    out = console()
    with Store(db, read_only=True) as store:
        run_id = baselines.require(store, name)
        run = store.run(run_id)
        events = baselines.history(store, name)
        (pass_rate,), = store.query("SELECT avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END) "
                                    "FROM results WHERE run_id = ?", [run_id])
    label = f" (label {safe(run['label'])})" if run.get("label") else ""
    out.print(f"baseline {safe(name)} → run {safe(run_id)}{label}: {safe(run['suite'])} × "
              f"{safe(run['model_ref'])}, started {str(run['started_at'])[:19]} UTC, "
              f"pass {percent(pass_rate)}")
    rows = [[str(e.seq), e.action, safe(e.run_id), str(e.set_at)[:19], safe(e.note or "")]
            for e in reversed(events)]
    out.print(table("history (newest first)", ["#", "action", "run", "at (UTC)", "note"], rows))
    return EXIT_OK


@baseline_group.command("list")
@db_option
def baseline_list(db) -> int:
    """Every baseline name and the run it points at."""
    from ..compare import baselines
    from ..store import Store
    from .render import console, safe, table

    with Store(db, read_only=True) as store:
        found = baselines.names(store)
    out = console()
    if not found:
        out.print("no baselines (set one: evalkit baseline set NAME RUN)")
        return EXIT_OK
    out.print(table(None, ["baseline", "run", "changes"],
                    [[safe(n), safe(r or "-"), str(c)] for n, r, c in found]))
    return EXIT_OK
