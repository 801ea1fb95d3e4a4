"""A suite is data: validating one runs none of its code, and running one runs only your own.

`evalkit validate` and `schema` never import a module a suite names; `evalkit run` imports a
python judge or pipeline only from your environment (never from a folder the suite adds)
and never calls into the standard library, builtins or evalkit itself (`python/os:system`
as a judge would run the judge prompt, model output included, in a shell).
"""
from __future__ import annotations

import pytest

from tests.cli.helpers import assert_no_traceback, evalkit, ok, query

SUITE = """\
suite: judged
prompt: "{{{{ q }}}}"
cases:
  - {{id: a, q: "; touch {marker}", target: x}}
scorers:
  - type: judge
    judge: {judge}
    rubric: be fair
"""

EVIL_MODULE = """
from pathlib import Path
Path({marker!r}).write_text("imported")

def grade(prompt):
    return '{{"score": 5, "reason": "ok"}}'
"""


def write(tmp_path, judge: str, marker):
    path = tmp_path / "s.yaml"
    path.write_text(SUITE.format(judge=judge, marker=marker), encoding="utf-8")
    return path


def test_validate_and_schema_import_no_module_a_suite_names(tmp_path):
    marker = tmp_path / "imported"
    (tmp_path / "side_effect_judge.py").write_text(EVIL_MODULE.format(marker=str(marker)))
    write(tmp_path, "python/side_effect_judge:grade", marker)
    proc = ok(evalkit("validate", "s.yaml", cwd=tmp_path))
    assert proc.stdout.startswith("ok: s.yaml")
    ok(evalkit("schema", cwd=tmp_path))
    assert not marker.exists(), "validate imported the judge's module"


@pytest.mark.parametrize("judge, refused", [
    ("python/os:system", "'os'"), ("python/subprocess:getoutput", "'subprocess'"),
    ("python/builtins:eval", "'builtins'"), ("python/shutil:rmtree", "'shutil'"),
    ("python/evalkit.report.files:write_atomic", "'evalkit'"),
    ("python/pip._internal.utils.misc:rmtree", "'pip'"),
    ("python/side_effect_judge:__builtins__", "'__builtins__'"),
])
def test_standard_library_and_private_targets_are_refused_at_validation(tmp_path, judge, refused):
    marker = tmp_path / "pwned"
    write(tmp_path, judge, marker)
    proc = evalkit("validate", "s.yaml", cwd=tmp_path)
    assert proc.returncode == 2, proc
    assert_no_traceback(proc.stderr)
    assert f"{refused} is not allowed as a pipeline or judge" in proc.stderr, proc.stderr
    assert "s.yaml:7:" in proc.stderr  # the judge's line
    assert not marker.exists()


def test_a_stdlib_model_is_refused_on_the_command_line(tmp_path):
    (tmp_path / "s.yaml").write_text("suite: s\nprompt: '{{ q }}'\ncases:\n  - {id: a, q: x}\n")
    proc = evalkit("run", "s.yaml", "-m", "python/os:system", "--db", "r.duckdb", cwd=tmp_path)
    assert proc.returncode == 2 and "'os' is not allowed as a pipeline or judge" in proc.stderr
    assert not (tmp_path / "r.duckdb").exists() or query(
        tmp_path / "r.duckdb", "SELECT count(*) FROM runs") == [(0,)]


def test_a_stdlib_function_reached_through_a_user_module_is_refused_at_run(tmp_path):
    """`mymodule:os.system` names the user's module but calls the standard library."""
    marker = tmp_path / "pwned"
    (tmp_path / "sneaky.py").write_text("import os\n")
    (tmp_path / "s.yaml").write_text(f"suite: s\nprompt: 'touch {marker}'\ncases:\n"
                                     "  - {id: a, target: x}\n")
    proc = evalkit("run", "s.yaml", "-m", "python/sneaky:os.system", "--db", "r.duckdb",
                   cwd=tmp_path)
    assert proc.returncode == 2, proc
    assert_no_traceback(proc.stderr)
    assert "python/sneaky:os.system is 'posix' code, which is not allowed" in proc.stderr
    assert not marker.exists()


def test_a_suite_cannot_add_an_import_folder_for_its_judge(tmp_path):
    marker = tmp_path / "imported"
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "shipped_judge.py").write_text(EVIL_MODULE.format(marker=str(marker)))
    write(tmp_path, "{model: 'python/shipped_judge:grade', args: {path: code}}", marker)
    proc = evalkit("validate", "s.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "a suite cannot add an import folder (args.path)" in proc.stderr, proc.stderr
    assert not marker.exists()


def test_run_imports_an_installed_judge_only_when_it_judges(tmp_path):
    """The same judge module, importable from the current directory, runs under `run`."""
    marker = tmp_path / "imported"
    (tmp_path / "side_effect_judge.py").write_text(EVIL_MODULE.format(marker=str(marker)))
    (tmp_path / "echo_pipe.py").write_text("def answer(prompt):\n    return prompt\n")
    write(tmp_path, "python/side_effect_judge:grade", marker)
    ok(evalkit("run", "s.yaml", "-m", "python/echo_pipe:answer", "--db", "r.duckdb",
               cwd=tmp_path))
    assert marker.read_text() == "imported"
    assert query(tmp_path / "r.duckdb", "SELECT scorer, value, passed FROM scores") == [
        ("judge", 1.0, True)]
