"""A label spanning several suites: `--var` A/B runs, then compare and report suite by suite."""
from __future__ import annotations

import pytest

from .helpers import clean_env, evalkit

PIPELINE = "def answer(prompt):\n    return prompt\n"  # echoes the rendered prompt
SUITE = """suite: {name}
vars: {{style: good}}
prompt: "{{{{ style }}}} answer to {{{{ key }}}}"
cases:
{cases}
scorers:
  - {{type: contains}}
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("multi")
    (folder / "echo_pipe.py").write_text(PIPELINE)
    for name, n in (("alpha", 12), ("beta", 5), ("gamma", 3)):
        cases = "\n".join(f"  - {{id: c{i}, key: k{i}, target: good}}" for i in range(n))
        (folder / f"{name}.yaml").write_text(SUITE.format(name=name, cases=cases))
    env = clean_env(EVALKIT_DB=str(folder / "m.duckdb"))
    model = ["-m", "python/echo_pipe:answer", "-M", f"path={folder}"]
    for label, extra in (("v1", []), ("v2", ["-V", "style=bad"])):
        done = evalkit("run", "alpha.yaml", "beta.yaml", *model, *extra, "--label", label,
                       cwd=folder, env=env)
        assert done.returncode == 0, done.stderr
    done = evalkit("run", "gamma.yaml", *model, "--label", "v1", cwd=folder, env=env)
    assert done.returncode == 0, done.stderr
    return folder, env


def test_var_must_be_declared_by_some_suite(workdir):
    folder, env = workdir
    done = evalkit("run", "alpha.yaml", "beta.yaml", "-m", "python/echo_pipe:answer",
                   "-M", f"path={folder}", "-V", "tone=x", cwd=folder, env=env)
    assert done.returncode == 2 and "no suite declares a var 'tone'" in done.stderr
    done = evalkit("run", "alpha.yaml", "-m", "python/echo_pipe:answer", "-V", "noequals",
                   cwd=folder, env=env)
    assert done.returncode == 2 and "expected KEY=VALUE" in done.stderr


def test_compare_pairs_each_suite_and_answers_once(workdir):
    folder, env = workdir
    done = evalkit("compare", "v1", "v2", cwd=folder, env=env)
    assert done.returncode == 1, done.stderr  # no gates, but the answer is "no"
    out = done.stdout
    assert "alpha" in out and "beta" in out
    assert "suite var style" in out  # the manifest says what else changed
    assert "Safe to swap: no" in out  # alpha: 12 of 12 cases flipped
    assert "alpha: regressed" in out
    assert "suite gamma was run by the baseline only" in out
    informed = evalkit("compare", "v1", "v2", "--fail-on", "never", cwd=folder, env=env)
    assert informed.returncode == 0 and "Safe to swap: no" in informed.stdout


def test_report_covers_every_suite(workdir):
    folder, env = workdir
    done = evalkit("report", "v1", "v2", "--format", "md", cwd=folder, env=env)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("## ❌ Safe to swap: no — 2 suites")
    assert "### ❌ alpha: no" in text and "### " in text.split("### ❌ alpha")[1]
    assert "suite gamma was run by the baseline only" in text
    single = evalkit("report", "v2", "--format", "md", cwd=folder, env=env)
    assert single.returncode == 0 and "#### Failing cases" in single.stdout
