"""The store is the only door to DuckDB: no module outside evalkit/store imports duckdb, holds
a SQL statement or reaches into the store's connection. (import-linter checks the imports in
CI; this reads the source, so a SQL string passed through some other object is caught too.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "evalkit"
OUTSIDE = sorted(p for p in PACKAGE.rglob("*.py") if "store" not in p.relative_to(PACKAGE).parts)

SQL = re.compile(r"\b(SELECT\s+.+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
                 r"CREATE\s+(TEMP\s+|OR\s+REPLACE\s+)?(TABLE|VIEW|INDEX)|COPY\s+\()", re.S)
REACH_IN = re.compile(r"\bimport duckdb\b|\bfrom duckdb\b|\bstore\.(con|_con|_lock)\b|"
                      r"\bstore\.(query|df|_query)\(")


def test_the_scan_sees_the_package():
    assert len(OUTSIDE) > 100  # a wrong path would make the checks below pass vacuously


def test_the_patterns_catch_what_they_are_for():
    assert SQL.search('rows = store.query("SELECT run_id FROM runs")')
    assert SQL.search("INSERT INTO baselines VALUES (?)")
    assert REACH_IN.search("import duckdb")
    assert REACH_IN.search("with store._lock:")
    assert not SQL.search("select the cases that failed from the table below")


@pytest.mark.parametrize("path", OUTSIDE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_sql_or_duckdb_outside_the_store(path):
    text = path.read_text(encoding="utf-8")
    found = [m.group(0)[:60] for m in (*SQL.finditer(text), *REACH_IN.finditer(text))]
    assert not found, f"{path.relative_to(PACKAGE)}: {found} (add a typed read to evalkit/store)"
