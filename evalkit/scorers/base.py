"""The scorer interface: a named, parameterised judge of one case's completion.

A scorer declares its parameters as a pydantic model (extra keys forbidden) that
is validated when the suite loads, so a bad parameter is a file:line error, never
a mid-run crash. `ctx.suite_dir` lets parameters name files relative to the suite.

Three ways to be called:
- `score` per result, on the event loop (cheap checks);
- `score` per result in a worker thread (`cpu_heavy = True`: ROUGE, embeddings);
- `score_batch` once at the end of the run over every output (`batched = True`: a
  classifier such as toxicity that is far faster on batches). The runner stores those
  scores afterwards and updates each result's pass/fail; a run that stops early gets them
  when it is resumed.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Sequence

from pydantic import BaseModel, ConfigDict

from ..types import Case, Completion, Score, VerdictCache


class ScorerParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class ScoreContext:
    suite_dir: Path
    sample: int = 0
    verdicts: VerdictCache | None = None  # the store, for scorers that cache verdicts (judge)


class Scorer:
    Params: ClassVar[type[ScorerParams]] = ScorerParams
    description: ClassVar[str] = ""
    # CPU-heavy scorers run in a worker thread so they never block the event loop.
    cpu_heavy: ClassVar[bool] = False
    # Batch scorers are skipped per result; the runner calls `score_many` at the end.
    batched: ClassVar[bool] = False
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

    def score(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        raise NotImplementedError

    async def ascore(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        if not completion.ok:
            return Score(self.name, None, False, f"no output to score: {completion.error}")
        if self.cpu_heavy:
            return await asyncio.to_thread(self.score, case, completion, ctx)
        return self.score(case, completion, ctx)

    def score_batch(self, items: Sequence[tuple[Case, Completion]],
                    ctx: ScoreContext) -> list[Score]:
        """Scores for many successful completions at once (batched scorers override this)."""
        return [self.score(case, completion, ctx) for case, completion in items]

    def score_many(self, items: Sequence[tuple[Case, Completion]],
                   ctx: ScoreContext) -> list[Score]:
        """`score_batch` over the successful completions; failed calls get a failed score."""
        scores: list[Score | None] = [
            None if c.ok else Score(self.name, None, False, f"no output to score: {c.error}")
            for _, c in items]
        ok = [index for index, score in enumerate(scores) if score is None]
        if ok:
            for index, score in zip(ok, self.score_batch([items[i] for i in ok], ctx)):
                scores[index] = score
        return [s for s in scores if s is not None]

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


def targets(case: Case) -> list[str]:
    """Several acceptable answers are given as a list; None means no target."""
    if case.target is None:
        return []
    values = case.target if isinstance(case.target, (list, tuple)) else [case.target]
    return [str(v) for v in values]
