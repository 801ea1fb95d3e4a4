"""The plugin in someone else's repository: only evalkit suites are collected (a top-level
`suite:` key, `.yaml` or `.yml`), other YAML is left alone, a missing golden file without a
model is a skip, golden updates never write outside the project, and what the plugin prints
(terminal, JUnit XML) holds no secret and no control character."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

from .conftest import QA_SUITE
from .test_execution import GOLDEN_SUITE

pytest_plugins = ["pytester"]

COMPOSE = """
services:
  web:
    image: nginx
    ports: ["80:80"]
"""
CI = """
on: [push]
jobs:
  test: {runs-on: ubuntu-latest, steps: [{run: pytest}]}
"""


def test_other_yaml_under_suites_is_left_alone_and_yml_suites_are_collected(project):
    (project.path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # default globs
    project.write("suites/docker-compose.yaml", COMPOSE)
    project.write("suites/ci/workflow.yml", CI)
    project.write("suites/broken.yaml", "key: [unclosed\n\tbad: tab\n")
    project.write("suites/k8s.yaml", "kind: A\n---\nkind: B\n")
    project.write("suites/qa.yml", QA_SUITE)
    project.write("test_plain.py", "def test_plain():\n    assert True\n")
    result = project.run()
    result.assert_outcomes(passed=3, failed=1)  # qa: fr, de pass, it fails; test_plain
    assert result.ret == 1
    out = result.stdout.str()
    assert "ERROR" not in out and "error" not in out.split("short test summary")[-1].lower()
    assert "docker-compose" not in out and "workflow" not in out and "warning" not in out.lower()
    result.stdout.fnmatch_lines(["*suites/qa.yml::qa::it*"])


def test_a_yaml_file_that_looks_like_a_suite_without_its_key_is_a_warning(project):
    project.write("suites/nameless.yaml", QA_SUITE.replace("suite: qa\n", ""))
    project.write("suites/typo.yaml", QA_SUITE.replace("suite: qa", "suit: qa"))
    project.write("test_plain.py", "def test_plain():\n    assert True\n")
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "*nameless.yaml: not collected as an evalkit suite: it has 'prompt', 'cases', "
        "'scorers' but no top-level 'suite:' key (add 'suite: NAME')",
    ])
    result.stdout.fnmatch_lines(["*typo.yaml: not collected as an evalkit suite: it has 'suit:' "
                                 "but no top-level 'suite:' key"])




def test_a_missing_golden_file_without_a_model_is_a_skip_with_the_reason(project):
    project.write("suites/gold.yaml", GOLDEN_SUITE.replace("golden/answers.jsonl", "golden/new.jsonl"))
    project.write("test_plain.py", "def test_plain():\n    assert True\n")
    result = project.run("-rs", model=None)
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] suites/gold.yaml:8: golden file not found: *"
                                 "new.jsonl*no evalkit model configured*"])


def test_golden_updates_never_write_outside_the_project(project):
    elsewhere = project.path.parent / f"elsewhere-{secrets.token_hex(4)}"
    project.write("suites/out.yaml", GOLDEN_SUITE.replace("golden/answers.jsonl", f"../../{elsewhere.name}/new.json"))
    result = project.run("--evalkit-update-golden")
    assert not elsewhere.exists(), "a folder was created outside the project"
    result.stdout.fnmatch_lines(["*out.yaml*golden file*is outside the suite's folder and project*"])
    # even when reading outside is allowed, writing there is not
    elsewhere.mkdir()
    golden = elsewhere / "new.json"
    golden.write_text(json.dumps({"a": "old", "b": "beta", "c": "gamma"}), encoding="utf-8")
    allowed = project.run("--evalkit-update-golden", "--evalkit-allow-outside-files")
    assert json.loads(golden.read_text()) == {"a": "old", "b": "beta", "c": "gamma"}
    allowed.stdout.fnmatch_lines(["*golden answers not updated: golden file*is outside the "
                                  "suite's folder and project*"])


def test_plugin_output_masks_secrets_and_escapes_control_characters(project):
    key, header = "k" + secrets.token_hex(2), "h" + secrets.token_hex(2)  # 5 characters
    project.server.config(echo_headers=["Authorization", "x-api-key"])
    project.write("suites/leak.yaml", """
        suite: leak
        prompt: "{{ q }}"
        cases:
          - {id: "esc\\u001b[2Jid", q: "bell \\u0007 and \\u001b[31mred", target: never}
        scorers:
          - type: exact
        """)
    result = project.run("--junitxml", "junit.xml", model=None, *[
        "--evalkit-model", "openai/m",
        "--evalkit-model-option", f"api_base={project.server.base_url}",
        "--evalkit-model-option", f"api_key={key}",
        "--evalkit-model-option", f'headers={{"x-api-key": "{header}"}}'])
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert '"Authorization": "Bearer ***"' in out and '"x-api-key": "***"' in out
    assert "\x1b" not in out and "\x07" not in out
    assert "bell \\x07 and \\x1b[31mred" in out
    xml = Path(project.path / "junit.xml").read_text(encoding="utf-8")
    for text in (out, xml):
        assert key not in text and header not in text
