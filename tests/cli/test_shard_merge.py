"""Sharded CI without a cluster: `evalkit run --shard I/N` in four processes and four DuckDB
files, `evalkit merge` folding them, and the merged run read like one made in one piece."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from evalkit.compare import compare
from evalkit.store import Store
from tests.cli.helpers import (
    api_args,
    assert_no_traceback,
    echo_cases,
    evalkit,
    ok,
    query,
    write_jsonl,
    write_suite,
)

MODEL = "openai/shard-model"
N = 60
FAILING_IN_V2 = {f"q{i}" for i in range(0, N, 5)}  # 12 of 60 regress with prompt v2
PROMPT = "\"{% if prompt == 'v2' %}{{ question }}?{% else %}{{ question }}{% endif %}\""

RESULT_COLUMNS = ("case_id, sample, prompt, output, error, cached, attempts, finish_reason, "
                  "target, vars, metadata, passed")
SCORE_COLUMNS = "case_id, sample, scorer, value, passed, explanation, details"


def _rows(db, run_ref_sql: str, columns: str, table: str) -> list[tuple]:
    return query(db, f"SELECT {columns} FROM {table} WHERE run_id = ({run_ref_sql}) "
                     "ORDER BY ALL")


def _labelled(label: str) -> str:
    return f"SELECT run_id FROM runs WHERE label = '{label}' ORDER BY started_at DESC LIMIT 1"


@pytest.fixture(scope="module")
def sharded(openai_server, tmp_path_factory):
    """v1 (unsharded) in main.duckdb; v2 unsharded in whole.duckdb (a copy of main + v2) and
    v2 as four shards in shard1..4.duckdb, each its own process and file."""
    folder = tmp_path_factory.mktemp("shards")
    server = openai_server
    server.config(latency=0.0, fail_rate=0.0, timeout_rate=0.0, require_key=None,
                  answers={f"{q}?": ("wrong" if q in FAILING_IN_V2 else q)
                           for q in (f"q{i}" for i in range(N))})
    suite = write_suite(folder, "sharded", echo_cases(N), prompt=PROMPT,
                        extra="vars: {prompt: v1}\n")
    run = ["run", suite, "-m", MODEL, *api_args(server), "--no-progress"]
    ok(evalkit(*run, "--label", "v1", "--db", "main.duckdb", cwd=folder))
    shutil.copy(folder / "main.duckdb", folder / "whole.duckdb")
    ok(evalkit(*run, "--label", "v2", "-V", "prompt=v2", "--db", "whole.duckdb", cwd=folder))
    for index in range(1, 5):
        done = ok(evalkit(*run, "--label", "v2", "-V", "prompt=v2", "--shard", f"{index}/4",
                          "--db", f"shard{index}.duckdb", cwd=folder))
        assert "gates" not in done.stdout or "merged run" in done.stdout
    yield folder, suite
    server.config(answers={})


def test_four_shards_merged_equal_one_unsharded_run(sharded):
    folder, _ = sharded
    shards = [folder / f"shard{i}.duckdb" for i in range(1, 5)]
    # each shard holds its own cases only, and says which shard it is
    held = [query(db, "SELECT count(*), any_value(shard) FROM results JOIN runs USING (run_id)")
            for db in shards]
    assert sum(n for ((n, _),) in held) == N and all(n > 0 for ((n, _),) in held)

    merged = ok(evalkit("merge", *shards, "--into", "main.duckdb", cwd=folder))
    assert "merged 4 shards of sharded [v2]" in merged.stdout
    main, whole = folder / "main.duckdb", folder / "whole.duckdb"
    for columns, table in ((RESULT_COLUMNS, "results"), (SCORE_COLUMNS, "scores")):
        assert _rows(main, _labelled("v2"), columns, table) == \
            _rows(whole, _labelled("v2"), columns, table)
    (m_cases, m_n, m_status, m_shard, m_from), = query(
        main, "SELECT cases_hash, n_cases, status, shard, merged_from FROM runs WHERE label='v2'")
    (w_cases, w_n), = query(whole, "SELECT cases_hash, n_cases FROM runs WHERE label = 'v2'")
    assert (m_cases, m_n, m_status, m_shard) == (w_cases, w_n, "completed", None)
    assert '"shard": "3/4"' in m_from and "shard3.duckdb" in m_from

    # compare, gates and the verdict read it like the unsharded run
    with Store(main, read_only=True) as a, Store(whole, read_only=True) as b:
        one, other = compare(a, "v1", "v2"), compare(b, "v1", "v2")
    # the same rows; floats to summation order (DuckDB's parallel aggregates differ in the
    # last bits between two files)
    pd.testing.assert_frame_equal(one.metrics_frame(), other.metrics_frame(), rtol=1e-12)
    timing = ["baseline_latency_s", "candidate_latency_s"]  # measured per call: differs
    assert one.cases_frame().drop(columns=timing).equals(other.cases_frame().drop(columns=timing))
    assert one.scores.equals(other.scores)
    assert one.counts() == other.counts() == {
        "pass_to_fail": len(FAILING_IN_V2), "still_passing": N - len(FAILING_IN_V2)}
    assert not [r for r in one.manifest.to_dict("records") if r["item"].startswith("cases")]
    answers = []
    for db in ("main.duckdb", "whole.duckdb"):
        done = evalkit("compare", "v1", "v2", "--db", db, cwd=folder)
        assert_no_traceback(done.stderr)
        verdict = done.stdout[done.stdout.index("Safe to swap"):]
        answers.append((done.returncode, verdict))
    assert answers[0] == answers[1] and "regressed: passed overall -20.0 pp" in answers[0][1]

    # idempotent: the same merge again changes nothing
    again = ok(evalkit("merge", *shards, "--into", "main.duckdb", cwd=folder))
    assert "already merged" in again.stdout
    assert query(main, "SELECT count(*) FROM runs")[0][0] == 2
    assert query(main, "SELECT count(*) FROM results")[0][0] == 2 * N


def test_shards_run_into_one_database_merge_in_place(sharded, openai_server):
    folder, suite = sharded
    db = folder / "one.duckdb"
    for index in range(1, 4):
        shutil.copy(folder / f"shard{index}.duckdb", folder / f"copy{index}.duckdb")
    shutil.copy(folder / "shard4.duckdb", db)
    # a shard database given twice (same run) counts once
    ok(evalkit("merge", db, "copy1.duckdb", "copy2.duckdb", "copy3.duckdb", "copy1.duckdb",
               "--into", db, cwd=folder))
    show = ok(evalkit("show", "v2", "--db", db, cwd=folder)).stdout
    assert "merged from 4 shards" in show  # the label names the merged run, not a shard
    assert f"{N} results" in show


def _refused(folder, *dbs) -> str:
    done = evalkit("merge", *dbs, "--into", "target.duckdb", cwd=folder)
    assert done.returncode == 2, done.stdout + done.stderr
    assert_no_traceback(done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot merge the shards of"), lines
    if (folder / "target.duckdb").exists():  # nothing half-merged
        assert query(folder / "target.duckdb", "SELECT count(*) FROM runs")[0][0] == 0
    return lines[0]


@pytest.fixture
def pipeline_suite(tmp_path):
    """A suite over a python pipeline (fingerprint: the pipeline's source)."""
    (tmp_path / "pipe.py").write_text("def answer(prompt):\n    return prompt\n")
    suite = write_suite(tmp_path, "piped", echo_cases(40), extra="vars: {prompt: v1}\n",
                        prompt=PROMPT)

    def shard(spec: str, db: str, *extra: str):
        return ok(evalkit("run", suite, "-m", "python/pipe:answer", "-M", "path=.", "--label",
                          "p", "--shard", spec, "--db", db, "--no-progress", *extra,
                          cwd=tmp_path))
    return tmp_path, suite, shard


def test_mismatched_shards_are_refused_with_one_line(pipeline_suite):
    folder, suite, shard = pipeline_suite
    for index in (1, 2, 3):
        shard(f"{index}/4", f"s{index}.duckdb")
    # a shard missing
    assert "shard 4/4 missing" in _refused(folder, "s1.duckdb", "s2.duckdb", "s3.duckdb")
    # one shard run twice: two runs, two answers for its cases
    shard("3/4", "again.duckdb", "--no-cache")
    assert "shard 3/4 was run twice" in _refused(folder, "s1.duckdb", "s2.duckdb", "s3.duckdb",
                                                 "again.duckdb")
    # another template var: another suite identity
    shard("4/4", "var.duckdb", "-V", "prompt=v2")
    assert "the suite file differs" in _refused(folder, "s1.duckdb", "s2.duckdb", "s3.duckdb",
                                                "var.duckdb")
    # the pipeline edited between shards: another model fingerprint
    (folder / "pipe.py").write_text("def answer(prompt):\n    return prompt.upper()\n")
    shard("4/4", "edited.duckdb")
    assert "the model fingerprint differs" in _refused(folder, "s1.duckdb", "s2.duckdb",
                                                       "s3.duckdb", "edited.duckdb")
    # the split of another N
    shard("2/3", "three.duckdb")
    assert "split the suite differently" in _refused(folder, "s1.duckdb", "three.duckdb")
    # the cases edited between shards
    cases = echo_cases(41)
    write_jsonl(folder / "piped.cases.jsonl", cases)
    (folder / "pipe.py").write_text("def answer(prompt):\n    return prompt\n")
    shard("4/4", "cases.duckdb")
    assert "the cases differ" in _refused(folder, "s1.duckdb", "s2.duckdb", "s3.duckdb",
                                          "cases.duckdb")


def test_merge_without_shards_or_files_is_a_usage_error(pipeline_suite):
    folder, suite, _ = pipeline_suite
    ok(evalkit("run", suite, "-m", "python/pipe:answer", "-M", "path=.", "--db", "plain.duckdb",
               cwd=folder))
    for args, message in ((["plain.duckdb"], "no shard runs in plain.duckdb"),
                          (["nowhere.duckdb"], "no database at nowhere.duckdb")):
        done = evalkit("merge", *args, "--into", "t.duckdb", cwd=folder)
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert_no_traceback(done.stderr)


def test_shard_with_baseline_is_refused(pipeline_suite):
    folder, suite, _ = pipeline_suite
    done = evalkit("run", suite, "-m", "python/pipe:answer", "-M", "path=.", "--shard", "1/2",
                   "--baseline", "main", "--db", "x.duckdb", cwd=folder)
    assert done.returncode == 2 and "evalkit merge" in done.stderr, done.stderr
