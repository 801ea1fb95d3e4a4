"""The DuckDB store: runs, results, scores, cache, baselines."""
from .reads import CaseResult, ScoreResult, case_results
from .records import RunRecord
from .store import DEFAULT_DB, Store, default_db_path

__all__ = ["DEFAULT_DB", "CaseResult", "RunRecord", "ScoreResult", "Store", "case_results",
           "default_db_path"]
