"""The Store: one DuckDB file holding runs, results, scores, the response cache and baselines.

One writer process at a time (DuckDB's file lock; a second writer gets StoreLockedError
with a clear message). Readers open read-only. Writes are bulk: a dict of NumPy
columns per table, one INSERT ... SELECT per batch, one transaction per batch.
"""
from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ..errors import StoreError, UsageError
from ..redact import redact
from ..types import Completion, Result
from . import opening, rows
from .opening import OpeningLock
from .records import RunRecord
from .schema import CACHE_COLUMNS, RESULT_COLUMNS, SCORE_COLUMNS

DEFAULT_DB = "reports/evalkit.duckdb"
BACKGROUND_START_S = 1.0  # the longest a background opening waits for open_now()


SCORER_TOTALS = ("SELECT scorer, count(*) AS n, avg(value) AS mean, "
                 "avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END) AS pass_rate "
                 "FROM scores WHERE run_id = ? GROUP BY scorer ORDER BY scorer")


def default_db_path() -> str:
    return os.environ.get("EVALKIT_DB") or DEFAULT_DB


def rows_at_fault(exc: BaseException) -> bool:
    """True when a failed write is the fault of the rows written (a value DuckDB will not take,
    a key written twice), so writing them apart isolates the bad ones. Anything else (disk
    full, I/O error, a damaged or changed database) is the storage's fault."""
    if isinstance(exc, (TypeError, ValueError, OverflowError)):  # building the columns
        return True
    import duckdb

    return isinstance(exc, (duckdb.DataError, duckdb.IntegrityError,
                            duckdb.InvalidInputException))


