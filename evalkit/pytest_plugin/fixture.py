"""The `evalkit` fixture: evals written in Python.

    def test_capital(evalkit):
        out = evalkit.generate("What is the capital of France?")
        assert evalkit.score("contains", out, target="Paris").passed

`generate` calls the configured model (the test is skipped when none is configured);
`score` runs any registered scorer with its parameters (validated by the scorer's own
params model; files such as `golden:` or `schema:` are relative to the rootdir).
The backend is opened once per session, on its own event-loop thread, and closed at the end.
"""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any, Mapping

import pytest

from .options import NO_MODEL


class EvalkitHelper:
    def __init__(self, state):
        self.state = state
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._model = None  # a backends.Model, opened on the first generate
        self._lock = threading.Lock()
        self.base_dir = Path(state.config.rootpath)

    @property
    def model(self) -> str | None:
        """The configured model reference (BACKEND/MODEL), or None."""
        return self.state.settings.model

    # -- the event loop the model lives on -----------------------------------------------
    def _run(self, coro):
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._loop.run_forever,
                                                name="evalkit-fixture", daemon=True)
                self._thread.start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def _open(self):
        if self._model is None:
            from ..runner import RunConfig, open_model

            settings = self.state.settings
            # the fixture calls the model in this process (replica options are the runs');
            # the run's default retry policy, seed 0 for the jitter
            _, self._model = open_model(RunConfig(model=settings.model,
                                                  model_args=settings.model_args,
                                                  executor=settings.executor, seed=0))
        return self._model

    def generate(self, prompt: str, *, system: str | None = None,
                 **options: Any) -> str:
        """The model's answer to `prompt` (chat; an optional system message). Generation
        options (temperature, max_tokens, seed, ...) go to the backend as in a suite."""
        if not self.model:
            pytest.skip(NO_MODEL)
        from ..types import Call, Case, Message, Request

        messages = ((Message("system", system),) if system else ()) + (Message("user", prompt),)
        call = Call(Case(id="evalkit-fixture", vars={}), 0, Request(messages=messages),
                    dict(options))
        completion = self._run(self._generate(call))
        if completion.error is not None:
            raise RuntimeError(f"{self.model}: {completion.error}")
        return completion.text or ""

    async def _generate(self, call):
        # opened here, on the model's loop: one opening even when tests call from threads
        return await self._open().generate(call)

    def score(self, scorer: str, output: str, *, target: Any = None,
              vars: Mapping[str, Any] | None = None, metadata: Mapping[str, Any] | None = None,
              **params: Any):
        """Score `output` with the registered scorer `scorer` (a `Score`: .passed, .value,
        .explanation). `target`: the expected answer(s); `params`: the scorer's parameters."""
        from pydantic import ValidationError

        from ..runner.score_dispatch import score_one
        from ..scorers.base import ScoreContext
        from ..scorers.factory import build_scorer
        from ..types import Case, Completion

        try:
            instance = build_scorer(scorer, params, self.base_dir)
        except ValidationError as exc:
            raise ValueError(f"scorer '{scorer}': invalid parameters\n{exc}") from None
        case = Case(id="evalkit-fixture", vars=dict(vars or {}), target=target,
                    metadata=dict(metadata or {}))
        completion = Completion(text=output)
        ctx = ScoreContext(suite_dir=self.base_dir)

        async def run():
            try:
                return await score_one(instance, case, completion, ctx)
            finally:
                await instance.aclose()

        return self._run(run())

    def close(self) -> None:
        if self._loop is None:
            return
        if self._model is not None:
            try:
                self._run(self._model.close())
            finally:
                self._model = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._loop.close()
        self._loop = None
