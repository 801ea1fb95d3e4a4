"""The alignment of two runs (paired samples per metric, per-case units, slices, flips) is
SQL over the stored runs, so it lives behind the store's read-only analytics entry
(store/analytics_align.py); these are the names the compare layer reads it by."""
from ..store.analytics import (
    ERROR_METRIC,
    ERROR_STAT,
    Alignment,
    json_path,
    valued_scorers,
    waiver_lists,
)

__all__ = ["ERROR_METRIC", "ERROR_STAT", "Alignment", "json_path", "valued_scorers",
           "waiver_lists"]
