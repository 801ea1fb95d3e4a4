"""`evalkit baseline set` looks before it points: a run whose own gates fail is not what
candidates should be held to, so setting it takes --force."""
from __future__ import annotations

from ..errors import EXIT_GATE_FAILED, EvalkitError


class FailedGatesRefused(EvalkitError):
    exit_code = EXIT_GATE_FAILED


def failed_gates(store, run_id: str) -> list:
    """The run's absolute gates (its stored policy, waivers applied) that fail on it."""
    from ..gates import evaluate_gates
    from ..suite.gate_spec import Policy

    run = store.run(run_id)
    if run.status != "completed":  # set_baseline refuses it, saying why
        return []
    if not Policy.model_validate(run.gates or {}).gates:
        return []  # nothing to check: skip reading the run's metrics
    return evaluate_gates(store, run_id).report.failed


def check_before_setting(store, run_id: str, name: str, force: bool, warn) -> None:
    """Refuse (exit 1) a run whose gates fail, unless `force`; then only `warn` about it."""
    from .render import plain

    failed = failed_gates(store, run_id)
    if not failed:
        return
    listed = "; ".join(f"{g.gate}: {g.reason}" for g in failed[:3]) + (
        f"; and {len(failed) - 3} more" if len(failed) > 3 else "")
    said = f"run {run_id} failed {len(failed)} of its gate(s): {plain(listed, limit=400)}"
    if not force:
        raise FailedGatesRefused(f"{said}\n  fix: a baseline is what candidates are held to; "
                                 f"pick a passing run, or `evalkit baseline set {name} {run_id} "
                                 "--force` to set it anyway")
    warn(f"warning: {said} (set anyway: --force)")
