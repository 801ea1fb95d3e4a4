"""`evalkit compare` and `evalkit baseline set|show|rollback|list` (the changelog side of
set, rollback and show: changelog_command.py).

Only click is imported here (main.py registers these on every start); the comparison,
pandas and rich load inside the commands.
"""
from __future__ import annotations

import click

from ..errors import EXIT_GATE_FAILED, EXIT_OK, UsageError
from .db_option import db_option
from .json_output import json_option
from .report_command import with_redaction

FAIL_ON = ("no", "inconclusive", "never")
fail_on_option = click.option(
    "--fail-on", type=click.Choice(FAIL_ON), default="no", show_default=True,
    envvar="EVALKIT_FAIL_ON", help="exit 1 when the answer is 'no' (default), also when it is "
    "'inconclusive', or never because of the answer (a failed gate still exits 1)")
allow_subset_option = click.option(
    "--allow-subset", is_flag=True, default=None, envvar="EVALKIT_ALLOW_SUBSET",
    help="compare only the cases both runs have (by default a case or sample run on one side "
    "only makes the answer inconclusive) (env EVALKIT_ALLOW_SUBSET)")


def answer_fails(answer: str, fail_on: str) -> bool:
    """Whether the swap answer alone sets exit code 1 under --fail-on."""
    return (fail_on == "no" and answer == "no") or \
        (fail_on == "inconclusive" and answer in ("no", "inconclusive"))


@click.command("compare")
@click.argument("baseline")
@click.argument("candidate")
@db_option
@click.option("--strict", is_flag=True, help="fail (exit 1) when anything besides the model "
              "changed (prompt, options, suite, cases, scorers, judge, evalkit version, backend)")
@click.option("--suite", "suite_path", type=click.Path(dir_okay=False),
              help="gates, waivers and settings from this suite file (default: the candidate "
              "run's own, stored when it ran)")
@click.option("--cases", "shown", type=click.IntRange(0, 10_000), default=None,
              help="how many of the worst regressed cases to show [default: 5; 10 with --details]")
@click.option("--details", is_flag=True, help="every slice row, operations, repeated samples, "
              "the noise floor and every gate (default: a compact view per suite)")
@click.option("--report", "html", type=click.Path(dir_okay=False),
              help="also write the self-contained HTML report here")
@click.option("--markdown", type=click.Path(dir_okay=False),
              help="also write the Markdown summary (sized for a PR comment) here")
@click.option("--junit", type=click.Path(dir_okay=False), help="also write JUnit XML here")
@allow_subset_option
@fail_on_option
@with_redaction
@json_option
def compare_command(baseline, candidate, db, strict, suite_path, shown, details, html, markdown,
                    junit, allow_subset, fail_on, redact_emails, redact_patterns, as_json) -> int:
    """Compare CANDIDATE with BASELINE (run ids, baseline names, labels or id prefixes).

    Exit 1 when the answer is "no" (see --fail-on) or a gate fails, 0 otherwise, 2 on bad
    input."""
    from ..compare import compare, pair_runs
    from ..gates import evaluate_gates
    from ..store import Store
    from .compare_view import render_diff
    from .render import console, plain, safe

    with Store(db, read_only=True) as store:
        found = pair_runs(store, baseline, candidate)
        policies = suite_policies(store, suite_path, [c for _, _, c in found.pairs])
        to_stdout = [name for name, path in (("--report", html), ("--markdown", markdown),
                                              ("--junit", junit)) if path == "-"]
        if len(to_stdout) + as_json > 1:
            raise UsageError(f"only one of {', '.join(to_stdout + ['--json'] * as_json)} can "
                             "write to stdout")
        out, failed, items = console(stderr=as_json or bool(to_stdout)), False, []
        out.quiet = as_json  # --json: the document alone, on stdout
        shown = shown if shown is not None else (10 if details else 5)
        for (suite, base_id, cand_id), policy in zip(found.pairs, policies):
            diff = compare(store, base_id, cand_id, policy=policy, worst=max(shown, 50),
                           allow_subset=allow_subset)
            gates = evaluate_gates(diff=diff, strict=strict).report
            render_diff(out, diff, gates, shown, details)
            failed = failed or bool(gates.failed)
            items.append((diff, gates))
        unpaired = found.unpaired()
        for note in unpaired:
            out.print(f"[yellow]note:[/] {safe(note)}")
        from ..report import prepare
        from ..report.inputs import ReportSet
        from .report_command import print_verdict, redactor, write_reports

        clean = redactor(redact_emails, redact_patterns)
        report_set = ReportSet.of((prepare(store, d.candidate_id, d.baseline_id, redactor=clean,
                                           diff=d, gates=g) for d, g in items), unpaired)
        print_verdict(out, report_set.verdict)
        written = write_reports(store, report_set, html=html, markdown=markdown, junit=junit)
        for what, path in written:
            out.print(f"{what}: {plain(path)}", markup=False, soft_wrap=True)
    failed = failed or answer_fails(report_set.verdict.answer, fail_on)
    code = EXIT_GATE_FAILED if failed else EXIT_OK
    if as_json:
        from .compare_json import emit_compare

        emit_compare(report_set, written, code)
    return code


