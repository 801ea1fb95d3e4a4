"""Backends and scorers are found through Python entry points; built-ins use the same groups.

A plugin package declares, in its pyproject.toml:

    [project.entry-points."evalkit.scorers"]
    my_scorer = "my_pkg.scorers:MyScorer"
"""
from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from typing import Any

from .errors import EXIT_USAGE, EvalkitError, did_you_mean

BACKENDS = "evalkit.backends"
SCORERS = "evalkit.scorers"

# evalkit's own entry points (pyproject.toml declares the same; a test keeps them equal), so
# that naming a built-in never scans every installed distribution's metadata (~50 ms with
# importlib.metadata's import, before the first model call). Other names go to the scan.
BUILT_IN: dict[str, dict[str, str]] = {
    BACKENDS: {
        "litellm": "evalkit.backends.litellm:LiteLLMBackend",
        "openai": "evalkit.backends.openai_compat:OpenAICompatBackend",
        "python": "evalkit.backends.python:PythonBackend",
        "replay": "evalkit.backends.replay:ReplayBackend",
        "llamacpp": "evalkit.backends.llamacpp:LlamaCppBackend",
        "hf": "evalkit.backends.hf:HFBackend",
        "vllm": "evalkit.backends.vllm:VLLMBackend",
    },
    SCORERS: {
        "exact": "evalkit.scorers.match:ExactScorer",
        "contains": "evalkit.scorers.match:ContainsScorer",
        "contains_any": "evalkit.scorers.match:ContainsAnyScorer",
        "contains_all": "evalkit.scorers.match:ContainsAllScorer",
        "normalized": "evalkit.scorers.normalized:NormalizedScorer",
        "regex": "evalkit.scorers.regex:RegexScorer",
        "numeric": "evalkit.scorers.numeric:NumericScorer",
        "token_f1": "evalkit.scorers.overlap:TokenF1Scorer",
        "rouge": "evalkit.scorers.overlap:RougeScorer",
        "embedding": "evalkit.scorers.embedding:EmbeddingScorer",
        "json_schema": "evalkit.scorers.json_schema:JsonSchemaScorer",
        "citations": "evalkit.scorers.citations:CitationScorer",
        "toxicity": "evalkit.scorers.toxicity:ToxicityScorer",
        "judge": "evalkit.scorers.judge:JudgeScorer",
        "latency": "evalkit.scorers.operational:LatencyScorer",
        "cost": "evalkit.scorers.operational:CostScorer",
        "length": "evalkit.scorers.operational:LengthScorer",
        "empty": "evalkit.scorers.operational:EmptyScorer",
        "refusal": "evalkit.scorers.refusal:RefusalScorer",
    },
}


class UnknownPluginError(EvalkitError, LookupError):
    exit_code = EXIT_USAGE  # a misspelt name on the command line is a usage error

    def __init__(self, kind: str, name: str, known: list[str]):
        self.kind, self.name, self.known = kind, name, known
        hint = did_you_mean(name, known)
        super().__init__(f"unknown {kind} '{name}'" + (f"; {hint}" if hint else ""))


@lru_cache(maxsize=None)
def _entry_points(group: str) -> dict[str, Any]:
    from importlib.metadata import entry_points

    found = {ep.name: ep for ep in entry_points(group=group)}
    if not found:
        raise EvalkitError(
            f"no '{group}' entry points found: evalkit's package metadata is missing.\n"
            "  fix: install evalkit (pip install -e . in a checkout)"
        )
    return found


@lru_cache(maxsize=None)
def _load(group: str, name: str) -> type:
    built_in = BUILT_IN.get(group, {}).get(name)
    if built_in is not None:
        module, _, attr = built_in.partition(":")
        return getattr(import_module(module), attr)
    return _entry_points(group)[name].load()


def names(group: str) -> list[str]:
    return sorted(_entry_points(group))


def lookup(group: str, name: str) -> type:
    """The class registered under `name`; an UnknownPluginError with a suggestion if none is."""
    if name in BUILT_IN.get(group, {}):
        return _load(group, name)
    known = _entry_points(group)
    if name not in known:
        kind = "scorer" if group == SCORERS else "backend"
        raise UnknownPluginError(kind, name, sorted(known))
    return _load(group, name)


def backend_class(name: str) -> type:
    return lookup(BACKENDS, name)


def scorer_class(name: str) -> type:
    return lookup(SCORERS, name)
