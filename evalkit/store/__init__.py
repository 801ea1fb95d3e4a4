"""The DuckDB store: runs, results, scores, cache, baselines."""
from .records import RunRecord
from .store import DEFAULT_DB, Store, default_db_path

__all__ = ["DEFAULT_DB", "RunRecord", "Store", "default_db_path"]
