"""The replay backend: recorded outputs from a JSONL file or from an earlier run in the store.

A case with no recording becomes an error row; the run goes on and completes.
"""
from __future__ import annotations

import json

from tests.cli.helpers import api_args, assert_no_traceback, evalkit, ok, query, write_jsonl

SUITE = """\
suite: replayed
prompt: "{{ q }}"
samples: SAMPLES
cases:
  - {id: fr, q: Paris, target: Paris}
  - {id: it, q: Rome, target: Roma}
  - {id: de, q: Berlin, target: Berlin}
  - {id: es, q: Madrid, target: Madrid}
scorers:
  - type: exact
"""


def suite(folder, samples=1):
    path = folder / "replayed.yaml"
    path.write_text(SUITE.replace("SAMPLES", str(samples)), encoding="utf-8")
    return path


def rows(db, label):
    return query(db, "SELECT x.case_id, x.sample, x.output, x.error, x.passed, x.tokens_in, "
                     "x.tokens_out, x.model_id, x.cached FROM results x JOIN runs r USING (run_id) "
                     "WHERE r.label = ? ORDER BY x.case_id, x.sample", [label])


def test_replay_from_a_jsonl_file(tmp_path):
    suite(tmp_path, samples=2)
    (tmp_path / "golden").mkdir()
    write_jsonl(tmp_path / "golden" / "outputs.jsonl", [
        {"id": "fr", "output": "Paris", "tokens_in": 5, "tokens_out": 1, "model_id": "prod-v1"},
        {"id": "de", "sample": 0, "text": "Berlin"},
        {"id": "de", "sample": 1, "output": "Bonn"},
        {"id": "es", "output": None, "error": "HTTP 500: recorded failure"},
    ])
    proc = ok(evalkit("run", "replayed.yaml", "--model", "replay/golden/outputs.jsonl",
                      "--db", "r.duckdb", "--label", "file", cwd=tmp_path))
    assert_no_traceback(proc.stderr)
    no_recording = "no recorded output for case 'it' sample {}"
    assert rows(tmp_path / "r.duckdb", "file") == [
        ("de", 0, "Berlin", None, True, None, None, None, False),
        ("de", 1, "Bonn", None, False, None, None, None, False),
        ("es", 0, None, "HTTP 500: recorded failure", False, None, None, None, False),
        ("es", 1, None, "HTTP 500: recorded failure", False, None, None, None, False),
        # a sample with no recording of its own falls back to sample 0
        ("fr", 0, "Paris", None, True, 5, 1, "prod-v1", False),
        ("fr", 1, "Paris", None, True, 5, 1, "prod-v1", False),
        ("it", 0, None, no_recording.format(0), False, None, None, None, False),
        ("it", 1, None, no_recording.format(1), False, None, None, None, False),
    ]
    assert query(tmp_path / "r.duckdb", "SELECT status, model_ref FROM runs") == [
        ("completed", "replay/golden/outputs.jsonl")]
    # replays are lookups already: nothing goes to the response cache
    assert query(tmp_path / "r.duckdb", "SELECT count(*) FROM cache") == [(0,)]


def test_replay_from_an_earlier_run(qa_smoke, srv):
    folder = qa_smoke.parent
    ok(evalkit("run", "qa-smoke.yaml", "--model", "litellm/openai/some-model", *api_args(srv),
               "--db", "results.duckdb", "--label", "v1", cwd=folder))
    suite(folder)  # the same three cases and one more, 'es', that v1 never ran
    srv.reset()
    proc = ok(evalkit("run", "replayed.yaml", "--model", "replay/run:v1", "--db", "results.duckdb",
                      "--label", "again", cwd=folder))
    assert "4 results, 2 passed" in proc.stdout and "1 errors" in proc.stdout
    assert srv.stats()["total"] == 0, "a replay calls no model"
    db = folder / "results.duckdb"
    original = {r[0]: r for r in rows(db, "v1")}
    replayed = rows(db, "again")
    assert [r[0] for r in replayed] == ["de", "es", "fr", "it"]
    for row in replayed:
        if row[0] == "es":
            assert row[2:5] == (None, "no recorded output for case 'es' sample 0", False)
        else:  # output, error, tokens and model id as recorded; scored again by this suite
            assert row[2:4] == original[row[0]][2:4] and row[5:8] == original[row[0]][5:8]
            assert row[4] == (row[0] != "it")
    assert rows(db, "v1")[0][5:8] == (1, 1, "some-model")
    # by run id too, and the replay's own run can itself be replayed
    (run_id,), = query(db, "SELECT run_id FROM runs WHERE label = 'v1'")
    ok(evalkit("run", "replayed.yaml", "--model", f"replay/run:{run_id}", "--db", "results.duckdb",
               "--label", "by-id", cwd=folder))
    assert [r[:5] for r in rows(db, "by-id")] == [r[:5] for r in replayed]


def test_replay_of_an_unknown_run_is_a_usage_error(qa_smoke, srv):
    folder = qa_smoke.parent
    ok(evalkit("run", "qa-smoke.yaml", "--model", "litellm/openai/some-model", *api_args(srv),
               "--db", "results.duckdb", cwd=folder))
    proc = evalkit("run", "qa-smoke.yaml", "--model", "replay/run:nope", "--db", "results.duckdb",
                   cwd=folder)
    assert proc.returncode == 2 and "no run or label 'nope'" in proc.stderr, proc
    assert_no_traceback(proc.stderr)


def test_bad_replay_files_are_usage_errors(tmp_path):
    suite(tmp_path)
    (tmp_path / "bad.jsonl").write_text(json.dumps({"id": "fr", "output": "Paris"}) + "\n{oops\n")
    proc = evalkit("run", "replayed.yaml", "--model", "replay/bad.jsonl", "--db", "r.duckdb",
                   cwd=tmp_path)
    assert proc.returncode == 2, proc
    assert "bad.jsonl:2: bad replay record" in proc.stderr
    assert_no_traceback(proc.stderr)
    (tmp_path / "typed.jsonl").write_text(json.dumps({"id": "fr", "output": "Paris"}) + "\n"
                                          + json.dumps({"id": "de", "output": "Berlin",
                                                        "tokens_out": "12"}) + "\n")
    proc = evalkit("run", "replayed.yaml", "--model", "replay/typed.jsonl", "--db", "r.duckdb",
                   cwd=tmp_path)
    assert proc.returncode == 2, proc
    assert "typed.jsonl:2: bad replay record: 'tokens_out' must be an integer, got '12'" in proc.stderr
    assert_no_traceback(proc.stderr)
    proc = evalkit("run", "replayed.yaml", "--model", "replay/missing.jsonl", "--db", "r.duckdb",
                   cwd=tmp_path)
    assert proc.returncode == 2 and "cannot read replay file" in proc.stderr, proc
    assert_no_traceback(proc.stderr)
