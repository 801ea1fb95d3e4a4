"""Group commit: results reach DuckDB while the run goes, in bulk, from one writer thread.

Each write takes everything queued since the previous one, at most every
FLUSH_INTERVAL_S: a DuckDB transaction costs milliseconds of CPU whatever its size,
so writing each result alone would cost more CPU than the calls themselves. A crash
(even SIGKILL) loses at most the calls in flight and the results of the last
FLUSH_INTERVAL_S; a resumed run calls the model again only for those.

If a write fails (disk full, a value DuckDB refuses), nothing computed is dropped:
that batch and every later result go to a JSONL file beside the database, the run
stops, and the error names the file.
"""
from __future__ import annotations

import json
import queue
import threading
import time
from pathlib import Path

from ..errors import StoreError
from ..store import Store
from ..store.rows import result_record
from ..types import Result

_STOP = object()
# Half a second: at API speeds (hundreds of results a second) a batch then holds enough rows
# that the commit's fixed cost (2-6 ms of CPU) is a small share per result; 100 ms batches of
# ~30 results spent about 0.12 ms more CPU per call (benchmarks/RESULTS.md).
FLUSH_INTERVAL_S = 0.5


class ResultWriter:
    def __init__(self, store: Store, run_id: str, max_batch: int = 5000):
        self.store, self.run_id, self.max_batch = store, run_id, max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._closing = threading.Event()
        self.error: BaseException | None = None
        self.written = 0
        self.spill_path = Path(f"{store.path}.{run_id}.unsaved.jsonl")
        self._thread = threading.Thread(target=self._loop, name="evalkit-writer", daemon=True)
        self._thread.start()

    def put(self, result: Result, cache_entry: tuple | None = None) -> None:
        """Queue a result and, optionally, its cache entry (key, fingerprint, completion)."""
        self._queue.put((result, cache_entry))

    def _loop(self) -> None:
        last_write, backlog = 0.0, False
        while True:
            items = [self._queue.get()]  # asleep until there is something to write
            # Then wait out the flush interval in one sleep, not waking for every result: a
            # thread switch per result cost more CPU than writing it. close() ends the wait.
            wait = last_write + FLUSH_INTERVAL_S - time.monotonic()
            if wait > 0 and not backlog and items[0] is not _STOP:
                self._closing.wait(wait)
            while items[-1] is not _STOP and len(items) < self.max_batch:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            backlog = len(items) >= self.max_batch
            stop = items[-1] is _STOP
            items = [i for i in items if i is not _STOP]
            if items:
                self._write(items)
                last_write = time.monotonic()
            if stop:
                return

    def _write(self, items: list) -> None:
        results = [r for r, _ in items]
        if self.error is None:
            try:
                self.store.write(self.run_id, results, [c for _, c in items if c is not None])
                self.written += len(items)
                return
            except BaseException as exc:  # reported by close(); the run stops
                self.error = exc
        self._spill(results)

    def _spill(self, results: list[Result]) -> None:
        with self.spill_path.open("a", encoding="utf-8") as handle:
            for result in results:
                handle.write(json.dumps(result_record(self.run_id, result), default=str) + "\n")

    def close(self) -> None:
        """Flush and stop; raises once if any write failed (a second close is a no-op)."""
        if not self._thread.is_alive():
            return
        self._queue.put(_STOP)
        self._closing.set()
        self._thread.join()
        if self.error is not None:
            raise StoreError(f"could not store results in {self.store.path}: "
                             f"{type(self.error).__name__}: {self.error}\n"
                             f"  the results not stored are in {self.spill_path}")
