"""Trends: a suite's primary metrics and slice gaps over its runs (or a baseline's history),
oldest first, each rate with a Wilson score interval.

    points(store, suite, metrics=..., label_glob=..., baseline=...) -> list[TrendPoint]
    chart(points, metric, fmt) -> bytes | Markup     matplotlib (Figure API, never pyplot)

Each run is measured on its own (its cases, its waivers as stored with its gates), like
`evalkit show`: runs of different case sets are not paired, so a point moves with the
dataset as well as the model — the table says how many cases each point has. Shards are
left out (a merged run stands for them).

Slice gaps: best − worst value of `passed` per slice key, with Newcombe's hybrid score
interval for the difference of those two values, Bonferroni-widened over the pairs of values
when a key has more than two (the pair is chosen after looking).

The interval: Wilson's score interval for a binomial proportion over the run's n cases
(checked against statsmodels in tests/report/test_trend.py; coverage measured in
benchmarks/bench_trend.py). With several samples per case each case's pass rate is
averaged first and the interval is taken over the n cases (per-case means are less variable
than single results, so it is conservative then).
"""
from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass, field
from statistics import NormalDist

from ..compare import baselines
from ..compare.run_metrics import run_values
from ..errors import UsageError
from ..store import Store, report_reads
from ..suite.gate_spec import OVERALL_METRIC, Policy
from .headline import finite

Z95 = 1.959963984540054
MAX_RUNS = 200



def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion (NaN, NaN for n = 0)."""
    if n <= 0:
        return math.nan, math.nan
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Rate:
    value: float | None
    n: int
    low: float | None
    high: float | None


def newcombe(x1: float, n1: int, x2: float, n2: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 − p2 of two independent proportions (his
    method 10: from each one's Wilson interval)."""
    p1, p2 = x1 / n1, x2 / n2
    (l1, u1), (l2, u2) = wilson(x1, n1, z), wilson(x2, n2, z)
    d = p1 - p2
    return (max(-1.0, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)),
            min(1.0, d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)))


