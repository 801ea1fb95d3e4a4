"""Group commit: results reach DuckDB while the run goes, in bulk, from one writer thread.

Each write takes everything queued since the previous one, at most every
FLUSH_INTERVAL_S: a DuckDB transaction costs milliseconds of CPU whatever its size,
so writing each result alone would cost more CPU than the calls themselves. A crash
(even SIGKILL) loses at most the calls in flight and the results of the last
FLUSH_INTERVAL_S (at the start of a run into a new file, also those that came while the file
was being opened: ~0.2 s); a resumed run calls the model again only for those.

The writer never dies on a row. A batch the store refuses because of its rows (a value
DuckDB will not take) is written again in halves, down to single rows; a row refused alone
is stored as an error on its case, so only the bad rows fail. A failure of the storage
itself (disk full, I/O error) stops the run: that batch and every later result go to the
spill (spill.py), and the error names the first cause and where the results went.
"""
from __future__ import annotations

import queue
import threading
import time

from ..errors import StoreError
from ..redact import redact
from ..store import Store
from ..store.store import rows_at_fault
from ..types import Completion, Result
from .spill import Spill

_STOP = object()
# Half a second: at API speeds (hundreds of results a second) a batch then holds enough rows
# that the commit's fixed cost (2-6 ms of CPU) is a small share per result; 100 ms batches of
# ~30 results spent about 0.12 ms more CPU per call (benchmarks/RESULTS.md).
FLUSH_INTERVAL_S = 0.5


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return redact(f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": "))


def _refused(item: tuple, exc: BaseException) -> tuple:
    """A result the store refused, as an error on its case (no scores, no cache entry)."""
    result: Result = item[0]
    error = Completion(text=None, error=f"evalkit could not store this result: {_first_line(exc)}",
                       latency_s=None)
    return (Result(result.case, result.sample, result.request, error, (), result.worker), None)


class ResultWriter:
    def __init__(self, store: Store, run_id: str, max_batch: int = 5000):
        self.store, self.run_id, self.max_batch = store, run_id, max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._closing = threading.Event()
        self.error: BaseException | None = None  # the storage failure that stopped the run
        self.written = 0
        self.refused = 0  # rows stored as errors because the store refused them
        self.spill = Spill(store.path, run_id)
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
                # The interval runs from the start of a write: a first write that waited for a
                # new file to open (store/opening.py) does not push the next one back.
                last_write = time.monotonic()
                try:
                    self._write(items)
                except BaseException as exc:  # noqa: B036 - whatever it is, keep the results
                    self.error = self.error or exc
                    self._to_spill(items)
            if stop:
                return

    def _write(self, items: list) -> None:
        if self.error is not None:
            self._to_spill(items)
            return
        try:
            self.store.write(self.run_id, [r for r, _ in items],
                             [c for _, c in items if c is not None])
            self.written += len(items)
        except Exception as exc:
            if not rows_at_fault(exc):
                self.error = exc
                self._to_spill(items)
            elif len(items) == 1:
                self._write_refused(items[0], exc)
            else:  # the rows' fault: halves, down to the bad rows
                half = len(items) // 2
                self._write(items[:half])
                self._write(items[half:])

    def _write_refused(self, item: tuple, why: BaseException) -> None:
        try:
            self.store.write(self.run_id, [_refused(item, why)[0]])
            self.written += 1
            self.refused += 1
        except Exception as exc:  # not even the error row: the storage is failing
            self.error = exc
            self._to_spill([item])

    def _to_spill(self, items: list) -> None:
        self.spill.add(r for r, _ in items)

    def close(self) -> None:
        """Flush and stop; raises once if the storage failed (a second close is a no-op)."""
        if not self._thread.is_alive():
            return
        self._queue.put(_STOP)
        self._closing.set()
        self._thread.join()
        if self.error is not None:
            self.spill.retry_held()
            raise StoreError(f"could not store results in {self.store.path}: "
                             f"{_first_line(self.error)}; {self.spill.describe()}")
