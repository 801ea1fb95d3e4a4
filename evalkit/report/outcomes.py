"""Each case's outcome in one run — output, error and every scorer's explanation — in one
query, for the Markdown summary and JUnit XML."""
from __future__ import annotations

from dataclasses import dataclass

from ..store import Store

OUTCOMES = """
SELECT r.case_id, r.sample, r.passed, r.error, r.output, r.target::VARCHAR, r.latency_s,
       list(struct_pack(scorer := s.scorer, passed := s.passed, explanation := s.explanation)
            ORDER BY s.scorer) FILTER (WHERE s.scorer IS NOT NULL)
FROM results r LEFT JOIN scores s
  ON s.run_id = r.run_id AND s.case_id = r.case_id AND s.sample = r.sample
WHERE r.run_id = ?
GROUP BY ALL
ORDER BY r.case_id, r.sample
"""


@dataclass(frozen=True)
class Outcome:
    case_id: str
    sample: int
    passed: bool
    error: str | None
    output: str | None
    target: str | None  # JSON text
    latency_s: float | None
    scores: tuple[tuple[str, bool | None, str | None], ...]  # (scorer, passed, explanation)

    def why(self) -> str:
        """The reasons this case failed: the call's error, then each failing scorer's words."""
        parts = [f"error: {self.error}"] if self.error else []
        parts += [f"{name}: {text or 'failed'}" for name, ok, text in self.scores if ok is False]
        return "; ".join(parts)


def outcomes(store: Store, run_id: str) -> list[Outcome]:
    rows = store.query(OUTCOMES, [run_id])
    return [Outcome(case, int(sample), bool(passed), error, output, target, latency,
                    tuple((s["scorer"], s["passed"], s["explanation"]) for s in (scores or ())))
            for case, sample, passed, error, output, target, latency, scores in rows]
