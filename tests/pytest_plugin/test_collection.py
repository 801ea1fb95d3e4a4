"""Collection: entry point, node ids, YAML lines, selection, and skips without a model."""
from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

from tests.cli.helpers import query

from .conftest import QA_SUITE

pytest_plugins = ["pytester"]


def test_the_plugin_is_a_pytest11_entry_point():
    found = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert found.get("evalkit") == "evalkit.pytest_plugin.plugin"


def test_loading_the_plugin_imports_nothing_heavy():
    code = ("import sys, evalkit.pytest_plugin.plugin; "
            "print(sorted(m for m in ('duckdb', 'pandas', 'litellm', 'pydantic', 'aiohttp', "
            "'numpy', 'evalkit.suite', 'evalkit.runner') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cases_gates_and_variants_become_items(project):
    project.write("suites/qa.yaml", QA_SUITE + "gates:\n  - {metric: exact, min: 0.5}\n")
    project.write("suites/nested/bias.yaml", """
        suite: bias
        prompt: "{{ question }}"
        counterfactuals:
          groups:
            name: [Emily, Lakisha]
        cases:
          - {id: loan, question: "Should {{name}} get the loan?", target: "yes"}
          - {id: plain, question: "Hello", target: Hello}
        scorers:
          - type: contains
        """)
    project.write("other/not-a-suite.yaml", "key: value\n")
    project.write("suites/notes.txt", "not yaml\n")
    result = project.run("--collect-only", "-q", model=None)
    ids = [line for line in result.outlines if "::" in line]
    assert ids == [
        "suites/nested/bias.yaml::bias::loan~name=Emily",
        "suites/nested/bias.yaml::bias::loan~name=Lakisha",
        "suites/nested/bias.yaml::bias::plain",
        "suites/qa.yaml::qa::fr",
        "suites/qa.yaml::qa::it",
        "suites/qa.yaml::qa::de",
        "suites/qa.yaml::qa::gate[0]",
    ]


def test_only_files_matching_the_ini_globs_are_collected(project):
    project.write("pytest.ini", "[pytest]\nevalkit_suites =\n    evals/*.yaml\n")
    project.write("evals/qa.yaml", QA_SUITE)
    project.write("suites/qa.yaml", QA_SUITE)
    result = project.run("--collect-only", "-q", model=None)
    assert "evals/qa.yaml::qa::fr" in result.outlines
    assert not [line for line in result.outlines if line.startswith("suites/")]


def test_a_broken_suite_is_a_collection_error_with_its_line(project):
    project.write("suites/bad.yaml", QA_SUITE.replace("type: exact", "type: exakt"))
    result = project.run("--collect-only", "-q", model=None)
    result.stdout.fnmatch_lines(["*bad.yaml:10:11: error: unknown scorer type 'exakt'*",
                                 "*did you mean 'exact'*"])
    assert "Traceback" not in result.stdout.str()


def test_without_a_model_suite_items_skip_and_other_tests_run(project):
    project.write("suites/qa.yaml", QA_SUITE)
    project.write("test_plain.py", "def test_plain():\n    assert True\n")
    result = project.run(model=None)
    result.assert_outcomes(passed=1, skipped=3)
    result.stdout.fnmatch_lines(["*no evalkit model configured: set --evalkit-model, "
                                 "EVALKIT_MODEL or the evalkit_model ini option*"])
    assert not project.db.exists()


def test_failures_point_at_the_yaml_and_jsonl_lines(project):
    project.write("suites/qa.yaml", QA_SUITE)
    project.write("suites/data.jsonl", "\n".join(json.dumps(r) for r in [
        {"id": "a", "q": "one", "answer": "one"},
        {"id": "b", "q": "two", "answer": "deux"},
    ]) + "\n")
    project.write("suites/file.yaml", """
        suite: from-file
        prompt: "{{ q }}"
        cases:
          from: data.jsonl
          target: answer
        scorers:
          - type: exact
        """)
    result = project.run()
    result.assert_outcomes(passed=3, failed=2)
    out = result.stdout.str()
    assert "suites/qa.yaml:5: case 'it' of suite 'qa' failed" in out
    assert "suites/data.jsonl:2: case 'b' of suite 'from-file' failed" in out
    result.stdout.fnmatch_lines(["FAILED suites/file.yaml::from-file::b - exact: *",
                                 "FAILED suites/qa.yaml::qa::it - exact: output 'Rome' differs*"])


def test_k_selects_cases_and_only_those_run_in_one_run(project):
    project.write("suites/qa.yaml", QA_SUITE)
    result = project.run("-k", "fr or de")
    result.assert_outcomes(passed=2, deselected=1)
    assert query(project.db, "SELECT count(*), max(n_cases) FROM runs") == [(1, 2)]
    assert sorted(query(project.db, "SELECT case_id FROM results")) == [("de",), ("fr",)]
    assert project.server.stats()["by_prompt"] == {"Paris": 1, "Berlin": 1}


def test_node_ids_select_a_variant_and_marks_select_gates(project):
    project.write("suites/bias.yaml", """
        suite: bias
        prompt: "{{ question }}"
        counterfactuals:
          groups:
            name: [Emily, Lakisha]
        cases:
          - {id: loan, question: "Should {{name}} get the loan?", target: "{{name}}"}
        scorers:
          - type: contains
        gates:
          - {metric: contains, min: 0.5}
        """)
    result = project.run("suites/bias.yaml::bias::loan~name=Lakisha")
    result.assert_outcomes(passed=1)
    assert query(project.db, "SELECT case_id FROM results") == [("loan~name=Lakisha",)]
    result = project.run("-m", "evalkit_gate")
    result.assert_outcomes(passed=1, deselected=2)
