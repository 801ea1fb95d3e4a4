"""Suite-level template vars and `--var KEY=VALUE` overrides (prompt A/B on one suite)."""
from __future__ import annotations

import pytest

from evalkit.errors import SuiteError
from evalkit.suite import load_suite

SUITE = """suite: ab
vars: {style: long, lang: en}
prompt: "{% if style == 'long' %}Please answer carefully: {% endif %}{{ q }} ({{ lang }})"
cases:
  - {id: one, q: "2+2?", target: "4"}
  - {id: two, q: "3+3?", target: "6", lang: fr}
"""


@pytest.fixture
def path(tmp_path):
    file = tmp_path / "suite.yaml"
    file.write_text(SUITE)
    return file


def prompts(suite) -> dict[str, str]:
    return {case_id: request.messages[-1].content for case_id, request in suite.requests.items()}


def test_defaults_and_case_vars_win(path):
    suite = load_suite(path)
    assert prompts(suite) == {"one": "Please answer carefully: 2+2? (en)",
                              "two": "Please answer carefully: 3+3? (fr)"}
    assert suite.vars == {"style": "long", "lang": "en"}


def test_override_changes_prompt_and_identity(path):
    plain, short = load_suite(path), load_suite(path, {"style": "short"})
    assert prompts(short)["one"] == "2+2? (en)"
    assert short.vars["style"] == "short"
    assert short.prompt_hash != plain.prompt_hash and short.suite_hash != plain.suite_hash
    # the same value as the default renders the same prompts but is still recorded as set
    assert prompts(load_suite(path, {"style": "long"})) == prompts(plain)


def test_undeclared_override_is_a_located_error(path):
    with pytest.raises(SuiteError) as caught:
        load_suite(path, {"stlye": "short"})
    problem = caught.value.problems[0]
    assert "declares no var 'stlye'" in problem.message
    assert problem.location.line == 2 and "did you mean 'style'" in problem.hint
    assert load_suite(path, {"stlye": "x"}, undeclared_ok=True).vars["style"] == "long"
