"""Group commit: results reach DuckDB while the run goes, in bulk, from one writer thread.

Each write takes everything queued since the previous one, so writes are batched
when the run is busy and immediate when it is not: a crash loses at most the calls
in flight and the batch being written.
"""
from __future__ import annotations

import queue
import threading

from ..store import Store
from ..types import Result

_STOP = object()


class ResultWriter:
    def __init__(self, store: Store, run_id: str, max_batch: int = 5000):
        self.store, self.run_id, self.max_batch = store, run_id, max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.written = 0
        self._thread = threading.Thread(target=self._loop, name="evalkit-writer", daemon=True)
        self._thread.start()

    def put(self, result: Result, cache_entry: tuple | None = None) -> None:
        """Queue a result and, optionally, its cache entry (key, fingerprint, completion)."""
        self._queue.put((result, cache_entry))

    def _loop(self) -> None:
        stop = False
        while not stop:
            items = [self._queue.get()]
            while len(items) < self.max_batch:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if _STOP in items:
                stop = True
                items = [i for i in items if i is not _STOP]
            if not items or self.error is not None:
                continue
            try:
                self.store.write(self.run_id, [r for r, _ in items],
                                 [c for _, c in items if c is not None])
                self.written += len(items)
            except BaseException as exc:  # reported by close(); the run stops writing
                self.error = exc

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()
        if self.error is not None:
            raise self.error
