"""The issue's fixed point, exactly as a user types it: run, list, show, then query DuckDB."""
from __future__ import annotations

import json
import re

import pytest

from evalkit import __version__
from evalkit.types import sha256_hex
from tests.cli.helpers import assert_no_traceback, evalkit, ok, query


@pytest.fixture
def fixed_point(qa_smoke, srv):
    folder = qa_smoke.parent
    proc = evalkit("run", "qa-smoke.yaml", "--model", "litellm/openai/some-model",
                   "-M", f"api_base=http://127.0.0.1:{srv.port}/v1", "-M", "api_key=sk-test",
                   "--db", "results.duckdb", "--label", "v1", cwd=folder)
    return folder, proc, srv.stats()


def test_run_then_runs_then_show(fixed_point):
    folder, proc, stats = fixed_point
    ok(proc)
    assert_no_traceback(proc.stdout + proc.stderr)
    (run_id,) = query(folder / "results.duckdb", "SELECT run_id FROM runs")[0]
    assert run_id in proc.stdout
    assert "qa-smoke" in proc.stdout and "litellm/openai/some-model" in proc.stdout
    assert "[v1]" in proc.stdout, "the label is shown with the run"
    assert re.search(r"3 results, 2 passed", proc.stdout), proc.stdout
    # the three cases went to the server once each, with the key given by -M
    assert stats["total"] == 3
    assert stats["by_prompt"] == {"Paris": 1, "Rome": 1, "Berlin": 1}
    assert stats["auth"] == {"Bearer sk-test": 3}

    # `evalkit runs` lists it
    listing = ok(evalkit("runs", "--db", "results.duckdb", cwd=folder)).stdout
    line = next(line for line in listing.splitlines() if run_id in line)
    for expected in ("qa-smoke", "litellm/openai/some-model", "v1", "completed", "3/3", "66.7%"):
        assert expected in line, (expected, line)

    # `evalkit show v1` (by label) names the failing case and why it failed
    shown = ok(evalkit("show", "v1", "--db", "results.duckdb", cwd=folder)).stdout
    assert "failing cases (1)" in shown
    failing = [line for line in shown.splitlines() if re.search(r"[│|]\s*it\s*[│|]", line)]
    assert failing, shown
    row = failing[0]
    assert "Rome" in row and "Roma" in row
    assert "differs from the target" in row  # the exact scorer's explanation
    failing_part = shown.split("failing cases")[1]
    assert "Paris" not in failing_part and "Berlin" not in failing_part
    assert "sk-test" not in shown and '"api_key": "***"' in shown


def test_duckdb_file_holds_runs_results_scores_and_provenance(fixed_point):
    folder, proc, _ = fixed_point
    ok(proc)
    db = folder / "results.duckdb"
    runs = query(db, "SELECT run_id, suite, model_ref, backend, label, status, n_cases, samples, "
                     "suite_hash, provenance, options, finished_at FROM runs")
    assert len(runs) == 1
    run_id, suite, model_ref, backend, label, status, n_cases, samples, suite_hash, prov, options, \
        finished = runs[0]
    assert (suite, model_ref, backend, label, status, n_cases, samples) == (
        "qa-smoke", "litellm/openai/some-model", "litellm", "v1", "completed", 3, 1)
    assert finished is not None
    # the suite hash is the hash of the file's text: editing the suite changes it
    assert suite_hash == sha256_hex((folder / "qa-smoke.yaml").read_text(encoding="utf-8"))

    prov = json.loads(prov)
    assert prov["evalkit_version"] == __version__
    assert {"evalkit", "duckdb", "pydantic"} <= set(prov["packages"])
    assert prov["packages"]["evalkit"] == __version__
    assert prov["python"]

    options = json.loads(options)
    assert options["backend"]["api_key"] == "***"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", options["backend"]["api_base"])
    assert "sk-test" not in json.dumps(options)

    results = query(db, "SELECT case_id, sample, output, error, passed, cached, attempts, "
                        "tokens_in, tokens_out, model_id, finish_reason, target, latency_s "
                        "FROM results WHERE run_id = ? ORDER BY case_id", [run_id])
    assert [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in results] == [
        ("de", 0, "Berlin", None, True, False, 1),
        ("fr", 0, "Paris", None, True, False, 1),
        ("it", 0, "Rome", None, False, False, 1),
    ]
    for r in results:
        assert (r[7], r[8], r[9], r[10]) == (1, 1, "some-model", "stop")
        assert r[12] is not None and r[12] >= 0
    assert json.loads(results[2][11]) == "Roma"

    scores = query(db, "SELECT case_id, sample, scorer, value, passed, explanation FROM scores "
                       "WHERE run_id = ? ORDER BY case_id", [run_id])
    assert [(s[0], s[1], s[2], s[3], s[4]) for s in scores] == [
        ("de", 0, "exact", 1.0, True), ("fr", 0, "exact", 1.0, True), ("it", 0, "exact", 0.0, False)]
    assert "'Rome' differs from the target 'Roma'" in scores[2][5]

