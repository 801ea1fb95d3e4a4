"""evalkit: is the new model safe to ship? Suites → runs → DuckDB → comparisons → reports.

The public API is imported lazily so `import evalkit` and `evalkit --help` stay fast.
"""
from __future__ import annotations

__version__ = "0.1.0"

_API = {
    "load_suite": "evalkit.suite",
    "Suite": "evalkit.suite",
    "run_suite": "evalkit.runner",
    "run_suite_async": "evalkit.runner",
    "RunConfig": "evalkit.runner",
    "Store": "evalkit.store",
    "RunRecord": "evalkit.store",
    "CaseResult": "evalkit.store",
    "Model": "evalkit.backends.model",
    "RetryPolicy": "evalkit.backends.retry",
    "Diff": "evalkit.compare",
    "MetricRow": "evalkit.compare",
    "CaseTransition": "evalkit.compare",
    "EvalkitError": "evalkit.errors",
    "SuiteError": "evalkit.errors",
}

__all__ = ["CaseResult", "CaseTransition", "Diff", "EvalkitError", "MetricRow", "Model",
           "RetryPolicy", "RunConfig", "RunRecord", "Store", "Suite", "SuiteError", "__version__",
           "load_suite", "run_suite", "run_suite_async"]


def __getattr__(name: str):
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
