"""Hooks: plugins that hear what evalkit does, to forward it (OpenTelemetry, MLflow, W&B...).

A plugin registers under the entry point group `evalkit.hooks`:

    [project.entry-points."evalkit.hooks"]
    my_sink = "my_package.sink:Sink"     # a class (called with no arguments) or an object

and defines any of these methods, each receiving one typed, frozen event:

    run_started(RunStarted)  result_stored(ResultStored)  run_finished(RunFinished)
    comparison_made(ComparisonMade)

A hook that raises is logged (warning, logger `evalkit.hooks`) and never stops a run; a hook
that cannot be loaded is logged the same way. EVALKIT_HOOKS=0 switches every hook off.
Events carry redacted text only. docs/hooks.md has an example plugin."""
from __future__ import annotations

import os
import threading
from typing import Any

from .log import get_logger

GROUP = "evalkit.hooks"
METHODS = ("run_started", "result_stored", "run_finished", "comparison_made")
log = get_logger(__name__)


EVENTS = ("RunStarted", "ResultStored", "RunFinished", "ComparisonMade")


def __getattr__(name: str) -> Any:
    """The event classes, from hook_events.py on first use."""
    if name in EVENTS:
        from . import hook_events

        return getattr(hook_events, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_lock = threading.Lock()
_loaded: list[Any] | None = None


def _load() -> list[Any]:
    from .entry_scan import maybe_declared

    if not maybe_declared(GROUP):  # no plugin anywhere: importlib.metadata stays unimported
        return []
    from importlib.metadata import entry_points

    hooks = []
    for entry in entry_points(group=GROUP):
        try:
            target = entry.load()
            hook = target() if isinstance(target, type) else target
        except Exception as exc:  # a broken plugin must not break evalkit
            log.warning("hook %s (%s) could not be loaded: %s: %s", entry.name, entry.value,
                        type(exc).__name__, exc)
            continue
        if not any(callable(getattr(hook, m, None)) for m in METHODS):
            log.warning("hook %s (%s) has none of the methods %s", entry.name, entry.value,
                        ", ".join(METHODS))
            continue
        log.debug("hook %s loaded from %s", entry.name, entry.value)
        hooks.append(hook)
    return hooks


def loaded() -> list[Any]:
    """The registered hooks, loaded once per process (none with EVALKIT_HOOKS=0)."""
    global _loaded
    if os.environ.get("EVALKIT_HOOKS", "1").strip() == "0":
        return []
    with _lock:
        if _loaded is None:
            _loaded = _load()
        return _loaded


def reset() -> None:
    """Forget the loaded hooks (tests, or after installing a plugin in a running process)."""
    global _loaded
    with _lock:
        _loaded = None


def wants(method: str) -> bool:
    return any(callable(getattr(h, method, None)) for h in loaded())


def emit(method: str, event: Any) -> None:
    for hook in loaded():
        handler = getattr(hook, method, None)
        if not callable(handler):
            continue
        try:
            handler(event)
        except Exception as exc:
            log.warning("hook %s.%s failed: %s: %s", type(hook).__name__, method,
                        type(exc).__name__, exc)
