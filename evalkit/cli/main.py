"""The `evalkit` command. Heavy modules are imported inside commands so --help stays fast.

Exit codes: 0 ok · 1 a gate failed, or the swap answer is "no" (compare, run --baseline;
see --fail-on) · 2 usage or suite error · 3 runtime error
(store locked, backend unavailable) · 130 interrupted (results so far are kept).
"""
from __future__ import annotations

import gc
import os

import click

from ..errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, EvalkitError
from .changelog_command import changelog_command
from .compare_commands import (
    allow_subset_option,
    baseline_group,
    compare_command,
    fail_on_option,
)
from .db_option import db_option
from .json_output import json_option
from .plan_command import plan_command
from .report_command import with_redaction
from .review_command import review_group
from .run_batches import batch_options
from .trend_command import trend_command


def _allow_outside(ctx, param, value):
    if value:
        from ..file_scope import allow_outside_files

        allow_outside_files(True)
    return value


OUTSIDE_OPTION = click.option(
    "--allow-outside-files", is_flag=True, expose_value=False, callback=_allow_outside,
    help="let suites read files outside their folder and project (absolute paths, ../, "
         "symlinks; env EVALKIT_ALLOW_OUTSIDE_FILES=1): only for suites you trust")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="evalkit")
@click.option("-v", "--verbose", count=True, help="log what evalkit does to stderr (-v INFO, "
              "-vv DEBUG; env EVALKIT_LOG_LEVEL)")
@click.pass_context
def cli(ctx, verbose) -> None:
    """evalkit: run eval suites against models, store every result in DuckDB, compare versions.

    Defaults can live in pyproject.toml's [tool.evalkit] (db, model, concurrency, report,
    markdown, junit); the command line wins over the environment, which wins over it."""
    from ..log import configure
    from .project_config import default_map

    try:
        configure(verbose)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    ctx.default_map = default_map(cli)


@cli.command()
@click.argument("suites", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--model", "-m", "models", multiple=True, required=True, envvar="EVALKIT_MODEL",
              help="BACKEND/MODEL, e.g. litellm/openai/gpt-4o-mini (repeatable; env "
              "EVALKIT_MODEL, space-separated)")
@click.option("-M", "model_args", multiple=True, metavar="KEY=VALUE",
              help="model arg, e.g. -M api_base=http://127.0.0.1:8000/v1 (repeatable)")
@click.option("--var", "-V", "var_pairs", multiple=True, metavar="KEY=VALUE",
              help="set a template var the suite declares under 'vars:', e.g. -V prompt=v2 "
              "(repeatable)")
@click.option("-O", "option_pairs", multiple=True, metavar="KEY=VALUE",
              help="set a generation option over the suite's 'options:', e.g. -O temperature=0.5 "
              "(checked like the suite's; extra.KEY for provider-specific ones; repeatable)")
@click.option("--label", envvar="EVALKIT_LABEL",
              help="a name for the run, e.g. v1 or candidate (env EVALKIT_LABEL)")
@db_option
@click.option("--no-cache", is_flag=True, help="call the model even when a cached answer exists")
@click.option("--resume", "resume", metavar="RUN_ID", help="continue an interrupted run")
@click.option("--no-resume", is_flag=True, help="start a new run even if an unfinished one matches")
@click.option("--max-concurrency", type=click.IntRange(1, 4096), envvar="EVALKIT_MAX_CONCURRENCY",
              help="calls in flight per model (env EVALKIT_MAX_CONCURRENCY)")
@click.option("--timeout", type=click.FloatRange(0.001), default=120.0, show_default=True,
              help="seconds per call attempt")
@click.option("--retries", type=click.IntRange(0, 50), default=6, show_default=True,
              help="retries for 429, 5xx, connection errors and timeouts")
@click.option("--deadline", type=click.FloatRange(0.001), default=None,
              help="seconds for a whole call, every attempt and wait included "
              "[default: 600, or --timeout when longer]")
@click.option("--progress/--no-progress", default=None, help="live progress bar (default: on a terminal)")
@click.option("--baseline", metavar="NAME", envvar="EVALKIT_BASELINE",
              help="(env EVALKIT_BASELINE) compare each run with this baseline (or run) "
              "right after it and say whether it is safe to swap; exit 1 when the answer is "
              "'no' (see --fail-on) or a gate fails")
