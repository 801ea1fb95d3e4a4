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

from .scripts import dominant_script

MIN_SLICE = 30  # cases: the size floor (or 1 % of the cases, when larger)
MAX_VALUES = 20  # slices per categorical field (the most frequent)
NUMERIC_DISTINCT = 10  # a numeric field with more values is bucketed
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


# -- features -----------------------------------------------------------------------------


@dataclass
class _Columns:
    """Slice membership columns: a boolean matrix, each column's field and label."""
    members: list
    fields: list
    labels: list
    pairable_only: list  # a declared slice key: searched in combinations only

    def add(self, field: str, label: str, mask: np.ndarray, floor: int, declared: bool) -> None:
        count = int(mask.sum())
        if floor <= count <= len(mask) - floor:
            self.members.append(mask)
            self.fields.append(field)
            self.labels.append(label)
            self.pairable_only.append(declared)


def _nice(value: float) -> float:
    """Two significant digits: bucket edges people read (400, not 398.75)."""
    if value == 0 or not math.isfinite(value):
        return value
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return round(value, digits) if digits > 0 else float(round(value, digits))


def _edge(value: float) -> str:
    return f"{value:g}"


def add_numeric(columns: _Columns, field: str, values: np.ndarray, floor: int,
                declared: bool = False) -> None:
    """Quartile buckets and the outer deciles of a numeric field (NaN: no value)."""
    known = values[~np.isnan(values)]
    if len(np.unique(known)) < 2:
        return
    q10, q25, q50, q75, q90 = (_nice(float(x)) for x in np.quantile(known, [.1, .25, .5, .75, .9]))
    with np.errstate(invalid="ignore"):
        cuts = sorted({q25, q50, q75})
        columns.add(field, f"< {_edge(cuts[0])}", values < cuts[0], floor, declared)
        for low, high in zip(cuts, cuts[1:]):
            columns.add(field, f"{_edge(low)}–{_edge(high)}", (values >= low) & (values < high),
                        floor, declared)
        columns.add(field, f"≥ {_edge(cuts[-1])}", values >= cuts[-1], floor, declared)
        if q90 > cuts[-1]:
            columns.add(field, f"≥ {_edge(q90)}", values >= q90, floor, declared)
        if q10 < cuts[0]:
            columns.add(field, f"< {_edge(q10)}", values < q10, floor, declared)


def add_categorical(columns: _Columns, field: str, values, floor: int,
                    declared: bool = False) -> None:
    """A slice per value (the MAX_VALUES most frequent; None: no value)."""
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(values, dtype=object).map(
        lambda v: None if v is None else str(v)), sort=True)  # hashing, not sorting strings
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    for index in np.argsort(-counts, kind="stable")[:MAX_VALUES]:
        columns.add(field, f"= {uniques[index]}", codes == index, floor, declared)


def _as_number(value) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def add_field(columns: _Columns, field: str, values: list, floor: int,
              declared: bool = False) -> None:
    """A metadata field from Python values (None: no value); see add_values."""
    labels = np.array([None if v is None else str(v) for v in values], dtype=object)
    add_values(columns, field, labels, np.array([_as_number(v) for v in values]), floor,
               declared)


def add_values(columns: _Columns, field: str, labels: np.ndarray, numbers: np.ndarray,
               floor: int, declared: bool = False) -> None:
    """A metadata field: numeric (bucketed) when every value reads as a number and there are
    more than NUMERIC_DISTINCT of them, else categorical. `labels`: the values as text (None:
    no value); `numbers`: the same as floats (NaN: not a number)."""
    present = np.not_equal(labels, None)
    if not present.any():
        return
    numeric = present & ~np.isnan(numbers)
    if numeric.sum() == present.sum() and len(np.unique(numbers[numeric])) > NUMERIC_DISTINCT:
        add_numeric(columns, field, np.where(numeric, numbers, np.nan), floor, declared)
    else:
        add_categorical(columns, field, labels, floor, declared)


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


# -- from a comparison's alignment ---------------------------------------------------------

CASE_FEATURES = """
CREATE OR REPLACE TEMP TABLE _ek_slice_cases AS
WITH base AS (SELECT * FROM results WHERE run_id = $base
              QUALIFY row_number() OVER (PARTITION BY case_id ORDER BY sample) = 1),
     cand AS (SELECT case_id, metadata FROM results WHERE run_id = $cand
              QUALIFY row_number() OVER (PARTITION BY case_id ORDER BY sample) = 1)
SELECT case_id, a, b, metadata, tokens_in, tokens_out, length(prompt_text) AS prompt_chars,
       output_chars, left(prompt_text, 600) AS prompt_head
FROM (SELECT u.case_id, u.a, u.b, coalesce(c.metadata, b.metadata) AS metadata,
             b.tokens_in, b.tokens_out, length(b.output) AS output_chars,
             -- the prompt's text: a raw prompt, or its chat messages' contents
             coalesce(json_extract_string(b.prompt, '$.prompt'), array_to_string(
                 json_extract_string(b.prompt, '$.messages[*].content'), ' ')) AS prompt_text
      FROM _ek_units u JOIN base b USING (case_id) LEFT JOIN cand c USING (case_id)
      WHERE u.metric = $metric AND u.stat = 'pass_rate')
"""
SAMPLE = """DELETE FROM _ek_slice_cases WHERE case_id NOT IN (SELECT case_id FROM _ek_slice_cases
            ORDER BY hash(case_id, $seed) LIMIT $limit)"""
