"""JSON-style escapes of characters beyond U+FFFF in YAML strings (issue 12).

A YAML double-quoted string reads "\\ud83d\\ude00" as two halves of a UTF-16 surrogate pair;
the loader joins them into 😀, and a half without its other half is a file:line error.
"""
from __future__ import annotations

import pytest

from evalkit.suite import load_suite
from tests.cli.helpers import assert_no_traceback, evalkit

from .helpers import check_problem, load_error, write

SUITE = r'''
suite: emoji
prompt: "Say {{ word }} \ud83d\udc4d"
cases:
  - {id: a, word: "\ud83d\ude00", target: "\ud83d\ude00 \U0001F600 \u00e9"}
  - id: b
    "\ud83c\udf89": party
    word: "x"
    target: ["\ud83e\udd16 robot", plain]
scorers:
  - type: exact
'''


def test_surrogate_pairs_are_joined_everywhere(tmp_path):
    suite = load_suite(write(tmp_path / "s.yaml", SUITE))
    a, b = suite.cases
    assert a.target == "😀 😀 é" and a.vars["word"] == "😀"
    assert b.target == ["🤖 robot", "plain"] and b.vars["🎉"] == "party"
    assert all(len(c) == 1 for c in ("😀", "🤖"))
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in str(a.target) + str(b.target))
    assert suite.requests["a"].messages[-1].content == "Say 😀 👍"


@pytest.mark.parametrize("value, escape", [
    (r'"lone \ud83d here"', r"\ud83d"),
    (r'"\ude00 first"', r"\ude00"),
    (r'"\ude00\ud83d reversed"', r"\ude00"),
    (r'"ok \ud83d\ude00 then \uD83D"', r"\uD83D"),
])
def test_a_lone_half_is_a_clear_error(tmp_path, value, escape):
    line = f"  - {{id: a, word: w, target: {value}}}"
    path = write(tmp_path / "s.yaml", f"suite: t\nprompt: x\ncases:\n{line}\nscorers: [{{type: exact}}]\n")
    col = line.index(escape) + 1
    check_problem(load_error(path), file=path, line=4, col=col,
                  message=f"{escape.lower()} is half of a UTF-16 surrogate pair, without its "
                          "other half", key_path="cases[0].target", source=line,
                  hint=r"escape a character beyond U+FFFF as a pair (\ud83d\ude00) or as "
                       r"\U0001F600")


def test_validate_reports_it_without_a_traceback(tmp_path):
    write(tmp_path / "s.yaml", 'suite: t\nprompt: x\ncases: [{id: a, target: "\\udc00"}]\n'
                               "scorers: [{type: exact}]\n")
    proc = evalkit("validate", "s.yaml", cwd=tmp_path)
    assert proc.returncode == 2, proc
    assert "s.yaml:3:" in proc.stderr and "half of a UTF-16 surrogate pair" in proc.stderr
    assert_no_traceback(proc.stderr)
