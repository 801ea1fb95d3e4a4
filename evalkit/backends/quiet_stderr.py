"""Keep a native library's chatter (llama.cpp's load log) off the terminal.

llama.cpp writes some lines straight to file descriptor 2 from C, past Python's
`sys.stderr` and past llama-cpp-python's `verbose=False`. While a model loads, descriptor 2
points at a temporary file instead; what was written is returned, so a failed load can
still say why. `EVALKIT_DEBUG` (or the backend's own verbose option) turns this off.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Iterator

_LOCK = threading.Lock()  # two loads at once must not swap descriptor 2 under each other
TAIL_CHARS = 2000


def debugging() -> bool:
    return bool(os.environ.get("EVALKIT_DEBUG"))


@contextlib.contextmanager
def captured_stderr(enabled: bool = True) -> Iterator[list[str]]:
    """Descriptor 2 goes to a temporary file inside the block; the list receives the tail of
    what was written there once the block ends (empty when `enabled` is False)."""
    captured: list[str] = []
    if not enabled:
        yield captured
        return
    with _LOCK, tempfile.TemporaryFile(mode="w+b") as sink:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield captured
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(max(0, sink.seek(0, os.SEEK_END) - 4 * TAIL_CHARS))
            captured.append(sink.read().decode("utf-8", "replace")[-TAIL_CHARS:])
