"""Helpers for suite tests: write suite files and check the problems a load reports."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from evalkit.errors import Problem, SuiteError
from evalkit.suite import load_suite


def write(path: Path, text: str) -> Path:
    """Write dedented text (UTF-8); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def load_error(path: Path) -> SuiteError:
    """Load a suite that must fail; returns the SuiteError."""
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    return info.value


def check_problem(error: SuiteError, *, file: Path, line: int, col: int | None,
                  message: str, key_path: str | None = None, source: str | None = None,
                  hint: str | None = None, index: int | None = None) -> Problem:
    """Assert that `error` holds a problem at file:line[:col] with these parts.

    `message` and `hint` are substrings; `source` is the offending line's exact text
    (it must also appear in the rendered message under a gutter with the line number).
    """
    candidates = error.problems if index is None else [error.problems[index]]
    matches = [p for p in candidates
               if p.location.path == str(file) and p.location.line == line]
    assert matches, (f"no problem at {file}:{line}; got "
                     + "; ".join(f"{p.location} {p.message}" for p in error.problems))
    problem = next((p for p in matches if message in p.message), matches[0])
    assert message in problem.message, problem.message
    assert problem.location.col == col, problem.location
    where = f"{file}:{line}" + (f":{col}" if col is not None else "")
    rendered = problem.render()
    assert rendered.startswith(f"{where}: error: "), rendered
    assert rendered in str(error)
    if key_path is not None:
        assert problem.key_path == key_path, problem.key_path
        if key_path:
            assert f"(at {key_path})" in rendered
    if source is not None:
        assert problem.location.source_line is not None
        assert problem.location.source_line.rstrip("\r\n") == source
        assert f"{line:>5} | {source}" in rendered, rendered
        if col is not None:  # the caret sits under the column
            caret_line = rendered.splitlines()[rendered.splitlines().index(
                f"{line:>5} | {source}".rstrip()) + 1]
            assert caret_line == "      | " + " " * (col - 1) + "^", caret_line
    if hint is not None:
        assert hint in problem.hint, problem.hint
        assert f"hint: {problem.hint}" in rendered
    return problem
