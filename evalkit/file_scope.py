"""Which files a suite may name: those inside its own folder or its project, regular files
only, of bounded size.

A suite is data someone else may have written. The files it names (`cases.from`,
`data_files`, a scorer's `golden`, `schema` and `rubric_file`, a schema's `$ref`) resolve,
symlinks followed, inside one of its roots: the suite's folder, and the project root (the
nearest folder above the suite holding `pyproject.toml` or `.git`; without one, the current
directory). An absolute path, `../` or a symlink that leaves them is refused — unless the
user opts in with `--allow-outside-files` (or EVALKIT_ALLOW_OUTSIDE_FILES=1). Devices,
FIFOs and sockets are refused always (a `/dev/zero` or a FIFO would exhaust memory or hang
the loader), and so are files over the size caps. Refusals name the path, never the file's
content.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import MISSING_FILE

ENV_ALLOW = "EVALKIT_ALLOW_OUTSIDE_FILES"
TRUE = ("1", "true", "yes", "on")
PROJECT_MARKERS = ("pyproject.toml", ".git")
MAX_DATA_BYTES = 4 * 1024 ** 3  # a case file (JSONL, CSV, Parquet, ...)
MAX_FILE_BYTES = 64 * 1024 ** 2  # a golden, schema, rubric or $ref file

_allow_outside: bool | None = None  # set by --allow-outside-files; None: the environment decides


class FileRefused(ValueError):
    """A file a suite names that evalkit will not read (or write)."""


def allow_outside_files(enabled: bool | None) -> None:
    """The command line's choice (`--allow-outside-files`); None: back to the environment."""
    global _allow_outside
    _allow_outside = enabled


def outside_allowed() -> bool:
    if _allow_outside is not None:
        return _allow_outside
    return os.environ.get(ENV_ALLOW, "").strip().lower() in TRUE


def project_root(start: Path) -> Path:
    """The nearest folder at or above `start` with pyproject.toml or .git, else the cwd."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return Path.cwd().resolve()


@dataclass(frozen=True)
class FileScope:
    """The roots a suite's files must stay in."""

    roots: tuple[Path, ...]
    allow_outside: bool = False

    @classmethod
    def of(cls, suite_dir: Path | str) -> "FileScope":
        folder = Path(suite_dir).resolve()
        candidates = (folder, project_root(folder))
        roots = tuple(r for r in dict.fromkeys(candidates)  # none inside another
                      if not any(o != r and o in r.parents for o in candidates))
        return cls(roots, outside_allowed())

    def inside(self, path: Path) -> bool:
        return any(path == root or root in path.parents for root in self.roots)

    def where(self) -> str:
        return " or ".join(str(root) for root in self.roots)

    def check(self, path: Path, what: str, *, max_bytes: int = MAX_FILE_BYTES,
              folder_ok: bool = False) -> Path:
        """The resolved path of an existing file the suite may read; FileRefused otherwise.
        FileNotFoundError (a ValueError too) for a missing one."""
        resolved = Path(os.path.realpath(path))
        if not self.allow_outside and not self.inside(resolved):
            raise FileRefused(
                f"{what} {path} is outside the suite's folder and project ({self.where()}); "
                "suites may only read files inside them (rerun with --allow-outside-files, "
                f"or set {ENV_ALLOW}=1, if you trust this suite)")
        try:
            info = os.stat(resolved)
        except FileNotFoundError:
            raise MissingFile(f"{what} not found: {resolved} (paths are relative to the "
                              "suite file)") from None
        except OSError as exc:
            raise FileRefused(f"cannot read {what} {resolved}: {exc.strerror}") from None
        if stat.S_ISDIR(info.st_mode):
            if folder_ok:
                return resolved
            raise FileRefused(f"{what} is not a file: {resolved}")
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"{what} {resolved} is not a regular file (a device, FIFO or "
                              "socket); evalkit reads regular files only")
        if info.st_size > max_bytes:
            raise FileRefused(f"{what} {resolved} is {info.st_size:,} bytes, more than the "
                              f"{max_bytes:,} evalkit reads")
        return resolved

    def writable(self, path: Path, what: str) -> Path:
        """A path evalkit may create or overwrite (a golden file): inside the roots whatever
        the user allowed for reading, and a regular file if it exists."""
        resolved = Path(os.path.realpath(path))
        if not self.inside(resolved):
            raise FileRefused(f"{what} {path} is outside the suite's folder and project "
                              f"({self.where()}); evalkit writes golden files only inside them")
        if resolved.exists() and not resolved.is_file():
            raise FileRefused(f"{what} {resolved} is not a regular file")
        return resolved


class MissingFile(FileRefused):
    """The file does not exist (the pytest plugin tells this apart: a golden file to create).
    `kind` becomes the suite problem's kind (evalkit.errors)."""

    def __init__(self, message: str, kind: str = MISSING_FILE):
        super().__init__(message)
        self.kind = kind


def read_capped(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """At most max_bytes of a file (a file that grew since it was checked is refused)."""
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileRefused(f"{path} is more than {max_bytes:,} bytes, more than evalkit reads")
    return data
