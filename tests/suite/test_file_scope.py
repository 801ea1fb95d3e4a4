"""Files a suite names stay inside its folder or project: absolute paths, `../` and symlinks
that leave them are refused (unless the user opts in), devices and FIFOs always, and no
error shows a line of a file outside. Real `evalkit validate` / `run` subprocesses."""
from __future__ import annotations

import json
import os
import time

import pytest

from tests.cli.helpers import clean_env, evalkit, ok

from .helpers import write

SECRET_LINE = "root:x:0:0:secret-marker-7d1f:/root:/bin/bash"


@pytest.fixture
def project(tmp_path):
    """tmp/proj (a project: pyproject.toml) with suites/, and tmp/outside beside it."""
    root = tmp_path / "proj"
    (root / "suites").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "cases.jsonl").write_text(SECRET_LINE + "\n", encoding="utf-8")
    (outside / "good.jsonl").write_text('{"id": "a", "q": "hi", "answer": "hi"}\n',
                                        encoding="utf-8")
    (outside / "golden.json").write_text(json.dumps({"a": SECRET_LINE}), encoding="utf-8")
    (outside / "rubric.md").write_text(SECRET_LINE, encoding="utf-8")
    (outside / "schema.json").write_text(SECRET_LINE, encoding="utf-8")
    (outside / "defs.json").write_text('{"$defs": {"x": {"type": "string"}}}', encoding="utf-8")
    return root


def _suite(root, name, cases="from: cases.jsonl", scorers="  - type: exact\n"):
    return write(root / "suites" / f"{name}.yaml", f"""
        suite: {name}
        prompt: "{{{{ q }}}}"
        cases:
          {cases}
          target: answer
        scorers:
        """ + scorers)


def _validate(root, *paths, env=None):
    return evalkit("validate", *paths, cwd=root, env=env or clean_env(), timeout=60)


def test_references_that_leave_the_project_are_refused_without_echoing_the_file(project):
    suites = project / "suites"
    outside = project.parent / "outside"
    (suites / "cases.jsonl").symlink_to(outside / "cases.jsonl")
    (suites / "ok.jsonl").write_text('{"id": "a", "q": "hi", "answer": "hi"}\n', encoding="utf-8")
    (suites / "defs-link.json").symlink_to(outside / "defs.json")
    cases = {
        "symlink": ("from: cases.jsonl", "  - type: exact\n"),
        "dotdot": ("from: ../../outside/cases.jsonl", "  - type: exact\n"),
        "absolute": (f"from: {outside / 'cases.jsonl'}", "  - type: exact\n"),
        "golden": ("from: ok.jsonl", "  - {type: exact, golden: ../../outside/golden.json}\n"),
        "rubric": ("from: ok.jsonl", "  - {type: judge, judge: replay/x.jsonl, "
                   "rubric_file: ../../outside/rubric.md}\n"),
        "schema": ("from: ok.jsonl", f"  - {{type: json_schema, schema: {outside / 'schema.json'}}}\n"),
        "ref": ("from: ok.jsonl", "  - {type: json_schema, schema: {$ref: defs-link.json}}\n"),
        "data-files": ("hf: json\n          data_files: ../../outside/good.jsonl",
                       "  - type: exact\n"),
    }
    paths = [_suite(project, name, *spec) for name, spec in cases.items()]
    proc = _validate(project, *paths)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "secret-marker" not in proc.stderr + proc.stdout
    for path in paths:
        [line] = [x for x in proc.stderr.splitlines() if x.startswith(f"{path}:")]
        assert "is outside the suite's folder and project" in line, line
        assert f"({project.resolve()})" in line and "--allow-outside-files" in line, line


def test_devices_fifos_and_huge_files_are_refused_at_once(project):
    suites = project / "suites"
    (suites / "zero.jsonl").symlink_to("/dev/zero")
    os.mkfifo(suites / "fifo.jsonl")
    with open(suites / "huge.jsonl", "wb") as handle:  # sparse: no disk used
        handle.truncate(5 * 1024 ** 3)
    (suites / "ok.jsonl").write_text('{"id": "a", "q": "hi", "answer": "hi"}\n', encoding="utf-8")
    os.mkfifo(suites / "golden.json")
    paths = [_suite(project, "zero", "from: zero.jsonl"), _suite(project, "fifo", "from: fifo.jsonl"),
             _suite(project, "huge", "from: huge.jsonl"),
             _suite(project, "gold", "from: ok.jsonl", "  - {type: exact, golden: golden.json}\n")]
    started = time.monotonic()
    proc = _validate(project, *paths, env=clean_env(EVALKIT_ALLOW_OUTSIDE_FILES="1"))
    assert time.monotonic() - started < 30
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr
    assert "case file /dev/zero is not a regular file (a device, FIFO or socket)" in err
    assert f"case file {(suites / 'fifo.jsonl').resolve()} is not a regular file" in err
    assert "is 5,368,709,120 bytes, more than the 4,294,967,296 evalkit reads" in err
    assert f"golden file {(suites / 'golden.json').resolve()} is not a regular file" in err


def test_the_user_can_allow_files_outside(project):
    path = _suite(project, "dotdot", "from: ../../outside/good.jsonl")
    refused = _validate(project, path)
    assert refused.returncode == 2 and "outside the suite's folder" in refused.stderr
    ok(_validate(project, path, env=clean_env(EVALKIT_ALLOW_OUTSIDE_FILES="1")))
    allowed = ok(evalkit("validate", "--allow-outside-files", path, cwd=project))
    assert "ok: " in allowed.stdout
    # allowed, an outside file's broken line is still not shown
    broken = _suite(project, "broken", "from: ../../outside/cases.jsonl")
    proc = evalkit("validate", "--allow-outside-files", broken, cwd=project)
    assert proc.returncode == 2 and "cases.jsonl:1:1: error: invalid JSON" in proc.stderr
    assert "secret-marker" not in proc.stderr
    # the project root and the suite's own folder are both fine
    (project / "data").mkdir()
    (project / "data" / "c.jsonl").write_text('{"id": "a", "q": "hi", "answer": "hi"}\n')
    ok(_validate(project, _suite(project, "in-project", "from: ../data/c.jsonl")))


def test_without_a_project_marker_the_current_directory_is_the_project(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "c.jsonl").write_text('{"id": "a", "q": "hi", "answer": "hi"}\n')
    suite = write(tmp_path / "work" / "s.yaml", """
        suite: s
        prompt: "{{ q }}"
        cases:
          from: ../data/c.jsonl
          target: answer
        """)
    assert _validate(tmp_path / "work", suite).returncode == 2  # cwd: work/
    ok(_validate(tmp_path, suite))  # cwd: the folder holding data/
