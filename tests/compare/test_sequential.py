"""The anytime-valid paired test behind `evalkit run --sequential` (compare/sequential.py):
the vectorised capital processes against a plain one-case-at-a-time reference, decisions,
the interval, and the runner's budget arithmetic. Error rates under monitoring are measured
in benchmarks/sequential.py."""
from __future__ import annotations

import math

import numpy as np
import pytest

from evalkit.compare.sequential import (
    NON_INFERIOR,
    PRIOR_VARIANCE,
    REGRESSED,
    STAKE_CAP,
    UNDECIDED,
    BettingSequence,
)
from evalkit.runner.batches import PROBE_CALLS, Budget, Spent, calls_allowed, stop_text


def reference_capital(d: list[float], m: float) -> tuple[list[float], list[float]]:
    """log K⁺ and log K⁻ after each case, computed one case at a time in plain floats, as
    Waudby-Smith & Ramdas (2024) write the aGRAPA bet."""
    up = down = 0.0
    ups, downs = [], []
    total = squares = 0.0
    for t, x in enumerate(d):
        mean = total / (t + 1)  # prior mean 0 counts as one case
        variance = (PRIOR_VARIANCE + squares) / (t + 1)
        gap = mean - m
        kelly = gap / (variance + gap * gap)
        stake_up = min(max(kelly, 0.0), STAKE_CAP / (1 + m))
        stake_down = min(max(-kelly, 0.0), STAKE_CAP / (1 - m))
        up += math.log(1 + stake_up * (x - m))
        down += math.log(1 - stake_down * (x - m))
        ups.append(up)
        downs.append(down)
        squares += (x - mean) ** 2
        total += x
    return ups, downs


@pytest.mark.parametrize("batch", [1, 7, 100])
def test_capital_matches_the_one_case_at_a_time_reference(batch):
    rng = np.random.default_rng(3)
    d = rng.choice([-1.0, 0.0, 1.0, -0.5], size=100, p=[0.3, 0.5, 0.1, 0.1])
    values = [-0.3, -0.05, 0.0, 0.2]
    sequence = BettingSequence(0.05, 0.0, 0.05, values=values)
    for start in range(0, len(d), batch):
        sequence.update(d[None, start:start + batch])
    for m in values:
        ups, downs = reference_capital(list(d), m)
        i = int(np.flatnonzero(np.isclose(sequence.m, m))[0])
        assert sequence.log_up[0, i] == pytest.approx(ups[-1], rel=1e-9, abs=1e-9)
        assert sequence.log_down[0, i] == pytest.approx(downs[-1], rel=1e-9, abs=1e-9)
        threshold = math.log(2 / 0.05)
        assert sequence.above[0, i] == (max(ups) >= threshold)  # crossed at any case
        assert sequence.below[0, i] == (max(downs) >= threshold)


def test_ragged_streams_equal_feeding_each_stream_alone():
    rng = np.random.default_rng(5)
    d = rng.choice([-1.0, 0.0, 1.0], size=(3, 40))
    present = rng.random((3, 40)) < 0.7
    together = BettingSequence(0.05, streams=3, values=[-0.2, 0.1])
    together.update(d[:, :20], present[:, :20])
    together.update(d[:, 20:], present[:, 20:])
    for s in range(3):
        alone = BettingSequence(0.05, values=[-0.2, 0.1])
        alone.update(d[s][present[s]][None, :])
        assert np.allclose(together.log_up[s], alone.log_up[0])
        assert np.allclose(together.log_down[s], alone.log_down[0])
        assert together.n[s] == present[s].sum()


def test_a_clear_drop_is_regressed_and_the_decision_stays():
    sequence = BettingSequence(0.05)
    rng = np.random.default_rng(0)
    sequence.update(np.where(rng.random(60) < 0.5, -1.0, 0.0)[None, :])
    look = sequence.look()
    assert look.decision == REGRESSED
    assert look.high < 0 and look.low <= look.estimate <= look.high
    sequence.update(np.zeros((1, 500)))  # later good news does not undo a stop
    assert sequence.look().decision == REGRESSED


