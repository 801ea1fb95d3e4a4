"""A run's stop record (runs.stop, written by runner/batches.py) as the comparison and the
answer read it: where a batched run stopped and why, the sequential decision, and the caveat
that every number of the comparison covers only the cases that ran."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .sequential import NON_INFERIOR, REGRESSED


def _pp(value) -> str:
    return "?" if value is None else f"{value * 100:+.1f}"


@dataclass(frozen=True)
class Stop:
    stopped: bool  # dispatch stopped before the last case (the run is `partial`)
    reason: str | None  # sequential | budget | None
    decision: str | None  # regressed | non-inferior | undecided | None (no sequential test)
    cases_run: int
    cases_total: int
    text: str | None = None  # "stopped after 340 of 2,000 cases: regressed"
    sequential: Mapping[str, Any] | None = None
    spent: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, record: Any) -> Stop | None:
        """From a run's `stop` record (RunRecord.stop); None when it has none."""
        if not isinstance(record, Mapping):
            return None
        return cls(bool(record.get("stopped")), record.get("reason"), record.get("decision"),
                   int(record.get("cases_run") or 0), int(record.get("cases_total") or 0),
                   record.get("text"), record.get("sequential"), record.get("spent") or {})

    def decided_against(self, baseline_id: str) -> str | None:
        """The sequential decision when it was made against this baseline run, else None."""
        if not self.sequential or self.sequential.get("baseline") != baseline_id:
            return None
        return self.decision if self.decision in (REGRESSED, NON_INFERIOR) else None

    def intervals(self) -> str:
        """The anytime-valid interval of each primary metric, in words."""
        if not self.sequential:
            return ""
        alpha = float(self.sequential.get("alpha") or 0.05)
        parts = []
        for row in self.sequential.get("metrics") or []:
            name = "pass rate" if row["metric"] == "passed" else f"{row['metric']} pass rate"
            parts.append(f"{name} Δ {_pp(row.get('estimate'))} pp, anytime-valid "
                         f"{1 - alpha:.0%} interval [{_pp(row.get('low'))}, "
                         f"{_pp(row.get('high'))}] pp over {row['n']:,} paired cases")
        return "; ".join(parts)

    def headline(self) -> str:
        if self.text:
            return self.text
        if self.sequential:
            return (f"ran all {self.cases_total:,} cases: {self.decision or 'undecided'}")
        return f"ran {self.cases_run:,} of {self.cases_total:,} cases"

    def summary(self) -> str:
        """One line for the terminal after a run."""
        line = self.headline()
        if self.sequential:
            line += f" (sequential test: {self.intervals()})"
        if self.spent.get("calls") is not None:
            line += (f"; spent {self.spent['calls']:,} calls, "
                     f"{self.spent.get('tokens', 0):,} tokens")
            if self.spent.get("cost_usd"):  # none when the backend reports no cost
                line += f", ${self.spent['cost_usd']:.4g}"
        return line

    def caveat(self, headline: bool = True) -> str:
        """Why the comparison covers only some cases (a partial run)."""
        text = (f"every number here covers the {self.cases_run:,} cases that ran, a seeded "
                "random sample of the suite (metrics, slices and secondary rows too)")
        return f"{self.headline()} — {text}" if headline else text[0].upper() + text[1:]
