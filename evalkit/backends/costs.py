"""Cost per call from litellm's model price map, read from the installed package's JSON.

Importing litellm takes seconds and may try to fetch the map from the network; the
JSON it ships is all we need, so we read that file directly.
"""
from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path

PRICE_FILE = "model_prices_and_context_window_backup.json"


@lru_cache(maxsize=1)
def price_map() -> dict:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.origin:
        return {}
    try:
        return json.loads((Path(spec.origin).parent / PRICE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def call_cost(model: str, tokens_in: int | None, tokens_out: int | None,
              provider: str | None = None) -> float | None:
    """USD for one call, or None when the model is not in the price map."""
    prices = price_map()
    entry = prices.get(model) or (prices.get(f"{provider}/{model}") if provider else None)
    if entry is None and "/" in model:
        entry = prices.get(model.split("/", 1)[1])
    if not entry or tokens_in is None:
        return None
    cost_in = entry.get("input_cost_per_token") or 0.0
    cost_out = entry.get("output_cost_per_token") or 0.0
    return tokens_in * cost_in + (tokens_out or 0) * cost_out
