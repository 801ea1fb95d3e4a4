"""Provenance recorded on every run, so a comparison can say what else changed."""
from __future__ import annotations

import os
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


# Settings of the repository's own config that make `git status` run a command (fsmonitor,
# hooks via a refreshed index, clean filters of changed files) are overridden: a suite folder
# that ships its own .git must not run anything on `evalkit run`.
SAFE_GIT_CONFIG = {"core.fsmonitor": "false", "core.hooksPath": os.devnull,
                   "core.untrackedCache": "false", "submodule.recurse": "false"}
FILTER_KEYS = ("clean", "smudge", "process")


def _git(folder: Path, args: list[str], config: dict[str, str]) -> str | None:
    # GIT_CONFIG_COUNT/KEY/VALUE: no quoting issues whatever a filter driver is called.
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0",
           "GIT_CONFIG_COUNT": str(len(config))}
    for index, (key, value) in enumerate(config.items()):
        env[f"GIT_CONFIG_KEY_{index}"], env[f"GIT_CONFIG_VALUE_{index}"] = key, value
    try:
        done = subprocess.run(["git", "--no-pager", "-C", str(folder), *args], env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _safe_config(folder: Path) -> dict[str, str]:
    """SAFE_GIT_CONFIG plus every filter driver the repository defines, switched off
    (reading config runs nothing)."""
    config = dict(SAFE_GIT_CONFIG)
    listed = _git(folder, ["config", "--name-only", "--get-regexp", r"^filter\."], config) or ""
    for name in listed.splitlines():
        driver = name[len("filter."):].rpartition(".")[0]
        for key in FILTER_KEYS:
            config[f"filter.{driver}.{key}"] = ""
        config[f"filter.{driver}.required"] = "false"
    return config


def git_state(folder: Path) -> dict:
    """Commit and dirty flag of the repository holding the suite (empty outside git)."""
    config = _safe_config(folder)
    commit = _git(folder, ["rev-parse", "HEAD"], config)
    if commit is None:
        return {}
    status = _git(folder, ["status", "--porcelain", "--untracked-files=no",
                           "--ignore-submodules=all"], config)
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def git_user(folder: Path) -> str | None:
    """`git config user.name` as seen from `folder` (None outside git or when unset): who
    made a baseline change, for its changelog."""
    return _git(folder, ["config", "user.name"], dict(SAFE_GIT_CONFIG)) or None


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
