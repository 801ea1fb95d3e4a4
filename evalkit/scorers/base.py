"""The scorer interface: a named, parameterised judge of one case's completion.

A scorer declares its parameters as a pydantic model (extra keys forbidden) that
is validated when the suite loads, so a bad parameter is a file:line error, never
a mid-run crash. `ctx.suite_dir` lets parameters name files relative to the suite.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from ..types import Case, Completion, Score


class ScorerParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class ScoreContext:
    suite_dir: Path
    sample: int = 0


class Scorer:
    Params: ClassVar[type[ScorerParams]] = ScorerParams
    description: ClassVar[str] = ""
    # CPU-heavy scorers run in a worker thread so they never block the event loop.
    cpu_heavy: ClassVar[bool] = False

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

    def describe(self) -> dict:
        return {"name": self.name, "type": type(self).__name__,
                "params": self.params.model_dump(mode="json")}


def targets(case: Case) -> list[str]:
    """Several acceptable answers are given as a list; None means no target."""
    if case.target is None:
        return []
    values = case.target if isinstance(case.target, (list, tuple)) else [case.target]
    return [str(v) for v in values]
