"""`evalkit review export | import | agreement`: human rubric review, offline.

Only click is imported here (main.py registers the group on every start); the store, the
page and pandas load inside the commands.
"""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_OK, UsageError
from .db_option import db_option
from .report_command import with_redaction

suite_option = click.option("--suite", "suite_path", type=click.Path(dir_okay=False),
                            help="the suite file (default: the candidate run's, as it ran)")


@click.group("review")
def review_group() -> None:
    """Human review, offline: rate outputs on the suite's `human:` rubrics in a self-contained
    page, import the ratings as `human:<rubric>` scores, and adjudicate flips."""


def suite_rubrics(path: str | None):
    """The suite's `human:` rubrics, checked (a one-line error with file:line otherwise)."""
    from pydantic import TypeAdapter, ValidationError

    from ..errors import SuiteError
    from ..suite.human_spec import HumanRubric
    from ..suite.yaml_source import load_yaml

    if not path or not Path(path).exists():
        raise UsageError(f"the suite file {path or '(none recorded)'} is not here\n"
                         "  fix: give it with --suite PATH")
    try:
        doc = load_yaml(path)
    except SuiteError as exc:
        raise UsageError(str(exc)) from None
    data = doc.data.get("human") if isinstance(doc.data, dict) else None
    try:
        return tuple(TypeAdapter(list[HumanRubric]).validate_python(data or []))
    except ValidationError as exc:
        first = exc.errors()[0]
        location = doc.location(("human", *first["loc"]))
        raise UsageError(f"{location}: human rubric: {first['msg']}") from None


@review_group.command("export")
@click.argument("runs", nargs=-1, required=True, metavar="RUN [BASELINE]")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="reports/review.html",
              show_default=True, help="where to write the page")
@click.option("--sample", "n", type=click.IntRange(1), help="review this many outputs (default: "
              "all), picked at random with --seed")
@click.option("--stratify", type=click.Choice(["flips", "judge-uncertain", "slice"]),
              help="flips / slice: equal shares of each comparison status / slice value; "
              "judge-uncertain: the outputs the LLM judge was least sure of first")
@click.option("--blind", is_flag=True, help="hide which output is the baseline's and which "
              "the candidate's (random order, no labels or statuses; no adjudication)")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the sample and "
              "of the blind order")
@suite_option
@db_option
@with_redaction
def export_command(runs, output, n, stratify, blind, seed, suite_path, db, redact_emails,
                   redact_patterns) -> int:
    """Write a self-contained review page for RUN (beside BASELINE's outputs when given):
    reviewers rate each output on the suite's human rubrics, mark flips, and export JSON."""
    from ..compare.baselines import resolve
    from ..report.files import write_atomic
    from ..report.review_items import collect, pick
    from ..report.review_page import ReviewPage, needs_rubrics, render_review
    from ..store import Store
    from .render import plain
    from .report_command import redactor

    if len(runs) > 2:
        raise UsageError("give RUN, or RUN BASELINE")
    if stratify == "flips" and len(runs) < 2:
        raise UsageError("--stratify flips needs a BASELINE to compare RUN with")
    with Store(db, read_only=True) as store:
        cand = store.run(resolve(store, runs[0]))
        base = store.run(resolve(store, runs[1])) if len(runs) == 2 else None
        if base is not None and base.suite != cand.suite:
            raise UsageError(f"run {base.run_id} is of suite '{base.suite}' and run "
                             f"{cand.run_id} of '{cand.suite}': review runs of one suite")
        rubrics = suite_rubrics(suite_path or cand.suite_path)
        needs_rubrics(rubrics, base is not None)
        items = pick(collect(store, cand, base), n, stratify, seed)
    how = (f"{len(items)} outputs" + (f", a sample of {n}" if n else "")
           + (f", stratified by {stratify}" if stratify else ""))
    page = ReviewPage(cand.suite, cand, base, rubrics, tuple(items), blind, seed, how)
    path = write_atomic(output, render_review(page, redactor(redact_emails, redact_patterns)))
    click.echo(f"review page: {plain(path)} ({len(items)} outputs, "
               f"{len(rubrics)} rubric{'s' if len(rubrics) != 1 else ''}"
               f"{', blind' if blind else ''})")
    return EXIT_OK


@review_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--apply", is_flag=True, help="write the golden updates of flips marked 'golden "
              "was wrong' (the candidate's output becomes the golden answer)")
@click.option("--waiver-days", type=click.IntRange(1, 3650), default=30, show_default=True,
              help="how long an 'acceptable change' waives its case")
@suite_option
@db_option
def import_command(files, apply, waiver_days, suite_path, db) -> int:
    """Store the ratings and flip decisions of review FILES (exported from review pages):
    ratings become `human:<rubric>` scores, acceptable changes waivers, wrong goldens
    golden updates (with --apply)."""
    from ..report.review_import import import_reviews
    from ..store import Store
    from .render import plain

    if not Path(db).exists():  # a mistyped --db must not create an empty database
        raise UsageError(f"no results database at {db}\n  fix: import into the --db the "
                         "review was exported from")
    with Store(db) as store:
        summary = import_reviews(store, [Path(f) for f in files], apply=apply,
                                 waiver_days=waiver_days, suite_path=suite_path)
    for line in summary.lines():
        click.echo(plain(line, limit=None))
    return EXIT_OK


@review_group.command("agreement")
@click.argument("runs", nargs=-1, required=True, metavar="RUN...")
@db_option
def agreement_command(runs, db) -> int:
    """How far reviewers agree with each other and with the LLM judge, per human rubric,
    over the outputs of RUNs."""
    from ..compare.baselines import resolve
    from ..compare.human_agreement import rubric_agreement
    from ..store import Store
    from .render import plain

    with Store(db, read_only=True) as store:
        found = rubric_agreement(store, [resolve(store, r) for r in runs])
    if not found:
        click.echo("no human ratings for these runs (evalkit review import stores them)")
        return EXIT_OK
    for line in agreement_lines(found):
        click.echo(plain(line, limit=None))
    return EXIT_OK


def _num(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def agreement_lines(found) -> list[str]:
    out = []
    for r in found:
        out.append(f"{r.rubric} ({r.scale}): {r.ratings} ratings of {r.outputs} outputs by "
                   f"{len(r.reviewers)} reviewer{'s' if len(r.reviewers) != 1 else ''}")
        if r.between is not None:
            b = r.between
            out.append(f"  reviewers: {b.outputs} outputs rated twice or more; Cohen's kappa "
                       f"{_num(b.kappa)}, Krippendorff's alpha ({b.level}) {_num(b.alpha)}")
        if r.judge is not None:
            j = r.judge
            (pp, pf), (fp, ff) = j.table
            out.append(f"  humans vs judge '{j.judge}': {j.outputs} outputs, agree on "
                       f"{j.agree:.0%}, Cohen's kappa {_num(j.kappa)}, Krippendorff's alpha "
                       f"(scores) {_num(j.alpha)}")
            out.append(f"    human pass: judge pass {pp}, judge fail {pf}; human fail: judge "
                       f"pass {fp}, judge fail {ff}")
    return out