KEYS = """SELECT key FROM (SELECT unnest(json_keys(metadata)) AS key FROM _ek_slice_cases
          WHERE json_type(metadata) = 'OBJECT') GROUP BY key ORDER BY key LIMIT $most"""
MAX_FIELDS = 64  # metadata keys searched at most


def _numbers(series) -> np.ndarray:
    """A column as floats, NULL as NaN (nullable integer columns included)."""
    import pandas as pd

    return pd.to_numeric(series, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _lengths(preferred, fallback) -> tuple[np.ndarray, str]:
    """Token counts when the backend reported them (and they vary), else characters."""
    tokens = _numbers(preferred)
    known = tokens[~np.isnan(tokens)]
    if len(known) >= 0.9 * len(tokens) and len(np.unique(known)) > 1:
        return tokens, "tokens"
    return _numbers(fallback), "characters"


def _metadata(store, keys: list[str]) -> tuple[list, list]:
    """(labels, numbers) per metadata key, read by DuckDB (an object or a list is no value)."""
    from .align import json_path

    parts = []
    for i in range(len(keys)):
        value = (f"CASE WHEN json_type(metadata, $p{i}) IN ('OBJECT', 'ARRAY') THEN NULL ELSE "
                 f"json_extract_string(metadata, $p{i}) END")
        parts += [f"{value} AS v{i}", f"TRY_CAST({value} AS DOUBLE) AS x{i}"]
    frame = store.df(f"SELECT {', '.join(parts)} FROM _ek_slice_cases ORDER BY case_id",
                     {f"p{i}": json_path(k) for i, k in enumerate(keys)})
    labels = [frame[f"v{i}"].astype(object).where(frame[f"v{i}"].notna(), None).to_numpy()
              for i in range(len(keys))]
    numbers = [frame[f"x{i}"].astype("float64").to_numpy(na_value=np.nan)
               for i in range(len(keys))]
    return labels, numbers


def features_of(store, frame, declared, floor: int) -> tuple[_Columns, list[str]]:
    """Membership columns of the cases in _ek_slice_cases (`frame`: its rows by case id)."""
    columns = _Columns([], [], [], [])
    keys = [k for (k,) in store.query(KEYS, {"most": MAX_FIELDS})]
    if keys:
        for key, labels, numbers in zip(keys, *_metadata(store, keys)):
            add_values(columns, key, labels, numbers, floor, declared=key in declared)
    inputs, unit = _lengths(frame["tokens_in"], frame["prompt_chars"])
    add_numeric(columns, f"input {unit}", inputs, floor)
    outputs, unit_out = _lengths(frame["tokens_out"], frame["output_chars"])
    add_numeric(columns, f"baseline output {unit_out}", outputs, floor)
    add_categorical(columns, "script", [dominant_script(t) if isinstance(t, str) else None
                                        for t in frame["prompt_head"].tolist()], floor)
    fields = keys + [f"input {unit}", f"baseline output {unit_out}", "script"]
    return columns, fields


def discover(alignment, policy) -> SliceSearch:
    """Search the compared runs (their alignment's temporary tables) for undeclared slices
    where the primary metric got worse."""
    started = time.perf_counter()
    metric = policy.compare.primary[0]
    q = policy.compare.alpha
    store = alignment.store
    store.query(CASE_FEATURES, {"base": alignment.base, "cand": alignment.cand,
                                "metric": metric})
    try:
        if store.query("SELECT count(*) FROM _ek_slice_cases")[0][0] > MAX_CASES:
            store.query(SAMPLE, {"seed": policy.compare.seed, "limit": MAX_CASES})
        frame = store.df("SELECT case_id, a, b, tokens_in, tokens_out, prompt_chars, "
                         "output_chars, prompt_head FROM _ek_slice_cases ORDER BY case_id")
        floor = floor_for(len(frame))
        if len(frame) < 2 * floor:
            return SliceSearch(metric, (), 0, (), q, floor, time.perf_counter() - started)
        columns, fields = features_of(store, frame, set(alignment.slice_keys), floor)
    finally:
        store.query("DROP TABLE IF EXISTS _ek_slice_cases")
    a, b = frame["a"].to_numpy(np.float64), frame["b"].to_numpy(np.float64)
    found, searched = search(b - a, columns, q=q, baseline=a, candidate=b)
    return SliceSearch(metric, tuple(found), searched, tuple(fields), q, floor,
                       time.perf_counter() - started)
