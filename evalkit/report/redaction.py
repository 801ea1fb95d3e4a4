"""Redaction applied to every string a report writes, after the secret registry.

`evalkit.redact` masks registered secrets and API-key shapes (a key pasted into a prompt or
echoed by a model must not reach a report that gets emailed around); e-mail addresses and
extra patterns are opt-in here. Control characters are shown escaped (`\\x1b`), so any text
renders in HTML, Markdown, JUnit XML and SVG charts.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import UsageError
from ..printable import printable
from ..redact import API_KEY_PATTERNS, MASK, redact

__all__ = ["API_KEY_PATTERNS", "Redactor", "compile_patterns"]

EMAIL_PATTERN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
EMAIL_MASK = "[email]"


@dataclass(frozen=True)
class Redactor:
    emails: bool = False
    patterns: tuple[str, ...] = ()  # extra regexes, masked as '***'

    def __post_init__(self):
        object.__setattr__(self, "_extra", [re.compile(p) for p in self.patterns])
        object.__setattr__(self, "_email", re.compile(EMAIL_PATTERN) if self.emails else None)

    def __call__(self, text):
        """Text with registered secrets, key shapes, patterns (and e-mails) masked, and
        control characters escaped."""
        if text is None:
            return None
        value = redact(text) or ""
        for pattern in self._extra:
            value = pattern.sub(MASK, value)
        if self._email is not None and "@" in value:
            value = self._email.sub(EMAIL_MASK, value)
        return printable(value, report=True)


def compile_patterns(patterns: Iterable[str]) -> tuple[str, ...]:
    """Validate user patterns up front, so a bad regex is a usage error, not a crash."""
    checked = []
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise UsageError(f"--redact {pattern!r} is not a valid regular expression: {error}")
        checked.append(pattern)
    return tuple(checked)
