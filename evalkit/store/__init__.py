"""The DuckDB store: runs, results, scores, cache, baselines."""
from .store import DEFAULT_DB, Store, default_db_path

__all__ = ["DEFAULT_DB", "Store", "default_db_path"]
