"""Slice discovery across a swap: subgroups the suite never declared where the candidate got
worse than the baseline.

What is searched (per case, on the primary metric's per-case delta, candidate − baseline):
every scalar metadata field (a value is a slice; a numeric field with more than 10 values is
bucketed), the input length (the baseline's tokens in, else the prompt's characters), the
baseline's output length (tokens out, else characters: the baseline's, so the slice is a
property of the case rather than of the candidate's failure), the prompt's script
(`scripts.dominant_script`; a `lang`/`language` metadata field is searched as a field), and
two-way combinations of slices of different fields. Numeric values are cut at their
quartiles, with the top and bottom deciles as slices too. A slice needs at least
`max(30, 1 % of the cases)` cases (the size floor), and slices of declared slice keys are
searched only in combinations (the comparison tests them already).

The test (one-sided): does the slice's mean delta lie below the other cases'? Under "the
slice is like the rest" its mean is that of n_S deltas drawn without replacement from all of
them, so z = (mean_S − mean_rest) / √(var_all · (1/n_S + 1/n_rest)), the normal
approximation of that permutation test. Its variance comes from every case, so a small
slice with a few discordant pairs does not get a tiny variance of its own. When few cases
change at all that approximation fails, so the exact hypergeometric tail of the number of
worse cases in the slice must agree too (p is the larger of the two).

False discoveries: a weighted Holm procedure over every searched slice at family-wise level
alpha (the comparison's): the single slices share half of alpha, the combinations the other
half, so a drop in a plain metadata value is not diluted by the hundreds of combinations.
The issue offered Benjamini–Hochberg or split-half confirmation; benchmarks/slice_plan_sim.py
measured all three on the same data (a planted 15 pp drop in 15 % of 2,000 cases): BH
reported a false slice beside the real one in up to 16 % of trials (FDR control lets the
real slice's own combinations relax the threshold for everything else) and found the noisy
profile's drop in 0.78; split-half confirmation found it in 0.67–0.82 (each half has half
the cases); weighted Holm found it in ≥ 0.90 with a false slice in ≤ 0.023, A/A included.
A reported slice is rejected at alpha and worse than the baseline (its own mean delta below
0). Ranked by cases lost (−Δ × n: effect and size); a combination is dropped when one of
its parts is reported and the combination is not significantly worse than the rest of that
part (one-sided, Bonferroni over that part's combinations): it would be the part's own drop
seen again on fewer cases.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from ..store.analytics import slice_cases
from .slice_columns import (
    _Columns,
    add_categorical,
    add_field,
    add_numeric,
    add_values,
    features_of,
)

__all__ = ["BH", "HOLM", "FoundSlice", "SliceSearch", "_Columns", "add_categorical", "add_field",
           "add_numeric", "add_values", "benjamini_hochberg", "discover", "floor_for",
           "p_text", "search", "weighted_holm", "worse_count_p"]

MIN_SLICE = 30  # cases: the size floor (or 1 % of the cases, when larger)
SHOWN = 10  # slices reported at most
HOLM, BH = "holm", "bh"
MAX_CASES = 500_000  # larger comparisons are searched on a seeded sample of this many cases


@dataclass(frozen=True)
class FoundSlice:
    where: str  # e.g. "input tokens ≥ 400 and topic = math"
    parts: tuple[tuple[str, str], ...]  # (field, value label) of each part
    n: int
    baseline: float  # mean of the primary metric in the slice (pass rate)
    candidate: float
    delta: float  # candidate − baseline in the slice
    rest_delta: float  # the same over the other cases
    p: float  # one-sided, before adjustment
    q: float  # adjusted over every searched slice (weighted Holm)
    columns: tuple[int, ...] = ()  # its parts' membership columns (in the search's _Columns)

    @property
    def lost(self) -> float:
        return -self.delta * self.n

    def sentence(self, searched: int) -> str:
        return (f"candidate is {-self.delta * 100:.1f} pp worse on {self.where} (n = {self.n}; "
                f"{self.rest_delta * 100:+.1f} pp on the other cases), significant over "
                f"{searched} searched slices (adjusted p {p_text(self.q)})")


def p_text(p: float) -> str:
    return "< 0.0001" if p < 0.0001 else f"= {p:.2g}"


@dataclass(frozen=True)
class SliceSearch:
    metric: str
    found: tuple[FoundSlice, ...]
    searched: int  # slices tested (singles and combinations)
    fields: tuple[str, ...]  # what was searched
    q: float  # the family-wise level
    floor: int
    seconds: float


# -- the search ---------------------------------------------------------------------------


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """BH adjusted p-values (q-values), at most 1."""
    p = np.asarray(p, dtype=np.float64)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def weighted_holm(p: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Adjusted p-values of the weighted Holm procedure (Holm 1979): step k rejects the
    hypothesis with the smallest p/w when p ≤ alpha·w / (the weight of those not yet
    rejected). The graphical procedure of multiplicity.py with transitions proportional to
    the weights is the same test (tests/compare checks it)."""
    p, w = np.asarray(p, dtype=np.float64), np.asarray(weights, dtype=np.float64)
    if len(p) == 0:
        return p
    order = np.lexsort((np.arange(len(p)), p / w))
    remaining = np.cumsum(w[order][::-1])[::-1]  # weight not yet rejected at each step
    adjusted = np.minimum(1.0, np.maximum.accumulate(p[order] * remaining / w[order]))
    out = np.empty(len(p))
    out[order] = adjusted
    return out


