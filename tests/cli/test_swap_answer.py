"""The swap answer end to end, as a user gets it: real `evalkit run` and `evalkit compare`
subprocesses on a real DuckDB file, for each way the answer used to be confidently wrong
(issue 11): one case, 195 of 200 cases dropped, a candidate that only errors, a Python
pipeline's prompt A/B served from the cache, two suites sharing cached answers, and a "no"
that passed CI."""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.cli.helpers import evalkit, ok, query
from tests.compare.helpers import case_ids, write_suite

MODEL = ["-m", "python/cmp_pipeline:answer", "-M", "path=."]


def _run(folder: Path, suite: Path, label: str, *args: str) -> str:
    done = ok(evalkit("run", suite.name, *MODEL, "--label", label, "--db", "r.duckdb", *args,
                      cwd=folder))
    return done.stdout


def _compare(folder: Path, *args: str):
    return evalkit("compare", *args, "--db", "r.duckdb", cwd=folder)


def _answer(stdout: str) -> str:
    found = re.findall(r"Safe to swap: (yes|no|inconclusive)", stdout)
    assert len(found) == 1, stdout
    return found[0]


def test_one_case_passing_on_both_runs_is_not_a_yes(tmp_path):
    suite = write_suite(tmp_path, 1)
    _run(tmp_path, suite, "a")
    _run(tmp_path, suite, "b", "-M", "cost=0.002")  # another configuration, same answers
    done = _compare(tmp_path, "a", "b")
    assert done.returncode == 0, done.stdout + done.stderr  # inconclusive is not a failure
    assert _answer(done.stdout) == "inconclusive"
    assert "Tango score interval; 1 cases" in done.stdout
    assert "swap margin 5.0 pp" in done.stdout
    strict = _compare(tmp_path, "a", "b", "--fail-on", "inconclusive")
    assert strict.returncode == 1 and _answer(strict.stdout) == "inconclusive"


def test_one_case_with_five_samples_is_not_a_yes(tmp_path):
    suite = write_suite(tmp_path, 1, samples=5)
    _run(tmp_path, suite, "a")
    _run(tmp_path, suite, "b", "-M", "cost=0.002")
    done = _compare(tmp_path, "a", "b")
    assert _answer(done.stdout) == "inconclusive"
    assert "1 cases × 5 samples" in done.stdout


def test_a_candidate_that_drops_195_of_200_cases_is_not_a_yes(tmp_path):
    ids = case_ids(200)
    full = write_suite(tmp_path, 200)
    kept = write_suite(tmp_path, file_name="kept", ids=ids[:5])  # same suite name, 5 cases
    _run(tmp_path, full, "v1")
    _run(tmp_path, kept, "v2", "-M", "cost=0.002")
    done = _compare(tmp_path, "v1", "v2")
    # the baseline passed all 195: counted as the candidate's failures they are a loss
    assert _answer(done.stdout) == "no" and done.returncode == 1, done.stdout
    assert "195 case(s) run by the baseline only (c005, c006" in done.stdout
    assert "cases: 5 paired, 195 baseline only, 0 candidate only" in done.stdout
    subset = _compare(tmp_path, "v1", "v2", "--allow-subset")
    assert subset.returncode == 0 and _answer(subset.stdout) == "inconclusive"  # 5 cases
    assert "compared the 5 cases both runs have (allow subset)" in subset.stdout


def test_cases_missing_on_either_side_make_the_answer_inconclusive(tmp_path):
    ids = case_ids(300)
    base = write_suite(tmp_path, 300)
    cand = write_suite(tmp_path, file_name="cand", ids=ids[:290] + ["x1", "x2"])
    _run(tmp_path, base, "v1", "-M", "wrong=" + ",".join(ids[290:]))  # drops only failures
    _run(tmp_path, cand, "v2", "-M", "cost=0.002")
    done = _compare(tmp_path, "v1", "v2")
    assert done.returncode == 0 and _answer(done.stdout) == "inconclusive", done.stdout
    assert "every case counts: 10 case(s) run by the baseline only" in done.stdout
    assert "2 case(s) run by the candidate only (x1, x2)" in done.stdout
    subset = _compare(tmp_path, "v1", "v2", "--allow-subset")
    assert _answer(subset.stdout) == "yes", subset.stdout  # 290 identical cases: shown


