"""`evalkit list scorers` shows each default as it is written in a suite, backslashes intact,
and untrusted text keeps every backslash and bracket through rich's markup (issue 12)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.markup import render

from evalkit.cli.inspect_commands import yaml_value
from evalkit.cli.render import safe

from .helpers import assert_no_traceback, evalkit, ok


def test_the_citation_pattern_is_printed_as_written(tmp_path):
    proc = ok(evalkit("list", "scorers", cwd=tmp_path))
    assert_no_traceback(proc.stderr)
    assert r"pattern='\[([^\[\]]+)\]'" in proc.stdout
    assert "mode='unicode'" in proc.stdout and "require_citation=true" in proc.stdout
    assert 'contradictions=["numbers", "negation", "entities"]' in proc.stdout


def test_defaults_are_yaml():
    import yaml

    for value in (r"\[([^\[\]]+)\]", "it's", None, True, 0.5, ["a", "b"], {"k": 1}, "ü 😀"):
        assert yaml.safe_load(yaml_value(value)) == value


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="\\[]/ab=#@ :", max_size=20))
def test_safe_text_renders_exactly_as_written(text):
    # markup only (emoji codes such as :a: are the console's emoji setting, not markup)
    assert render(f"[bold]{safe(text, limit=None)}[/bold]", emoji=False).plain == text
    if not text.endswith("\\"):  # a final backslash is doubled so markup after it stays markup
        assert render(safe(text, limit=None), emoji=False).plain == text