def worse_count_p(worse_in, size, worse_all: int, n_all: int) -> np.ndarray:
    """One-sided exact p that a slice of `size` cases holds `worse_in` or more of the
    `worse_all` cases that got worse: P(X ≥ worse_in), X ~ Hypergeometric(n_all, worse_all,
    size) — the same permutation null as the z-test, exact however rare the changes."""
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n_all + 1)))])

    def log_choose(n, k):
        return log_fact[n] - log_fact[k] - log_fact[n - k]

    out = np.ones(len(worse_in))
    for index, (k, m) in enumerate(zip(np.asarray(worse_in, dtype=np.int64),
                                       np.asarray(size, dtype=np.int64))):
        x = np.arange(max(k, m - (n_all - worse_all)), min(m, worse_all) + 1)
        terms = (log_choose(worse_all, x) + log_choose(n_all - worse_all, m - x)
                 - log_choose(n_all, m))
        out[index] = min(1.0, float(np.exp(terms).sum()))
    return out


def floor_for(n: int) -> int:
    return max(MIN_SLICE, math.ceil(n / 100))


def search(deltas: np.ndarray, columns: _Columns, *, q: float, baseline=None,
           candidate=None, method: str = HOLM) -> tuple[list[FoundSlice], int]:
    """(reported slices, slices searched) over the membership columns, at family-wise level
    `q` (weighted Holm; `method="bh"`: Benjamini–Hochberg at FDR q, for the simulation's
    comparison). `baseline`, `candidate`: per-case values of the metric (for the slice's
    rates); optional."""
    d = np.asarray(deltas, dtype=np.float64)
    n_all = len(d)
    if not columns.members or n_all < 2 * MIN_SLICE:
        return [], 0
    m = np.column_stack(columns.members).astype(np.float64)  # cases × singles
    fields = np.array(columns.fields, dtype=object)
    floor = floor_for(n_all)
    counts = m.T @ m  # [i, j]: cases in both (diagonal: in i)
    sums = m.T @ (m * d[:, None])
    single = np.diag(counts).copy()
    i, j = np.triu_indices(len(single), k=1)
    usable = (fields[i] != fields[j]) & (counts[i, j] >= floor) & (counts[i, j] <= n_all - floor)
    usable &= (counts[i, j] != single[i]) & (counts[i, j] != single[j])  # not a copy of a part
    i, j = i[usable], j[usable]
    alone = np.flatnonzero(~np.array(columns.pairable_only, dtype=bool))
    first = np.concatenate([alone, i])
    second = np.concatenate([np.full(len(alone), -1), j])
    size = np.concatenate([single[alone], counts[i, j]])
    total = np.concatenate([np.diag(sums)[alone], sums[i, j]])
    if len(size) == 0:
        return [], 0
    rest = n_all - size
    mean_in = total / size
    mean_rest = (d.sum() - total) / rest
    variance = float(d.var())
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (mean_in - mean_rest) / np.sqrt(variance * (1 / size + 1 / rest))
    z = np.where(np.isfinite(z), z, 0.0)  # no spread at all: nothing differs
    cdf = np.vectorize(NormalDist().cdf)
    # The normal approximation fails when few cases change at all (a slice of 30 holding 2
    # of 10 worse cases among 2,000 looks like z = −3.7, p 1e-4; exactly, p is 0.009): the
    # exact count of worse cases must agree (the larger p). The z-test keeps a slice that
    # is only flakier (worse and better cases both) from counting as worse.
    worse = (d < 0).astype(np.float64)
    worse_pairs = m.T @ (m * worse[:, None])  # [i, j]: worse cases in both
    worse_in = np.concatenate([np.diag(worse_pairs)[alone], worse_pairs[i, j]])
    p = np.maximum(cdf(z), worse_count_p(worse_in, size, int(worse.sum()), n_all))
    if method == HOLM:  # half of the level for the single slices, half for combinations
        singles = len(alone)
        weights = np.where(np.arange(len(p)) < singles,
                           (0.5 if len(i) else 1.0) / max(1, singles),
                           (0.5 if singles else 1.0) / max(1, len(i)))
        adjusted = weighted_holm(p, weights)
    else:
        adjusted = benjamini_hochberg(p)
    hits = np.flatnonzero((adjusted <= q) & (mean_in < 0) & (mean_in < mean_rest))
    found = []
    for k in hits:
        parts_idx = [int(first[k])] + ([int(second[k])] if second[k] >= 0 else [])
        mask = np.logical_and.reduce([columns.members[x] for x in parts_idx])
        parts = tuple((columns.fields[x], columns.labels[x]) for x in parts_idx)
        rate = (lambda v: float(np.mean(np.asarray(v)[mask]))) if baseline is not None else None
        found.append(FoundSlice(
            where=" and ".join(f"{f} {label}" for f, label in parts), parts=parts,
            n=int(size[k]), baseline=rate(baseline) if rate else math.nan,
            candidate=rate(candidate) if rate else math.nan, delta=float(mean_in[k]),
            rest_delta=float(mean_rest[k]), p=float(p[k]), q=float(adjusted[k]),
            columns=tuple(parts_idx)))
    searched_with = np.bincount(np.concatenate([i, j]), minlength=len(single))
    return _prune(found, d, columns.members, q, dict(enumerate(searched_with.tolist()))), \
        len(size)


