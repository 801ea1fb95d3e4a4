"""Secrets never persist: every string bound for the store, a report or a log passes here.

Secret values are registered when they enter (API keys from model args or the
environment) and replaced by '***' wherever they later appear.
"""
from __future__ import annotations

import os
import re
import threading

# "token" only at the end of a name (HF_TOKEN, access_token), so max_tokens is not a secret.
SECRET_NAME = re.compile(r"(api[_-]?key|secret|password|passwd|authorization|credential|"
                         r"token$|^auth)", re.IGNORECASE)
MASK = "***"
_MIN_LENGTH = 6  # shorter values would mask ordinary words

_lock = threading.Lock()
_values: set[str] = set()


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def register(value: str | None) -> None:
    if value and len(value) >= _MIN_LENGTH:
        with _lock:
            _values.add(value)


def register_environment() -> None:
    """Environment variables that look like credentials (OPENAI_API_KEY, HF_TOKEN, ...)."""
    for name, value in os.environ.items():
        if is_secret_name(name):
            register(value)


def redact(text: str | None) -> str | None:
    if not text or not _values:
        return text
    for value in sorted(_values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact_mapping(options: dict) -> dict:
    """A copy of options with secret-named keys masked and secret values removed from strings."""
    clean = {}
    for key, value in options.items():
        if is_secret_name(str(key)):
            clean[key] = MASK if value not in (None, "") else value  # absent stays absent
        elif isinstance(value, dict):
            clean[key] = redact_mapping(value)
        elif isinstance(value, str):
            clean[key] = redact(value)
        else:
            clean[key] = value
    return clean
