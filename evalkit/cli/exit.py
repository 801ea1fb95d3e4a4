"""Leaving the process the way a normal interpreter exit does, so exit handlers run (a
pipeline's tracing or telemetry flush registered with `atexit`, logging's own flush), with a
guard against the hang that once made the CLI end with a bare `os._exit`.

The hang: a pipeline call that never returns. The runner leaves such a call behind in a daemon
thread (backends/threads.py), which does not hold the exit up; but a user's own non-daemon
thread, or an exit handler that blocks, would keep the interpreter waiting forever after the
results are stored. So a daemon watchdog ends the process with the command's exit code if
the interpreter has not finished within EXIT_GRACE_S (env EVALKIT_EXIT_GRACE_S) of the
command's end."""
from __future__ import annotations

import os
import sys
import threading
import time

EXIT_GRACE_S = 10.0


def grace_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("EVALKIT_EXIT_GRACE_S", EXIT_GRACE_S)))
    except ValueError:
        return EXIT_GRACE_S


def _watchdog(code: int, grace: float) -> None:
    time.sleep(grace)
    waiting = [t.name for t in threading.enumerate()
               if t is not threading.current_thread() and not t.daemon and t.is_alive()
               and t is not threading.main_thread()]
    try:
        sys.stderr.write(f"evalkit: still not exited {grace:g} s after the command ended "
                         f"(threads: {', '.join(waiting) or 'none'}; or an exit handler "
                         "blocks); exiting now. Results are stored.\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)


def leave(code: int) -> None:
    """Flush, arm the watchdog, then do what a normal exit does that anyone can observe: join
    the non-daemon threads (threading's own shutdown, with its exit callbacks) and run the
    atexit handlers. Then skip the interpreter's teardown of every imported module (about
    0.4 s after pandas, NumPy and DuckDB: a large share of a short command)."""
    import atexit

    _flush()
    threading.Thread(target=_watchdog, args=(code, grace_seconds()), daemon=True,
                     name="evalkit-exit-watchdog").start()
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is None:  # pragma: no cover - another interpreter: the plain way
        sys.exit(code)
    shutdown()
    atexit._run_exitfuncs()
    _flush()
    os._exit(code)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) is not an error of ours
            pass