def test_a_candidate_that_errors_on_every_case_is_not_a_yes(tmp_path):
    suite = write_suite(tmp_path, 40)
    _run(tmp_path, suite, "v1", "-M", "wrong=" + ",".join(case_ids(40)))  # fails them all
    _run(tmp_path, suite, "v2", "-M", "error=*")  # and the candidate only errors
    done = _compare(tmp_path, "v1", "v2")
    assert done.returncode == 1 and _answer(done.stdout) == "no", done.stdout
    assert "regressed: errors (error rate) overall +100.0 pp" in done.stdout


def test_a_candidate_that_errors_on_a_fifth_of_the_cases_is_not_a_yes(tmp_path):
    ids = case_ids(300)
    suite = write_suite(tmp_path, 300)
    _run(tmp_path, suite, "v1")
    _run(tmp_path, suite, "v2", "-M", "error=" + ",".join(ids[:60]))
    done = _compare(tmp_path, "v1", "v2")
    assert done.returncode == 1 and _answer(done.stdout) == "no", done.stdout
    assert "regressed: errors (error rate) overall +20.0 pp" in done.stdout
    assert "regressed: passed overall -20.0 pp" in done.stdout  # an error is a failure too


def test_same_answers_from_another_configuration_over_300_cases_is_a_yes(tmp_path):
    suite = write_suite(tmp_path, 300)
    _run(tmp_path, suite, "v1")
    _run(tmp_path, suite, "v2", "-M", "cost=0.002")
    done = ok(_compare(tmp_path, "v1", "v2"))
    assert _answer(done.stdout) == "yes"
    assert "a drop beyond the swap margin 5.0 pp is ruled out" in done.stdout
    assert "95% Tango score interval; 300 cases" in done.stdout


def test_an_aa_rerun_from_the_cache_says_there_is_nothing_to_compare(tmp_path):
    suite = write_suite(tmp_path, 300)
    _run(tmp_path, suite, "v1")
    again = _run(tmp_path, suite, "v2")  # the same configuration: every answer cached
    assert "300 cached" in again
    done = ok(_compare(tmp_path, "v1", "v2"))
    assert _answer(done.stdout) == "inconclusive"
    assert "both runs are the same configuration and all 300 paired outputs are identical" \
        in done.stdout


def test_a_no_exits_1_from_compare_and_run_baseline_which_prints_the_answer(tmp_path):
    ids = case_ids(20)
    suite = write_suite(tmp_path, 20)  # no gates at all: only the answer can fail
    _run(tmp_path, suite, "v1")
    _run(tmp_path, suite, "v2", "-M", "wrong=" + ",".join(ids[:12]))
    done = _compare(tmp_path, "v1", "v2")
    assert done.returncode == 1 and _answer(done.stdout) == "no"
    assert "regressed: passed overall -60.0 pp" in done.stdout
    assert _compare(tmp_path, "v1", "v2", "--fail-on", "never").returncode == 0
    bad = evalkit("run", suite.name, *MODEL, "-M", "wrong=" + ",".join(ids[:12]), "--db",
                  "r.duckdb", "--baseline", "v1", "--no-cache", cwd=tmp_path)
    assert bad.returncode == 1 and _answer(bad.stdout) == "no", bad.stdout + bad.stderr
    relaxed = evalkit("run", suite.name, *MODEL, "-M", "wrong=" + ",".join(ids[:12]), "--db",
                      "r.duckdb", "--baseline", "v1", "--fail-on", "never", cwd=tmp_path)
    assert relaxed.returncode == 0 and _answer(relaxed.stdout) == "no"
    fine = evalkit("run", suite.name, *MODEL, "-M", "cost=0.003", "--db", "r.duckdb",
                   "--baseline", "v1", cwd=tmp_path)
    assert fine.returncode == 0 and _answer(fine.stdout) == "inconclusive"  # 20 cases


