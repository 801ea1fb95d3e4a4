"""`evalkit report [BASELINE] CANDIDATE` and the report options `evalkit compare` shares.

Writing a report is not a gate: `report` exits 0 once the files are written (use
`evalkit compare` for the gate's exit code); `compare --report/--markdown/--junit` writes
the same files and keeps compare's exit code.
"""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_OK, UsageError

redaction_options = [
    click.option("--redact-emails", is_flag=True,
                 help="mask e-mail addresses in the report (API keys are always masked)"),
    click.option("--redact", "redact_patterns", multiple=True, metavar="REGEX",
                 callback=lambda ctx, param, value: _checked_patterns(value),
                 help="mask text matching REGEX in the report (repeatable)"),
]


def _checked_patterns(patterns):
    """A bad --redact regex is an error before any work starts, not after it."""
    if not patterns:
        return ()
    from ..report.redaction import compile_patterns

    return compile_patterns(patterns)


def with_redaction(command):
    for option in reversed(redaction_options):
        command = option(command)
    return command


def redactor(emails: bool, patterns) -> object:
    from ..report.redaction import Redactor, compile_patterns

    return Redactor(emails=emails, patterns=compile_patterns(patterns))


def default_path(report, suffix: str) -> Path:
    inp = report.items[0]
    run = inp.run
    suite = run.suite if len(report.items) == 1 else "suites"
    name = (f"{suite}-{(inp.baseline.label or inp.baseline.run_id)}-vs-"
            if inp.baseline else f"{suite}-")
    name += run.label or run.run_id
    safe_name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    return Path("reports") / f"{safe_name}{suffix}"


def write_reports(store, inp, *, html=None, markdown=None, junit=None) -> list[tuple[str, Path]]:
    from ..report.files import write_atomic

    written = []
    if html is not None:
        from ..report.html import write_html

        written.append(("HTML report", write_html(store, inp, html)))
    if markdown is not None:
        from ..report.markdown import render_markdown

        written.append(("Markdown summary", write_atomic(markdown, render_markdown(store, inp))))
    if junit is not None:
        from ..report.junit import render_junit

        written.append(("JUnit XML", write_atomic(junit, render_junit(store, inp))))
    return written


def print_verdict(out, verdict) -> None:
    """The answer in one coloured line, then its reasons (untrusted text: rendered plain)."""
    from .render import plain

    style = {"yes": "bold green", "no": "bold red"}.get(verdict.answer, "bold yellow")
    out.print(verdict.headline, style=style, markup=False)
    for reason in verdict.reasons:
        out.print(f"  - {plain(reason, 400)}", markup=False, soft_wrap=True)


def report_command(runs, output, fmt, junit, db, strict, suite_path, emails, patterns) -> int:
    from ..report.inputs import prepare_set
    from ..store import Store
    from .compare_commands import suite_policies
    from .render import console, plain

    if len(runs) > 2:
        raise UsageError(f"give one run (a single-run report) or two (BASELINE CANDIDATE), "
                         f"not {len(runs)}")
    baseline, candidate = (None, runs[0]) if len(runs) == 1 else runs
    with Store(db, read_only=True) as store:
        policy = None
        if suite_path:
            from ..compare import resolve

            policy = suite_policies(store, suite_path, [resolve(store, candidate)])[0]
        inp = prepare_set(store, candidate, baseline, policy=policy, strict=strict,
                          redactor=redactor(emails, patterns))
        if fmt == "md" and output in (None, "-"):
            from ..report.markdown import render_markdown

            click.echo(render_markdown(store, inp), nl=False)
            written = write_reports(store, inp, junit=junit)
        else:
            target = Path(output) if output else default_path(inp, ".md" if fmt == "md" else ".html")
            written = write_reports(store, inp, junit=junit, **{
                ("markdown" if fmt == "md" else "html"): target})
    out = console(stderr=fmt == "md" or "-" in (output, junit))  # stdout carries the file
    print_verdict(out, inp.verdict)
    for what, path in written:
        out.print(f"{what}: {plain(path)}", markup=False, soft_wrap=True)
    return EXIT_OK
