"""Gates: the suite's pass/fail policy evaluated on a run or on a Diff."""
from .evaluate import GateReport, GateResult, check_diff, check_run

__all__ = ["GateReport", "GateResult", "check_diff", "check_run"]
