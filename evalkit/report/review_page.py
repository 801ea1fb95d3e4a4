"""The offline review page (`evalkit review export`): one self-contained HTML file.

Reviewers open it from disk, rate each selected output on the suite's human rubrics (and,
on a comparison, mark pass→fail flips as a regression, an acceptable change, or a golden
that was wrong), and export their ratings as a small JSON file with their name, which
`evalkit review import` stores. Ratings persist in the browser's local storage meanwhile.

Same safety rules as the report (report/html.py): every string is redacted; the data travels
as one JSON blob the script renders with textContent only; a Content-Security-Policy allows
only the page's own script, by hash; no request of any kind. Blind mode shows the outputs
of a comparison in a seeded random order, without run labels, models or statuses.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Sequence

from markupsafe import Markup

from ..store import RunRecord
from ..store.human import DECISIONS
from ..suite.human_spec import HumanRubric
from ..types import sha256_hex
from .cases import STATUS_LABELS, script_json
from .clipping import MAX_TEXT, clip
from .html import content_security_policy, environment, static_text
from .redaction import Redactor
from .review_items import ReviewItem

REVIEW_FORMAT = 1  # the version of the exported JSON


@dataclass(frozen=True)
class ReviewPage:
    suite: str
    candidate: RunRecord
    baseline: RunRecord | None
    rubrics: tuple[HumanRubric, ...]
    items: tuple[ReviewItem, ...]
    blind: bool = False
    seed: int = 0
    selection: str = "all outputs"  # how the items were chosen, in words


def case_ref(case_id: str) -> str:
    """A case's id as the page carries it for import: a hash (the shown id is redacted)."""
    return sha256_hex("case", case_id)[:24]


def review_id(page: ReviewPage) -> str:
    """Names the page in local storage and in every exported file."""
    return sha256_hex("review", page.candidate.run_id,
                      page.baseline.run_id if page.baseline else None,
                      [r.public() for r in page.rubrics],
                      [(i.case_id, i.sample) for i in page.items], page.blind, page.seed)[:16]


def _run_view(run: RunRecord | None, blind: bool) -> dict | None:
    if run is None:
        return None
    if blind:
        return {"run_id": run.run_id}
    return {"run_id": run.run_id, "label": run.label, "model": run.model_ref}


def _text(redact: Redactor, value: str | None) -> str | None:
    return clip(value, redact, MAX_TEXT)


def payload(page: ReviewPage, redact: Redactor, created: datetime | None = None) -> dict:
    """The page's data: every string redacted and clipped."""
    rng = random.Random(page.seed)
    compare = page.baseline is not None
    items = []
    for index, item in enumerate(page.items):
        outputs = [{"run": o.run_id, "role": None if page.blind else o.role,
                    "text": _text(redact, o.text), "error": _text(redact, o.error)}
                   for o in item.outputs]
        if page.blind:
            rng.shuffle(outputs)
        for side, output in enumerate(outputs):
            output["side"] = "AB"[side] if len(outputs) > 1 else ""
        items.append({
            "key": index, "case": redact(item.case_id), "sample": item.sample,
            "ref": case_ref(item.case_id),  # import finds the stored id by it (ids are redacted)
            "status": None if page.blind else item.status,
            "statusLabel": None if page.blind else STATUS_LABELS.get(item.status, item.status),
            "flip": compare and not page.blind and item.status == "pass_to_fail",
            "input": _text(redact, item.input), "target": _text(redact, item.target),
            "slice": None if item.slice_value is None else redact(item.slice_value),
            "scores": [] if page.blind else [{"scorer": redact(s), "passed": p,
                                              "why": _text(redact, w)} for s, p, w in item.scores],
            "outputs": outputs})
    return {
        "format": REVIEW_FORMAT, "reviewId": review_id(page), "suite": redact(page.suite),
        "blind": page.blind, "compare": compare,
        "created": (created or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "selection": redact(page.selection),
        "candidate": _run_view(page.candidate, page.blind),
        "baseline": _run_view(page.baseline, page.blind),
        "rubrics": [r.public() for r in page.rubrics],
        "decisions": [{"value": k, "label": v} for k, v in DECISIONS.items()] if compare else [],
        "items": items,
    }


def render_review(page: ReviewPage, redact: Redactor | None = None) -> str:
    redact = redact or Redactor()
    script = static_text("review.js")
    if "</script" in script.lower():
        raise RuntimeError("review.js must not contain '</script'")
    data = payload(page, redact)
    return environment().get_template("review.html.j2").render(
        redact=redact, title=f"Review: {page.suite}", data=data,
        rubrics=page.rubrics, n_items=len(page.items),
        review_json=Markup(script_json(data)), script=Markup(script),
        style=Markup(static_text("report.css") + static_text("review.css")),
        csp=Markup(content_security_policy(script)))


def needs_rubrics(rubrics: Sequence[HumanRubric], compare: bool) -> None:
    from ..errors import UsageError

    if not rubrics and not compare:
        raise UsageError("the suite declares no human rubrics, so there is nothing to rate\n"
                         "  fix: add e.g. `human: [{name: tone, scale: 1-5, question: ...}]` to "
                         "the suite (or give a BASELINE to adjudicate flips)")