AB_PIPELINE = '''
import json, os

def answer(vars, case):
    """Writes down every call, then answers by the prompt version and the case's format."""
    with open(os.path.join(os.path.dirname(__file__), "calls.jsonl"), "a") as log:
        log.write(json.dumps({"prompt": vars.get("prompt"), "q": vars["question"]}) + "\\n")
    text = case.target if vars.get("prompt") == "v1" else "terse"
    if vars.get("format") == "json":
        text = json.dumps({"answer": text})
    return text
'''


def _ab_suite(folder: Path, name: str, fmt: str) -> Path:
    (folder / "ab_pipeline.py").write_text(AB_PIPELINE, encoding="utf-8")
    cases = "".join(json.dumps({"id": f"c{i}", "question": f"q{i}", "answer": f"a{i}",
                                "format": fmt}) + "\n" for i in range(10))
    (folder / f"{name}.jsonl").write_text(cases, encoding="utf-8")
    suite = folder / f"{name}.yaml"  # the prompt uses neither the var nor the format
    suite.write_text(f'suite: {name}\nvars: {{prompt: v1}}\nprompt: "{{{{ question }}}}"\n'
                     f"cases:\n  from: {name}.jsonl\n  target: answer\n"
                     "scorers:\n  - type: exact\n", encoding="utf-8")
    return suite


def _calls(folder: Path) -> list[dict]:
    path = folder / "calls.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines]


def test_a_python_pipeline_prompt_ab_calls_the_pipeline_with_the_var(tmp_path):
    suite = _ab_suite(tmp_path, "ab", "text")
    model = ["-m", "python/ab_pipeline:answer", "-M", "path=."]
    ok(evalkit("run", suite.name, *model, "--label", "v1", "--db", "r.duckdb", cwd=tmp_path))
    assert {c["prompt"] for c in _calls(tmp_path)} == {"v1"}
    v2 = ok(evalkit("run", suite.name, *model, "-V", "prompt=v2", "--label", "v2", "--db",
                    "r.duckdb", cwd=tmp_path))
    calls = _calls(tmp_path)
    assert len(calls) == 20 and {c["prompt"] for c in calls[10:]} == {"v2"}  # called, with v2
    assert "0 cached" in v2.stdout or "cached" not in v2.stdout
    done = _compare(tmp_path, "v1", "v2")
    assert "suite var prompt" in done.stdout
    assert _answer(done.stdout) == "no" and done.returncode == 1  # "terse" fails every case
    rerun = ok(evalkit("run", suite.name, *model, "-V", "prompt=v2", "--label", "v3", "--db",
                       "r.duckdb", cwd=tmp_path))
    assert "10 cached" in rerun.stdout and len(_calls(tmp_path)) == 20  # the same inputs: cached


def test_suites_with_one_rendered_prompt_but_different_case_fields_share_no_cache_entry(tmp_path):
    plain, as_json = _ab_suite(tmp_path, "plain", "text"), _ab_suite(tmp_path, "as-json", "json")
    model = ["-m", "python/ab_pipeline:answer", "-M", "path=."]
    ok(evalkit("run", plain.name, *model, "--db", "r.duckdb", cwd=tmp_path))
    second = ok(evalkit("run", as_json.name, *model, "--db", "r.duckdb", cwd=tmp_path))
    assert len(_calls(tmp_path)) == 20  # the second suite's pipeline was called for every case
    assert "cached" not in second.stdout or "0 cached" in second.stdout
    outputs = dict(query(tmp_path / "r.duckdb", "SELECT r.suite, min(s.output) FROM results s "
                                                "JOIN runs r USING (run_id) GROUP BY r.suite"))
    assert outputs["plain"] == "a0" and json.loads(outputs["as-json"]) == {"answer": "a0"}
    assert query(tmp_path / "r.duckdb", "SELECT count(*) FROM cache")[0][0] == 20
