"""LLM-as-judge: a rubric, any backend as the judge, a score and a reason per grade.

    - type: judge
      judge: {model: openai/gpt-4o-mini, args: {api_base: ...}}   # or a list of judges
      rubric_file: ../golden/rubrics/tone.md                        # or rubric: "inline text"
      scale: [1, 5]
      min_score: 4
      repeats: 1

Every grade records the judge's identity (model reference and fingerprint) and the
rubric's SHA-256. Grades are cached in the store's `judge_cache` table, apart from the
model's response cache, keyed by judge, rubric, the judged messages and the repeat; an
off-format grade is never cached. With several judges or repeats the score is their
mean, and their agreement on pass/fail is reported.
"""
from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ..backends.base import (
    Backend,
    BackendEnv,
    create_backend,
    parse_model_ref,
    reply_problem,
)
from ..backends.model import Model
from ..backends.retry import RetryPolicy
from ..errors import EvalkitError
from ..redact import redact, register_options
from ..types import Call, Case, Completion, Request, Score, sha256_hex
from .base import AsyncScorer, ScoreContext, ScorerParams
from .files import read_text, resolve, resolve_in
from .judge_grade import JudgeGrade, agreement, grade_schema, judge_messages, parse_grade

FLUSH_EVERY = 200  # cached grades are written in bulk
# A server that does not know response_format answers 400 (or 422): ask it again without.
REFUSED_SHAPE = ("the judge call failed: HTTP 400", "the judge call failed: HTTP 422")


class JudgeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    model: str = Field(description="BACKEND/MODEL of the judge, e.g. openai/gpt-4o-mini")
    args: dict[str, Any] = Field(default_factory=dict,
                                 description="backend options (api_base, ...)")
    options: dict[str, Any] = Field(default_factory=lambda: {"temperature": 0, "max_tokens": 300},
                                    description="generation options for the judge's calls")
    structured: bool = Field(True, description=(
        "ask the backend to answer in the verdict's JSON shape where it can (OpenAI-compatible "
        "response_format json_schema, llama.cpp's JSON-schema grammar, vLLM guided decoding); "
        "a server that refuses it is asked again without, once"))

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"model": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _backend(self) -> "JudgeSpec":
        register_options(self.args)  # its keys and headers are masked, even in a load error
        if self.model.startswith("python/") and "path" in self.args:
            # A suite is data: it may name a judge function, not a folder of code to import.
            raise ValueError(f"judge {self.model!r}: a suite cannot add an import folder "
                             "(args.path); install the judge's package, or put its folder on "
                             "PYTHONPATH or in the current directory")
        try:
            make_backend(self)
        except EvalkitError as exc:
            raise ValueError(f"judge {self.model!r}: {exc}") from None
        return self


def make_backend(spec: JudgeSpec) -> Backend:
    """The judge's backend (not started: nothing is loaded or connected yet)."""
    return create_backend(parse_model_ref(spec.model), spec.args, BackendEnv(Path.cwd()))


def judge_policy(retries: int, timeout_s: float) -> RetryPolicy:
    """A judge call's retries: a grade waits at most 8 s between attempts, and has no
    deadline of its own beyond `retries` attempts of `timeout_s` (the run has one)."""
    return RetryPolicy(max_retries=retries, timeout_s=timeout_s, deadline_s=None, cap_s=8.0)


