"""The pytest twins of `evalkit run --sequential` and the budget caps: the suite stops early,
its unrun cases are skipped with the reason, and the regression item follows the answer."""
from __future__ import annotations

from tests.cli.helpers import query

pytest_plugins = ["pytester"]

N = 120


def _suite(name: str) -> str:
    cases = "".join(f"  - {{id: c{i:03d}, question: q{i}, target: q{i}}}\n" for i in range(N))
    return f'suite: {name}\nprompt: "{{{{ question }}}}"\ncases:\n{cases}scorers:\n  - type: exact\n'


def test_evalkit_sequential_stops_a_regressed_suite_early(project, monkeypatch):
    project.write("suites/seq.yaml", _suite("seq"))
    project.run("--evalkit-label", "v1", model="openai/v1").assert_outcomes(passed=N)
    project.server.config(answers={f"q{i}": "wrong" for i in range(N)})
    project.server.reset()
    monkeypatch.setenv("EVALKIT_BASELINE", "v1")
    monkeypatch.setenv("EVALKIT_SEQUENTIAL", "1")
    result = project.run("--evalkit-label", "v2", model="openai/v2")
    (status, stored), = query(project.db, "SELECT status, (SELECT count(*) FROM results x "
                                          "WHERE x.run_id = r.run_id) FROM runs r WHERE "
                                          "label = 'v2'")
    assert status == "partial" and stored < N
    assert project.server.stats()["total"] == stored
    result.assert_outcomes(failed=stored + 1, skipped=N - stored)
    result.stdout.fnmatch_lines([f"*not run: stopped after {stored} of {N} cases: regressed*"])
    result.stdout.fnmatch_lines(["*safe to swap: no*",
                                 f"*- stopped after {stored} of {N} cases: regressed (pass rate*"])


def test_evalkit_max_calls_caps_a_suite(project):
    project.write("suites/cap.yaml", _suite("cap"))
    result = project.run("--evalkit-max-calls", "30")
    result.assert_outcomes(passed=30, skipped=N - 30)
    assert project.server.stats()["total"] == 30
    result.stdout.fnmatch_lines([f"*not run: stopped after 30 of {N} cases: budget "
                                 "(--max-calls 30 reached)*"])


def test_evalkit_sequential_needs_a_baseline(project, monkeypatch):
    project.write("suites/seq.yaml", _suite("seq"))
    monkeypatch.setenv("EVALKIT_SEQUENTIAL", "true")
    result = project.run()
    result.stdout.fnmatch_lines(["*--evalkit-sequential stops when the comparison with a "
                                 "baseline is decided*"])
    assert project.server.stats()["total"] == 0
