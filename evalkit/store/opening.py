"""Opening a store's DuckDB file: connect (with clear errors for a lock or a foreign file),
migrate or check the schema, and the lock that lets a new file be opened in the background.

A new file has nothing to read before a run's first model calls (no cache, nothing to
resume), so `evalkit run` opens it in a thread while those calls go out: importing DuckDB,
creating and migrating the file cost ~0.2 s, most of a lean process's start-up
(benchmarks/RESULTS.md, "One process's cost"). Everything that touches the connection waits
for the opening through OpeningLock.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any, Callable

from ..errors import StoreError, StoreLockedError
from .schema import MIGRATIONS

# New database files are written in the storage format of DuckDB 1.2, which every supported
# DuckDB (1.2.2 to 2.x) opens: a file written by a laptop on DuckDB 2 opens in CI on DuckDB
# 1.x and back. (Not 1.1's: DuckDB 1.5 fails inserting into a primary key in that format,
# "node without metadata in ARTOperator::Insert".) An existing file keeps the format it was created with
# (docs/storage.md: moving an older file across, and Parquet as the long-term interchange).
STORAGE_VERSION = "v1.2.0"


def connect(path: Path, read_only: bool) -> Any:
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=read_only, config={
            "storage_compatibility_version": STORAGE_VERSION})
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            holder = re.search(r"PID (\d+)", str(exc))
            raise StoreLockedError(
                f"{path} is open for writing by another process"
                + (f" (pid {holder.group(1)})" if holder else "")
                + "; DuckDB allows one writer at a time.\n"
                "  fix: wait for that run to finish, or use another --db file") from None
        raise StoreError(f"cannot open {path}: {exc}") from None
    except duckdb.Error as exc:
        raise StoreError(f"cannot open {path} as a DuckDB database: {exc}") from None


def migrate(con: Any, path: Path, now: Any) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
                "PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    applied = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    newest = max(v for v, _, _ in MIGRATIONS)
    if applied and max(applied) > newest:
        raise StoreError(f"{path} was written by a newer evalkit (schema "
                         f"{max(applied)} > {newest}); upgrade evalkit")
    for version, name, sql in MIGRATIONS:
        if version in applied:
            continue
        con.execute("BEGIN")
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, now()])
        con.execute("COMMIT")


def check_schema(con: Any, path: Path) -> None:
    """A read-only open migrates nothing: refuse a file that is not evalkit's (or newer)."""
    import duckdb

    try:
        (newest,), = con.execute("SELECT max(version) FROM schema_migrations").fetchall()
    except duckdb.CatalogException:
        con.close()
        raise StoreError(f"{path} is a DuckDB file but not an evalkit results database"
                         "\n  fix: pass the --db file `evalkit run` wrote") from None
    if newest is not None and newest > max(v for v, _, _ in MIGRATIONS):
        con.close()
        raise StoreError(f"{path} was written by a newer evalkit (schema {newest}); "
                         "upgrade evalkit")


class OpeningLock:
    """The store's (reentrant) lock, taken only once the file is open: a thread that wants
    the connection while it is being opened in the background waits here (`wait_opened`)."""

    def __init__(self, wait_opened: Callable[[], None]):
        self._wait_opened, self._lock = wait_opened, threading.RLock()

    def __enter__(self) -> "OpeningLock":
        self._wait_opened()
        self._lock.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self._lock.release()
