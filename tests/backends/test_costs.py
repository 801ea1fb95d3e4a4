"""Prices: litellm's public `model_cost` map when litellm is loaded, else the dated table that
ships with evalkit; an unknown model has no cost rather than a guessed one."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from evalkit.backends import costs


def test_the_shipped_table_is_dated_and_prices_common_models():
    table = costs.shipped_table()
    assert dt.date.fromisoformat(table["as_of"]) <= dt.date.today()
    assert "litellm" in table["source"]
    price_in, price_out, provider = table["prices"]["gpt-4o-mini"]
    assert provider == "openai" and 0 < price_in < price_out


def test_without_litellm_loaded_the_shipped_table_prices_a_call():
    code = ("import sys\nfrom evalkit.backends.costs import call_cost, shipped_table\n"
            "p = shipped_table()['prices']['gpt-4o-mini']\n"
            "cost = call_cost('openai/gpt-4o-mini', 1000, 200, 'openai')\n"
            "assert abs(cost - (1000 * p[0] + 200 * p[1])) < 1e-12, cost\n"
            "print('litellm' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"  # never imported just for a price


def test_litellm_public_map_wins_when_litellm_is_loaded(monkeypatch):
    litellm = pytest.importorskip("litellm")
    monkeypatch.setitem(litellm.model_cost, "evalkit-test-model",
                        {"input_cost_per_token": 2e-6, "output_cost_per_token": 5e-6})
    assert costs.call_cost("evalkit-test-model", 100, 10) == pytest.approx(100 * 2e-6 + 10 * 5e-6)
    assert costs.call_cost("openai/evalkit-test-model", 100, None) == pytest.approx(2e-4)


def test_an_unknown_model_has_no_cost():
    assert costs.call_cost("no-such-model-anywhere", 10, 10) is None
    assert costs.call_cost("gpt-4o-mini", None, 10) is None  # no token count, no cost
