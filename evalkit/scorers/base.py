"""The scorer interface: a named, parameterised judge of one case's completion.

A scorer declares its parameters as a pydantic model (extra keys forbidden) that
is validated when the suite loads, so a bad parameter is a file:line error, never
a mid-run crash. `ctx.suite_dir` lets parameters name files relative to the suite.

A scorer has one role, given by the class it derives from; the runner dispatches on it
(runner/score_dispatch.py) and gives a failed call a failed score without asking it:
- `SyncScorer.score` per result, on the event loop (cheap checks), or in a worker
  thread with `cpu_heavy = True` (ROUGE, embeddings);
- `AsyncScorer.ascore` per result, awaited (a call to a model: the LLM judge);
- `BatchScorer.score_batch` once at the end of the run over every output (a classifier
  such as toxicity that is far faster on batches). The runner stores those scores
  afterwards and updates each result's pass/fail; a run that stops early gets them when
  it is resumed.
A plugin class that derives from `Scorer` itself and defines `score` is a sync scorer.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Sequence

from pydantic import BaseModel, ConfigDict

from ..types import Case, Completion, JudgeCache, Score


class ScorerParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class ScoreContext:
    suite_dir: Path
    sample: int = 0
    judge_cache: JudgeCache | None = None  # the store, for scorers that cache grades (judge)


class Scorer:
    """What every scorer has: a name, checked parameters, provenance and an end-of-run hook.
    Derive from SyncScorer, AsyncScorer or BatchScorer (below) for the scoring itself."""

    Params: ClassVar[type[ScorerParams]] = ScorerParams
    description: ClassVar[str] = ""
    # Scores through a model worth an actor pool (toxicity, embeddings): `--executor ray` scores
    # it late, over the stored outputs, on the cluster (GPUs where there are some).
    pooled: ClassVar[bool] = False
    # How to read the values in the report's score distributions, e.g. "higher is more toxic".
    value_hint: ClassVar[str] = ""
    # The registry name it was built under (factory.build_scorer sets it); what runs record.
    kind: str = ""

    def __init__(self, name: str, params: ScorerParams, suite_dir: Path):
        self.name = name
        self.params = params
        self.suite_dir = suite_dir

    async def aclose(self) -> None:
        """Called once when a run ends (even a failed one): flush buffers, close clients."""

    def describe(self) -> dict:
        """Name, registry name and parameters (optional ones left unset are omitted) for
        provenance; a scorer made without the factory falls back to its class name."""
        params = self.params.model_dump(mode="json", by_alias=True)
        for name, field in type(self.params).model_fields.items():
            if field.default is None and getattr(self.params, name) is None:
                params.pop(field.alias or name, None)
        return {"name": self.name, "type": self.kind or type(self).__name__, "params": params}


class SyncScorer(Scorer):
    """Scores one successful completion with plain code."""

    # CPU-heavy scorers run in a worker thread so they never block the event loop.
    cpu_heavy: ClassVar[bool] = False

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        raise NotImplementedError


class AsyncScorer(Scorer):
    """Scores one successful completion by awaiting something (a model call)."""

    async def ascore(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        raise NotImplementedError


class BatchScorer(Scorer):
    """Scores many successful completions at once, late in the run (see module doc)."""

    def score_batch(self, items: Sequence[tuple[Case, Completion]],
                    ctx: ScoreContext) -> list[Score]:
        raise NotImplementedError


def targets(case: Case) -> list[str]:
    """Several acceptable answers are given as a list; None means no target."""
    if case.target is None:
        return []
    values = case.target if isinstance(case.target, (list, tuple)) else [case.target]
    return [str(v) for v in values]
