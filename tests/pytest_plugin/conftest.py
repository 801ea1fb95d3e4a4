"""Fixtures for the pytest plugin's tests: a project folder run by pytester (in-process, or
in a subprocess for xdist), whose suites call the real OpenAI-compatible test server."""
from __future__ import annotations

import os
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

# pytester's in-process runs drop the modules imported during each run; importing the heavy
# ones here, once, keeps every run from importing them again (and DuckDB's extension module
# cannot be imported twice in one process).
import duckdb  # noqa: F401
import pandas  # noqa: F401
import pytest

import evalkit.compare  # noqa: F401
import evalkit.gates  # noqa: F401
import evalkit.pytest_plugin.collection  # noqa: F401
import evalkit.pytest_plugin.fixture  # noqa: F401
import evalkit.pytest_plugin.golden  # noqa: F401
import evalkit.pytest_plugin.items  # noqa: F401
import evalkit.pytest_plugin.summary  # noqa: F401
import evalkit.report  # noqa: F401
import evalkit.runner  # noqa: F401
import evalkit.suite  # noqa: F401
from evalkit import registry

# Every built-in scorer and backend too: the registry caches their classes, and a module that
# an in-process run dropped would come back as a second copy for the tests that follow.
for _group in (registry.SCORERS, registry.BACKENDS):
    for _name in registry.names(_group):
        registry.lookup(_group, _name)
try:
    import evalkit.report.html  # noqa: F401
except ImportError:  # pragma: no cover - written alongside this plugin
    pass

# Each test module says `pytest_plugins = ["pytester"]`: pytest refuses it in a conftest
# that is not at the rootdir.


def _plugin_args() -> list[str]:
    """The plugin comes from its pytest11 entry point; load it by name when not installed."""
    installed = any(ep.name == "evalkit" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "evalkit.pytest_plugin.plugin"]


class Project:
    def __init__(self, pytester: pytest.Pytester, server):
        self.pytester, self.server = pytester, server
        self.path = Path(pytester.path)
        self.db = self.path / "reports" / "evalkit.duckdb"
        (self.path / "pytest.ini").write_text(
            "[pytest]\nevalkit_suites = suites/**/*.yaml\n", encoding="utf-8")

    def write(self, name: str, text: str) -> Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def model_args(self, model: str = "openai/m1") -> list[str]:
        return ["--evalkit-model", model,
                "--evalkit-model-option", f"api_base={self.server.base_url}",
                "--evalkit-model-option", "api_key=sk-test"]

    def run(self, *args: str, model: str | None = "openai/m1", subprocess: bool = False):
        full = [*_plugin_args(), "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-rA",
                *(self.model_args(model) if model else []), *args]
        if subprocess:
            return self.pytester.runpytest_subprocess(*full, timeout=120)
        return self.pytester.runpytest(*full)


@pytest.fixture
def project(pytester, server, monkeypatch) -> Project:
    for key in list(os.environ):
        if key.startswith("EVALKIT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return Project(pytester, server)


QA_SUITE = """
suite: qa
prompt: "{{ question }}"
cases:
  - {id: fr, question: Paris, target: Paris}
  - {id: it, question: Rome, target: Roma}
  - id: de
    question: Berlin
    target: Berlin
scorers:
  - type: exact
"""