def suite_policies(store, suite_path: str | None, candidates: list[str]) -> list:
    """Each candidate run's policy: from --suite FILE for the run of that suite, else None
    (the run's own, stored when it ran)."""
    if not suite_path:
        return [None] * len(candidates)
    suites = [store.run(c).suite for c in candidates]
    from ..suite import load_suite
    from ..suite.gate_spec import Policy

    suite = load_suite(suite_path, fetch=False)  # only its gates and settings are needed
    if suite.name not in suites:
        raise UsageError(f"--suite {suite_path} is suite '{suite.name}', but the runs are of "
                         f"suite(s) {', '.join(suites)}")
    return [Policy.of(suite.spec) if name == suite.name else None for name in suites]


@click.group("baseline")
def baseline_group() -> None:
    """Named baselines: point a name at a run, show its history, roll it back."""


@baseline_group.command("set")
@click.argument("name")
@click.argument("run_ref", metavar="RUN")
@click.option("-m", "--message", "--note", "note", help="why this run is the baseline now "
              "(goes in the changelog)")
@click.option("--by", help="who made the change (default: git's user.name, else the login name)")
@click.option("--force", is_flag=True, help="set it even when the run failed its own gates")
@db_option
def baseline_set(name, run_ref, note, by, force, db) -> int:
    """Point baseline NAME at RUN (id, id prefix or label); earlier runs stay in its history.
    The comparison with the run it replaces is recorded for `evalkit changelog NAME`.
    A run that failed its gates is refused (exit 1) unless --force."""
    from ..compare import baselines
    from ..store import Store
    from .baseline_check import check_before_setting
    from .changelog_command import summarizer, who
    from .render import console, safe

    with Store(db) as store:
        check_before_setting(store, baselines.resolve(store, run_ref), name, force,
                             warn=lambda message: click.echo(message, err=True))
        run_id = baselines.set_baseline(store, name, run_ref, note, by=who(by),
                                        summarize=summarizer(store))
        summary = baselines.history(store, name)[-1].summary
    answer = summary.get("answer")
    said = (f" (safe to swap vs {safe(summary['previous']['run_id'])}: {safe(answer)})"
            if answer else "")
    console().print(f"baseline {safe(name)} → run {safe(run_id)}{said}")
    return EXIT_OK


@baseline_group.command("rollback")
@click.argument("name")
@click.option("-m", "--message", "note", help="why (goes in the changelog)")
@click.option("--by", help="who made the change (default: git's user.name, else the login name)")
@db_option
def baseline_rollback(name, note, by, db) -> int:
    """Point baseline NAME back at the run it had before its latest change."""
    from ..compare import baselines
    from ..store import Store
    from .changelog_command import who
    from .render import console, safe

    with Store(db) as store:
        before, after = baselines.rollback(store, name, note, by=who(by))
    console().print(f"baseline {safe(name)} → run {safe(after)} (was {safe(before)})")
    return EXIT_OK


@baseline_group.command("show")
@click.argument("name")
@db_option
@json_option
def baseline_show(name, db, as_json) -> int:
    """The run baseline NAME points at, and its history: who changed it, why, and the swap
    answer of each promotion (`evalkit changelog NAME` for the whole story)."""
    if as_json:
        from .json_views import baseline_json

        return baseline_json(name, db)
    from ..compare import baselines
    from ..store import Store, reads
    from .changelog_command import show_history
    from .render import console, percent, safe

    out = console()
    with Store(db, read_only=True) as store:
        run_id = baselines.require(store, name)
        run = store.run(run_id)
        pass_rate = reads.pass_rate(store, run_id)
        label = f" (label {safe(run.label)})" if run.label else ""
        out.print(f"baseline {safe(name)} → run {safe(run_id)}{label}: {safe(run.suite)} × "
                  f"{safe(run.model_ref)}, started {str(run.started_at)[:19]} UTC, "
                  f"pass {percent(pass_rate)}")
        show_history(out, store, name)
    return EXIT_OK


def baseline_view(name: str, db: str):
    """(run id, run row, history events, pass rate) of baseline NAME."""
    from ..compare import baselines
    from ..store import Store, reads

    with Store(db, read_only=True) as store:
        run_id = baselines.require(store, name)
        run = store.run(run_id)
        events = baselines.history(store, name)
        pass_rate = reads.pass_rate(store, run_id)
    return run_id, run, events, pass_rate


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
