"""`evalkit show`: parity across slices (largest gap between groups) and counterfactual
variants that disagree."""
from __future__ import annotations

from ..store.slices import OVERALL, Disagreement, SliceGap
from .render import Styled, percent, safe, table


def print_parity(out, gaps: dict[str, list[SliceGap]], flips: list[Disagreement]) -> None:
    for key, rows in gaps.items():
        rows = [g for g in rows if g.scorer == OVERALL or g.gap > 0]  # scorers with a gap
        if not rows:
            continue
        out.print(table(f"parity: {safe(key)} (largest gap in pass rate between groups)",
                        ["scorer", "gap", "best group", "worst group"],
                        [[safe(g.scorer), percent(g.gap),
                          Styled(f"{safe(g.best)} {percent(g.groups[g.best][1])}"),
                          Styled(f"{safe(g.worst)} {percent(g.groups[g.worst][1])}")]
                         for g in sorted(rows, key=lambda g: (g.scorer != OVERALL, -g.gap))]))
    if flips:
        out.print(table("counterfactual variants with different verdicts",
                        ["scorer", "disagreement", "cases", "examples"],
                        [[safe(d.scorer), percent(d.rate), f"{d.disagreeing} of {d.origins}",
                          safe(", ".join(d.examples), 120)]
                         for d in sorted(flips, key=lambda d: (d.scorer != OVERALL, d.scorer))]))
