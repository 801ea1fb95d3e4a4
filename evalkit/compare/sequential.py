"""An anytime-valid paired test for `evalkit run --sequential`: stop as soon as the answer on
the primary metric is clear.

The candidate runs the suite's cases in a seeded random order, in batches. Each case gives a
paired difference d ∈ [−1, 1] (candidate − baseline pass rate of that case, averaged over the
samples both runs have). In a random order the d's are independent draws from the population
of cases the suite samples, whose mean Δ is what `evalkit compare` estimates too.

The test is a *betting confidence sequence* (Waudby-Smith & Ramdas 2024, "Estimating means of
bounded random variables by betting", JRSS-B 86(1)): for each candidate value m of Δ two
capital processes

    K⁺ₜ(m) = Πᵢ (1 + λ⁺ᵢ (dᵢ − m)),    K⁻ₜ(m) = Πᵢ (1 − λ⁻ᵢ (dᵢ − m))

bet, with predictable stakes λ± ≥ 0, that Δ lies above (K⁺) or below (K⁻) m. Under Δ ≤ m
(resp. ≥ m) each is a nonnegative supermartingale, so by Ville's inequality it ever reaches
2/α with probability at most α/2, *however often it is looked at*. m is excluded for good
once either capital reaches 2/α; the values never excluded form a (1 − α) confidence
sequence: it covers Δ at every time at once, so monitoring after every batch (or every case)
keeps the error rates. The stakes are aGRAPA's (their §5.2): the Kelly bet of a second-order
expansion, λ = (μ̂ − m) / (σ̂² + (μ̂ − m)²) from the mean and variance of the cases before,
clipped to [0, c/(1 ± m)] with c = 1/2 so capital can never reach 0. Against empirical-
Bernstein or Hoeffding sequences it adapts to the variance actually seen: a near-
deterministic suite (few discordant cases) decides after about a hundred cases. A crossing
anywhere inside a batch counts (Ville's inequality covers every case, not only the looks).

Decisions, read after each batch from the two boundary tests, each valid by itself:

- `regressed`: K⁻(−margin) reached 2/α — Δ < −margin (margin: the regression margin of the
  primary metric, `compare.margin`, default 0);
- `non-inferior`: K⁺(−swap_margin) reached 2/α — a drop beyond the swap margin is ruled out
  (`compare.swap_margin`, default 5 pp);
- else go on. Regressed is checked first (with margin < swap_margin both can hold: a
  significant drop smaller than the swap margin is still a regression, as in compare).
  A decision, once made, stays.

A false "regressed" (Δ ≥ −margin) has probability ≤ α/2 and a false "non-inferior"
(Δ ≤ −swap_margin) ≤ α/2, however often the test looks. With several primary metrics α is
split equally between them. The interval shown is the hull of the values of a grid (every
0.25 pp of Δ) that neither capital excluded: a (1 − α) confidence sequence. Measured in
benchmarks/sequential.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

REGRESSED, NON_INFERIOR, UNDECIDED = "regressed", "non-inferior", "undecided"
GRID_STEP = 0.0025  # of Δ: 0.25 pp
STAKE_CAP = 0.5  # c: a bet never risks more than half the capital
PRIOR_VARIANCE = 1.0  # σ̂² before any case (1/4 on [0, 1], as in the paper, is 1 on [−1, 1])


def grid() -> np.ndarray:
    """The values of Δ the sequence tests for its interval: every GRID_STEP in (−1, 1)."""
    return np.linspace(-1.0, 1.0, round(2 / GRID_STEP) + 1)[1:-1]


@dataclass(frozen=True)
class Look:
    """The sequence after a batch: how many cases, the interval, the decision."""

    n: int
    estimate: float
    low: float
    high: float
    decision: str


class BettingSequence:
    """The confidence sequence of a mean in [−1, 1], vectorised over independent streams
    (`streams`: 1 in a run, one per trial in the simulation). Feed it with `update`.

    `values`: the m to test (default: the grid and both boundaries). Decisions read the two
    boundary tests alone — K⁻(−margin) for "regressed", K⁺(−swap_margin) for
    "non-inferior" — each a valid α/2 test by itself, so a simulation may test nothing else."""

    def __init__(self, alpha: float, margin: float = 0.0, swap_margin: float = 0.05,
                 streams: int = 1, values=None):
        if not 0 < alpha < 1:
            raise ValueError("alpha must lie in (0, 1)")
        self.alpha, self.margin, self.swap_margin = alpha, margin, swap_margin
        tested = grid() if values is None else np.asarray(values, dtype=np.float64)
        self.m = np.unique(np.concatenate([tested, [-margin, -swap_margin]]))
        self._regress_at = int(np.flatnonzero(np.isclose(self.m, -margin))[0])
        self._swap_at = int(np.flatnonzero(np.isclose(self.m, -swap_margin))[0])
        self.threshold = math.log(2 / alpha)
        shape = (streams, len(self.m))
        self.log_up = np.zeros(shape)  # log K⁺(m)
        self.log_down = np.zeros(shape)  # log K⁻(m)
        self.above = np.zeros(shape, dtype=bool)  # K⁺(m) reached 2/α: Δ > m
        self.below = np.zeros(shape, dtype=bool)  # K⁻(m) reached 2/α: Δ < m
        self.n = np.zeros(streams, dtype=np.int64)
        self.total = np.zeros(streams)  # Σ d
        self.squares = np.zeros(streams)  # Σ (d − μ̂ before it)²: the predictable variance
        self.decided = np.full(streams, UNDECIDED, dtype=object)

    def update(self, values, present=None) -> None:
        """Feed the next cases: `values` (streams, k) in case order; `present` (streams, k)
        False where a stream has no case (ragged batches)."""
        d = np.atleast_2d(np.asarray(values, dtype=np.float64))
        mask = np.ones_like(d, dtype=bool) if present is None else np.atleast_2d(present)
        d = np.where(mask, d, 0.0)
        # predictable mean and variance: from the cases before each one (prior: 0 and 1)
        counts = self.n[:, None] + np.cumsum(mask, axis=1) - mask
        sums = self.total[:, None] + np.cumsum(d, axis=1) - d
        mean_before = sums / (counts + 1)
        squares_before = np.empty_like(d)  # needs each earlier case's μ̂: sequential in k
        running = self.squares.copy()
        for j in range(d.shape[1]):
            squares_before[:, j] = running
            running = running + np.where(mask[:, j], (d[:, j] - mean_before[:, j]) ** 2, 0.0)
        variance = (PRIOR_VARIANCE + squares_before) / (counts + 1)
        m = self.m[None, :, None]
        gap = mean_before[:, None, :] - m  # (streams, values, k)
        kelly = gap / (variance[:, None, :] + gap * gap)
        diff = d[:, None, :] - m
        live = mask[:, None, :]
        for side, log, crossed in ((1.0, self.log_up, self.above),
                                   (-1.0, self.log_down, self.below)):
            stake = np.clip(side * kelly, 0.0, STAKE_CAP / (1 + side * m))
            path = log[:, :, None] + np.cumsum(np.where(live, np.log1p(side * stake * diff),
                                                        0.0), axis=2)
            crossed |= (path >= self.threshold).any(axis=2)
            log[:, :] = path[:, :, -1]
        self.n += mask.sum(axis=1)
        self.total += d.sum(axis=1)
        self.squares = running

    def interval(self) -> tuple[np.ndarray, np.ndarray]:
        """The hull of the values not excluded, per stream (NaN before any case)."""
        kept = ~(self.above | self.below)
        none = ~kept.any(axis=1)  # every value excluded (probability ≤ α): the estimate alone
        index = np.arange(len(self.m))
        low = self.m[np.where(kept, index, len(self.m) - 1).min(axis=1)]
        high = self.m[np.where(kept, index, 0).max(axis=1)]
        estimate = self.estimate()
        low, high = np.where(none, estimate, low), np.where(none, estimate, high)
        empty = self.n == 0
        return np.where(empty, np.nan, low), np.where(empty, np.nan, high)

    def covers(self, index: int) -> np.ndarray:
        """Whether the value self.m[index] was never excluded, per stream."""
        return ~(self.above[:, index] | self.below[:, index])

    def estimate(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n > 0, self.total / np.maximum(self.n, 1), np.nan)

    def decisions(self) -> np.ndarray:
        """regressed / non-inferior / undecided per stream; a decision, once made, stays."""
        regressed = self.below[:, self._regress_at]
        non_inferior = self.above[:, self._swap_at]
        now = np.where(regressed, REGRESSED, np.where(non_inferior, NON_INFERIOR, UNDECIDED))
        self.decided = np.where(self.decided == UNDECIDED, now, self.decided)
        return self.decided

    def look(self, stream: int = 0) -> Look:
        low, high = self.interval()
        return Look(int(self.n[stream]), float(self.estimate()[stream]), float(low[stream]),
                    float(high[stream]), str(self.decisions()[stream]))
