"""Backends and scorers are found through Python entry points; built-ins use the same groups.

A plugin package declares, in its pyproject.toml:

    [project.entry-points."evalkit.scorers"]
    my_scorer = "my_pkg.scorers:MyScorer"
"""
from __future__ import annotations

from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from .errors import EXIT_USAGE, EvalkitError, did_you_mean

BACKENDS = "evalkit.backends"
SCORERS = "evalkit.scorers"


class UnknownPluginError(EvalkitError, LookupError):
    exit_code = EXIT_USAGE  # a misspelt name on the command line is a usage error

    def __init__(self, kind: str, name: str, known: list[str]):
        self.kind, self.name, self.known = kind, name, known
        hint = did_you_mean(name, known)
        super().__init__(f"unknown {kind} '{name}'" + (f"; {hint}" if hint else ""))


@lru_cache(maxsize=None)
def _entry_points(group: str) -> dict[str, EntryPoint]:
    found = {ep.name: ep for ep in entry_points(group=group)}
    if not found:
        raise EvalkitError(
            f"no '{group}' entry points found: evalkit's package metadata is missing.\n"
            "  fix: install evalkit (pip install -e . in a checkout)"
        )
    return found


@lru_cache(maxsize=None)
def _load(group: str, name: str) -> type:
    return _entry_points(group)[name].load()


def names(group: str) -> list[str]:
    return sorted(_entry_points(group))


def lookup(group: str, name: str) -> type:
    """The class registered under `name`; an UnknownPluginError with a suggestion if none is."""
    known = _entry_points(group)
    if name not in known:
        kind = "scorer" if group == SCORERS else "backend"
        raise UnknownPluginError(kind, name, sorted(known))
    return _load(group, name)


def backend_class(name: str) -> type:
    return lookup(BACKENDS, name)


def scorer_class(name: str) -> type:
    return lookup(SCORERS, name)
