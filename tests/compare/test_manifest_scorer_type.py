"""Runs record a scorer's registry name; older runs recorded its class name. Comparing an
older run with a newer one is not a scorer change, but another scorer still is."""
from datetime import datetime, timezone

from evalkit.compare.manifest import manifest_rows
from evalkit.store import RunRecord


def _run(scorers: list[dict]) -> RunRecord:
    return RunRecord(run_id="r", suite="s", model_ref="python/m:f", backend="python",
                     suite_hash="s" * 12, status="completed", scorers=scorers,
                     started_at=datetime(2026, 1, 1, tzinfo=timezone.utc))


def _scorer_items(before: list[dict], after: list[dict]) -> list[str]:
    return [r["item"] for r in manifest_rows(_run(before), _run(after))
            if r["item"].startswith("scorer")]


def test_a_class_name_recorded_by_an_older_run_is_the_same_scorer():
    old = [{"name": "exact", "type": "ExactScorer", "params": {}}]
    new = [{"name": "exact", "type": "exact", "params": {}}]
    assert _scorer_items(old, new) == []
    assert _scorer_items(new, old) == []


def test_another_scorer_under_the_same_name_is_still_a_setup_change():
    old = [{"name": "check", "type": "ExactScorer", "params": {}}]
    new = [{"name": "check", "type": "contains", "params": {}}]
    assert _scorer_items(old, new) == ["scorer check type"]
    assert _scorer_items([{"name": "x", "type": "unknown_kind"}],
                         [{"name": "x", "type": "exact"}]) == ["scorer x type"]
