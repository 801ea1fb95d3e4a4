"""A failed write never loses computed results: they go to a spill file and the run fails."""
from __future__ import annotations

import json

import duckdb
import pytest

from evalkit import RunConfig, Store, load_suite, run_suite
from evalkit.errors import StoreError


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
