"""The errors of a run, grouped, under its summary line: "9 errors" alone sends people to
`evalkit show`; the dominant causes with their counts and a hint say what to fix."""
from __future__ import annotations

import re
from collections.abc import Mapping

from .render import plain

SHOWN = 3

_HINTS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.I), h) for p, h in (
    (r"cannot connect|connection refused|connect call failed|name or service not known|"
     r"nodename nor servname|no route to host", "server"),
    (r"timed? ?out|timeout|deadline", "the model took longer than --timeout (or --deadline); "
     "raise it, or lower --max-concurrency"),
    (r"\b401\b|\b403\b|unauthori[sz]ed|api.?key|authentication|permission denied",
     "check the API key: -M api_key=... or the provider's environment variable"),
    (r"\b429\b|rate.?limit|too many requests", "the provider is rate limiting: lower "
     "--max-concurrency (evalkit already retries with backoff, --retries)"),
    (r"\b404\b|not found|does not exist|unknown model", "check the model name (BACKEND/MODEL) "
     "and that api_base ends where the API starts (e.g. .../v1)"),
    (r"\b5\d\d\b|server error|bad gateway|service unavailable", "the server failed; evalkit "
     "retried (--retries): check its logs"),
    (r"pipeline returned", "a pipeline returns the answer text, or a dict with 'text' "
     "(README: Your own pipeline)"),
    (r"invalid reply from the backend", "the backend's reply broke evalkit's contract (a field "
     "of the wrong type): check the backend or pipeline"),
    (r"does not support option", "drop the option from the suite's options (or -O) for this "
     "backend"),
    (r"^[A-Za-z_][\w.]*(Error|Exception)\b", "the pipeline raised this: `evalkit show RUN` "
     "lists the cases; call it on one of them to debug"),
))


def dominant_errors(store, run_id: str, limit: int = SHOWN) -> tuple[list[tuple[str, int]], int]:
    """The most frequent error causes of a run as (error, count), and how many kinds there are."""
    from ..store.reads import error_causes

    rows = error_causes(store, run_id)
    return rows[:limit], len(rows)


def hint(error: str, model_args: Mapping[str, object]) -> str:
    for pattern, advice in _HINTS:
        if pattern.search(error):
            if advice != "server":
                return advice
            base = model_args.get("api_base")
            return (f"is the server at {base} running? (-M api_base=...)" if base else
                    "is the server running and reachable? check -M api_base and your network")
    return ""


def error_lines(store, run_id: str, errors: int, model_args: Mapping[str, object]) -> list[str]:
    """Lines to print under a run's summary: each dominant cause, its count and a hint."""
    if not errors:
        return []
    found, kinds = dominant_errors(store, run_id)
    lines = []
    for cause, n in found:
        lines.append(f"  {n} × error: {plain(cause, limit=200)}")
        advice = hint(cause, model_args)
        if advice:
            lines.append(f"      hint: {plain(advice.replace('RUN', run_id), limit=None)}")
    if kinds > len(found):
        lines.append(f"  ... and {kinds - len(found)} other kind(s) of error: evalkit show "
                     f"{run_id}")
    return lines