@allow_subset_option
@fail_on_option
@click.option("--executor", type=click.Choice(["local", "ray"]), envvar="EVALKIT_EXECUTOR",
              default="local", show_default=True,
              help="where model calls run: this process, or replicas on a Ray cluster "
              "(-M replicas=N -M num_gpus=1; docs/scale.md) (env EVALKIT_EXECUTOR)")
@click.option("--ray-address", envvar="EVALKIT_RAY_ADDRESS", metavar="auto|ray://HOST:PORT",
              help="Ray cluster to use with --executor ray (default: start a local one) "
              "(env EVALKIT_RAY_ADDRESS)")
@click.option("--shard", metavar="I/N", envvar="EVALKIT_SHARD",
              help="run shard I of N: a deterministic 1/N of the cases, by case id (env "
              "EVALKIT_SHARD); fold the shards with `evalkit merge`")
@batch_options
@OUTSIDE_OPTION
def run(suites, models, model_args, var_pairs, label, db, no_cache, resume, no_resume, max_concurrency,
        timeout, retries, deadline, progress, baseline, allow_subset, fail_on, executor,
        ray_address, shard, option_pairs, **batching) -> int:
    """Run SUITES against each --model and store the results."""
    # No cyclic collection while the run path is imported and the suites load (~20 ms of
    # collections that free nothing, on the way to the first request); run_command freezes
    # what is loaded and turns the collector back on before the first call.
    gc.disable()
    try:
        from .run_command import run_command

        return run_command(suites, models, model_args, label=label, db=db,
                           cache=not no_cache, resume=resume, auto_resume=not no_resume,
                           max_concurrency=max_concurrency, timeout=timeout, retries=retries,
                           deadline=deadline, progress=progress, baseline=baseline,
                           var_pairs=var_pairs, shard=shard or None, allow_subset=allow_subset,
                           fail_on=fail_on, executor=executor, ray_address=ray_address,
                           option_pairs=option_pairs, batching=batching)
    finally:
        gc.enable()


@cli.command()
@click.argument("shard_dbs", nargs=-1, required=True, type=click.Path(dir_okay=False),
                metavar="SHARD.duckdb...")
@click.option("--into", envvar="EVALKIT_DB", default="reports/evalkit.duckdb",
              show_default=True, help="the database that receives the merged runs (env EVALKIT_DB)")
def merge(shard_dbs, into) -> int:
    """Fold the shard runs (evalkit run --shard I/N) of SHARD.duckdb files into one run per
    suite, label and model, which compare, gates and reports treat like a run made in one
    piece. Refuses shards that do not form one whole run. Idempotent."""
    from .merge_command import merge_command

    return merge_command(shard_dbs, into)


def _json_or_text(as_json: bool, json_view: str, text_view: str, *args) -> int:
    """A read-only command's two views: `--json` (cli/json_views.py) or text for people
    (cli/inspect_commands.py), imported only when the command runs (they load the store)."""
    from importlib import import_module

    module, view = (".json_views", json_view) if as_json else (".inspect_commands", text_view)
    return getattr(import_module(module, __package__), view)(*args)


@cli.command()
@db_option
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True,
              help="show at most this many runs")
@json_option
def runs(db, limit, as_json) -> int:
    """List stored runs, newest first."""
    return _json_or_text(as_json, "runs_json", "list_runs", db, limit)


@cli.command()
@click.argument("run_ref", metavar="RUN")
@db_option
@click.option("--all", "show_all", is_flag=True, help="list every failing case, not the first 20")
@json_option
def show(run_ref, db, show_all, as_json) -> int:
    """Summary of one run (id, id prefix or label) and its failing cases."""
    return _json_or_text(as_json, "show_json", "show_run", db, run_ref, show_all)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@OUTSIDE_OPTION
@json_option
def validate(paths, as_json) -> int:
    """Check suite files without calling any model."""
    return _json_or_text(as_json, "validate_json", "validate_suites", paths)


@cli.command()
def schema() -> int:
    """Print the JSON Schema of the suite format (for editors)."""
    import json

    from ..suite.schema import suite_json_schema

    click.echo(json.dumps(suite_json_schema(), indent=2))
    return EXIT_OK


@cli.command()
@click.argument("run_ref", metavar="RUN")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv", "jsonl"]), default="parquet",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="default: reports/RUN.FORMAT; - for stdout")
@db_option
def export(run_ref, fmt, output, db) -> int:
    """Export a run's results (one row per case and sample, scores included)."""
    from .inspect_commands import export_run

    return export_run(db, run_ref, fmt, output)


