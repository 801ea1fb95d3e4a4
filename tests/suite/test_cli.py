"""`evalkit validate` in a real subprocess, and `evalkit schema` as a valid JSON Schema."""
from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import yaml
from click.testing import CliRunner

from evalkit.cli.main import cli

from .helpers import write_jsonl


def test_validate_reports_broken_files_with_exit_code_2_and_no_traceback(tmp_path, qa_smoke):
    (tmp_path / "typo.yaml").write_text(
        'suite: s\nprompt: "{{ q }}"\ncases:\n  - {id: a, q: x}\nscorrers: []\n', encoding="utf-8")
    (tmp_path / "loop.yaml").write_text(
        'suite: s\nprompt: "{{ q }}"\noptions:\n  extra: &x {a: *x}\ncases:\n  - {id: a, q: x}\n',
        encoding="utf-8")
    write_jsonl(tmp_path / "dup.jsonl", [{"id": "a", "q": "1"}, {"id": "a", "q": "2"}])
    (tmp_path / "dup.yaml").write_text('suite: s\nprompt: "{{ q }}"\ncases: {from: dup.jsonl}\n',
                                       encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "evalkit", "validate", "typo.yaml", "loop.yaml", "dup.yaml",
         qa_smoke.name, "missing.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    err = result.stderr
    assert "typo.yaml:5:1: error: unknown key 'scorrers' (at scorrers)" in err
    assert "hint: did you mean 'scorers'?" in err
    assert "loop.yaml:4:10: error: an alias refers to the collection that contains it" in err
    assert "dup.jsonl:2:1: error: duplicate case id 'a'" in err
    assert "hint: first used at dup.jsonl:1:1; ids must be unique" in err
    assert "missing.yaml: error: cannot read file: No such file or directory" in err
    # The good suite among them still validates.
    assert "ok: qa-smoke.yaml (3 cases × 1 samples, 1 scorers)" in result.stdout


def test_schema_command_prints_a_valid_json_schema():
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)  # a well-formed JSON Schema
    assert schema["title"] == "evalkit suite"
    assert {"suite", "prompt", "cases", "scorers", "options", "samples"} <= set(
        schema["properties"])
    assert set(schema["required"]) == {"suite", "prompt", "cases"}
    assert schema["additionalProperties"] is False
    assert "from" in schema["$defs"]["CaseSource"]["properties"]  # the alias, as users write it
    assert "from_" not in schema["$defs"]["CaseSource"]["properties"]


def test_schema_accepts_valid_suites_and_rejects_unknown_keys(qa_smoke):
    schema = json.loads(CliRunner().invoke(cli, ["schema"]).output)
    validator = jsonschema.validators.validator_for(schema)(schema)
    # The suite uses the `prompt: STRING` shorthand: editors must accept it.
    data = yaml.safe_load(qa_smoke.read_text(encoding="utf-8"))
    assert list(validator.iter_errors(data)) == []
    chat = {"suite": "s", "prompt": {"system": "x", "user": "{{ q }}"}, "samples": 3,
            "options": {"temperature": 0.2}, "cases": [{"id": "a", "q": "x", "target": "y"}],
            "scorers": [{"type": "exact"}]}
    assert list(validator.iter_errors(chat)) == []
    bad = {**chat, "scorrers": [], "samples": 0, "options": {"temprature": 0}}
    messages = sorted(e.message for e in validator.iter_errors(bad))
    assert any("'scorrers' was unexpected" in m for m in messages), messages
    assert any("'temprature' was unexpected" in m for m in messages), messages
    assert any("0 is less than the minimum of 1" in m for m in messages), messages
