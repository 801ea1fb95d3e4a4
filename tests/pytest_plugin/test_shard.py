"""`--evalkit-shard I/N` (env EVALKIT_SHARD, ini evalkit_shard): each pytest job runs one
shard of every suite into its own database; `evalkit merge` folds them into one run."""
from __future__ import annotations

import json
import subprocess

import duckdb

from evalkit.suite.shard import shard_index
from tests.cli.helpers import evalkit_command

pytest_plugins = ["pytester"]

CASES = [f"c{i}" for i in range(24)]
SUITE = "suite: sq\nprompt: \"{{ question }}\"\ncases:\n" + "".join(
    f"  - {{id: {c}, question: {c}, target: {c}}}\n" for c in CASES) + \
    "scorers:\n  - type: exact\ngates:\n  - {metric: exact, min: 0.9}\n"


def _stored(db) -> tuple[list[str], dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        ids = [r[0] for r in con.execute("SELECT case_id FROM results ORDER BY case_id").fetchall()]
        (shard,), = con.execute("SELECT shard FROM runs").fetchall()
    finally:
        con.close()
    return ids, json.loads(shard)


def test_each_shard_runs_its_cases_and_the_shards_merge(project, monkeypatch):
    project.write("suites/sq.yaml", SUITE)
    dbs = []
    for index in (1, 2, 3):
        db = project.path / f"shard{index}.duckdb"
        dbs.append(db)
        mine = sorted(c for c in CASES if shard_index(c, None, 3) == index)
        if index == 1:  # the command line
            result = project.run("--evalkit-shard", "1/3", "--evalkit-db", str(db))
        elif index == 2:  # the environment
            monkeypatch.setenv("EVALKIT_SHARD", "2/3")
            result = project.run("--evalkit-db", str(db))
            monkeypatch.delenv("EVALKIT_SHARD")
        else:  # the ini file
            project.write("pytest.ini", "[pytest]\nevalkit_suites = suites/**/*.yaml\n"
                                        "evalkit_shard = 3/3\n")
            result = project.run("--evalkit-db", str(db))
        # this shard's cases pass; the others and the gate (it judges the whole suite) are
        # deselected
        result.assert_outcomes(passed=len(mine), deselected=len(CASES) - len(mine) + 1)
        ids, shard = _stored(db)
        assert ids == mine and shard["index"] == index and shard["count"] == 3
        assert shard["n_cases"] == len(CASES)
    merged = subprocess.run([*evalkit_command(), "merge", *map(str, dbs), "--into",
                             str(project.path / "main.duckdb")], capture_output=True, text=True)
    assert merged.returncode == 0, merged.stderr
    assert "merged 3 shards of sq [pytest]" in merged.stdout


def test_a_bad_shard_is_a_usage_error(project):
    project.write("suites/sq.yaml", SUITE)
    result = project.run("--evalkit-shard", "4/3")
    assert result.ret == 4  # pytest's usage error
    result.stderr.fnmatch_lines(["*--evalkit-shard 4/3: I must be between 1 and N*"])