class JudgeParams(ScorerParams):
    judge: JudgeSpec | list[JudgeSpec] = Field(description="the judge model(s)")
    rubric: str | None = Field(None, description="the rubric, inline")
    rubric_file: str | None = Field(None, description="a rubric file, relative to the suite")
    scale: tuple[float, float] = Field((1, 5), description="the judge's score range")
    min_score: float | None = Field(None, description="pass at this mean score (default: the "
                                    "middle of the scale)")
    repeats: int = Field(1, ge=1, le=20, description="verdicts per judge (agreement is reported)")
    input_var: str | None = Field(None,
                                  description="the case var shown as the input (default: all)")
    include_target: bool = Field(True, description="show the case's target as a reference answer")
    retries: int = Field(3, ge=0, le=10, description="retries of a judge call on 429/5xx")
    timeout_s: float = Field(120, gt=0, description="time limit of one judge call")

    @field_validator("rubric_file")
    @classmethod
    def _rubric_readable(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not read_text(resolve(value, info, "rubric file"),
                                               "rubric file").strip():
            raise ValueError(f"rubric file {value} is empty")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "JudgeParams":
        if (self.rubric is None) == (self.rubric_file is None):
            raise ValueError("give exactly one of 'rubric' (inline text) or 'rubric_file'")
        if self.rubric is not None and not self.rubric.strip():
            raise ValueError("the rubric is empty")
        lo, hi = self.scale
        if lo >= hi:
            raise ValueError(f"scale must be [low, high] with low < high, got [{lo:g}, {hi:g}]")
        if self.min_score is not None and not lo <= self.min_score <= hi:
            raise ValueError(f"min_score {self.min_score:g} is outside the scale {lo:g}–{hi:g}")
        return self


class JudgeScorer(AsyncScorer):
    """A rubric graded by one or more LLM judges (any backend)."""

    Params = JudgeParams
    description = "an LLM judge grades the output against a rubric (score + reason), cached"

    def __init__(self, name, params, suite_dir):
        super().__init__(name, params, suite_dir)
        self.judges = params.judge if isinstance(params.judge, list) else [params.judge]
        self.rubric = params.rubric if params.rubric is not None else read_text(
            resolve_in(suite_dir, params.rubric_file, "rubric file"), "rubric file")
        self.rubric_sha256 = hashlib.sha256(self.rubric.encode("utf-8")).hexdigest()
        lo, hi = params.scale
        self.min_score = params.min_score if params.min_score is not None else (lo + hi) / 2
        self._policy = judge_policy(params.retries, params.timeout_s)
        self._models: dict[int, Model] = {}
        self.identities = []  # model reference @ fingerprint: recorded with every grade
        for index, spec in enumerate(self.judges):
            model = self._models[index] = Model(make_backend(spec), self._policy)
            self.identities.append(f"{spec.model}@{model.backend.fingerprint()[:16]}")
        self.schema = grade_schema(params.scale)
        self._unstructured: set[int] = set()  # judges whose server refused the shape
        self._pending: list[tuple[str, str, dict]] = []
        self._store = None  # the run's grade cache, kept for the final flush

    def describe(self) -> dict:
        data = super().describe()
        data["params"]["judge"] = [{"model": j.model, "args": b.options.public(),
                                    "options": j.options, "structured": j.structured,
                                    "identity": identity}
                                   for j, b, identity in zip(self.judges, self._option_views(),
                                                             self.identities)]
        data["params"]["rubric_sha256"] = self.rubric_sha256
        return data

    def _option_views(self) -> list[Backend]:
        return [m.backend if (m := self._models.get(i)) else make_backend(j)
                for i, j in enumerate(self.judges)]

    def _model(self, index: int) -> Model:
        model = self._models.get(index)
        if model is None:  # closed after an earlier run: a fresh one
            model = self._models[index] = Model(make_backend(self.judges[index]), self._policy)
        return model  # started by its first generate()

    def _shape_options(self, index: int, backend: Backend) -> dict[str, Any] | None:
        """The options that hold this judge to the grade's shape, or None (not asked for,
        the judge's own options set a response format, or the backend has no such thing)."""
        spec = self.judges[index]
        if not spec.structured or index in self._unstructured or "response_format" in spec.options:
            return None
        return backend.structured_output(self.schema)

    async def _ask(self, index: int, repeat: int, request: Request, identity: str) -> JudgeGrade:
        spec = self.judges[index]
        options = dict(spec.options)
        if "seed" in options and repeat:
            options["seed"] = options["seed"] + repeat
        model = self._model(index)
        shape = self._shape_options(index, model.backend)
        if shape:
            grade = await self._call(model, repeat, request, {**options, **shape}, identity)
            if not (grade.error or "").startswith(REFUSED_SHAPE):
                return grade
            self._unstructured.add(index)  # an older server: plain JSON-in-text from now on
        return await self._call(model, repeat, request, options, identity, constrained=False)

    async def _call(self, model: Model, repeat: int, request: Request, options: dict,
                    identity: str, constrained: bool = True) -> JudgeGrade:
        call = Call(Case(id=f"judge-{repeat}", vars={}), repeat, request, options)
        completion = await model.generate(call)  # retried and timed by the judge's policy
        problem = reply_problem(completion)  # a judge's reply is as untrusted as the model's
        if problem or not completion.ok:
            return JudgeGrade(identity, repeat, None, "",
                           f"the judge call failed: {problem or completion.error}")
        grade = parse_grade(completion.text, self.params.scale, identity, repeat)
        return replace(grade, constrained=constrained)

    async def ascore(self, case: Case, completion: Completion, ctx: ScoreContext) -> Score:
        messages = judge_messages(self.rubric, case, completion, self.params.scale,
                                  self.params.input_var, self.params.include_target)
        request = Request(messages=messages)
        asks = []
        for index, (spec, identity) in enumerate(zip(self.judges, self.identities)):
            for repeat in range(self.params.repeats):
                key = sha256_hex("judge", identity, self.rubric_sha256, request.to_json(),
                                 spec.options, repeat,
                                 *([self.schema] if spec.structured else []))
                asks.append((index, repeat, identity, key))
        cached = {}
        if ctx.judge_cache is not None:
            cached = await asyncio.to_thread(ctx.judge_cache.cached_judge_grades,
                                             [a[3] for a in asks])

        async def one(index: int, repeat: int, identity: str, key: str) -> JudgeGrade:
            hit = cached.get(key)
            if hit is not None:
                return JudgeGrade(identity, repeat, hit["score"], hit.get("reason", ""), cached=True)
            grade = await self._ask(index, repeat, request, identity)
            if grade.error is None:
                self._pending.append((key, identity, {
                    "score": grade.score, "reason": grade.reason,
                    "rubric_sha256": self.rubric_sha256}))
            return grade

        grades = await asyncio.gather(*(one(*a) for a in asks))
        self._store = ctx.judge_cache
        if len(self._pending) >= FLUSH_EVERY:
            await self._flush()
        return self._score(list(grades))

    def _score(self, grades: list[JudgeGrade]) -> Score:
        lo, hi = self.params.scale
        good = [v for v in grades if v.error is None]
        details = {"rubric_sha256": self.rubric_sha256, "scale": [lo, hi],
                   "min_score": self.min_score, "verdicts": [v.to_json() for v in grades]}
        failed = [v for v in grades if v.error is not None]
        if not good:
            return Score(self.name, None, False, redact(failed[0].error), details)
        mean = sum(v.score for v in good) / len(good)
        passes = [v.score >= self.min_score for v in good]
        details.update(mean_score=mean, agreement=agreement(passes))
        value = (mean - lo) / (hi - lo)
        passed = mean >= self.min_score and not failed
        first = good[0]
        if len(grades) == 1:
            why = (f"the judge ({first.judge.split('@')[0]}) gave {first.score:g} of {hi:g}"
                   f" ({'at least' if passed else 'below'} the pass mark {self.min_score:g}): "
                   f"{first.reason or '(no reason given)'}")
        else:
            agree = sum(p == passes[0] for p in passes)
            why = (f"{len(good)} verdicts, mean score {mean:.2f} of {hi:g} ("
                   f"{'at least' if mean >= self.min_score else 'below'} the pass mark "
                   f"{self.min_score:g}); agreement {details['agreement']:.2f} "
                   f"({agree} of {len(passes)} verdicts {'pass' if passes[0] else 'fail'} like the "
                   f"first); first reason: {first.reason or '(none)'}")
        if failed:
            why = f"{len(failed)} of {len(grades)} verdicts unusable ({failed[0].error}); " + why
        return Score(self.name, value, passed, redact(why), details)

    async def _flush(self) -> None:
        entries, self._pending = self._pending, []
        if entries and self._store is not None:
            await asyncio.to_thread(self._store.put_judge_grades, entries)

    async def aclose(self) -> None:
        try:
            await self._flush()
        finally:
            self._store = None
            models, self._models = list(self._models.values()), {}
            for model in models:
                await model.close()
