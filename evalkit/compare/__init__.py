"""Compare two runs: per-case flips, paired statistics, verdicts, what else changed."""
from .baselines import resolve
from .diff import Diff, compare
from .pairs import RunPairs, pair_runs, runs_by_suite
from .rows import CaseTransition, MetricRow
from .run_metrics import MetricValue, run_values

__all__ = ["CaseTransition", "Diff", "MetricRow", "MetricValue", "RunPairs", "compare",
           "pair_runs", "resolve", "run_values", "runs_by_suite"]
