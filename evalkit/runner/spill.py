"""Where results go when the store cannot take them: a JSONL file where there is room.

The first choice is beside the database; when that disk is full (or the file cannot grow),
the temporary directory, then the home directory; when no file takes them, they are held in
memory and reported by count. Lines are appended one by one: a failed append is
cut back to where that line began, so a spill file never ends in half a line.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Iterable

from ..store.rows import result_record
from ..types import Result


def _record_line(run_id: str, result: Result) -> str:
    try:
        return json.dumps(result_record(run_id, result), default=str) + "\n"
    except Exception as exc:  # a result that cannot even be serialised keeps its key and why
        return json.dumps({"run_id": run_id, "case_id": str(result.case.id),
                           "sample": result.sample, "output": None,
                           "error": f"result not serialisable: {type(exc).__name__}"}) + "\n"


def _append(path: Path, lines: list[str]) -> int:
    """Append whole lines while the file takes them; the number appended. A line that fails
    is cut back off, so the file never ends in half a line (and an empty file is removed)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        return 0
    written = 0
    try:
        for line in lines:
            start = os.lseek(fd, 0, os.SEEK_END)
            view = memoryview(line.encode("utf-8"))  # ASCII: json.dumps escapes the rest
            try:
                while view:
                    view = view[os.write(fd, view):]
            except OSError:
                try:
                    os.ftruncate(fd, start)
                except OSError:
                    pass
                break
            written += 1
        try:
            os.fsync(fd)
        except OSError:
            pass
        if not written and os.fstat(fd).st_size == 0:
            path.unlink(missing_ok=True)
    finally:
        os.close(fd)
    return written


class Spill:
    def __init__(self, db_path: Path, run_id: str):
        self.run_id = run_id
        name = f"{db_path.name}.{run_id}.unsaved.jsonl"
        folders = [db_path.absolute().parent, Path(tempfile.gettempdir()), Path.home()]
        self.candidates: list[Path] = []
        for folder in folders:
            path = folder / name
            if path not in self.candidates:
                self.candidates.append(path)
        self._next = 0  # candidates before this one refused a write
        self.saved: dict[Path, int] = {}
        self.held: list[str] = []  # lines no file would take

    def add(self, results: Iterable[Result]) -> None:
        self._place([_record_line(self.run_id, r) for r in results])

    def retry_held(self) -> None:
        """Give held lines another chance at every file (space may have been freed)."""
        if self.held:
            lines, self.held, self._next = self.held, [], 0
            self._place(lines)

    def _place(self, lines: list[str]) -> None:
        if not lines:
            return
        while self._next < len(self.candidates):
            path = self.candidates[self._next]
            done = _append(path, lines)
            if done:
                self.saved[path] = self.saved.get(path, 0) + done
                lines = lines[done:]
            if not lines:
                return
            self._next += 1  # this one is full: the rest goes to the next
        self.held.extend(lines)

    def __bool__(self) -> bool:
        return bool(self.saved or self.held)

    def describe(self) -> str:
        parts = [f"{count} results saved to {path}" for path, count in self.saved.items()]
        if self.held:
            parts.append(f"{len(self.held)} results held in memory only (no room in "
                         f"{', '.join(str(p.parent) for p in self.candidates)}): lost on exit")
        return "; ".join(parts) or "no results were left unsaved"
