"""Replay recorded outputs: `replay/outputs.jsonl` or `replay/run:RUN_ID_OR_LABEL`.

JSONL records carry `id` (the case id), optional `sample` (default 0), and `output`
(or `text`); optional `error`, `latency_s`, `tokens_in`, `tokens_out`, `cost_usd`,
`context`, `citations`. A case with no recording gets an error result, not a crash.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from pydantic import Field

from ..errors import UsageError
from ..types import Call, Completion, sha256_hex
from .base import Backend, BackendOptions, completion_field_problem

FIELDS = ("error", "latency_s", "tokens_in", "tokens_out", "cost_usd", "finish_reason",
          "model_id", "context", "citations")


class ReplayOptions(BackendOptions):
    concurrency: int = Field(256, ge=1)


def read_recordings(path: Path) -> dict[tuple[str, int], Completion]:
    outputs: dict[tuple[str, int], Completion] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read replay file {path}: {exc.strerror}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            key = (str(record["id"]), int(record.get("sample", 0)))
            text = record.get("output", record.get("text"))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UsageError(f"{path}:{number}: bad replay record ({type(exc).__name__}: {exc}); "
                             "each line needs 'id' and 'output'") from None
        extra = {k: record[k] for k in FIELDS if record.get(k) is not None}
        problem = completion_field_problem(extra)
        if text is not None and not isinstance(text, str):
            problem = f"'output' must be a string, got {text!r}"
        if problem:
            raise UsageError(f"{path}:{number}: bad replay record: {problem}")
        for key_name in ("context", "citations"):
            if key_name in extra:
                extra[key_name] = tuple(extra[key_name])
        outputs[key] = Completion(text=text, **extra)
    return outputs


class ReplayBackend(Backend):
    """Recorded outputs from a JSONL file or an earlier run in the store."""
    Options = ReplayOptions
    cacheable = False

    def __init__(self, model, options, env):
        super().__init__(model, options, env)
        self.default_concurrency = options.concurrency
        self._outputs: Mapping[tuple[str, int], Completion] | None = None

    async def start(self) -> None:
        if self.model.startswith("run:"):
            if self.env.recorded is None:
                raise UsageError("replay from a run needs a store (--db)")
            self._outputs = self.env.recorded.recorded_outputs(self.model[4:])
        else:
            self._outputs = read_recordings(self._path())

    def _path(self) -> Path:
        return (self.env.cwd / self.model).resolve()

    def fingerprint(self) -> str:
        if self.model.startswith("run:"):
            return sha256_hex("replay", self.model)
        path = self._path()
        try:  # regular files only: a judge named in a suite must not read /dev/zero or a FIFO
            content = path.read_bytes().hex() if path.is_file() else ""
        except OSError:
            content = ""
        return sha256_hex("replay", self.model, content)

    async def generate(self, call: Call) -> Completion:
        recorded = (self._outputs or {}).get((call.case.id, call.sample))
        if recorded is None and call.sample:
            recorded = (self._outputs or {}).get((call.case.id, 0))
        if recorded is None:
            return Completion(text=None, error=f"no recorded output for case '{call.case.id}' "
                              f"sample {call.sample}")
        return recorded
