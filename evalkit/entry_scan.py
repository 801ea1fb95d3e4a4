"""Does any installed distribution declare entry points in a group? A stdlib-only look at the
`entry_points.txt` files on sys.path, so that a process with no plugins never imports
importlib.metadata (about 40 ms: it pulls in email, zipfile and csv) nor parses every
distribution's metadata (about 10 ms per group) before its first model call.

A "maybe" is enough: when the text of the group's header is found anywhere (or a path entry
is not a plain folder, e.g. a zipped egg), importlib.metadata then decides.
"""
from __future__ import annotations

import os
import sys

_METADATA_DIRS = (".dist-info", ".egg-info")


def _texts(folder: str):
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.endswith(_METADATA_DIRS):
            try:
                with open(os.path.join(entry.path, "entry_points.txt"), encoding="utf-8",
                          errors="replace") as handle:
                    yield handle.read()
            except OSError:
                continue


def maybe_declared(group: str) -> bool:
    """False only when no distribution on sys.path can declare entry points in `group`."""
    header = f"[{group}]"
    for folder in sys.path or ["."]:
        folder = folder or "."
        if not os.path.isdir(folder):
            if os.path.exists(folder):  # a zip on the path: only importlib.metadata reads it
                return True
            continue
        if any(header in text for text in _texts(folder)):
            return True
    return False
