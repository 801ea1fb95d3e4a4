"""Cost per call in USD, from a price map: litellm's public `litellm.model_cost` when litellm is
loaded in this process (the litellm backend imports it), else the dated table shipped with
evalkit (prices.json: its `as_of` and `source` say when and where from).

litellm is not imported here just for prices: it is an optional extra, and importing it takes
seconds. A model in neither map has no cost (None), never a guessed one.
"""
from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

PRICE_TABLE = Path(__file__).with_name("prices.json")


@lru_cache(maxsize=1)
def shipped_table() -> dict:
    """{"as_of": date, "source": ..., "prices": {model: [input, output, provider]}}."""
    try:
        return json.loads(PRICE_TABLE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"prices": {}}


def _litellm_prices() -> dict | None:
    module = sys.modules.get("litellm")
    prices = getattr(module, "model_cost", None) if module is not None else None
    return prices if isinstance(prices, dict) and prices else None


def _entry(prices: dict, key: str) -> tuple[float, float] | None:
    entry = prices.get(key)
    if isinstance(entry, list):  # the shipped table
        return float(entry[0]), float(entry[1] or 0.0)
    if isinstance(entry, dict) and entry.get("input_cost_per_token") is not None:
        return float(entry["input_cost_per_token"]), float(entry.get("output_cost_per_token") or 0.0)
    return None


def unit_prices(model: str, provider: str | None = None) -> tuple[float, float] | None:
    """(USD per input token, USD per output token), or None when no map knows the model."""
    keys = [model] + ([f"{provider}/{model}"] if provider else []) + \
        ([model.split("/", 1)[1]] if "/" in model else [])
    for prices in (_litellm_prices(), shipped_table()["prices"]):
        if not prices:
            continue
        for key in keys:
            found = _entry(prices, key)
            if found is not None:
                return found
    return None


def call_cost(model: str, tokens_in: int | None, tokens_out: int | None,
              provider: str | None = None) -> float | None:
    """USD for one call, or None when the model is not in the price map."""
    return priced(unit_prices(model, provider), tokens_in, tokens_out)


def priced(prices: tuple[float, float] | None, tokens_in: int | None,
           tokens_out: int | None) -> float | None:
    """USD for one call at `prices` (unit_prices' answer, which a backend may look up once)."""
    if prices is None or tokens_in is None:
        return None
    cost_in, cost_out = prices
    return tokens_in * cost_in + (tokens_out or 0) * cost_out