def _prune(found: list[FoundSlice], d: np.ndarray, members: list, alpha: float,
           combinations: dict) -> list[FoundSlice]:
    """Ranked by cases lost. A combination inside a reported part of it is kept only when it
    is worse than the rest of that part (one-sided z, the part's variance, at alpha over the
    combinations of that part searched: Bonferroni): otherwise it is the part's own drop,
    seen again on fewer cases."""
    by_part = {f.columns[0]: f for f in found if len(f.columns) == 1}

    def adds_nothing(combination: FoundSlice, part: int) -> bool:
        z_alpha = NormalDist().inv_cdf(min(0.5, alpha / max(1, combinations.get(part, 1))))
        inside = members[part]
        mask = inside & np.logical_and.reduce([members[i] for i in combination.columns])
        k, rest = int(mask.sum()), int((inside & ~mask).sum())
        spread = float(d[inside].var())
        if rest == 0 or not spread > 0:
            return True
        z = (d[mask].mean() - d[inside & ~mask].mean()) / math.sqrt(spread * (1 / k + 1 / rest))
        return not z < z_alpha

    kept = [f for f in found if len(f.columns) == 1 or not any(
        part in by_part and adds_nothing(f, part) for part in f.columns)]
    kept.sort(key=lambda f: (-f.lost, f.delta, f.where))
    return kept[:SHOWN]


def discover(alignment, policy) -> SliceSearch:
    """Search the compared runs (their alignment's temporary tables) for undeclared slices
    where the primary metric got worse."""
    started = time.perf_counter()
    metric = policy.compare.primary[0]
    q = policy.compare.alpha
    with slice_cases(alignment, metric, seed=policy.compare.seed, most=MAX_CASES) as cases:
        frame = cases.frame
        floor = floor_for(len(frame))
        if len(frame) < 2 * floor:
            return SliceSearch(metric, (), 0, (), q, floor, time.perf_counter() - started)
        columns, fields = features_of(cases, set(alignment.slice_keys), floor)
    a, b = frame["a"].to_numpy(np.float64), frame["b"].to_numpy(np.float64)
    found, searched = search(b - a, columns, q=q, baseline=a, candidate=b)
    return SliceSearch(metric, tuple(found), searched, tuple(fields), q, floor,
                       time.perf_counter() - started)
