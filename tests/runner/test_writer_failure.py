"""A failed write never loses computed results: they go to a spill file and the run fails."""
from __future__ import annotations

import json

import duckdb
import pytest

from evalkit import RunConfig, Store, load_suite, run_suite
from evalkit.errors import StoreError
from evalkit.redact import register
from evalkit.runner.writer import ResultWriter
from evalkit.types import Case, Completion, Request, Result, Score


def test_results_spill_to_jsonl_when_the_store_refuses_them(qa_smoke, tmp_path, server):
    db = tmp_path / "broken.duckdb"
    store = Store(db)
    # A real failure: the scores table is gone, so every bulk insert fails in DuckDB.
    store.con.execute("DROP TABLE scores")
    config = RunConfig(model="openai/echo", model_args={"api_base": server.base_url},
                       label="v1", progress=False)
    with pytest.raises(StoreError) as raised:
        run_suite(load_suite(qa_smoke), config, store=store)
    store.close()

    message = str(raised.value)
    assert "could not store results" in message and ".unsaved.jsonl" in message
    spill = next(tmp_path.glob("broken.duckdb.*.unsaved.jsonl"))
    records = [json.loads(line) for line in spill.read_text().splitlines()]
    assert sorted(r["case_id"] for r in records) == ["de", "fr", "it"]
    assert {r["output"] for r in records} == {"Paris", "Rome", "Berlin"}
    assert all(r["scores"][0]["scorer"] == "exact" for r in records)

    con = duckdb.connect(str(db), read_only=True)
    status, error = con.execute("SELECT status, error FROM runs").fetchone()
    assert status == "failed" and "unsaved.jsonl" in error
    assert con.execute("SELECT count(*) FROM results").fetchone()[0] == 0


def _result(index: int, completion: Completion) -> Result:
    case = Case(id=f"c{index:02d}", vars={"q": f"q{index}"}, target=f"q{index}")
    return Result(case, 0, Request(prompt=f"q{index}"), completion,
                  (Score("exact", 1.0, True, "equal"),))


def test_rows_the_store_refuses_fail_alone_and_the_writer_goes_on(tmp_path):
    """A bad value reaching the writer (past every check) fails its row only: the batch is
    written again in halves, and the bad rows are stored as errors on their cases."""
    register("sk-writer-test-secret")  # masking runs on every stored string
    store = Store(tmp_path / "w.duckdb")
    writer = ResultWriter(store, "run-1")
    bad = {7: Completion(text="x", tokens_in="lots"),  # DuckDB cannot convert it
           13: Completion(text="z", tokens_out=2**70),  # past BIGINT
           31: Completion(text="y", cost_usd="free")}
    for index in range(50):
        writer.put(_result(index, bad.get(index, Completion(text=f"q{index}"))))
    writer.close()  # nothing raised: the storage itself never failed
    assert writer.error is None and writer.refused == 3 and writer.written == 50
    rows = {c: (o, e, p) for c, o, e, p in store.query(
        "SELECT case_id, output, error, passed FROM results")}
    store.close()
    assert len(rows) == 50
    for index in range(50):
        output, error, passed = rows[f"c{index:02d}"]
        if index in bad:
            assert output is None and passed is False
            assert error.startswith("evalkit could not store this result: "), error
        else:
            assert (output, error, passed) == (f"q{index}", None, True)
    assert not list(tmp_path.glob("*.unsaved.jsonl"))
