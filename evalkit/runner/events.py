"""What a run tells the `evalkit` logger and the hooks (evalkit/hooks.py): started, each
result stored, finished. Kept out of run.py so the runner's hot path only asks `wanted`."""
from __future__ import annotations

from .. import hooks
from ..log import get_logger
from ..redact import redact
from ..types import Result

log = get_logger(__name__)


def started(run_id: str, suite, model: str, label: str | None, db: str) -> None:
    log.info("run %s started: suite %s, model %s, %d cases × %d samples, db %s", run_id,
             suite.name, model, len(suite.cases), suite.spec.samples, db)
    if hooks.wants("run_started"):
        hooks.emit("run_started", hooks.RunStarted(
            run_id=run_id, suite=suite.name, model=model, label=label, db=db,
            cases=len(suite.cases), samples=suite.spec.samples))


def stored_wanted() -> bool:
    return hooks.wants("result_stored")


def stored(run_id: str, result: Result) -> None:
    completion = result.completion
    hooks.emit("result_stored", hooks.ResultStored(
        run_id=run_id, case_id=result.case.id, sample=result.sample, passed=result.passed,
        error=redact(completion.error), latency_s=completion.latency_s,
        cost_usd=completion.cost_usd, cached=completion.cached,
        scores={s.scorer: s.value for s in result.scores}))


def finished(run_id: str, suite, model: str, label: str | None, status: str, progress,
             wall_s: float, db: str) -> None:
    log.info("run %s %s: %d results, %d passed, %d errors, %d cached, %.2f s", run_id, status,
             progress.done, progress.passed, progress.errors, progress.cached, wall_s)
    if hooks.wants("run_finished"):
        hooks.emit("run_finished", hooks.RunFinished(
            run_id=run_id, suite=suite.name, model=model, label=label, status=status,
            total=len(suite.cases) * suite.spec.samples, passed=progress.passed,
            errors=progress.errors, cached=progress.cached, wall_s=wall_s, db=db))
