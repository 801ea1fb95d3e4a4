"""`-` as a path: write a scratch file, then copy its bytes to standard output.

For writers that only take a file name (DuckDB's COPY, the report renderers): what they
write reaches stdout unchanged, and nothing else does (messages go to stderr)."""
from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def through_stdout(suffix: str) -> Iterator[Path]:
    """A scratch path to write; on a clean exit its bytes go to stdout, then it is removed."""
    with tempfile.TemporaryDirectory(prefix="evalkit-stdout-") as folder:
        scratch = Path(folder) / f"out{suffix}"
        yield scratch
        with open(scratch, "rb") as written:
            sink = sys.stdout.buffer
            shutil.copyfileobj(written, sink)
            sink.flush()
