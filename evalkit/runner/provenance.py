"""Provenance recorded on every run, so a comparison can say what else changed."""
from __future__ import annotations

import platform
import subprocess
import threading
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = ("evalkit", "duckdb", "pydantic", "jinja2", "aiohttp", "litellm", "datasets",
            "numpy", "torch", "transformers", "llama_cpp_python", "vllm", "detoxify")


def package_versions(names=PACKAGES) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


def git_state(folder: Path) -> dict:
    """Commit and dirty flag of the repository holding the suite (empty outside git)."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                                  text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}


_prefetched: dict[Path, tuple[threading.Thread, dict]] = {}


def prefetch(suite_path: Path) -> None:
    """Start collecting the provenance of runs of this suite in a thread (git runs as a
    subprocess), so that a run's first request need not wait for it."""
    folder = Path(suite_path).resolve().parent
    if folder in _prefetched:
        return
    box: dict = {}
    thread = threading.Thread(target=lambda: box.update(_collect(folder)), daemon=True,
                              name="evalkit-provenance")
    _prefetched[folder] = (thread, box)
    thread.start()


def collect(suite_path: Path) -> dict:
    folder = suite_path.resolve().parent
    started = _prefetched.pop(folder, None)
    if started is not None:
        started[0].join()
        if started[1]:
            return started[1]
    return _collect(folder)


def _collect(folder: Path) -> dict:
    from .. import __version__

    return {
        "evalkit_version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "git": git_state(folder),
        "packages": package_versions(),
    }