def storage_at_fault(exc: BaseException) -> bool:
    """True when DuckDB could not read or write the database file (damaged, cut short, a full
    disk) rather than a bug of ours. DuckDB not imported yet: it cannot have raised."""
    import sys

    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(exc, (duckdb.IOException,
                                                   duckdb.SerializationException,
                                                   duckdb.FatalException))


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Store:
    def __init__(self, path: str | Path | None = None, *, read_only: bool = False,
                 background: bool = False):
        """`background`: a file that does not exist yet is created and migrated in a thread
        (opening.py says why); the connection's users wait for it, and an error opening it
        is raised to the first of them."""
        self.path = Path(path or default_db_path())
        self.read_only = read_only
        self._types: dict[str, dict[str, str]] = {}  # column types per table, for inserts
        if read_only and not self.path.exists():
            raise StoreError(f"no results database at {self.path}\n"
                             "  fix: run a suite first, or pass --db PATH / set EVALKIT_DB")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._opened, self._go = threading.Event(), threading.Event()
        # a DuckDB connection is not safe across threads; this lock also waits for the opening
        self._lock = OpeningLock(self._wait_opened)
        self._open_error: BaseException | None = None
        self._pending: list | None = []  # what waits for a background opening (create_run)
        self._pending_lock = threading.Lock()
        # A new file holds no run and no cache entry until this store writes one.
        self.fresh = not read_only and not self.path.exists()
        self._runs_created = 0
        if background and self.fresh:
            threading.Thread(target=self._open_in_background, daemon=True,
                             name="evalkit-store-open").start()
            return
        self._open()
        if self._open_error is not None:
            raise self._open_error

    def _open_in_background(self) -> None:
        # Until the first calls are out (open_now), or a second at most: DuckDB's import holds
        # the GIL, and taking turns with it slowed the way to the first request by ~0.1 s.
        self._go.wait(BACKGROUND_START_S)
        self._open()

    def open_now(self) -> None:
        """Start a background opening now (the run's first calls are on their way)."""
        self._go.set()

    def _open(self) -> None:
        try:
            con = opening.connect(self.path, self.read_only)
            if self.read_only:
                opening.check_schema(con, self.path)
            else:
                opening.migrate(con, self.path, utcnow)
            self._con = con
        except BaseException as exc:  # raised to the connection's first user
            self._open_error = exc
        with self._pending_lock:
            pending, self._pending = self._pending or [], None
            for operation in pending:
                if self._open_error is None:
                    try:
                        operation(self._con)
                    except BaseException as exc:
                        self._open_error = exc
            self._opened.set()
        if self._open_error is None:
            import duckdb

            from ..log import get_logger

            get_logger(__name__).debug("opened %s%s (DuckDB %s)", self.path,
                                       " read-only" if self.read_only else "", duckdb.__version__)

    def _wait_opened(self) -> None:
        if not self._opened.is_set():
            self._go.set()  # someone needs it now: a waiting background opening starts
            self._opened.wait()

    @property
    def con(self) -> Any:
        self._wait_opened()
        if self._open_error is not None:
            raise self._open_error
        return self._con

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self.con.close()  # a failed opening is raised here if nobody used the store

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        try:
            self.close()
        except Exception:
            if exc_type is None:
                raise  # else the error already on its way is the one to report

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """The connection inside one transaction, under the store's lock; rolled back when
        the body raises (after a failed COMMIT, a disk full, there may be none left to roll
        back: the error to report is the first one)."""
        with self._lock:
            self.con.execute("BEGIN")
            try:
                yield self.con
                self.con.execute("COMMIT")
            except BaseException:
                try:
                    self.con.execute("ROLLBACK")
                except Exception:
                    pass
                raise

    @contextmanager
    def registered(self, name: str, data: Any) -> Iterator[Any]:
        """`data` (a DataFrame or a dict of NumPy columns) readable as table `name` by the
        statements in the body; unregistered after, whatever happens."""
        with self._lock:
            self.con.register(name, data)
            try:
                yield self.con
            finally:
                self.con.unregister(name)

    def _query(self, sql: str, params: Sequence | Mapping | None = None) -> list[tuple]:
        with self._lock:
            return self.con.execute(sql, params or []).fetchall()

    def query(self, sql: str, params: Sequence | Mapping | None = None) -> list[tuple]:
        """Any statement, rows as tuples (for the modules above the store)."""
        return self._query(sql, params)

    def df(self, sql: str, params: Sequence | Mapping | None = None):
        """Any query as a pandas DataFrame (for notebooks and the CLI)."""
        with self._lock:
            return self.con.execute(sql, params or []).df()

    # -- runs ----------------------------------------------------------------------
    def create_run(self, run: RunRecord | Mapping[str, Any]) -> None:
        """A new run's row. A value given as a function (provenance, which runs git) is
        computed when the row is written: during a background opening, after the first calls
        have gone out."""
        if isinstance(run, RunRecord):
            run = run.to_dict()
        self._runs_created += 1

        def insert(con: Any) -> None:
            names = list(run)
            values = [v() if callable(v) else v for v in run.values()]
            values = [json.dumps(v, default=str) if isinstance(v, (dict, list)) else v
                      for v in values]
            values = [redact(v) if isinstance(v, str) else v for v in values]  # options, provenance
            con.execute(f"INSERT INTO runs ({', '.join(names)}) VALUES "
                        f"({', '.join('?' for _ in names)})", values)

        with self._pending_lock:
            if self._pending is not None:  # the file is being opened: written right after
                self._pending.append(insert)
                return
        with self._lock:
            insert(self.con)

    def finish_run(self, run_id: str, status: str, error: str | None = None,
                   stop: Mapping[str, Any] | None = None) -> None:
        """`stop`: where a batched run stopped dispatch and why (None for any other run)."""
        with self._lock:
            self.con.execute("UPDATE runs SET status = ?, finished_at = ?, error = ?, stop = ? "
                             "WHERE run_id = ?", [status, utcnow(), redact(error),
                                                  None if stop is None else json.dumps(stop),
                                                  run_id])

    def mark_resumed(self, run_id: str) -> None:
        with self._lock:
            self.con.execute("UPDATE runs SET status = 'running', finished_at = NULL WHERE run_id = ?",
                             [run_id])

    def run(self, run_id: str) -> RunRecord:
        with self._lock:
            cursor = self.con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
            row = cursor.fetchone()
            names = [d[0] for d in cursor.description]
        if row is None:
            raise UsageError(f"no run '{run_id}' in {self.path}")
        return RunRecord.from_row(names, row)

    def resumable_run(self, resume_key: str) -> str | None:
        """The latest unfinished run with the same suite, model, options and label (a run
        stopped early by a budget cap or a sequential test is unfinished too: `partial`)."""
        if self.fresh and not self._runs_created:
            return None  # a new file: no run to resume (and no need to wait for its opening)
        rows_ = self._query("SELECT run_id FROM runs WHERE resume_key = ? AND status IN "
                            "('running', 'interrupted', 'partial') ORDER BY started_at DESC "
                            "LIMIT 1",
                            [resume_key])
        return rows_[0][0] if rows_ else None

    def resolve_run(self, ref: str) -> str:
        """The run `ref` names: an id, a baseline, a label, a unique id prefix or suffix (the
        precedence is run_refs.py's)."""
        from .run_refs import resolve_run

        return resolve_run(self, ref)

    # -- results -------------------------------------------------------------------
    def write(self, run_id: str, results: Sequence[Result],
              cache_entries: Sequence[tuple] = ()) -> None:
        """Results, their scores and cache entries in one transaction (one INSERT per table)."""
        if not results and not cache_entries:
            return
        batches = [("results", RESULT_COLUMNS, rows.result_rows(run_id, results), "INSERT"),
                   ("scores", SCORE_COLUMNS, rows.all_score_rows(run_id, results), "INSERT"),
                   ("cache", CACHE_COLUMNS, rows.cache_rows(cache_entries), "INSERT OR REPLACE")]
        with self.transaction():
            for table, names, batch, verb in batches:
                if batch:
                    self._insert(table, names, batch, verb)

    def _insert(self, table: str, names: Sequence[str], batch: list[tuple], verb: str) -> None:
        """One INSERT of a batch of rows: NumPy arrays for big batches, lists for the others."""
        listed = ", ".join(names)
        if len(batch) >= rows.NUMPY_ROWS:
            with self.registered("_ek_batch", rows.columns(batch, names)) as con:
                con.execute(f"{verb} INTO {table} ({listed}) SELECT * FROM _ek_batch")
            return
        types = self._types.get(table)
        if types is None:
            types = self._types[table] = dict(self.con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? AND "
                "database_name = current_database()", [table]).fetchall())
        picked = ", ".join(f"unnest(${i + 1}::{types[n]}[])" for i, n in enumerate(names))
        self.con.execute(f"{verb} INTO {table} ({listed}) SELECT {picked}",
                         rows.column_lists(batch, names))

    def done_keys(self, run_id: str) -> set[tuple[str, int]]:
        return {(c, s) for c, s in self._query(
            "SELECT case_id, sample FROM results WHERE run_id = ?", [run_id])}

    def cached(self, keys: Iterable[str]) -> dict[str, Completion]:
        """Cached completions for these keys, in one query (a list parameter, no NumPy)."""
        keys = list(keys)
        if self.fresh and not self._opened.is_set():
            return {}  # a new file still opening: nothing can have been written to it yet
        if not keys or not self._query("SELECT 1 FROM cache LIMIT 1"):
            return {}
        found = self._query("SELECT key, completion FROM cache WHERE key IN "
                            "(SELECT unnest(?::VARCHAR[]))", [keys])
        return {key: Completion.from_json(json.loads(raw)) for key, raw in found}

    def cached_judge_grades(self, keys: Sequence[str]) -> dict[str, dict]:
        """Cached LLM-judge grades for these keys (the JudgeCache protocol), one query."""
        keys = list(keys)
        if not keys:
            return {}
        found = self._query("SELECT key, verdict FROM judge_cache WHERE key IN "
                            "(SELECT unnest(?::VARCHAR[]))", [keys])
        return {key: json.loads(raw) for key, raw in found}

    def put_judge_grades(self, entries: Sequence[tuple[str, str, Mapping[str, Any]]]) -> None:
        """(key, judge identity, verdict) rows in one statement."""
        if entries:
            keys, judges, verdicts = zip(*[(k, j, redact(json.dumps(v, default=str)))
                                           for k, j, v in entries])
            self._query("INSERT OR REPLACE INTO judge_cache (key, judge, verdict) SELECT "
                        "unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
                        [list(keys), list(judges), list(verdicts)])

    def recorded_outputs(self, run_ref: str) -> dict[tuple[str, int], Completion]:
        run_id = self.resolve_run(run_ref)
        from .reads import COMPLETION_COLUMNS, completion_of

        return {(row[0], row[1]): completion_of(row[2:]) for row in self._query(
            f"SELECT case_id, sample, {COMPLETION_COLUMNS} FROM results WHERE run_id = ?",
            [run_id])}

    # -- tables for people and notebooks --------------------------------------------
    def runs(self, limit: int | None = None):
        sql = ("SELECT r.run_id, r.suite, r.model_ref, r.label, r.status, r.started_at, "
               "r.finished_at, r.n_cases, r.samples, "
               "count(x.case_id) AS results, "
               "avg(CASE WHEN x.passed THEN 1.0 ELSE 0.0 END) AS pass_rate, "
               "count(x.error) AS errors, sum(x.cost_usd) AS cost_usd "
               "FROM runs r LEFT JOIN results x USING (run_id) GROUP BY ALL "
               "ORDER BY r.started_at DESC" + (f" LIMIT {int(limit)}" if limit else ""))
        return self.df(sql)

    def results(self, run_ref: str):
        return self.df("SELECT * FROM results WHERE run_id = ? ORDER BY case_id, sample",
                       [self.resolve_run(run_ref)])

    def scores(self, run_ref: str):
        return self.df("SELECT * FROM scores WHERE run_id = ? ORDER BY case_id, sample, scorer",
                       [self.resolve_run(run_ref)])

    def slice_totals(self, run_id: str, key: str):
        """Pass rate per value of one metadata key (a slice)."""
        path = '$."' + key.replace('"', '\\"') + '"'
        return self.df("SELECT json_extract_string(metadata, ?) AS value, count(*) AS n, "
                       "avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END) AS pass_rate FROM results "
                       "WHERE run_id = ? GROUP BY ALL ORDER BY value", [path, run_id])

    def scorer_totals(self, run_id: str) -> list[tuple]:
        """(scorer, n, mean value, pass rate) rows, without pandas."""
        return self._query(SCORER_TOTALS, [run_id])

    def scorer_summary(self, run_id: str):
        return self.df(SCORER_TOTALS, [run_id])
