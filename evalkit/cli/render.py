"""Terminal output. Model text is untrusted: secrets are masked, control characters shown
escaped (`\\x1b`) and rich markup escaped before anything reaches the terminal."""
from __future__ import annotations

import re
from typing import Any

from .. import readable
from ..printable import printable
from ..redact import redact


class Styled(str):
    """Rich markup safe to print: our own, or untrusted text that went through safe().
    Table cells that are not Styled are escaped."""


def plain(text: Any, limit: int | None = 300) -> str:
    """Untrusted text for a plain terminal line: secrets masked, control characters escaped."""
    value = printable(redact(text) or "")
    if limit is not None and len(value) > limit:
        value = value[:limit] + "…"
    return value


_BRACKET = re.compile(r"(\\*)\[")
_TAG = re.compile(r"[a-z#/@][^\[]*?]")  # what rich reads as a tag after '[' (rich.markup.RE_TAGS)


def escape_markup(text: str) -> str:
    """Text that rich's markup shows exactly as written. rich.markup.escape only escapes what
    looks like a tag, but rich also turns any '\\[' into '[' (a regex's backslashes vanished)."""
    def one(match: re.Match) -> str:
        slashes = len(match.group(1))
        if _TAG.match(text, match.end()):
            return "\\" * (2 * slashes + 1) + "["  # k literal backslashes, then a literal tag
        return "\\" * (slashes + 1 if slashes else 0) + "["
    out = _BRACKET.sub(one, text)
    # Final backslashes would escape markup that follows: doubled, they print as written
    # before a tag (and doubled when nothing follows; rich's own escape does the same).
    trailing = len(out) - len(out.rstrip("\\"))
    return out + "\\" * trailing


def safe(text: Any, limit: int | None = 300) -> Styled:
    """Untrusted text for rich output: as plain(), with rich markup escaped too."""
    return Styled(escape_markup(plain(text, limit)))


def console(stderr: bool = False):
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output (CI logs, files) gets a wide fixed width instead of 80 columns.
    width = None if stream.isatty() else 160
    return Console(stderr=stderr, highlight=False, width=width, emoji=False)  # no :smile: codes


def percent(value: Any) -> str:
    return readable.percent(value, none="-")


def number(value: Any, digits: int = 4) -> str:
    return readable.number(value, digits, none="-")


def table(title: str | None, columns: list[str], rows: list[list[Any]]):
    from rich.table import Table

    out = Table(title=title, title_justify="left", header_style="bold")
    for name in columns:
        out.add_column(name, overflow="fold")
    for row in rows:
        out.add_row(*[cell if isinstance(cell, Styled) else safe(cell) for cell in row])
    return out


def summary_line(summary) -> str:
    """One plain line per finished run (RunSummary); rich is not imported on the run path."""
    label = f" [{plain(summary.label)}]" if summary.label else ""
    parts = [f"{summary.executed} results", f"{summary.passed} passed ({percent(summary.pass_rate)})",
             f"{summary.errors} errors", f"{summary.cached} cached"]
    if summary.resumed:
        parts.append(f"{summary.resumed} resumed from earlier")
    return (f"run {summary.run_id} {plain(summary.suite)} × {plain(summary.model)}{label}: "
            + ", ".join(parts) + f" in {summary.wall_s:.2f} s")
