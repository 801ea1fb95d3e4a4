"""`[tool.evalkit]` in the project's pyproject.toml: defaults for the CLI's options.

    [tool.evalkit]
    db = "reports/evals.duckdb"          # every command's --db (merge: --into)
    model = "openai/gpt-4o-mini"         # evalkit run --model (a string or a list)
    concurrency = 16                     # evalkit run --max-concurrency
    report = "reports/compare.html"      # evalkit compare --report
    markdown = "reports/compare.md"      # evalkit compare --markdown
    junit = "reports/compare.xml"        # evalkit compare --junit

Precedence: the command line, then the environment (EVALKIT_DB, EVALKIT_MODEL, ...), then
this table, then the built-in default: click's own order for a context's `default_map`.
The nearest pyproject.toml from the working directory up is read; relative paths in it are
relative to its folder. An unknown key or a wrong type is a usage error naming the file.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

# key -> (type, [(command path, parameter name)]); "*" = every command with that parameter
KEYS: dict[str, tuple[type | tuple[type, ...], list[tuple[str, str]]]] = {
    "db": (str, [("*", "db"), ("merge", "into")]),
    "model": ((str, list), [("run", "models")]),
    "concurrency": (int, [("run", "max_concurrency")]),
    "report": (str, [("compare", "html")]),
    "markdown": (str, [("compare", "markdown")]),
    "junit": (str, [("compare", "junit")]),
}
PATH_KEYS = {"db", "report", "markdown", "junit"}


def find_pyproject(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, ValueError) as exc:
        raise click.UsageError(f"{path}: cannot read it as TOML: {exc}") from None


def settings(path: Path) -> dict[str, Any]:
    """The checked [tool.evalkit] table of `path` (paths made relative to its folder)."""
    table = _toml(path).get("tool", {}).get("evalkit", {})
    if not isinstance(table, dict):
        raise click.UsageError(f"{path}: [tool.evalkit] must be a table")
    checked = {}
    for key, value in table.items():
        if key not in KEYS:
            raise click.UsageError(f"{path}: unknown key '{key}' in [tool.evalkit]; known: "
                                   f"{', '.join(KEYS)}")
        kind = KEYS[key][0]
        if not isinstance(value, kind) or isinstance(value, bool) or (
                isinstance(value, list) and not all(isinstance(v, str) for v in value)):
            raise click.UsageError(f"{path}: [tool.evalkit] {key} = {value!r} has the wrong type")
        if key in PATH_KEYS:
            value = str(path.parent / value) if not Path(value).is_absolute() else value
        checked[key] = value
    return checked


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


def default_map(group: click.Group, start: Path | None = None) -> dict[str, Any] | None:
    """click's default_map for `group` from the nearest [tool.evalkit], or None."""
    path = find_pyproject(start)
    if path is None:
        return None
    found = settings(path)
    if not found:
        return None
    result: dict[str, Any] = {}
    for names, command in _commands(group):
        params = {p.name for p in command.params}
        for key, value in found.items():
            for target, param in KEYS[key][1]:
                if (target == "*" or target == " ".join(names)) and param in params:
                    if param == "models" and isinstance(value, str):
                        value = [value]
                    node = result
                    for name in names:
                        node = node.setdefault(name, {})
                    node[param] = value
    return result
