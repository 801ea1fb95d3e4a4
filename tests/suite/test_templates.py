"""Prompt templates: Jinja2 sandbox, StrictUndefined, chat and completion forms, no target leak."""
from __future__ import annotations

from evalkit.suite import load_suite
from evalkit.types import Message, Request

from .helpers import check_problem, load_error, write, write_jsonl


def one_case_suite(tmp_path, prompt_yaml: str, case: str = "{id: c1, q: hello, target: SECRET}"):
    path = tmp_path / "suite.yaml"
    path.write_text(f"suite: s\n{prompt_yaml}cases:\n  - {case}\n", encoding="utf-8")
    return path


def test_sandbox_blocks_dunder_attribute_access(tmp_path):
    path = one_case_suite(tmp_path, "prompt: \"{{ ''.__class__.__mro__ }}\"\n")
    error = load_error(path)
    assert len(error.problems) == 1
    check_problem(error, file=path, line=2, col=1,
                  message=f"case 'c1' ({path}:4:5): access to attribute '__class__' of 'str' "
                          "object is unsafe",
                  key_path="prompt.user, template line 1",
                  source="prompt: \"{{ ''.__class__.__mro__ }}\"")


def test_sandbox_blocks_globals_through_a_var(tmp_path):
    path = one_case_suite(tmp_path, 'prompt: "{{ lipsum.__globals__.os }}"\n')
    problem = load_error(path).problems[0]
    assert problem.message.startswith(f"case 'c1' ({path}:4:5): ")
    assert "unsafe" in problem.message


def test_strict_undefined_but_defined_tests_and_defaults_work(tmp_path):
    path = one_case_suite(tmp_path, "prompt: \"{{ q }} {{ missing | default('none') }}"
                                    "{% if other is defined %}!{% endif %}\"\n")
    assert load_suite(path).requests["c1"] == Request(messages=(Message("user", "hello none"),))
    path = one_case_suite(tmp_path, 'prompt: "{{ q }}{{ missing.attr }}"\n')
    check_problem(load_error(path), file=path, line=2, col=1,
                  message="'missing' is undefined", key_path="prompt.user, template line 1")
    # Undefined is an error even where a lenient template would print nothing.
    path = one_case_suite(tmp_path, 'prompt: "{% for x in missing %}{{ x }}{% endfor %}ok"\n')
    assert "'missing' is undefined" in load_error(path).problems[0].message


def test_chat_system_and_user(tmp_path):
    path = write(tmp_path / "suite.yaml", """
        suite: s
        prompt:
          system: "You answer in {{ metadata.lang }}."
          user: |
            Case {{ case_id }}: {{ q }}
            Also {{ vars.q | upper }}
        cases:
          - {id: c1, q: hello, metadata: {lang: French}}
        """)
    assert load_suite(path).requests["c1"] == Request(messages=(
        Message("system", "You answer in French."),
        Message("user", "Case c1: hello\nAlso HELLO\n"),
    ))


def test_messages_list(tmp_path):
    path = write(tmp_path / "suite.yaml", """
        suite: s
        prompt:
          messages:
            - {role: system, content: Be terse.}
            - {role: user, content: "Example: {{ shot }}"}
            - {role: assistant, content: OK}
            - {role: user, content: "{{ q }}"}
        cases:
          - {id: c1, q: hello, shot: hi}
        """)
    request = load_suite(path).requests["c1"]
    assert request.prompt is None
    assert request.messages == (Message("system", "Be terse."), Message("user", "Example: hi"),
                                Message("assistant", "OK"), Message("user", "hello"))


def test_message_role_must_be_known(tmp_path):
    path = write(tmp_path / "suite.yaml", """
        suite: s
        prompt:
          messages:
            - {role: tool, content: x}
        cases:
          - {id: c1}
        """)
    check_problem(load_error(path), file=path, line=4, col=14,
                  message="Input should be 'system', 'user' or 'assistant'",
                  key_path="prompt.messages[0].role")


def test_raw_completion_prompt(tmp_path):
    path = one_case_suite(tmp_path, 'prompt:\n  completion: "Q: {{ q }}\\nA:"\n')
    suite = load_suite(path)
    assert suite.requests["c1"] == Request(prompt="Q: hello\nA:")
    assert suite.requests["c1"].messages is None
    assert suite.requests["c1"].to_json() == {"prompt": "Q: hello\nA:"}


def test_prompt_is_plain_text_not_html_escaped(tmp_path):
    path = one_case_suite(tmp_path, 'prompt: "{{ q }}"\n', case='{id: c1, q: "<b>&amp;\'"}')
    assert load_suite(path).requests["c1"].messages[0].content == "<b>&amp;'"


def test_inline_target_is_not_visible_to_the_template(tmp_path):
    path = one_case_suite(tmp_path, 'prompt: "{{ target }}"\n')
    check_problem(load_error(path), file=path, line=2, col=1,
                  message=f"case 'c1' ({path}:4:5): 'target' is undefined")
    path = one_case_suite(tmp_path, 'prompt: "{{ vars }} {{ metadata }} {{ case_id }}"\n')
    content = load_suite(path).requests["c1"].messages[0].content
    assert "hello" in content and "c1" in content
    assert "SECRET" not in content


def test_source_target_field_is_not_visible_to_the_template(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", [{"id": "c1", "q": "hello", "answer": "SECRET"}])
    path = tmp_path / "suite.yaml"
    path.write_text('suite: s\nprompt: "{{ answer }}"\ncases: {from: c.jsonl, target: answer}\n',
                    encoding="utf-8")
    check_problem(load_error(path), file=path, line=2, col=1,
                  message="'answer' is undefined", key_path="prompt.user, template line 1")
    path.write_text('suite: s\nprompt: "{{ vars }}"\ncases: {from: c.jsonl, target: answer}\n',
                    encoding="utf-8")
    assert "SECRET" not in load_suite(path).requests["c1"].messages[0].content


def test_runtime_error_in_a_filter_names_the_case(tmp_path):
    path = one_case_suite(tmp_path, 'prompt: "{{ 10 // n }}"\n', case="{id: zero, n: 0}")
    check_problem(load_error(path), file=path, line=2, col=1,
                  message="case 'zero'", key_path="prompt.user, template line 1")
    assert "ZeroDivisionError" in load_error(path).problems[0].message
