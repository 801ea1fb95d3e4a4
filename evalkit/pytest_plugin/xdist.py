"""pytest-xdist: one process at a time writes the DuckDB file, and each suite runs once.

DuckDB allows one writer process. The controller makes a folder all workers share and
passes it in `workerinput`. The first worker that needs a suite takes an exclusive file
lock, runs the suite (all its selected cases, in one batch) into the session's database,
closes the database and writes the outcome as JSON into the shared folder; a worker
that needs a suite already run (or being run) waits for the lock and reads the outcome.
So the database is only ever open in one process, the response cache and resume work as
without xdist, and every suite is one run. At the end the controller reads the outcomes
for the terminal summary and the HTML report.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = "evalkit_shared_dir"
LOCK_NAME = "db.lock"


class FileLock:
    """An exclusive lock on a file, between processes (blocks until it is free)."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = None

    def __enter__(self) -> "FileLock":
        self.handle = open(self.path, "a+b")
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            import msvcrt
            import time

            while True:
                try:
                    self.handle.seek(0)
                    msvcrt.locking(self.handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    time.sleep(0.05)
        else:
            import fcntl

            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        try:
            if os.name == "nt":  # pragma: no cover
                import msvcrt

                self.handle.seek(0)
                msvcrt.locking(self.handle.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
        finally:
            self.handle.close()


def outcome_file(shared_dir: Path, key: str) -> Path:
    import hashlib

    return shared_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"


def shared_outcome(shared_dir: Path, entry, settings):
    """The suite's outcome: read when some worker has run it, else run it here."""
    from .execution import run_entry
    from .outcome import SuiteOutcome

    path = outcome_file(shared_dir, entry.key)
    if not path.exists():
        with FileLock(shared_dir / LOCK_NAME):
            if not path.exists():
                outcome = run_entry(entry, settings)
                scratch = path.with_suffix(".tmp")
                scratch.write_text(outcome.to_json(), encoding="utf-8")
                os.replace(scratch, path)
                return outcome
    return SuiteOutcome.from_json(path.read_text(encoding="utf-8"))


def read_outcomes(shared_dir: Path) -> list:
    from .outcome import SuiteOutcome

    return [SuiteOutcome.from_json(p.read_text(encoding="utf-8"))
            for p in sorted(shared_dir.glob("*.json"))]


class ControllerHooks:
    """Registered on the xdist controller only (these hooks exist only with xdist)."""

    def __init__(self, state):
        self.state = state

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:
        if self.state.shared_dir is None:
            import tempfile

            self.state.shared_dir = Path(tempfile.mkdtemp(prefix="evalkit-xdist-"))
        node.workerinput[SHARED] = str(self.state.shared_dir)


def configure(config: pytest.Config, state) -> None:
    """Wire the state to xdist: a worker reads the shared folder; the controller makes it."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        shared = workerinput.get(SHARED)
        state.shared_dir = Path(shared) if shared else None
    elif config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(ControllerHooks(state), "evalkit-xdist-controller")


def collect_outcomes(state) -> None:
    """Controller: the outcomes the workers wrote, then the shared folder goes."""
    shared = state.shared_dir
    if shared is None or state.is_worker:
        return
    for outcome in read_outcomes(shared):
        state.outcomes.setdefault(outcome.path + "::" + outcome.suite, outcome)
    import shutil

    shutil.rmtree(shared, ignore_errors=True)
    state.shared_dir = None
