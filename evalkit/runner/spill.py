"""Where results go when the store cannot take them: a JSONL file where there is room.

The first choice is beside the database; when that disk is full (or the file cannot grow),
the temporary directory, then the home directory; when no file takes them, they are held in
memory and reported by count. A batch is appended whole or not at all: a failed append is
cut back to where it began, so a spill file never ends in half a line.
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


def _append(path: Path, data: bytes) -> bool:
    """Append all of `data` or nothing (cut back on failure)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        return False
    try:
        start = os.lseek(fd, 0, os.SEEK_END)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
            return True
        except OSError:
            try:
                os.ftruncate(fd, start)
            except OSError:
                pass
            return False
    finally:
        os.close(fd)


class Spill:
    def __init__(self, db_path: Path, run_id: str):
        self.run_id = run_id
        name = f"{db_path.name}.{run_id}.unsaved.jsonl"
        folders = [db_path.parent, Path(tempfile.gettempdir()), Path.home()]
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
        data = "".join(lines).encode("utf-8")  # ASCII: json.dumps escapes the rest
        while self._next < len(self.candidates):
            path = self.candidates[self._next]
            if _append(path, data):
                self.saved[path] = self.saved.get(path, 0) + len(lines)
                return
            self._next += 1
        self.held.extend(lines)

    def __bool__(self) -> bool:
        return bool(self.saved or self.held)

    def describe(self) -> str:
        parts = [f"{count} results saved to {path}" for path, count in self.saved.items()]
        if self.held:
            parts.append(f"{len(self.held)} results held in memory only (no room in "
                         f"{', '.join(str(p.parent) for p in self.candidates)}): lost on exit")
        return "; ".join(parts) or "no results were left unsaved"
