"""Per-case scorers (issue 18, item 3): `when: {kind: json}` scores the matching cases only,
`when: named` the cases that name the scorer, and a case names extra scorers in `scorers`.
A case a scorer does not apply to has no score from it: not a failure for run, gates,
compare or report."""
from __future__ import annotations

import json

import pytest

from tests.cli.ergonomics import cli
from tests.cli.helpers import assert_no_traceback, ok, query

PIPELINE = '''
def answer(prompt):
    return '{"a": 1}' if "json" in prompt else prompt
'''
SUITE = """suite: mixed
prompt: "{{ q }}"
cases:
  - {id: t1, q: "hello", target: "hello", metadata: {kind: text}}
  - {id: t2, q: "world", target: "world", metadata: {kind: text}, scorers: [strict]}
  - {id: j1, q: "json please", target: "-", metadata: {kind: json}}
  - {id: j2, q: "more json", target: "-", metadata: {kind: json}}
scorers:
  - {type: contains, when: {kind: text}}
  - {type: json_schema, name: json, schema: {type: object}, when: {kind: [json, yaml]}}
  - {type: exact, name: strict, when: named}
gates:
  - {metric: json, min: 1.0}
  - {metric: contains, min: 1.0}
  - {metric: passed, min: 1.0}
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "pipe.py").write_text(PIPELINE, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(SUITE, encoding="utf-8")
    return tmp_path


def _run(folder, label):
    return ok(cli(folder, "run", "s.yaml", "-m", "python/pipe:answer", "-M", "path=.",
                  "--label", label, "--no-progress"))


def test_each_scorer_scores_its_cases_and_the_rest_are_not_failures(folder):
    proc = _run(folder, "v1")  # every gate passes: exit 0
    assert "4 passed (100.0%)" in proc.stdout
    assert "json: pass 100.0%, mean 1 (n=2)" in proc.stdout
    assert "strict: pass 100.0%, mean 1 (n=1)" in proc.stdout
    assert "all gates passed" in proc.stdout
    scored = query(folder / "e.duckdb", "SELECT case_id, scorer FROM scores ORDER BY 1, 2")
    assert scored == [("j1", "json"), ("j2", "json"), ("t1", "contains"), ("t2", "contains"),
                      ("t2", "strict")]
    (described,), = query(folder / "e.duckdb", "SELECT scorers FROM runs")
    assert {s["name"]: s["params"].get("when") for s in json.loads(described)} == {
        "contains": {"kind": "text"}, "json": {"kind": ["json", "yaml"]}, "strict": "named"}

    _run(folder, "v2")
    compared = cli(folder, "compare", "v1", "v2", "--details", "--report", "r.html")
    assert compared.returncode == 0, compared.stdout + compared.stderr
    json_row = next(line for line in compared.stdout.splitlines() if line.startswith("│ json"))
    assert "│ 2 " in json_row  # n: the two cases it scores
    assert "Safe to swap" in compared.stdout and "all gates passed" in compared.stdout
    assert (folder / "r.html").stat().st_size > 0
    assert_no_traceback(compared.stdout + compared.stderr)
    shown = ok(cli(folder, "show", "v2"))
    assert_no_traceback(shown.stdout)


@pytest.mark.parametrize("edit, message", [
    (("scorers: [strict]", "scorers: [stirct]"),
     "case 't2' (s.yaml:5:5) names scorer 'stirct', which the suite does not define"),
    (("when: {kind: text}", "when: {kind: txt}"), "scorer 'contains' applies to no case"),
])
def test_a_scorer_filter_that_cannot_be_meant_is_an_error(folder, edit, message):
    (folder / "s.yaml").write_text(SUITE.replace(*edit), encoding="utf-8")
    proc = cli(folder, "validate", "s.yaml")
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert_no_traceback(proc.stderr)
