"""Disk full: every result is stored, spilled where there is room, or counted; one clear line.

Two real ways to run out of room: a small tmpfs (needs root to mount; skipped otherwise)
and a file-size limit (RLIMIT_FSIZE, any Linux): the database's WAL stops growing, the
spill beside it fills up and the rest goes to the temporary directory, then the home
directory, then memory. The run exits 3 with the first cause on one line, no traceback, no
"cannot rollback" hiding it, and no spill file ends in half a line.
"""
from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import assert_no_traceback, clean_env, evalkit_command, query

N = 400


def setup(folder: Path) -> dict[str, str]:
    (folder / "big_pipe.py").write_text("def answer(prompt):\n    return prompt + ' ' + 'z' * 4000\n")
    (folder / "cases.jsonl").write_text("".join(
        json.dumps({"id": f"c{i:03d}", "q": f"q{i}", "answer": f"q{i}"}) + "\n" for i in range(N)))
    (folder / "s.yaml").write_text("suite: s\nprompt: '{{ q }}'\ncases:\n  from: cases.jsonl\n"
                                   "  target: answer\nscorers:\n  - type: exact\n")
    for name in ("spill", "home"):
        (folder / name).mkdir()
    return clean_env(TMPDIR=str(folder / "spill"), HOME=str(folder / "home"))


def run(folder: Path, db: Path, env: dict, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run([*evalkit_command(), "run", "s.yaml", "-m", "python/big_pipe:answer",
                           "--db", str(db), "--no-cache"], cwd=folder, env=env, text=True,
                          capture_output=True, timeout=120, preexec_fn=preexec)


def check_nothing_lost(folder: Path, db: Path, proc: subprocess.CompletedProcess, cause: str):
    assert proc.returncode == 3, proc
    assert_no_traceback(proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    message = lines[0]
    assert message.startswith(f"error: could not store results in {db}: ") and cause in message
    assert "rollback" not in message
    stored = {c for (c,) in query(db, "SELECT case_id FROM results")}
    spilled = []
    for path in folder.rglob("*.unsaved.jsonl"):
        text = path.read_text()
        assert text.endswith("\n"), f"{path} ends in half a line"
        records = [json.loads(line) for line in text.splitlines()]
        assert f"{len(records)} results saved to {path}" in message
        assert all(r["output"] == f"q{int(r['case_id'][1:])} " + "z" * 4000 for r in records)
        spilled += [r["case_id"] for r in records]
    held = re.search(r"(\d+) results held in memory only", message)
    held = int(held.group(1)) if held else 0
    assert len(spilled) == len(set(spilled)) and not stored & set(spilled)
    assert len(stored) + len(spilled) + held == N, (len(stored), len(spilled), held)
    return stored, spilled, held


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE semantics are Linux's")
def test_a_file_size_limit_spills_to_every_folder_then_counts_the_rest(tmp_path):
    env = setup(tmp_path)
    db = tmp_path / "d.duckdb"
    limit = 300_000  # bytes any file of the run may reach: the WAL, and each spill file

    def limited():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = run(tmp_path, db, env, limited)
    stored, spilled, held = check_nothing_lost(tmp_path, db, proc, "File too large")
    folders = {p.parent.name for p in tmp_path.rglob("*.unsaved.jsonl")}
    assert folders == {tmp_path.name, "spill", "home"}, "beside the DB, then tmp, then home"
    assert held > 0 and f"{held} results held in memory only" in proc.stderr


def _mount_tmpfs(path: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True)
    return done.returncode == 0


def test_a_full_disk_spills_to_the_temporary_directory(tmp_path):
    env = setup(tmp_path)
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "1m"):
        pytest.skip("mounting a tmpfs needs root (the file-size-limit test covers the rest)")
    try:
        db = disk / "d.duckdb"
        proc = run(tmp_path, db, env)
        stored, spilled, held = check_nothing_lost(tmp_path, db, proc, "No space left on device")
        assert held == 0 and spilled, "the temporary directory had room for the rest"
        assert list((tmp_path / "spill").glob("*.unsaved.jsonl"))
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
