"""What the HTML report shows before the evidence: the headline (headline.py) with the top
regressed cases clipped for reading, and a prompt change as a text diff rather than hashes.

Model text here is untrusted: strings go through the template's redacting `finalize`; the
diff's Markup is built by word_diff from text redacted first.
"""
from __future__ import annotations

import json

from ..store import Store
from ..store.report_reads import first_changed_prompt
from . import word_diff
from .headline import Headline, for_input

SNIPPET = 160  # characters of an output shown at the top
PROMPT_CHARS = 4000  # characters of a prompt diffed at the top


def clip(text: str | None, limit: int = SNIPPET) -> str:
    value = " ".join((text or "").split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def headline(inp, operations: list[dict]) -> dict:
    """The headline, and its regressed cases as short texts for the page's top."""
    found: Headline = for_input(inp, operations)
    cases = [{"id": r["case_id"], "sample": int(r.get("sample") or 0),
              "baseline": clip(r.get("baseline_output") or r.get("baseline_error")),
              "candidate": clip(r.get("candidate_output") or r.get("candidate_error")),
              "why": clip(r.get("why"), 200)} for r in found.regressed]
    facts = [f for f in (found.worst_slice, found.cost, found.latency) if f is not None]
    return {"h": found, "cases": cases, "facts": facts}


def prompt_text(raw) -> str:
    """A stored rendered prompt (Request JSON) as text: one block per chat message."""
    data = json.loads(raw) if isinstance(raw, str) else (raw or {})
    if not isinstance(data, dict):
        return str(data)
    if "messages" in data:
        return "\n\n".join(f"[{m.get('role')}]\n{m.get('content')}" for m in data["messages"])
    return str(data.get("prompt") or "")


def prompt_diff(store: Store, inp) -> dict | None:
    """When the prompt template changed: the rendered prompt of the first case whose prompt
    differs, baseline vs candidate, as a word diff (and how many cases differ)."""
    if inp.diff is None:
        return None
    base, cand = inp.baseline, inp.run
    if (base.prompt_hash or "") == (cand.prompt_hash or ""):
        return None
    found = first_changed_prompt(store, base.run_id, cand.run_id)
    if found is None:
        return None
    case_id, before, after, differing = found
    redact = inp.redact
    left, right = word_diff.side_by_side(redact(prompt_text(before)[:PROMPT_CHARS]),
                                         redact(prompt_text(after)[:PROMPT_CHARS]))
    return {"case": case_id, "left": left, "right": right, "differing": int(differing)}
