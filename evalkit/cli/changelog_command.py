"""`evalkit changelog NAME`, and the changelog side of `evalkit baseline set|rollback|show`:
who made each change and what it did (report/changelog.py)."""
from __future__ import annotations

import getpass
from pathlib import Path

import click

from ..errors import EXIT_OK
from .db_option import db_option

FORMATS = ("md", "html")


def who(by: str | None) -> str | None:
    """--by, else git's user.name here, else the login name."""
    if by:
        return by
    from ..runner.provenance import git_user

    found = git_user(Path.cwd())
    if found:
        return found
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return None


def summarizer(store):
    """The comparison stored with `baseline set`: (previous run, new run) -> summary."""
    from ..report.changelog import summarize

    return lambda previous, run_id: summarize(store, previous, run_id)


def show_history(out, store, name: str) -> None:
    """`baseline show`'s history: the changelog's entries, one row each, newest first."""
    from ..report.changelog import entries
    from .render import safe, table

    rows = []
    for e in entries(store, name):
        answer = e.summary.get("answer") if e.action == "set" else None
        state = "current" if e.current else "undone" if e.undone else ""
        rows.append([str(e.seq), safe(e.title, 120), str(e.at), safe(e.by or "", 40),
                     safe(answer or "", 20), safe(e.why or "", 200), state])
    out.print(table("history (newest first)", ["#", "change", "at (UTC)", "by",
                                               "safe to swap", "why", ""], rows))


@click.command("changelog")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True,
              help="md: a CHANGELOG in Markdown; html: a self-contained page")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="write it here (default: standard output for md, "
              "reports/changelog-NAME.html for html)")
@db_option
def changelog_command(name, fmt, output, db) -> int:
    """The history of baseline NAME, newest first: each promotion (why, who, the swap answer
    against the run it replaced, key deltas, flips, waivers used, what else changed) and
    each rollback."""
    from ..report.changelog import entries, render_html, render_markdown
    from ..report.files import write_atomic
    from ..store import Store
    from .render import console, plain

    with Store(db, read_only=True) as store:
        found = entries(store, name)
    text = render_markdown(name, found) if fmt == "md" else render_html(name, found)
    if fmt == "md" and not output:
        click.echo(text)
        return EXIT_OK
    path = write_atomic(output or f"reports/changelog-{name}.html", text)
    console().print(f"changelog: {plain(str(path))}", markup=False, soft_wrap=True)
    return EXIT_OK
