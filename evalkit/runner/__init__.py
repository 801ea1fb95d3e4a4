"""The async runner: concurrency limits, retries, cache, resume, bulk writes."""
from .retry import RetryPolicy
from .run import RunConfig, RunSummary, open_backend, run_suite, run_suite_async

__all__ = ["RetryPolicy", "RunConfig", "RunSummary", "open_backend", "run_suite", "run_suite_async"]
