"""Redaction applied to every string a report writes, after the secret registry.

API-key shapes are always masked (a key pasted into a prompt or echoed by a model must not
reach a report that gets emailed around); e-mail addresses and extra patterns are opt-in.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import UsageError
from ..redact import MASK, redact

API_KEY_PATTERNS = (
    r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{16,}",  # OpenAI / Anthropic style
    r"\bAKIA[0-9A-Z]{16}\b",  # AWS access key id
    r"\bgh[pousr]_[A-Za-z0-9]{30,}",  # GitHub tokens
    r"\bhf_[A-Za-z0-9]{30,}",  # Hugging Face tokens
    r"\bxox[abposr]-[A-Za-z0-9\-]{10,}",  # Slack tokens
    r"\bAIza[0-9A-Za-z_\-]{35}",  # Google API keys
    r"(?i)\bbearer\s+[A-Za-z0-9._\-]{16,}",  # Authorization headers
)
# A match of any API_KEY_PATTERNS entry contains one of these: text without any is skipped
# (one quick search instead of seven scans; a report redacts ~10 strings per case).
# A new key pattern needs its marker here (tests/report/test_html.py checks each).
KEY_MARKERS = r"sk-|AKIA|gh[pousr]_|hf_|xox[abposr]-|AIza|(?i:bearer)"
EMAIL_PATTERN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
EMAIL_MASK = "[email]"


@dataclass(frozen=True)
class Redactor:
    emails: bool = False
    patterns: tuple[str, ...] = ()  # extra regexes, masked as '***'

    def __post_init__(self):
        object.__setattr__(self, "_markers", re.compile(KEY_MARKERS))
        object.__setattr__(self, "_keys", [re.compile(p) for p in API_KEY_PATTERNS])
        object.__setattr__(self, "_extra", [re.compile(p) for p in self.patterns])
        object.__setattr__(self, "_email", re.compile(EMAIL_PATTERN) if self.emails else None)

    def __call__(self, text):
        """Text with registered secrets, key shapes, patterns (and e-mails) masked."""
        if text is None:
            return None
        value = redact(str(text)) or ""
        if self._markers.search(value):
            for pattern in self._keys:
                value = pattern.sub(MASK, value)
        for pattern in self._extra:
            value = pattern.sub(MASK, value)
        if self._email is not None and "@" in value:
            value = self._email.sub(EMAIL_MASK, value)
        return value


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
