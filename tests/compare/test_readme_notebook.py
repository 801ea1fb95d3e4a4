"""The README's notebook example runs as written against real runs labelled prod and v2."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.compare.helpers import case_ids, run, write_suite

README = Path(__file__).resolve().parents[2] / "README.md"


def _notebook_block() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    found = [b for b in blocks if "diff.metrics_frame()" in b and "compare(store" in b]
    assert len(found) == 1, "the README's notebook example is not where this test looks"
    return found[0]


def test_the_readme_notebook_example_runs(tmp_path, monkeypatch):
    db = tmp_path / "reports" / "evalkit.duckdb"
    db.parent.mkdir()
    suite = write_suite(tmp_path, 20)
    ids = case_ids(20)
    run(suite, db, "prod", wrong=ids[:2])
    run(suite, db, "v2", wrong=ids[:8])
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(compile(_notebook_block(), str(README), "exec"), names)  # the example as written
    diff = names["diff"]
    frame, cases = diff.metrics_frame(), diff.cases_frame()
    assert len(frame) == len(diff.metrics) and len(cases) == len(diff.cases) == 20
    assert (cases["status"] == "pass_to_fail").sum() == 6
    assert diff.row("passed").delta == pytest.approx(-0.3)  # 18/20 → 12/20, a typed float
