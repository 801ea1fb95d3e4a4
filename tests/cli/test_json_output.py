"""`--json` on runs, show, compare, validate, list and baseline show: each document is
validated against the JSON Schema shipped in the package, and its numbers are the store's.
`-` as standard output: `export -o -` and `report -o -`."""
from __future__ import annotations

import json
import subprocess

import jsonschema
import pytest

from evalkit.cli.json_output import SCHEMA_VERSION, schema_file
from tests.cli.helpers import REPO_ROOT, clean_env, evalkit, evalkit_command, ok, query

PIPELINE = ["suites/examples/pipeline_quickstart.yaml", "-m", "python/keyword_rag:answer",
            "-M", "path=suites/pipelines"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("json") / "results.duckdb"
    ok(evalkit("run", *PIPELINE, "--label", "a", "--db", path, cwd=REPO_ROOT))
    ok(evalkit("run", *PIPELINE, "-M", "style=terse", "--label", "b", "--db", path,
               cwd=REPO_ROOT))
    ok(evalkit("baseline", "set", "prod", "a", "--note", "first", "--db", path, cwd=REPO_ROOT))
    return path


def document(name: str, *args, code: int = 0) -> dict:
    done = evalkit(*args, "--json", cwd=REPO_ROOT)
    assert done.returncode == code, done.stderr
    doc = json.loads(done.stdout)  # stdout is the document and nothing else
    schema = json.loads(schema_file(name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert doc["schema"] == f"evalkit.{name}" and doc["schema_version"] == SCHEMA_VERSION
    return doc


def test_runs(db):
    doc = document("runs", "runs", "--db", db)
    assert [r["label"] for r in doc["runs"]] == ["b", "a"]  # newest first
    stored = dict(query(db, "SELECT r.label, count(*) FROM results x JOIN runs r "
                            "USING (run_id) GROUP BY ALL"))
    assert {r["label"]: r["results"] for r in doc["runs"]} == stored


def test_show(db):
    doc = document("show", "show", "b", "--db", db)
    (passed, n), = query(db, "SELECT count(*) FILTER (WHERE passed), count(*) FROM results x "
                             "JOIN runs r USING (run_id) WHERE r.label = 'b'")
    assert (doc["totals"]["passed"], doc["totals"]["results"]) == (passed, n)
    assert doc["failing_total"] == n - passed == len(doc["failing"]) > 0
    assert all(f["why"] for f in doc["failing"])  # each failing case says which scorer failed
    targets = {f["case_id"]: f["target"] for f in doc["failing"]}
    assert targets["express-cutoff"] == "2 pm"  # the value, not its JSON text
    assert doc["slices"]["topic"]


def test_compare_exit_code_and_verdict(db, tmp_path):
    md = tmp_path / "summary.md"
    doc = document("compare", "compare", "a", "b", "--db", db, "--markdown", md)
    assert doc["answer"] == doc["comparisons"][0]["answer"] == "inconclusive"
    assert doc["exit_code"] == 0
    assert doc["comparisons"][0]["cases"] == {"still_passing": 7, "pass_to_fail": 2}
    overall = [m for m in doc["comparisons"][0]["metrics"] if m["slice_key"] is None]
    assert overall[0]["metric"] == "passed" and overall[0]["pass_to_fail"] == 2
    assert doc["files"] == [{"kind": "Markdown summary", "path": str(md)}] and md.exists()
    # --fail-on inconclusive turns the same answer into exit 1, and the document says so.
    strict = document("compare", "compare", "a", "b", "--db", db, "--fail-on", "inconclusive",
                      code=1)
    assert strict["exit_code"] == 1


def test_validate_reports_each_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("suite: x\nprompt: [\n", encoding="utf-8")
    doc = document("validate", "validate", PIPELINE[0], bad, code=2)
    good, broken = doc["suites"]
    assert doc["ok"] is False and good["ok"] and good["cases"] == 9
    assert not broken["ok"] and str(bad) in broken["error"]


@pytest.mark.parametrize("kind", ["scorers", "backends"])
def test_list(kind):
    doc = document("list", "list", kind)
    names = {item["name"] for item in doc["items"]}
    assert ({"exact", "regex", "judge"} if kind == "scorers" else {"openai", "python"}) <= names


def test_baseline_show(db):
    doc = document("baseline", "baseline", "show", "prod", "--db", db)
    (run_id,), = query(db, "SELECT run_id FROM runs WHERE label = 'a'")
    assert doc["run"]["run_id"] == run_id and doc["history"][0]["note"] == "first"


def test_a_schema_rejects_a_document_without_its_fields():
    schema = json.loads(schema_file("compare").read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schema": "evalkit.compare", "schema_version": SCHEMA_VERSION,
                             "answer": "maybe"}, schema)


def test_export_to_stdout_is_the_parquet_file(db, tmp_path):
    import duckdb

    done = subprocess.run([*evalkit_command(), "export", "a", "--db", str(db), "-o", "-"],
                          cwd=REPO_ROOT, env=clean_env(), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not (REPO_ROOT / "-").exists() and done.stdout[:4] == b"PAR1"
    copy = tmp_path / "copy.parquet"
    copy.write_bytes(done.stdout)
    (rows,), = duckdb.sql(f"SELECT count(*) FROM read_parquet('{copy}')").fetchall()
    assert rows == 9 and b"wrote 9 rows" in done.stderr


def test_jsonl_export_and_markdown_report_to_stdout(db):
    done = ok(evalkit("export", "b", "--db", db, "--format", "jsonl", "-o", "-", cwd=REPO_ROOT))
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 9 and {r["case_id"] for r in rows} and "wrote" not in done.stdout
    html = ok(evalkit("report", "a", "b", "--db", db, "-o", "-", cwd=REPO_ROOT))
    assert html.stdout.lstrip().lower().startswith("<!doctype html")
    assert "Safe to swap" in html.stderr  # the verdict goes beside the file, not into it


def test_compare_writes_one_file_to_stdout_and_its_table_to_stderr(db):
    done = ok(evalkit("compare", "a", "b", "--db", db, "--markdown", "-", cwd=REPO_ROOT))
    assert done.stdout.lstrip().startswith("#") and "Safe to swap" in done.stderr
    clash = evalkit("compare", "a", "b", "--db", db, "--junit", "-", "--json", cwd=REPO_ROOT)
    assert clash.returncode == 2 and "can write to stdout" in clash.stderr
