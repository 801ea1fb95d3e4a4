"""Bulk writes take two routes into DuckDB — NumPy arrays for big batches, lists for small
ones (so short runs never import NumPy) — and both store exactly the same rows."""
from __future__ import annotations

import subprocess
import sys

import pytest

from evalkit.store import Store, rows
from evalkit.types import Case, Completion, Request, Result, Score


def _results(n: int) -> list[Result]:
    out = []
    for i in range(n):
        case = Case(id=f"c{i:05d}", vars={"q": f"frage {i} \N{SNOWMAN}", "n": i},
                    target=[f"a{i}", "b"] if i % 2 else None, metadata={"lang": "de"})
        completion = Completion(
            text=None if i % 7 == 0 else f"antwort \ud800 {i}", error="boom" if i % 7 == 0 else None,
            latency_s=i / 1000, tokens_in=i, tokens_out=None if i % 3 else 2 * i,
            cost_usd=0 if i % 5 else 0.25, cached=bool(i % 2), context=({"id": "d1"},),
            citations=("d1",) if i % 4 else None)
        scores = (Score("exact", 1.0 if i % 2 else 0.0, bool(i % 2), "why", {"k": i}),
                  Score("len", None, None))
        out.append(Result(case, 0, Request(prompt=f"p{i}"), completion, scores))
    return out


def _stored(db, run_id: str) -> tuple[list, list, list]:
    with Store(db, read_only=True) as store:
        return (store.query("SELECT * EXCLUDE (run_id, created_at) FROM results "
                            "WHERE run_id = ? ORDER BY ALL", [run_id]),
                store.query("SELECT * EXCLUDE (run_id) FROM scores WHERE run_id = ? "
                            "ORDER BY ALL", [run_id]),
                store.query("SELECT key, fingerprint, completion FROM cache "
                            "WHERE starts_with(key, ?) ORDER BY ALL", [run_id]))


def test_big_and_small_batches_store_the_same_rows(tmp_path, monkeypatch):
    results = _results(60)
    entries = [(f"{{run}}-{i}", "fp", r.completion) for i, r in enumerate(results)]
    db = tmp_path / "b.duckdb"
    with Store(db) as store:
        monkeypatch.setattr(rows, "NUMPY_ROWS", 10)  # 60 rows: the NumPy route
        store.write("big", results, [(k.format(run="big"), f, c) for k, f, c in entries])
        monkeypatch.setattr(rows, "NUMPY_ROWS", 1000)  # the list route
        store.write("small", results, [(k.format(run="small"), f, c) for k, f, c in entries])
    big, small = _stored(db, "big"), _stored(db, "small")
    assert big[0] == small[0] and len(big[0]) == 60
    assert big[1] == small[1] and len(big[1]) == 120
    assert [r[1:] for r in big[2]] == [r[1:] for r in small[2]] and len(big[2]) == 60
    assert any("\N{REPLACEMENT CHARACTER}" in (r[4] or "") for r in small[0])  # no surrogates


def _duckdb_binds_through_pandas() -> bool:
    """DuckDB 1.1 imports pandas (and so NumPy) to bind any query parameter; later ones don't."""
    code = ("import duckdb, sys\nduckdb.connect().execute('SELECT ?', [1]).fetchall()\n"
            "print('numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return done.stdout.strip() == "True"


def test_a_short_run_never_imports_numpy(tmp_path):
    if _duckdb_binds_through_pandas():
        pytest.skip("this DuckDB imports NumPy itself on a bound parameter")
    code = (f"from evalkit.store import Store\nfrom tests.store.test_bulk_insert import _results\n"
            f"import sys\nwith Store({str(tmp_path / 'n.duckdb')!r}) as s:\n"
            f"    s.write('r', _results(50), [])\nprint('numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
