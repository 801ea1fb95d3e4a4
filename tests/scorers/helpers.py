"""Build real scorers the way a suite does (registry + pydantic params), and real suites."""
from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest

from evalkit.errors import SuiteError
from evalkit.runner.score_dispatch import score_one
from evalkit.scorers.base import ScoreContext, Scorer
from evalkit.scorers.factory import build_scorer
from evalkit.suite import load_suite
from evalkit.types import Case, Completion, Score


def make(kind: str, suite_dir: Path | str = ".", name: str | None = None, **params: Any) -> Scorer:
    """A scorer from its registered name and YAML-like params, validated as at load time."""
    return build_scorer(kind, params, Path(suite_dir), name)


def case(target: Any = None, id: str = "c1", metadata: dict | None = None, **vars: Any) -> Case:
    return Case(id=id, vars=vars, target=target, metadata=metadata or {})


def run_score(scorer: Scorer, output: str | None, target: Any = None, *, completion: Completion | None = None,
              the_case: Case | None = None, **vars: Any) -> Score:
    """The score as the runner dispatches it (threads for cpu_heavy scorers)."""
    the_case = the_case or case(target, **vars)
    completion = completion or Completion(text=output)
    async def score_and_close() -> Score:
        try:
            return await score_one(scorer, the_case, completion,
                                   ScoreContext(suite_dir=scorer.suite_dir))
        finally:
            await scorer.aclose()  # as the runner does at the end of a run

    return asyncio.run(score_and_close())


def write_suite(folder: Path, scorers_yaml: str, cases_yaml: str | None = None,
                name: str = "suite.yaml") -> Path:
    """A suite file whose `scorers:` block is `scorers_yaml` (indented list items)."""
    cases_yaml = cases_yaml or "  - {id: a, question: q, target: x}\n"
    text = ("suite: t\nprompt: \"{{ question }}\"\ncases:\n" + cases_yaml
            + "scorers:\n" + textwrap.indent(textwrap.dedent(scorers_yaml).strip("\n"), "  ") + "\n")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> SuiteError:
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    return info.value


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first line containing `needle`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def assert_problem(error: SuiteError, path: Path, line: int, *fragments: str) -> None:
    """One of the error's problems is at path:line and its rendered text has every fragment."""
    at_line = [p.render() for p in error.problems
               if p.location.path == str(path) and p.location.line == line]
    assert at_line, f"no problem at {path}:{line}; got:\n{error}"
    for rendered in at_line:
        if all(f in rendered for f in fragments):
            assert rendered.startswith(f"{path}:{line}:")
            return
    raise AssertionError(f"{fragments} not in the problems at line {line}:\n" + "\n".join(at_line))
