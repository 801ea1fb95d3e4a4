"""The runner calls a scorer by its role; a failed call never reaches the scorer."""
import asyncio
from pathlib import Path

import pytest

from evalkit.runner.score_dispatch import score_many, score_one, scored_late
from evalkit.scorers.base import AsyncScorer, BatchScorer, ScoreContext, Scorer, ScorerParams
from evalkit.scorers.factory import build_scorer
from evalkit.types import Case, Completion, Score

CTX = ScoreContext(suite_dir=Path("."))
CASE = Case(id="c", vars={}, target="Paris")


class Counting(AsyncScorer):
    calls = 0

    async def ascore(self, case, completion, ctx):
        type(self).calls += 1
        return Score(self.name, 1.0, True, "asked")


class Lengths(BatchScorer):
    batches: list = []

    def score_batch(self, items, ctx):
        type(self).batches.append(len(items))
        return [Score(self.name, float(len(c.text)), True, "") for _, c in items]


class OldStylePlugin(Scorer):  # derives from Scorer itself, with `score`: a sync scorer
    def score(self, case, completion, ctx):
        return Score(self.name, 1.0, True, "old style")


def test_each_role_is_called_its_own_way():
    exact = build_scorer("exact", {}, Path("."))
    assert exact.kind == "exact" and exact.describe()["type"] == "exact"
    assert asyncio.run(score_one(exact, CASE, Completion(text="Paris"), CTX)).passed is True
    asked = Counting("asked", ScorerParams(), Path("."))
    assert asyncio.run(score_one(asked, CASE, Completion(text="x"), CTX)).explanation == "asked"
    lengths = Lengths("len", ScorerParams(), Path("."))
    assert scored_late(lengths) and not scored_late(exact) and not scored_late(asked)
    items = [(CASE, Completion(text="ab")), (CASE, Completion(text=None, error="boom")),
             (CASE, Completion(text="abcd"))]
    scores = score_many(lengths, items, CTX)
    assert [s.value for s in scores] == [2.0, None, 4.0] and Lengths.batches == [2]
    assert asyncio.run(score_one(OldStylePlugin("old", ScorerParams(), Path(".")), CASE,
                                 Completion(text="x"), CTX)).explanation == "old style"


def test_a_failed_call_gets_a_failed_score_without_asking_the_scorer():
    Counting.calls = 0
    asked = Counting("asked", ScorerParams(), Path("."))
    score = asyncio.run(score_one(asked, CASE, Completion(text=None, error="timeout"), CTX))
    assert (score.passed, score.value, Counting.calls) == (False, None, 0)
    assert score.explanation == "no output to score: timeout"


def test_a_scorer_with_no_role_is_refused_by_name():
    with pytest.raises(TypeError, match="'bare'.*SyncScorer, AsyncScorer, BatchScorer"):
        asyncio.run(score_one(Scorer("bare", ScorerParams(), Path(".")), CASE,
                              Completion(text="x"), CTX))