@cli.command("list")
@click.argument("kind", type=click.Choice(["scorers", "backends"]))
@json_option
def list_plugins(kind, as_json) -> int:
    """List registered scorers or backends with their parameters."""
    return _json_or_text(as_json, "list_json", "list_registered", kind)


@cli.command()
@click.argument("runs", nargs=-1, required=True, metavar="[BASELINE] CANDIDATE")
@click.option("-o", "--output", help="where to write it, - for stdout (default: "
              "reports/SUITE-BASE-vs-CAND.html; for --format md, standard output)")
@click.option("--format", "fmt", type=click.Choice(["html", "md"]), default="html",
              show_default=True, help="html: the self-contained report; md: a summary sized "
              "for a pull-request comment")
@click.option("--junit", type=click.Path(dir_okay=False), help="also write JUnit XML here")
@db_option
@click.option("--strict", is_flag=True, help="fail the verdict when anything besides the model "
              "changed")
@click.option("--suite", "suite_path", type=click.Path(dir_okay=False),
              help="gates and settings from this suite file (default: the candidate run's own)")
@with_redaction
def report(runs, output, fmt, junit, db, strict, suite_path, redact_emails,
           redact_patterns) -> int:
    """Write a report of one run, or of CANDIDATE against BASELINE (run ids, baseline names,
    labels or id prefixes). Exit 0 once written; `evalkit compare` gives the gate's exit code."""
    from .report_command import report_command

    return report_command(runs, output, fmt, junit, db, strict, suite_path, redact_emails,
                          redact_patterns)


@cli.command()
@click.argument("folder", metavar="[DIR]", default=".", type=click.Path(file_okay=False))
def init(folder) -> int:
    """Write a starter project into DIR (default: here): a suite with golden answers, its
    cases, a tiny Python pipeline and a pytest ini; it runs as is with the embedded model."""
    from .init_command import init_command

    return init_command(folder)


@cli.command()
@db_option
def doctor(db) -> int:
    """Check the environment: extras and models installed, which pytest sees the evalkit
    plugin, the results database writable, chromium for report tests. Exit 1: something to fix."""
    from .doctor_command import doctor_command

    return doctor_command(db)


cli.add_command(compare_command)
cli.add_command(baseline_group)
cli.add_command(plan_command)
cli.add_command(changelog_command)
cli.add_command(trend_command)
cli.add_command(review_group)


def _storage_failure(exc: BaseException) -> str | None:
    """A one-line message when DuckDB could not read or write the database file (damaged, cut
    short, a full disk) rather than a bug of ours; None otherwise."""
    from ..store.store import storage_at_fault

    if not storage_at_fault(exc):
        return None
    from .render import plain

    first = (str(exc).strip().splitlines() or [""])[0]
    return (f"the results database could not be read or written: {plain(first, limit=None)}\n"
            "  fix: the file may be damaged or cut short, or its disk full; restore a copy or "
            "use another --db")


def _internal_error(exc: BaseException) -> None:
    from .render import plain  # secrets and control characters

    click.echo(f"internal error: {plain(f'{type(exc).__name__}: {exc}', limit=None)}\n"
               "  results already stored are kept; set EVALKIT_DEBUG=1 for the traceback "
               "and please report it", err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: evalkit errors become a message and an exit code, never a traceback."""
    from ..redact import register_environment

    register_environment()  # credentials in the environment are masked in everything printed
    try:
        code = cli.main(args=argv, prog_name="evalkit", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        click.echo("interrupted: results so far are stored; run the same command again to "
                   "resume", err=True)
        code = EXIT_INTERRUPTED
    except EvalkitError as exc:
        from .render import plain

        click.echo(f"error: {plain(exc, limit=None)}", err=True)  # secrets, control characters
        code = exc.exit_code
    except Exception as exc:  # a bug of ours: say so plainly; the traceback only on request
        damaged = _storage_failure(exc)
        if damaged is not None:
            click.echo(f"error: {damaged}", err=True)
            code = EXIT_RUNTIME
        elif os.environ.get("EVALKIT_DEBUG"):
            raise
        else:
            _internal_error(exc)
            code = EXIT_RUNTIME
    code = code if isinstance(code, int) else EXIT_OK
    from .exit import leave

    leave(code)  # a normal exit: user pipelines' atexit handlers run (cli/exit.py)


if __name__ == "__main__":  # pragma: no cover
    main()