def test_identical_outputs_become_non_inferior_and_the_interval_shrinks():
    sequence = BettingSequence(0.05, margin=0.0, swap_margin=0.05)
    widths = []
    decisions = []
    for _ in range(10):
        sequence.update(np.zeros((1, 20)))
        look = sequence.look()
        widths.append(look.high - look.low)
        decisions.append(look.decision)
    assert decisions[0] == UNDECIDED  # 20 cases cannot rule out a 5 pp drop
    assert decisions[-1] == NON_INFERIOR
    assert all(a >= b for a, b in zip(widths, widths[1:])) and widths[-1] < widths[0]
    assert sequence.look().low > -0.05


def test_the_interval_is_wider_than_a_fixed_sample_one():
    """The price of looking at every case: wider than Tango's interval at the same n."""
    from evalkit.compare.paired_rates import tango_ci

    d = np.array([-1.0] * 30 + [1.0] * 10 + [0.0] * 160)
    np.random.default_rng(1).shuffle(d)
    sequence = BettingSequence(0.05)
    sequence.update(d[None, :])
    look = sequence.look()
    low, high = tango_ci(30, 10, 200, 0.05)
    assert look.low < low and look.high > high
    assert look.low <= -0.1 <= look.high


def test_monitoring_after_every_case_keeps_false_regressions_rare():
    """A quick A/A check (the benchmark measures it with thousands of trials)."""
    rng = np.random.default_rng(11)
    trials, n = 400, 400
    d = rng.choice([-1.0, 0.0, 1.0], size=(trials, n), p=[0.2, 0.6, 0.2])
    sequence = BettingSequence(0.05, streams=trials, values=[0.0])
    for start in range(0, n, 25):
        sequence.update(d[:, start:start + 25])
        sequence.decisions()
    false = int((sequence.decided == REGRESSED).sum())
    assert false <= 20  # α/2 = 2.5 % is 10 of 400; 20 is far beyond its binomial spread


def test_calls_allowed_under_each_cap():
    assert calls_allowed(Budget(), Spent()) == (None, "")
    assert calls_allowed(Budget(max_calls=70), Spent(calls=50))[0] == 20
    assert calls_allowed(Budget(max_calls=70), Spent(calls=80))[0] == 0
    # no estimate yet: a small probe; after calls that reported no cost: nothing, and why
    assert calls_allowed(Budget(max_cost=1.0), Spent())[0] == PROBE_CALLS
    left, why = calls_allowed(Budget(max_cost=1.0), Spent(calls=8))
    assert left == 0 and "reported no cost" in why
    # an estimate from the calls so far: 0.01 a call, 0.92 left
    left, why = calls_allowed(Budget(max_cost=1.0), Spent(calls=8, cost=0.08, priced=8))
    assert left == 92 and "--max-cost $1 reached" in why
    left, _ = calls_allowed(Budget(max_tokens=101, max_calls=30),
                            Spent(calls=8, tokens=16, counted=8))
    assert left == 22  # the tighter of 42 (tokens) and 22 (calls)


def test_stop_text_says_where_and_why():
    assert stop_text(340, 2000, "regressed") == "stopped after 340 of 2,000 cases: regressed"


def test_a_stop_record_applies_its_decision_only_against_its_own_baseline():
    from evalkit.compare.stopping import Stop

    record = {"stopped": True, "reason": "sequential", "decision": "regressed",
              "cases_run": 150, "cases_total": 2000,
              "text": "stopped after 150 of 2,000 cases: regressed",
              "sequential": {"baseline": "run-a", "alpha": 0.05, "metrics": [
                  {"metric": "passed", "n": 150, "estimate": -0.073, "low": -0.145,
                   "high": -0.008}]},
              "spent": {"calls": 150, "tokens": 300, "cost_usd": 0.0}}
    stop = Stop.of(record)
    assert stop.decided_against("run-a") == REGRESSED
    assert stop.decided_against("run-b") is None  # compared with another baseline later
    assert stop.intervals() == ("pass rate Δ -7.3 pp, anytime-valid 95% interval "
                                "[-14.5, -0.8] pp over 150 paired cases")
    assert stop.summary().endswith("; spent 150 calls, 300 tokens")  # no cost reported
    assert "covers the 150 cases that ran" in stop.caveat()
    assert Stop.of(None) is None
    budget = Stop.of({**record, "reason": "budget", "decision": None,
                       "sequential": None})
    assert budget.decided_against("run-a") is None
