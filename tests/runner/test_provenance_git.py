"""Provenance reads git without running anything a repository's own config names.

A suite folder can ship its own `.git`: `core.fsmonitor` (run by `git status`), a clean
filter (run for files whose stat data changed) and hooks must not run on `evalkit run`;
the commit and the dirty flag are still recorded.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.cli.helpers import evalkit, ok, query

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(folder, *args):
    return subprocess.run(["git", "-C", str(folder), "-c", "core.fsmonitor=false", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def test_a_hostile_git_config_runs_nothing(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "s.yaml").write_text("suite: s\nprompt: '{{ q }}'\ncases:\n  - {id: a, q: x, target: x}\n"
                                 "scorers:\n  - type: exact\n", encoding="utf-8")
    (repo / "pipe.py").write_text("def answer(prompt):\n    return prompt\n", encoding="utf-8")
    (repo / ".gitattributes").write_text("*.yaml filter=evil\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "-c", "user.email=t@e", "-c", "user.name=t", "commit", "-qm", "suite")
    commit = git(repo, "rev-parse", "HEAD")
    pwned = tmp_path / "pwned"
    for key, command in (("core.fsmonitor", f"touch {pwned}-fsmonitor; false"),
                         ("filter.evil.clean", f"touch {pwned}-filter; cat"),
                         ("filter.evil.process", f"touch {pwned}-process"),
                         ("filter.evil.required", "true")):
        git(repo, "config", key, command)
    hooks = repo / ".git" / "hooks"
    hook = hooks / "post-index-change"
    hook.write_text(f"#!/bin/sh\ntouch {pwned}-hook\n")
    hook.chmod(0o755)
    # same size, new mtime: git must hash the file again, through the clean filter
    stat = (repo / "s.yaml").stat()
    os.utime(repo / "s.yaml", (stat.st_atime + 100, stat.st_mtime + 100))

    ok(evalkit("run", "s.yaml", "-m", "python/pipe:answer", "--db", "r.duckdb", cwd=repo))

    assert not list(tmp_path.glob("pwned*")), "git ran a command from the repository's config"
    (provenance,), = query(repo / "r.duckdb", "SELECT provenance FROM runs")
    assert json.loads(provenance)["git"]["commit"] == commit
    assert json.loads(provenance)["git"]["dirty"] is False  # same content, new mtime
