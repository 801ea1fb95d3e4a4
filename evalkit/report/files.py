"""Writing a report file atomically: a reader (or a CI upload) never sees half a report, and
a failed write leaves the previous file as it was."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import output_error


def write_atomic(path: str | os.PathLike, text: str | bytes) -> Path:
    """A temporary file beside the target, then os.replace (text as UTF-8, or bytes). `-` is
    standard output."""
    if str(path) == "-":
        import sys

        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        sys.stdout.flush()
        return Path("-")
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                             dir=target.parent)
    except OSError as exc:
        raise output_error(target, exc) from None
    try:
        if isinstance(text, bytes):
            with os.fdopen(handle, "wb") as raw:
                raw.write(text)
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise output_error(target, exc) from None
        raise
    return target
