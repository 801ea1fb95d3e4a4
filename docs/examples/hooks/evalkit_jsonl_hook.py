"""An evalkit hook plugin: every event as one JSON line, appended to the file named by
EVALKIT_JSONL_HOOK_PATH (default evalkit-events.jsonl). A starting point for forwarding to a
tracing or experiment-tracking system: replace `_write` with its client's call.

Register it in the plugin's own pyproject.toml:

    [project.entry-points."evalkit.hooks"]
    jsonl = "evalkit_jsonl_hook:JsonLinesHook"
"""
from __future__ import annotations

import dataclasses
import json
import os
import threading


class JsonLinesHook:
    def __init__(self) -> None:
        self.path = os.environ.get("EVALKIT_JSONL_HOOK_PATH", "evalkit-events.jsonl")
        self._lock = threading.Lock()  # results arrive from the runner's event loop thread

    def _write(self, kind: str, event) -> None:
        line = json.dumps({"event": kind, **dataclasses.asdict(event)}, default=str)
        with self._lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(line + "\n")

    def run_started(self, event) -> None:
        self._write("run_started", event)

    def result_stored(self, event) -> None:
        self._write("result_stored", event)

    def run_finished(self, event) -> None:
        self._write("run_finished", event)

    def comparison_made(self, event) -> None:
        self._write("comparison_made", event)
