"""What a review page shows: the outputs to rate, picked from a run (and its baseline).

`collect` reads every (case, sample) of the candidate run with the baseline's output beside
it; `pick` chooses `n` of them, seeded:

- no stratum: a simple random sample;
- `flips`: equal shares of each comparison status (pass→fail, fail→pass, still passing, ...),
  so the few flips are not drowned by the many unchanged cases;
- `slice`: equal shares of each value of the run's first slice key;
- `judge-uncertain`: the outputs an LLM judge was least sure of first (off-format verdicts,
  judges that disagree, mean scores nearest the pass mark).
"""
from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..errors import UsageError
from ..store import RunRecord, Store, report_reads

STRATA = ("flips", "slice", "judge-uncertain")
MAX_ITEMS = 2000  # outputs on one page (each card is live DOM; people rate samples anyway)



@dataclass(frozen=True)
class Output:
    run_id: str
    role: str  # candidate | baseline
    text: str | None
    error: str | None


@dataclass(frozen=True)
class ReviewItem:
    case_id: str
    sample: int
    status: str  # a comparison's transition, or passed / failed / error for one run
    input: str
    target: str | None
    outputs: tuple[Output, ...]  # the candidate's first
    slice_value: str | None = None
    uncertainty: float | None = None  # judge: 0 = no usable verdict; None = no judge
    scores: tuple[tuple[str, bool | None, str], ...] = field(default_factory=tuple)


def _status(paired: bool, base_passed, cand_passed, error, compare: bool) -> str:
    if not compare:
        return "error" if error is not None else ("passed" if cand_passed else "failed")
    if not paired:
        return "new"
    if base_passed and cand_passed:
        return "still_passing"
    if base_passed:
        return "pass_to_fail"
    return "fail_to_pass" if cand_passed else "still_failing"


def prompt_text(prompt: str | None) -> str:
    """The rendered prompt as the reviewer reads it (chat turns labelled by role)."""
    if not prompt:
        return ""
    data = json.loads(prompt)
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return "\n\n".join(f"[{m.get('role', '')}] {m.get('content', '')}"
                           for m in data["messages"] if isinstance(m, dict))
    if isinstance(data, dict) and "prompt" in data:
        return str(data["prompt"])
    return str(data)


def _target(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = json.loads(raw)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def judge_uncertainty(store: Store, run_id: str) -> dict[tuple[str, int], float]:
    """Per output, how unsure the run's LLM judges were: 0 when none gave a usable verdict,
    else the smallest distance of a mean score from its pass mark as a share of the scale,
    halved by the judges' disagreement."""
    rows = report_reads.judge_details(store, run_id)
    out: dict[tuple[str, int], float] = {}
    for case_id, sample, details in rows:
        data = json.loads(details)
        lo, hi = (data.get("scale") or [0, 1])[:2]
        mean, mark = data.get("mean_score"), data.get("min_score")
        if mean is None or mark is None or hi <= lo:
            value = 0.0
        else:
            value = abs(mean - mark) / (hi - lo) * float(data.get("agreement", 1.0))
        key = (case_id, int(sample))
        out[key] = min(value, out.get(key, value))
    return out


def _scores(store: Store, run_id: str) -> dict[tuple[str, int], list[tuple[str, bool | None, str]]]:
    found: dict[tuple[str, int], list] = defaultdict(list)
    for case_id, sample, scorer, passed, why in report_reads.machine_scores(store, run_id):
        found[(case_id, int(sample))].append((scorer, passed, why))
    return found


def collect(store: Store, cand: RunRecord, base: RunRecord | None) -> list[ReviewItem]:
    """Every (case, sample) of the candidate run, with the baseline's output when given."""
    slices = list(cand.slices or [])
    rows = report_reads.review_rows(store, cand.run_id, base.run_id if base else None,
                                    slices[0] if slices else None)
    unsure = judge_uncertainty(store, cand.run_id)
    scores = _scores(store, cand.run_id)
    items = []
    for (case_id, sample, prompt, target, output, error, passed, paired, b_output, b_error,
         b_passed, slice_value) in rows:
        outputs = [Output(cand.run_id, "candidate", output, error)]
        if base is not None and paired:
            outputs.append(Output(base.run_id, "baseline", b_output, b_error))
        key = (case_id, int(sample))
        items.append(ReviewItem(case_id, int(sample),
                                _status(paired, b_passed, passed, error, base is not None),
                                prompt_text(prompt), _target(target), tuple(outputs),
                                slice_value, unsure.get(key), tuple(scores.get(key, ()))))
    return items


def pick(items: Sequence[ReviewItem], n: int | None, stratify: str | None,
         seed: int = 0) -> list[ReviewItem]:
    """`n` items (all when n is None), chosen as the module says, in case order."""
    if stratify is not None and stratify not in STRATA:
        raise UsageError(f"--stratify {stratify!r}: use one of {', '.join(STRATA)}")
    if n is None and len(items) > MAX_ITEMS:
        raise UsageError(f"the run has {len(items):,} outputs, more than one page holds "
                         f"({MAX_ITEMS:,})\n  fix: review a sample, e.g. --sample 200 "
                         "--stratify flips")
    if n is not None and n > MAX_ITEMS:
        raise UsageError(f"--sample {n:,}: at most {MAX_ITEMS:,} outputs fit one page; "
                         "export several pages with different --seed values")
    rng = random.Random(seed)
    if stratify == "judge-uncertain":
        if not any(i.uncertainty is not None for i in items):
            raise UsageError("--stratify judge-uncertain: the run has no LLM-judge scores")
        order = sorted(items, key=lambda i: (i.uncertainty is None, i.uncertainty or 0.0,
                                             rng.random()))
        return order[:n] if n is not None else order  # most uncertain first: the order matters
    if n is None or n >= len(items):
        return list(items)
    if stratify is None:
        chosen = rng.sample(list(items), n)
    else:
        strata: dict[Any, list[ReviewItem]] = defaultdict(list)
        for item in items:
            strata[item.status if stratify == "flips" else item.slice_value].append(item)
        for members in strata.values():
            rng.shuffle(members)
        chosen, groups = [], [strata[k] for k in sorted(strata, key=lambda k: (k is None, str(k)))]
        while len(chosen) < n:  # equal allocation: one from each stratum in turn
            for members in groups:
                if members and len(chosen) < n:
                    chosen.append(members.pop())
    return sorted(chosen, key=lambda i: (i.case_id, i.sample))
