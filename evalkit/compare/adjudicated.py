"""Flip adjudications (`evalkit review import`) in a comparison.

A pass→fail flip a reviewer marked as an *acceptable change* is a waiver of its case (every
metric) until the decision's expiry, with the reviewer and reason in the waiver's reason,
for every comparison of the suite, like a waiver written in the suite file. The comparison
also lists which of its flips were adjudicated, how and by whom (`Diff.adjudications`).
"""
from __future__ import annotations

from datetime import date

from ..store import Store, analytics
from ..store.human import DECISIONS
from ..suite.gate_spec import Policy, Waiver


def latest(store: Store, suite: str):
    """Each reviewer's latest decision on each flip of the suite (a DataFrame), or None."""
    return analytics.latest_adjudications(store, suite)


def with_adjudicated_waivers(table, policy: Policy, today: date) -> Policy:
    """The policy plus a waiver per acceptable change (in `latest`'s table) whose expiry has
    not passed."""
    if table is None or table.empty:
        return policy
    accepted = table[(table["decision"] == "acceptable") & table["expires"].notna()]
    waived = {w.case for w in policy.waivers if w.metric is None}
    extra = []
    for row in accepted.itertuples():
        expires = row.expires.date() if hasattr(row.expires, "date") else row.expires
        if expires < today or row.case_id in waived:
            continue
        waived.add(row.case_id)
        reason = f"acceptable change, adjudicated by {row.reviewer}" + (
            f": {row.reason}" if row.reason else "")
        extra.append(Waiver(case=row.case_id, reason=reason, expires=expires))
    if not extra:
        return policy
    return policy.model_copy(update={"waivers": list(policy.waivers) + extra})


def flip_marks(table, cases):
    """The adjudications (`latest`'s table) of this comparison's pass→fail flips: case_id, sample, decision
    (in words), reviewer, reason, expires, whether it was decided on this same pair of runs."""
    import pandas as pd

    columns = ["case_id", "sample", "decision", "reviewer", "reason", "expires",
               "golden_applied", "baseline_run", "candidate_run"]
    if table is None or table.empty or cases is None or cases.empty:
        return pd.DataFrame(columns=columns)
    flips = cases[cases["status"] == "pass_to_fail"][["case_id", "sample"]]
    marked = table.merge(flips, on=["case_id", "sample"])[columns].copy()
    marked["decision"] = marked["decision"].map(lambda d: DECISIONS.get(d, d))
    return marked.reset_index(drop=True)
