"""The async runner: cache, resume, scoring, bulk writes; calls go through backends.Model
(retries, timeouts, the concurrency limit)."""
from ..backends.retry import RetryPolicy
from .run import RunConfig, RunSummary, open_backend, open_model, run_suite, run_suite_async

__all__ = ["RetryPolicy", "RunConfig", "RunSummary", "open_backend", "open_model", "run_suite",
           "run_suite_async"]
