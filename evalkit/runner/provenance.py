"""Provenance recorded on every run, so a comparison can say what else changed."""
from __future__ import annotations

import platform
import subprocess
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


def collect(suite_path: Path) -> dict:
    from .. import __version__

    return {
        "evalkit_version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "git": git_state(suite_path.resolve().parent),
        "packages": package_versions(),
    }
