"""The former name of swap_answer.py, kept so that notebooks and scripts that import
`evalkit.report.verdict` (for_diff, for_run, SwapVerdict) still work. "Verdict" now names
only a metric row's regressed / improved / no detectable change (compare/verdicts.py)."""
from .swap_answer import (  # noqa: F401
    INCONCLUSIVE,
    NO,
    YES,
    SwapAnswer,
    answer,
    combine,
    for_diff,
    for_run,
)

SwapVerdict = SwapAnswer
