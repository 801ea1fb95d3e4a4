"""`evalkit runs`, `show`, `validate`, `export`, `list`: read-only views of suites and the store."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import EXIT_OK, EXIT_USAGE, SuiteError, UsageError, output_error
from ..store import Store, reads
from ..store.slices import counterfactual_disagreement, slice_gaps
from .parity import print_parity
from .render import console, number, percent, plain, safe, table

FAILING_SHOWN = 20


def list_runs(db: str, limit: int) -> int:
    with Store(db, read_only=True) as store:
        frame = store.runs(limit)
    out = console()
    if frame.empty:
        out.print(f"no runs in {safe(db)}")
        return EXIT_OK
    rows = [[r.run_id, r.suite, r.model_ref, r.label or "", r.status, str(r.started_at)[:19],
             f"{r.results}/{r.n_cases * r.samples}", percent(r.pass_rate), str(r.errors),
             number(r.cost_usd)] for r in frame.itertuples()]
    out.print(table(None, ["run", "suite", "model", "label", "status", "started (UTC)",
                           "results", "pass", "errors", "cost $"], rows))
    return EXIT_OK


def shard_lines(run: dict) -> list[str]:
    """What `show` says of a shard run, or of a run merged from shards."""
    shard = run.shard
    if isinstance(shard, str):
        shard = json.loads(shard)
    merged = run.merged_from
    if isinstance(merged, str):
        merged = json.loads(merged)
    if shard:
        return [f"shard {shard['index']}/{shard['count']} of the suite's {shard['n_cases']} "
                "cases; fold the shards with evalkit merge"]
    if merged:
        return [f"merged from {len(merged)} shards:"] + [
            f"  {m['shard']} run {m['run_id']} ({m['results']} results, {m['db']}, "
            f"{m['started_at'][:19]} – {m['finished_at'][:19]} UTC)" for m in merged]
    return []


def run_view(store: Store, ref: str):
    """What `show` (and `show --json`) says of a run: (run id, run row, scorer totals, result
    totals, failing cases, slice totals by key, failing scorers' explanations)."""
    run_id = store.resolve_run(ref)
    run = store.run(run_id)
    return (run_id, run, store.scorer_summary(run_id), reads.run_totals(store, run_id),
            reads.failing_cases(store, run_id),
            {key: store.slice_totals(run_id, key) for key in run.slices or []},
            reads.failing_explanations(store, run_id))


def show_run(db: str, ref: str, show_all: bool) -> int:
    out = console()
    with Store(db, read_only=True) as store:
        run_id, run, scorers, totals, failing, slices, explanations = run_view(store, ref)
        gaps = {key: slice_gaps(store, run_id, key) for key in run.slices or []}
        flips = counterfactual_disagreement(store, run_id)
    prov = run.provenance or {}
    git = prov.get("git") or {}
    out.print(f"[bold]run {safe(run_id)}[/]  {safe(run.suite)} × {safe(run.model_ref)}"
              + (f"  label {safe(run.label)}" if run.label else "") + f"  ({safe(run.status)})")
    out.print(f"  started {str(run.started_at)[:19]} UTC · evalkit {safe(prov.get('evalkit_version'))}"
              + (f" · git {git.get('commit', '')[:10]}{' (dirty)' if git.get('dirty') else ''}" if git else "")
              + f" · suite hash {run.suite_hash[:12]} · fingerprint {str(run.fingerprint)[:12]}")
    out.print(f"  options {safe(json.dumps(run.options, sort_keys=True), 400)}")
    for line in shard_lines(run):
        out.print(f"  {safe(line)}")
    if isinstance(run.stop, dict):  # dispatched in batches (--sequential, a budget cap)
        from .run_batches import stop_line

        out.print(f"  {safe(stop_line(run.stop), 400)}")
    n = int(totals.n)
    out.print(f"  {n} results · {int(totals.passed or 0)} passed ({percent((totals.passed or 0) / n if n else None)})"
              f" · {int(totals.errors)} errors · {int(totals.cached or 0)} cached · latency p50 "
              f"{number(totals.p50, 3)} s p95 {number(totals.p95, 3)} s · tokens {number(totals.tin, 9)}"
              f" in / {number(totals.tout, 9)} out · cost ${number(totals.cost)}")
    if not scorers.empty:
        out.print(table("scorers", ["scorer", "n", "pass", "mean"],
                        [[r.scorer, str(r.n), percent(r.pass_rate), number(r.mean)]
                         for r in scorers.itertuples()]))
    for key, frame in slices.items():
        out.print(table(f"slice: {safe(key)}", [safe(key), "n", "pass"],
                        [[safe(r.value), str(r.n), percent(r.pass_rate)] for r in frame.itertuples()]))
    print_parity(out, gaps, flips)
    if failing.empty:
        out.print("no failing cases")
        return EXIT_OK
    why: dict = {}
    for r in explanations.itertuples():
        why.setdefault((r.case_id, r.sample), []).append(f"{r.scorer}: {r.explanation}")
    shown = failing if show_all else failing.head(FAILING_SHOWN)
    rows = [[r.case_id, str(r.sample), safe(r.target, 120), safe(r.output, 200),
             safe(r.error or "; ".join(why.get((r.case_id, r.sample), [])), 300)]
            for r in shown.itertuples()]
    out.print(table(f"failing cases ({len(failing)})", ["case", "sample", "target", "output",
                                                          "why"], rows))
    if len(failing) > len(shown):
        out.print(f"... {len(failing) - len(shown)} more (use --all)")
    return EXIT_OK


def validate_suites(paths) -> int:
    from ..suite import load_suite

    out, failed = console(), 0
    for path in paths:
        try:
            suite = load_suite(path, fetch=False)  # validating never goes to the network
        except SuiteError as exc:
            failed += 1
            click.echo(plain(exc, limit=None), err=True)  # no rich wrapping of the caret lines
            continue
        counted = (suite.unfetched if suite.unfetched else
                   f"{len(suite.cases)} cases × {suite.spec.samples} samples")
        out.print(f"ok: {safe(path)} ({safe(counted)}, {len(suite.scorers)} scorers)")
    return EXIT_USAGE if failed else EXIT_OK


def export_run(db: str, ref: str, fmt: str, output: str | None) -> int:
    if output == "-":  # stdout: DuckDB's COPY writes a file, so write one and stream it
        from .stdout_file import through_stdout

        with through_stdout(f".{fmt}") as scratch:
            return _export(db, ref, fmt, str(scratch), to_stdout=True)
    return _export(db, ref, fmt, output)


def _export(db: str, ref: str, fmt: str, output: str | None, *, to_stdout: bool = False) -> int:
    with Store(db, read_only=True) as store:
        run_id = store.resolve_run(ref)
        target = Path(output or f"reports/{run_id}.{fmt}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_error(target, exc) from None
        try:
            count = reads.export(store, run_id, target, fmt)
        except Exception as exc:
            raise UsageError(f"cannot write {target}: {exc}") from None
    console(stderr=to_stdout).print(f"wrote {count} rows of run {run_id} to "
                                    f"{'stdout' if to_stdout else safe(target)}")
    return EXIT_OK


def yaml_value(value) -> str:
    """A default as it is written in a suite: strings single-quoted (backslashes as they are,
    so a regex can be copied), everything else as JSON (which YAML reads)."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:  # a circular default: no scorer has one
        return repr(value)


_REQUIRED = object()


def registered(kind: str):
    """(name, one-line description, [(parameter, default or _REQUIRED)]) per plugin."""
    from ..registry import BACKENDS, SCORERS, lookup, names

    group = SCORERS if kind == "scorers" else BACKENDS
    for name in names(group):
        cls = lookup(group, name)
        params_model = cls.Params if kind == "scorers" else cls.Options
        params = [(info.alias or field_name, _REQUIRED if info.is_required() else
                   info.get_default(call_default_factory=True))
                  for field_name, info in params_model.model_fields.items()]
        doc = getattr(cls, "description", "") or (cls.__doc__ or "").strip().split("\n")[0]
        yield name, doc, params


def list_registered(kind: str) -> int:
    rows = [[name, safe(doc), safe(", ".join(
        param + ("" if default is _REQUIRED else f"={yaml_value(default)}")
        for param, default in params))] for name, doc, params in registered(kind)]
    console().print(table(kind, ["name", "what", "parameters"], rows))
    return EXIT_OK
