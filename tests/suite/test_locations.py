"""Positions as data: a case's Location, a key's position from the loaded suite, and problem
kinds that callers match on instead of the message's wording."""
from __future__ import annotations

import pandas as pd

from evalkit.errors import (
    INVALID_VALUE,
    MISSING_FILE,
    MISSING_GOLDEN,
    MISSING_KEY,
    UNDEFINED_VARIABLE,
    UNKNOWN_KEY,
)
from evalkit.location import Location
from evalkit.suite import load_suite

from .helpers import load_error, write, write_jsonl


def test_a_case_carries_its_location_as_data(tmp_path):
    write_jsonl(tmp_path / "cases.jsonl", [{"id": "a", "q": "x"}, {"id": "b", "q": "y"}])
    path = write(tmp_path / "s.yaml", """
        suite: s
        prompt: "{{ q }}"
        cases:
          from: cases.jsonl
        """)
    suite = load_suite(path)
    jsonl = str(tmp_path / "cases.jsonl")
    assert [c.location for c in suite.cases] == [Location(jsonl, 1, 1), Location(jsonl, 2, 1)]
    # the record's text is not kept on the case (a large case file would be held twice)
    assert all(c.location.source_line is None for c in suite.cases)
    inline = load_suite(write(tmp_path / "i.yaml", """
        suite: i
        prompt: "{{ q }}"
        cases:
          - {id: a, q: x}
        """))
    assert (inline.cases[0].location.path, inline.cases[0].location.line) == (str(tmp_path / "i.yaml"), 4)


def test_a_dataset_row_has_a_row_not_a_line(tmp_path):
    pd.DataFrame([{"id": "a", "q": "x"}, {"id": "b", "q": "y"}]).to_parquet(tmp_path / "d.parquet")
    suite = load_suite(write(tmp_path / "s.yaml", """
        suite: s
        prompt: "{{ q }}"
        cases:
          from: d.parquet
        """))
    where = suite.cases[1].location
    assert (where.line, where.row) == (None, 1)
    assert where.shown() == f"{tmp_path / 'd.parquet'} (row 1)"


def test_keys_are_located_from_the_loaded_suite(tmp_path):
    path = write(tmp_path / "s.yaml", """
        suite: s
        prompt: "{{ q }}"
        scorers:
          - type: exact
        cases:
          - {id: a, q: x, target: x}
        gates:
          - {metric: exact, min: 0.5}
        """)
    suite = load_suite(path)
    assert suite.locate(("gates", 0)).line == 8
    assert suite.locate(("cases",)).line == 6
    assert suite.locate(("gates", 0, "no-such-key")).line == 8  # the deepest known prefix


def test_problems_carry_a_kind(tmp_path):
    path = write(tmp_path / "s.yaml", """
        suite: s
        prompt: "{{ q }} {{ nope }}"
        samples: 0
        scorers:
          - {type: exact, golden: missing.json}
          - {type: json_schema, schema: missing-schema.json}
        cases:
          - {id: a, q: x, target: x}
        extra_key: 1
        """)
    kinds = {p.kind for p in load_error(path).problems}
    assert {UNKNOWN_KEY, INVALID_VALUE} <= kinds
    # the golden file is told apart from other missing files by kind, not wording
    scorer_kinds = [p.kind for p in load_error(write(path, """
        suite: s
        prompt: "{{ q }}"
        scorers:
          - {type: exact, golden: missing.json}
          - {type: json_schema, schema: missing-schema.json}
        cases:
          - {id: a, q: x, target: x}
        """)).problems]
    assert scorer_kinds == [MISSING_GOLDEN, MISSING_FILE]
    missing = load_error(write(path, """
        prompt: "{{ q }}"
        cases:
          - {id: a, q: x}
        """)).problems
    assert [p.kind for p in missing] == [MISSING_KEY]
    undefined = load_error(write(path, """
        suite: s
        prompt: "{{ q }} {{ nope }}"
        cases:
          - {id: a, q: x}
        """)).problems
    assert [p.kind for p in undefined] == [UNDEFINED_VARIABLE]
