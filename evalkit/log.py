"""Logging under the `evalkit` logger tree, with secrets masked in every record.

Library modules log through `get_logger(__name__)`; evalkit never configures handlers when
used as a library (the `evalkit` logger has a NullHandler), so an application routes the
records as it likes. The CLI adds one stderr handler (`configure`): level from -v/--verbose
(INFO, -vv DEBUG), else EVALKIT_LOG_LEVEL, else WARNING.
"""
from __future__ import annotations

import logging
import os

from .redact import redact

ROOT = "evalkit"
ENV_LEVEL = "EVALKIT_LOG_LEVEL"


class RedactingFilter(logging.Filter):
    """Formats the message once and masks secrets in it (a sink like any other)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "_evalkit_redacted", False):
            record.msg, record.args = redact(record.getMessage()), None
            record._evalkit_redacted = True
        return True


_FILTER = RedactingFilter()
logging.getLogger(ROOT).addHandler(logging.NullHandler())


def get_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name if name.startswith(ROOT) else f"{ROOT}.{name}")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


def level_from(verbose: int, env: str | None = None) -> int:
    """-v → INFO, -vv → DEBUG; without -v, EVALKIT_LOG_LEVEL (a name or a number)."""
    if verbose:
        return logging.DEBUG if verbose > 1 else logging.INFO
    value = (env if env is not None else os.environ.get(ENV_LEVEL, "")).strip()
    if not value:
        return logging.WARNING
    if value.isdigit():
        return int(value)
    level = logging.getLevelName(value.upper())
    if not isinstance(level, int):
        raise ValueError(f"{ENV_LEVEL}={value!r} is not a log level; use DEBUG, INFO, WARNING, "
                         "ERROR or CRITICAL")
    return level


def configure(verbose: int = 0) -> None:
    """The CLI's handler: `evalkit LEVEL logger: message` lines on stderr."""
    logger = logging.getLogger(ROOT)
    logger.setLevel(level_from(verbose))
    if not any(getattr(h, "_evalkit_cli", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("evalkit %(levelname)s %(name)s: %(message)s"))
        handler._evalkit_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
