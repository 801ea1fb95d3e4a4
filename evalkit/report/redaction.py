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
EMAIL_PATTERN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
EMAIL_MASK = "[email]"


@dataclass(frozen=True)
class Redactor:
    emails: bool = False
    patterns: tuple[str, ...] = ()  # extra regexes, masked as '***'

    def __post_init__(self):
        compiled = [re.compile(p) for p in API_KEY_PATTERNS + tuple(self.patterns)]
        object.__setattr__(self, "_secret", compiled)
        object.__setattr__(self, "_email", re.compile(EMAIL_PATTERN) if self.emails else None)

    def __call__(self, text):
        """Text with registered secrets, key shapes, patterns (and e-mails) masked."""
        if text is None:
            return None
        value = redact(str(text)) or ""
        for pattern in self._secret:
            value = pattern.sub(MASK, value)
        if self._email is not None:
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
