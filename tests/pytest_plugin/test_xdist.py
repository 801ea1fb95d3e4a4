"""pytest-xdist: workers take turns on the DuckDB file; each suite is one run."""
from __future__ import annotations

from tests.cli.helpers import query

pytest_plugins = ["pytester"]


def _suite(name: str, n: int) -> str:
    cases = "".join(f"  - {{id: {name}{i}, question: {name}-q{i}, target: {name}-q{i}}}\n"
                    for i in range(n))
    return (f'suite: {name}\nprompt: "{{{{ question }}}}"\ncases:\n{cases}'
            "scorers:\n  - type: exact\ngates:\n  - {metric: exact, min: 0.9}\n")


def test_two_workers_share_the_database_and_run_each_suite_once(project):
    project.server.config(latency=0.05)
    project.write("suites/a.yaml", _suite("a", 6))
    project.write("suites/b.yaml", _suite("b", 6))
    project.write("test_plain.py", "def test_plain():\n    assert True\n")
    result = project.run("-n", "2", subprocess=True)
    result.assert_outcomes(passed=15)
    assert query(project.db, "SELECT suite, status, n_cases FROM runs ORDER BY suite") == [
        ("a", "completed", 6), ("b", "completed", 6)]
    assert query(project.db, "SELECT count(*), count(DISTINCT run_id), bool_and(passed) "
                             "FROM results") == [(12, 2, True)]
    assert project.server.stats()["total"] == 12
    result.stdout.fnmatch_lines(["*= evalkit =*"])
    result.stdout.fnmatch_lines(["a · openai/m1 · run *: 6/6 passed"])
    result.stdout.fnmatch_lines(["b · openai/m1 · run *: 6/6 passed"])
