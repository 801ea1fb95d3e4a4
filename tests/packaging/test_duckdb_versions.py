"""Result files travel between DuckDB versions, and compare/report work on each of them.

The second DuckDB is a folder put first on PYTHONPATH (`pip install --target DIR
duckdb==1.2.2`): .ci/run makes one and names it in EVALKIT_TEST_OTHER_DUCKDB. A run written
under one version is compared (then reported) under the other, both ways round."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.cli.helpers import REPO_ROOT, clean_env, evalkit_command, ok

OTHER = os.environ.get("EVALKIT_TEST_OTHER_DUCKDB")
pytestmark = pytest.mark.skipif(not OTHER, reason="EVALKIT_TEST_OTHER_DUCKDB names no second "
                                "DuckDB (.ci/run sets it)")

PIPELINE = ["suites/examples/pipeline_quickstart.yaml", "-m", "python/keyword_rag:answer",
            "-M", "path=suites/pipelines"]


def _env(other: bool) -> dict[str, str]:
    path = [OTHER] if other else []
    path += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != OTHER]
    return clean_env(PYTHONPATH=os.pathsep.join(path))


def _evalkit(*args, other: bool) -> subprocess.CompletedProcess:
    return subprocess.run([*evalkit_command(), *map(str, args)], cwd=REPO_ROOT, env=_env(other),
                          capture_output=True, text=True, timeout=180)


def _version(other: bool) -> str:
    done = subprocess.run([sys.executable, "-c", "import duckdb; print(duckdb.__version__)"],
                          env=_env(other), capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_second_duckdb_is_another_version():
    assert _version(True) != _version(False), "both interpreters load the same DuckDB"


@pytest.mark.parametrize("writer_is_other", [True, False], ids=["old-writes", "new-writes"])
def test_a_file_written_by_one_version_is_compared_by_the_other(tmp_path, writer_is_other):
    db = tmp_path / "results.duckdb"
    ok(_evalkit("run", *PIPELINE, "--label", "a", "--db", db, other=writer_is_other))
    ok(_evalkit("run", *PIPELINE, "-M", "style=terse", "--label", "b", "--db", db,
                other=writer_is_other))
    # The reader appends to the same file too: the format it was written in stays readable.
    ok(_evalkit("run", *PIPELINE, "--label", "c", "--db", db, other=not writer_is_other))
    compared = _evalkit("compare", "a", "b", "--db", db, other=not writer_is_other)
    assert compared.returncode in (0, 1), compared.stderr  # a verdict, not an error
    assert "Safe to swap" in compared.stdout, compared.stdout
    ok(_evalkit("report", "a", "b", "--db", db, "-o", tmp_path / "r.html",
                other=not writer_is_other))
    assert "<html" in (tmp_path / "r.html").read_text(encoding="utf-8").lower()
    # ... and back: the writer reads the run the other version added.
    listed = ok(_evalkit("runs", "--db", db, other=writer_is_other)).stdout
    assert all(label in listed for label in ("a", "b", "c"))


def test_parquet_export_reads_back_under_the_other_version(tmp_path):
    db = tmp_path / "results.duckdb"
    ok(_evalkit("run", *PIPELINE, "--label", "a", "--db", db, other=False))
    parquet = tmp_path / "a.parquet"
    ok(_evalkit("export", "a", "--db", db, "-o", parquet, other=False))
    # execute(), not duckdb.sql(): DuckDB 2's relations have no fetchone()
    code = ("import duckdb, json; print(json.dumps(duckdb.connect().execute(\"SELECT count(*), "
            "count(DISTINCT case_id) FROM read_parquet('" + str(parquet) + "')\").fetchone()))")
    done = subprocess.run([sys.executable, "-c", code], env=_env(True), capture_output=True,
                          text=True, check=True)
    rows, cases = json.loads(done.stdout)
    assert rows == cases > 0
