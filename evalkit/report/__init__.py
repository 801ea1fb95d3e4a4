"""Reports: a run or a comparison rendered for people (HTML), pull requests (Markdown) and
CI systems (JUnit XML). Every format starts from one `ReportInput` (inputs.prepare)."""
from .inputs import ReportInput, prepare
from .redaction import Redactor
from .swap_answer import SwapAnswer
from .verdict import SwapVerdict

__all__ = ["ReportInput", "Redactor", "SwapAnswer", "SwapVerdict", "prepare"]
