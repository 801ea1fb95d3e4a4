"""Untrusted text made safe to show: control characters become visible escapes.

A model's output, a case id or a slice value may hold anything: terminal escape sequences
(ESC, CSI), other C0/C1 controls, bidirectional overrides that reorder what a reader sees,
the noncharacters U+FFFE/U+FFFF and lone surrogates that XML and SVG refuse. Each is shown
as `\\x1b` / `\\u202e` instead, so reports and the terminal render any Unicode and none of
it can steer them. Line breaks and tabs stay (reports keep carriage returns too).
"""
from __future__ import annotations

import re

_COMMON = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff"
_REPORT = re.compile(f"[{_COMMON}]")
_TERMINAL = re.compile(f"[{_COMMON}\r]")


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, report: bool = False) -> str:
    """`text` with control characters escaped (`report`: carriage returns kept)."""
    pattern = _REPORT if report else _TERMINAL
    return pattern.sub(_escaped, text) if pattern.search(text) else text
