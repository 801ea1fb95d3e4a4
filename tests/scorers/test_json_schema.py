"""JSON-schema validity with the real jsonschema: finding JSON, failing paths, drafts, local $ref."""
from __future__ import annotations

import json
import socket

import pytest

from tests.scorers.helpers import (
    assert_problem,
    case,
    line_of,
    load_error,
    make,
    run_score,
    write_suite,
)

ORDER = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["status", "items"],
    "properties": {
        "status": {"enum": ["ok", "refused"]},
        "items": {"type": "array", "items": {"$ref": "defs/item.json"}},
    },
}
ITEM = {"type": "object", "required": ["sku", "price"],
        "properties": {"sku": {"type": "string"}, "price": {"$ref": "money.json"}}}
MONEY = {"type": "number", "minimum": 0}


@pytest.fixture
def schema_dir(tmp_path):
    (tmp_path / "schemas" / "defs").mkdir(parents=True)
    (tmp_path / "schemas" / "order.json").write_text(json.dumps(ORDER))
    (tmp_path / "schemas" / "defs" / "item.json").write_text(json.dumps(ITEM))
    (tmp_path / "schemas" / "defs" / "money.json").write_text(json.dumps(MONEY))
    return tmp_path


def scorer(folder, **params):
    return make("json_schema", suite_dir=folder, schema="schemas/order.json", **params)


GOOD = {"status": "ok", "items": [{"sku": "A1", "price": 3.5}]}


@pytest.mark.parametrize("output, where", [
    (json.dumps(GOOD), "the whole output"),
    ("Sure! Here it is:\n```json\n" + json.dumps(GOOD, indent=2) + "\n```\nAnything else?",
     "a ```json block at line 2"),
    ("The order is " + json.dumps(GOOD) + " as requested.", "the text at line 1"),
])
def test_valid_json_is_found_wherever_it_is(schema_dir, output, where):
    score = run_score(scorer(schema_dir), output)
    assert score.passed and score.details["found_in"] == where, score.explanation


def test_not_json_is_told_apart_from_a_schema_violation(schema_dir):
    not_json = run_score(scorer(schema_dir), "I cannot produce that order.")
    assert not_json.passed is False and not_json.details["stage"] == "not_json"
    assert not_json.explanation.startswith("not JSON: ")
    broken_fence = run_score(scorer(schema_dir), '```json\n{"status": "ok",}\n```')
    assert "block at line 1 is not valid JSON" in broken_fence.explanation
    bad = {"status": "maybe", "items": [{"sku": 7, "price": -1}, {"price": 2}]}
    violation = run_score(scorer(schema_dir), json.dumps(bad))
    assert violation.details["stage"] == "schema"
    paths = [e["path"] for e in violation.details["errors"]]
    # the failing paths, $ref'd definitions (two files away) included
    assert paths == ["$.items[0].price", "$.items[0].sku", "$.items[1]", "$.status"]
    assert "breaks the schema at 4 places" in violation.explanation
    assert "$.items[0].price: -1 is less than the minimum of 0" in violation.explanation
    assert "$.items[1]: 'sku' is a required property" in violation.explanation


def test_raw_mode_wants_the_whole_output(schema_dir):
    score = run_score(scorer(schema_dir, extract="raw"), "Here: " + json.dumps(GOOD))
    assert score.passed is False and "the output is not JSON" in score.explanation


def test_expected_values_from_the_suite_and_the_target(schema_dir):
    s = scorer(schema_dir, expect={"status": "ok", "items[0].sku": "A1"})
    assert run_score(s, json.dumps(GOOD)).passed
    other = {"status": "refused", "items": []}
    wrong = run_score(s, json.dumps(other))
    assert wrong.details["stage"] == "expected"
    assert "field status is 'refused', expected 'ok'" in wrong.explanation
    assert "field items[0].sku is missing (expected 'A1')" in wrong.explanation
    by_target = scorer(schema_dir, expect_target=True)
    assert run_score(by_target, json.dumps(GOOD), {"/items/0/price": 3.5}).passed
    assert not run_score(by_target, json.dumps(GOOD), {"status": "refused"}).passed


def test_draft_comes_from_dollar_schema(tmp_path):
    # draft-04: exclusiveMaximum is a boolean; in 2020-12 that schema would be invalid
    draft4 = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "number",
              "maximum": 10, "exclusiveMaximum": True}
    s = make("json_schema", suite_dir=tmp_path, schema=draft4)
    assert run_score(s, "9").passed
    assert "10 is greater than or equal to the maximum of 10" in run_score(s, "10").explanation


def test_inline_schema_with_local_defs(tmp_path):
    inline = {"type": "object", "properties": {"n": {"$ref": "#/$defs/n"}},
              "$defs": {"n": {"type": "integer"}}}
    s = make("json_schema", suite_dir=tmp_path, schema=inline)
    assert run_score(s, '{"n": 1}').passed
    assert "$.n: 'x' is not of type 'integer'" in run_score(s, '{"n": "x"}').explanation


def test_remote_ref_is_refused_without_touching_the_network(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    (tmp_path / "remote.json").write_text(json.dumps(
        {"properties": {"x": {"$ref": "https://example.com/schemas/x.json"}}}))
    path = write_suite(tmp_path, "- {type: json_schema, schema: remote.json}\n")
    assert_problem(load_error(path), path, line_of(path, "remote.json"),
                   "'https://example.com/schemas/x.json' would need a network fetch",
                   "local files only")


def test_bad_schemas_are_load_time_errors(tmp_path):
    (tmp_path / "broken.json").write_text('{"type": "object",\n "properties": }')
    (tmp_path / "invalid.json").write_text('{"type": "strng"}')
    (tmp_path / "dangling.json").write_text('{"$ref": "nowhere.json"}')
    path = write_suite(tmp_path, """
        - {type: json_schema, name: a, schema: missing.json}
        - {type: json_schema, name: b, schema: broken.json}
        - {type: json_schema, name: c, schema: invalid.json}
        - {type: json_schema, name: d, schema: dangling.json}
        - {type: json_schema, name: e, schema: {type: object}, expected: {a: 1}}
    """)
    error = load_error(path)
    assert_problem(error, path, line_of(path, "missing.json"), "schema file not found",
                   str(tmp_path / "missing.json"))
    assert_problem(error, path, line_of(path, "broken.json"), f"{tmp_path / 'broken.json'}:2:",
                   "invalid JSON")
    assert_problem(error, path, line_of(path, "invalid.json"), "invalid JSON Schema at type")
    assert_problem(error, path, line_of(path, "dangling.json"), "$ref target not found",
                   str(tmp_path / "nowhere.json"))
    assert_problem(error, path, line_of(path, "expected:"), "unknown key 'expected'",
                   "did you mean 'expect'")


def test_failed_call_is_not_scored_as_json(schema_dir):
    from evalkit.types import Completion

    score = run_score(scorer(schema_dir), None, completion=Completion(text=None, error="HTTP 500"),
                      the_case=case())
    assert score.passed is False and "no output to score: HTTP 500" in score.explanation
