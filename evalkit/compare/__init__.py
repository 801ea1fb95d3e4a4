"""Compare two runs: per-case flips, paired statistics, verdicts, what else changed."""
from .baselines import resolve
from .diff import Diff, compare
from .run_metrics import MetricValue, run_values

__all__ = ["Diff", "MetricValue", "compare", "resolve", "run_values"]
