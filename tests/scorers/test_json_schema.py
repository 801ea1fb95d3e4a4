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


# --- which JSON is scored --------------------------------------------------------------------

RECORD = {"type": "object", "required": ["name", "age"],
          "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}


def test_the_candidate_that_validates_is_scored_and_named(tmp_path):
    s = make("json_schema", suite_dir=tmp_path, schema=RECORD)
    score = run_score(s, 'According to [1], the record is {"name": "Ada", "age": 36}.')
    assert score.passed, score.explanation
    assert score.explanation == ("JSON in the text at line 1 (the largest value that validates, of "
                                 "2 JSON values in the output) is valid under the schema")
    assert score.details["candidates"] == 2


def test_when_none_validates_the_last_fenced_block_or_the_largest_value_is_scored(tmp_path):
    s = make("json_schema", suite_dir=tmp_path, schema=RECORD)
    fenced = run_score(s, 'Draft:\n```json\n{"name": 1}\n```\nFinal:\n```json\n{"name": "Ada"}\n```')
    assert fenced.details["found_in"] == "a ```json block at line 6"
    assert "(the last fenced block of 2 JSON values; none validates)" in fenced.explanation
    assert "$: 'age' is a required property" in fenced.explanation
    prose = run_score(s, 'See [1] and {"name": "Ada", "age": "36"}')
    assert "(the largest of 2 JSON values; none validates)" in prose.explanation
    assert "$.age: '36' is not of type 'integer'" in prose.explanation


def test_several_valid_candidates_prefer_a_fenced_block_then_the_largest(tmp_path):
    s = make("json_schema", suite_dir=tmp_path, schema={"type": "object"})
    both = run_score(s, 'Like {"a": 1, "b": 2} but:\n```json\n{"c": 3}\n```')
    assert both.passed and both.details["found_in"] == "a ```json block at line 2"
    assert "(the fenced block that validates, of 2 JSON values in the output)" in both.explanation
    small = run_score(s, 'First {"a": 1} then {"a": 1, "b": 2}, and [1] as a note')
    assert small.details["found_in"] == "the text at line 1" and "largest value" in small.explanation
    assert run_score(make("json_schema", suite_dir=tmp_path, schema={"required": ["b"]}),
                     'Not {"a": 1} but {"b": 2}').passed  # the smaller one when only it fits


def test_json_after_hundreds_of_brackets_is_found(tmp_path):
    s = make("json_schema", suite_dir=tmp_path, schema=RECORD)
    text = "Sources: " + " ".join(f"[{i}]" for i in range(1, 400)) + ' → {"name": "Ada", "age": 36}'
    score = run_score(s, text)
    assert score.passed and score.details["candidates"] == 400


def test_pathological_nesting_is_bounded_and_explained(tmp_path):
    import time

    s = make("json_schema", suite_dir=tmp_path, schema=RECORD)
    started = time.perf_counter()
    score = run_score(s, "[" * 200_000)
    assert time.perf_counter() - started < 10
    assert score.details["stage"] == "not_json"
    assert "the search stopped at character" in score.explanation


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_unless_allowed(tmp_path, constant):
    schema = {"type": "object", "properties": {"x": {"type": "number"}}}
    strict = run_score(make("json_schema", suite_dir=tmp_path, schema=schema), f'{{"x": {constant}}}')
    assert strict.passed is False and strict.details["stage"] == "not_json"
    assert f"{constant.lstrip('-')} is not valid JSON (set allow_nan: true" in strict.explanation
    lenient = make("json_schema", suite_dir=tmp_path, schema=schema, allow_nan=True)
    assert run_score(lenient, f'{{"x": {constant}}}').passed


# --- formats ---------------------------------------------------------------------------------

DRAFT7 = "http://json-schema.org/draft-07/schema#"
DRAFT2020 = "https://json-schema.org/draft/2020-12/schema"
# (format, a value that breaks it, a value that fits it): every format jsonschema can check
FORMAT_CASES = {
    "date": ("2024-02-30", "2024-02-29"), "date-time": ("2024-01-05 10:00", "2024-01-05T10:00:00Z"),
    "time": ("25:00:00Z", "10:00:00+02:00"), "duration": ("P1Y2", "P1Y2M"),
    "email": ("ada.example.com", "ada@example.com"), "idn-email": ("ada", "ada@例え.jp"),
    "hostname": ("-bad-.com", "example.com"), "idn-hostname": ("a" * 64 + ".com", "例え.jp"),
    "ipv4": ("256.1.1.1", "192.168.0.1"), "ipv6": ("1:::2", "::1"),
    "uri": ("//no-scheme", "https://example.com/a?b=c"), "uri-reference": ("\\\\bad", "../a"),
    "iri": ("no scheme", "https://例え.jp/パス"), "iri-reference": ("\\\\bad", "パス"),
    "uri-template": ("{unclosed", "/users/{id}"), "json-pointer": ("no-slash", "/a/0"),
    "relative-json-pointer": ("/a", "1/a"), "regex": ("(unclosed", "^a+$"),
    "uuid": ("not-a-uuid", "123e4567-e89b-12d3-a456-426614174000"),
}


def test_every_checkable_format_is_covered_here():
    import jsonschema

    from evalkit.scorers.schema_formats import checker_for

    assert set(checker_for(jsonschema.Draft202012Validator).checkers) == set(FORMAT_CASES)


@pytest.mark.parametrize("name", sorted(FORMAT_CASES))
def test_every_format_is_checked_when_asserting(tmp_path, name):
    bad, good = FORMAT_CASES[name]
    schema = {"$schema": DRAFT2020, "type": "string", "format": name}
    asserted = make("json_schema", suite_dir=tmp_path, schema=schema, formats="assert")
    assert run_score(asserted, json.dumps(good)).passed
    failed = run_score(asserted, json.dumps(bad))
    assert failed.passed is False and f"is not a '{name}'" in failed.explanation
    annotated = run_score(make("json_schema", suite_dir=tmp_path, schema=schema), json.dumps(bad))
    assert annotated.passed, annotated.explanation  # 2020-12 default: an annotation...
    assert "note: formats are annotations here (formats: assert checks them)" in annotated.explanation
    assert annotated.details["format_notes"][0]["message"].endswith(f"is not a '{name}'")


@pytest.mark.parametrize("dialect, asserted", [
    (DRAFT7, True), ("http://json-schema.org/draft-04/schema#", True),
    ("https://json-schema.org/draft/2019-09/schema", False), (DRAFT2020, False)])
def test_the_default_format_policy_follows_the_draft(tmp_path, dialect, asserted):
    schema = {"$schema": dialect, "type": "string", "format": "date-time"}
    s = make("json_schema", suite_dir=tmp_path, schema=schema)
    assert run_score(s, '"yesterday"').passed is not asserted
    forced = make("json_schema", suite_dir=tmp_path, schema=schema,
                  formats="annotate" if asserted else "assert")
    assert run_score(forced, '"yesterday"').passed is asserted


def test_a_later_drafts_format_is_checked_in_an_older_draft(tmp_path):
    schema = {"$schema": "http://json-schema.org/draft-04/schema#", "format": "date"}
    assert not run_score(make("json_schema", suite_dir=tmp_path, schema=schema),
                         '"2024-13-01"').passed


def test_an_unknown_format_is_said_to_be_unchecked(tmp_path):
    schema = {"$schema": DRAFT7, "type": "string", "format": "phone"}
    score = run_score(make("json_schema", suite_dir=tmp_path, schema=schema), '"hello"')
    assert score.passed and "format 'phone' not checked (unknown to jsonschema)" in score.explanation


def test_a_missing_format_dependency_is_a_load_error_not_a_silent_pass(tmp_path):
    """In a fresh interpreter where rfc3339-validator cannot be imported, asserting date-time
    refuses the suite and names the package; annotating still loads."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(f"""
        import sys
        sys.modules["rfc3339_validator"] = None  # as if the package were not installed
        from pathlib import Path
        from evalkit.scorers.factory import build_scorer
        schema = {{"$schema": "{DRAFT7}", "format": "date-time"}}
        suite_dir = Path({str(tmp_path)!r})
        try:
            build_scorer("json_schema", {{"schema": schema}}, suite_dir)
        except Exception as exc:
            print("REFUSED:", exc)
        build_scorer("json_schema", {{"schema": schema, "formats": "annotate"}}, suite_dir)
        print("ANNOTATE LOADS")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert ("format 'date-time' cannot be checked: its checker needs the package "
            "rfc3339-validator (pip install 'evalkit[json-formats]')") in result.stdout
    assert "ANNOTATE LOADS" in result.stdout


# --- $ref: metaschemas and nested $id, never a fetch -------------------------------------------

def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("dialect, metaschema", [
    ("http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-04/schema#"),
    (DRAFT7, "http://json-schema.org/draft-07/schema#"),
    ("https://json-schema.org/draft/2019-09/schema", "https://json-schema.org/draft/2019-09/schema"),
    (DRAFT2020, DRAFT2020)])
def test_a_ref_to_a_bundled_metaschema_loads_without_the_network(tmp_path, monkeypatch,
                                                                 dialect, metaschema):
    _no_network(monkeypatch)
    s = make("json_schema", suite_dir=tmp_path, schema={"$schema": dialect, "$ref": metaschema})
    assert run_score(s, '{"type": "string"}').passed
    assert not run_score(s, '{"type": 12}').passed


@pytest.mark.parametrize("dialect, id_key", [
    ("http://json-schema.org/draft-04/schema#", "id"), (DRAFT7, "$id"), (DRAFT2020, "$id")])
def test_nested_ids_resolve_inside_the_schema(tmp_path, monkeypatch, dialect, id_key):
    _no_network(monkeypatch)
    defs = "definitions" if id_key == "id" or dialect == DRAFT7 else "$defs"
    schema = {"$schema": dialect, id_key: "http://example.com/root.json",
              "properties": {"a": {"$ref": "item.json"}, "b": {"$ref": "item.json#/definitions/n"}},
              defs: {"item": {id_key: "item.json", "type": "object",
                              "definitions": {"n": {"type": "integer"}}}}}
    s = make("json_schema", suite_dir=tmp_path, schema=schema)
    assert run_score(s, '{"a": {}, "b": 3}').passed
    assert "$.b: 'x' is not of type 'integer'" in run_score(s, '{"a": {}, "b": "x"}').explanation


def test_an_unknown_remote_ref_next_to_a_nested_id_is_still_refused(tmp_path, monkeypatch):
    _no_network(monkeypatch)
    schema = {"$id": "http://example.com/root.json",
              "$defs": {"known": {"$id": "known.json", "type": "string"}},
              "properties": {"a": {"$ref": "known.json"}, "b": {"$ref": "unknown.json"}}}
    path = write_suite(tmp_path, "- {type: json_schema, schema: s.json}\n")
    (tmp_path / "s.json").write_text(json.dumps(schema))
    assert_problem(load_error(path), path, line_of(path, "s.json"),
                   "'http://example.com/unknown.json' would need a network fetch")
