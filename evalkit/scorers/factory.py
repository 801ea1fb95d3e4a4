"""The one way to make a scorer: registry name + parameters → a validated instance.

The suite loader, the pytest fixture and the tests all build scorers here, so a scorer
is validated the same way everywhere and knows the name it was registered under (what a
run records, e.g. `toxicity`, not the class name).
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..registry import scorer_class
from .base import Scorer

# Keys of a suite's scorer entry that belong to the suite, not to the scorer's parameters.
SPEC_KEYS = ("type", "name", "when")


def build_scorer(kind: str, params: Mapping[str, Any], suite_dir: Path,
                 name: str | None = None) -> Scorer:
    """The scorer registered as `kind`, its `params` checked by its own Params model
    (files relative to `suite_dir`). Raises UnknownPluginError for an unknown kind and
    pydantic's ValidationError for bad parameters; callers word those for their users."""
    cls = scorer_class(kind)
    checked = cls.Params.model_validate(dict(params), context={"suite_dir": suite_dir})
    scorer = cls(name or kind, checked, suite_dir)
    scorer.kind = kind
    return scorer
