"""Gates: the suite's pass/fail policy evaluated on a run or on a Diff (`evaluate_gates`)."""
from .check import GateCheck, evaluate_gates
from .evaluate import GateReport, GateResult, check_diff, check_run

__all__ = ["GateCheck", "GateReport", "GateResult", "check_diff", "check_run", "evaluate_gates"]
