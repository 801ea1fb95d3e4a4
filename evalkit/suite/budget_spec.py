"""A suite's spending caps per run (`budget:`), the defaults of `evalkit run --max-cost,
--max-tokens, --max-calls` (a flag given on the command line wins, key by key).

```yaml
budget: {max_cost: 2.50, max_tokens: 500000, max_calls: 1000, batch: 50}
```

With a cap the run dispatches its cases in batches of `batch` cases, in a seeded random
order, and stops before a batch would pass a cap (runner/batches.py); the run is stored
`partial` and the comparison covers the cases that ran.
"""
from __future__ import annotations

from pydantic import Field

from .gate_spec import Strict


class BudgetSpec(Strict):
    max_cost: float | None = Field(None, ge=0, description="USD per run, as the backend "
                                   "reports each call's cost")
    max_tokens: int | None = Field(None, ge=0, description="input + output tokens per run")
    max_calls: int | None = Field(None, ge=0, description="model calls per run (cache hits "
                                  "are free)")
    batch: int = Field(50, ge=1, le=1_000_000, description="cases dispatched at a time when a "
                       "cap (or --sequential) applies")
