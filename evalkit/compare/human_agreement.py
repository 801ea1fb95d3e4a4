"""How far people agree with each other, and with an LLM judge, on each human rubric.

Between reviewers: Cohen's kappa (quadratic weights on a numeric scale; with more than two
reviewers the mean over reviewer pairs, Light's kappa) and Krippendorff's alpha (ordinal on a
numeric scale, nominal on pass/fail) over the outputs rated by at least two reviewers.
Humans and the judge (the rubric's `judge`, default the scorer of the rubric's name): how
often the human verdict (the `human:<rubric>` score) and the judge's pass/fail agree, Cohen's
kappa on pass/fail, the confusion table, and Krippendorff's interval alpha of the two scores
as shares of their scales, over the outputs both scored. This is the evidence for whether
the judge can stand in for people.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Sequence

import numpy as np

from ..store import Store, analytics
from ..suite.human_spec import HUMAN_PREFIX
from .agreement import cohen_kappa, confusion, krippendorff_alpha


@dataclass(frozen=True)
class ReviewerAgreement:
    reviewers: tuple[str, ...]
    outputs: int  # rated by two or more of them
    kappa: float | None  # Cohen's (two reviewers) or Light's (more)
    alpha: float | None  # Krippendorff's
    level: str  # nominal | ordinal


@dataclass(frozen=True)
class JudgeAgreement:
    judge: str  # the judge scorer's name
    outputs: int  # scored by both, each with a verdict
    agree: float  # share of outputs with the same pass/fail
    kappa: float | None
    table: tuple[tuple[int, int], tuple[int, int]]  # [human pass, fail] × [judge pass, fail]
    alpha: float | None  # interval, on scores as shares of their scales


@dataclass(frozen=True)
class RubricAgreement:
    rubric: str
    scale: str
    outputs: int  # outputs with a human score
    ratings: int
    reviewers: tuple[str, ...]
    between: ReviewerAgreement | None  # None: no output rated twice
    judge: JudgeAgreement | None  # None: no judge scores on the same outputs


def _defined(value: float) -> float | None:
    return None if value != value else float(value)


def _between(frame, scale: str) -> ReviewerAgreement | None:
    binary = scale == "pass/fail"
    wide = frame.pivot_table(index=["run_id", "case_id", "sample"], columns="reviewer",
                             values="score", aggfunc="first")
    wide = wide[wide.notna().sum(axis=1) >= 2]
    if wide.empty:
        return None
    reviewers = tuple(str(c) for c in wide.columns)
    labels = ([0.0, 1.0] if binary else
              [float(v) for v in range(*_bounds(scale, frame["score"]))])
    kappas = []
    for x, y in combinations(wide.columns, 2):
        both = wide[[x, y]].dropna()
        if len(both):
            kappas.append(cohen_kappa(list(both[x]), list(both[y]), labels,
                                      None if binary else "quadratic"))
    kappas = [k for k in kappas if k == k]
    level = "nominal" if binary else "ordinal"
    alpha = krippendorff_alpha(wide.to_numpy(dtype=float).T, level)
    return ReviewerAgreement(reviewers, len(wide), float(np.mean(kappas)) if kappas else None,
                             _defined(alpha), level)


def _bounds(scale: str, scores) -> tuple[int, int]:
    """(low, high + 1) of a LOW-HIGH scale, widened to any score outside it."""
    lo, _, hi = scale.partition("-")
    try:
        low, high = int(lo), int(hi)
    except ValueError:
        low, high = int(scores.min()), int(scores.max())
    return min(low, int(scores.min())), max(high, int(scores.max())) + 1


def _judge(store: Store, run_ids: Sequence[str], rubric: str, judge: str) -> JudgeAgreement | None:
    frame = analytics.judged_pairs(store, run_ids, HUMAN_PREFIX + rubric, judge)
    if frame.empty:
        return None
    human, judged = list(frame["human"].astype(bool)), list(frame["judge"].astype(bool))
    table = confusion(human, judged, [True, False])
    values = frame[["human_value", "judge_value"]].dropna().to_numpy(dtype=float).T
    alpha = krippendorff_alpha(values, "interval") if values.size else float("nan")
    return JudgeAgreement(judge, len(frame), float(np.mean(np.equal(human, judged))),
                          _defined(cohen_kappa(human, judged, [True, False])),
                          ((int(table[0, 0]), int(table[0, 1])), (int(table[1, 0]),
                                                                   int(table[1, 1]))),
                          _defined(alpha))


def rubric_agreement(store: Store, run_ids: Sequence[str]) -> list[RubricAgreement]:
    """Per human rubric rated in these runs: reviewers' and the judge's agreement."""
    ratings = analytics.human_ratings(store, run_ids)
    if ratings is None or ratings.empty:
        return []
    found = []
    for rubric, frame in ratings.groupby("rubric", sort=True):
        details = analytics.score_details(store, run_ids, HUMAN_PREFIX + rubric)
        scale = str(details.get("scale") or "")
        outputs = frame.groupby(["run_id", "case_id", "sample"]).ngroups
        found.append(RubricAgreement(
            str(rubric), scale, outputs, len(frame), tuple(sorted(frame["reviewer"].unique())),
            _between(frame, scale),
            _judge(store, run_ids, str(rubric), str(details.get("judge") or rubric))))
    return found