@dataclass(frozen=True)
class Gap:
    """The spread of `passed` across one slice key's values in one run: best − worst, with
    Newcombe's interval for the difference between those two values. The pair is chosen
    after looking, so with k > 2 values the interval is Bonferroni-widened over the
    k(k − 1)/2 pairs (simultaneous 95%: it holds whichever pair comes out on top;
    benchmarks/RESULTS.md)."""
    key: str
    gap: float | None
    best: str | None
    worst: str | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class TrendPoint:
    run_id: str
    label: str | None
    model: str
    started_at: str
    rates: dict[str, Rate]  # metric -> its pass rate in this run
    gaps: tuple[Gap, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.label or self.run_id


def _runs(store: Store, suite: str, label_glob: str | None, baseline: str | None) -> list:
    rows = report_reads.completed_runs_of_suite(store, suite)
    if not rows and not report_reads.suite_has_runs(store, suite):
        known = report_reads.suite_names(store, 10)
        raise UsageError(f"no runs of suite '{suite}'"
                         + (f" (suites: {', '.join(known)})" if known else " (no runs stored)"))
    if label_glob:
        rows = [r for r in rows if r[1] and fnmatch.fnmatchcase(r[1], label_glob)]
    if baseline:
        order = list(dict.fromkeys(e.run_id for e in baselines.history(store, baseline)
                                   if e.action == "set"))
        if not order:
            raise UsageError(f"no baseline '{baseline}'" + baselines.known_text(store))
        rows = [r for r in rows if r[0] in order]
    return rows[-MAX_RUNS:]


def points(store: Store, suite: str, metrics: tuple[str, ...] = (OVERALL_METRIC,),
           label_glob: str | None = None, baseline: str | None = None) -> list[TrendPoint]:
    """The suite's completed runs, oldest first (those whose label matches `label_glob`, or
    the runs baseline `baseline` was set to), with each metric's pass rate and the slice gaps
    of `passed`."""
    return measure(store, _runs(store, suite, label_glob, baseline), metrics)


def measure(store: Store, runs: list, metrics: tuple[str, ...]) -> list[TrendPoint]:
    """A TrendPoint per run row (RUNS' columns)."""
    found = []
    for run_id, label, model, started, slices, gates, samples in runs:
        keys = list(_json(slices) or [])
        policy = Policy.model_validate(_json(gates) or {})
        values = run_values(store, run_id, keys, policy.active_waivers(_day(started)))
        rates = {}
        for metric in metrics:
            row = next((v for v in values if v.metric == metric and v.stat == "pass_rate"
                        and v.slice_key is None), None)
            if row is None or not row.n or row.value is None:
                rates[metric] = Rate(None, 0, None, None)
                continue
            low, high = wilson(float(row.value) * row.n, row.n)
            rates[metric] = Rate(finite(row.value), row.n, finite(low), finite(high))
        found.append(TrendPoint(run_id, label, model, str(started)[:19], rates,
                                tuple(_gap(values, key) for key in keys)))
    return found


def _gap(values, key: str) -> Gap:
    rows = [v for v in values if v.metric == OVERALL_METRIC and v.stat == "pass_rate"
            and v.slice_key == key and v.n and v.value is not None]
    if len(rows) < 2:
        return Gap(key, None, None, None)
    best = max(rows, key=lambda v: (v.value, str(v.slice_value)))
    worst = min(rows, key=lambda v: (v.value, str(v.slice_value)))
    pairs = len(rows) * (len(rows) - 1) // 2
    z = NormalDist().inv_cdf(1 - 0.05 / (2 * pairs))
    low, high = newcombe(best.value * best.n, best.n, worst.value * worst.n, worst.n, z)
    return Gap(key, float(best.value - worst.value), str(best.slice_value), str(worst.slice_value),
               finite(low), finite(high))


def _json(value):
    import json

    return json.loads(value) if isinstance(value, str) else value


def _day(started):
    return started.date() if hasattr(started, "date") else None


def primary_metrics(store: Store, suite: str) -> tuple[str, ...]:
    """The suite's primary metrics (`compare.primary`, as its latest run stored them)."""
    policy = Policy.model_validate(_json(report_reads.latest_gates(store, suite)) or {})
    return tuple(policy.compare.primary)


def known_metrics(store: Store, suite: str) -> list[str]:
    """`passed` and the scorers the suite's runs stored."""
    return [OVERALL_METRIC, *report_reads.scorers_of_suite(store, suite)]


def chart(found: list[TrendPoint], metrics: tuple[str, ...], fmt: str = "svg"):
    """Each metric's pass rate per run with its interval, and each slice key's gap (dashed),
    as an SVG for the report (sanitised Markup) or PNG/SVG bytes for a file."""
    from . import charts

    with charts._rc():
        fig = charts._figure(max(4.8, min(11.0, 1.2 + 0.45 * len(found))), 3.0)
        ax = fig.add_subplot()
        x = list(range(len(found)))
        for index, metric in enumerate(metrics):
            rates = [p.rates.get(metric) for p in found]
            y = [_pct(r.value) if r else math.nan for r in rates]
            # (rounding can put an end a hair past the value: never a negative bar)
            low = [max(0.0, y_ - _pct(r.low)) if r and r.low is not None else 0
                   for y_, r in zip(y, rates)]
            high = [max(0.0, _pct(r.high) - y_) if r and r.high is not None else 0
                    for y_, r in zip(y, rates)]
            colour = charts.CANDIDATE_COLOUR if index == 0 else None
            ax.errorbar(x, y, yerr=[low, high], marker="o", capsize=3, linewidth=1.4,
                        color=colour, label=charts.label(f"{metric} pass rate"))
        keys = sorted({g.key for p in found for g in p.gaps})
        for key in keys:
            gaps = [next((_pct(g.gap) for g in p.gaps if g.key == key and g.gap is not None),
                         math.nan) for p in found]
            if all(math.isnan(g) for g in gaps):
                continue  # one value per run: no gap to draw
            ax.plot(x, gaps, linestyle="--", marker=".", linewidth=1,
                    label=charts.label(f"gap across {key}"))
        ax.set_xticks(x, [charts.label(p.name, 16) for p in found], rotation=30, ha="right")
        ax.set_ylim(0, 100)
        ax.set_ylabel("%")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7, frameon=False, loc="lower left")
        if fmt == "svg-inline":
            return charts._render(fig)
        import io

        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, bbox_inches="tight", dpi=110,
                    metadata={"Software": None} if fmt == "png" else {"Date": None})
        return buffer.getvalue()


def _pct(value) -> float:
    return math.nan if value is None else float(value) * 100


REPORT_RUNS = 12  # runs in the report's trend section
REPORT_MIN_RUNS = 3  # fewer is no trend: the section is left out


def report_section(store: Store, inp) -> dict | None:
    """The report's trend: `passed` and the slice gaps over the suite's runs up to the
    candidate (the last REPORT_RUNS), or None when there are fewer than REPORT_MIN_RUNS."""
    run = inp.run
    rows = [r for r in report_reads.completed_runs_of_suite(store, run.suite)
            if r[3] <= run.started_at or r[0] == run.run_id][-REPORT_RUNS:]
    if len(rows) < REPORT_MIN_RUNS:  # counted before anything is measured
        return None
    found = measure(store, rows, (OVERALL_METRIC,))
    marked = {run.run_id: "candidate" if inp.baseline is not None else "this run"}
    if inp.baseline is not None:
        marked[inp.baseline.run_id] = "baseline"
    keys = sorted({g.key for p in found for g in p.gaps})
    return {"chart": chart(found, (OVERALL_METRIC,), "svg-inline"), "keys": keys,
            "rows": [{"point": p, "rate": p.rates[OVERALL_METRIC], "role": marked.get(p.run_id),
                      "gaps": {g.key: g for g in p.gaps}} for p in found]}
