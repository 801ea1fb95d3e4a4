"""Execution: one batch per suite, failure reports, gates, baselines, goldens, the report."""
from __future__ import annotations

import json

from evalkit.compare.baselines import set_baseline
from evalkit.store import Store
from tests.cli.helpers import query

from .conftest import QA_SUITE

pytest_plugins = ["pytester"]


def _echo_suite(name: str, n: int, extra: str = "") -> str:
    cases = "".join(f"  - {{id: c{i}, question: q{i}, target: q{i}}}\n" for i in range(n))
    return (f'suite: {name}\nprompt: "{{{{ question }}}}"\ncases:\n{cases}'
            f"scorers:\n  - type: exact\n{extra}")


def test_a_failing_case_shows_input_target_output_explanations_and_a_diff(project):
    project.write("suites/qa.yaml", QA_SUITE.replace(
        "  - type: exact\n", "  - type: exact\n  - {type: contains, value: R}\n"))
    result = project.run()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "suites/qa.yaml:5: case 'it' of suite 'qa' failed  [[]run *, model openai/m1[]]",
        "input:", "    Rome",
        "target:", "    Roma",
        "output:", "    Rome",
        "scorers:",
        "    FAIL exact: output 'Rome' differs from the target 'Roma'",
        "    PASS contains: output contains ['R']",
        "diff (target → output):",
        "    --- expected (target)", "    +++ output", "    @@ -1 +1 @@", "    -Roma", "    +Rome",
    ])
    assert "Traceback" not in result.stdout.str()


def test_the_selected_cases_of_a_suite_run_in_one_concurrent_batch(project):
    project.server.config(latency=0.4)
    project.write("suites/batch.yaml", _echo_suite("batch", 8))
    result = project.run()
    result.assert_outcomes(passed=8)
    runs = query(project.db, "SELECT run_id, label, status, n_cases, "
                             "epoch(finished_at - started_at) FROM runs")
    assert len(runs) == 1
    _, label, status, n_cases, seconds = runs[0]
    assert (label, status, n_cases) == ("pytest", "completed", 8)
    assert seconds < 0.4 * 8 / 2, seconds  # one by one would take 3.2 s
    assert query(project.db, "SELECT count(*) FROM results") == [(8,)]
    result.stdout.fnmatch_lines(["*= evalkit =*", "batch · openai/m1 · run *: 8/8 passed",
                                 "*passed*8*100.0%*"])


def test_gates_and_expired_waivers_are_items(project):
    project.write("suites/qa.yaml", QA_SUITE + """\
gates:
  - {metric: exact, min: 0.9}
  - {metric: passed, min: 0.5}
  - {regression: exact}
waivers:
  - {case: it, reason: TICKET-1, expires: 2000-01-01}
""")
    result = project.run()
    result.assert_outcomes(passed=3, failed=3, skipped=1)
    result.stdout.fnmatch_lines([
        "suites/qa.yaml:12: gate[[]0[]] of suite 'qa' failed  [[]run *[]]",
        "    exact ≥ 90.0%: 66.7% (n=3)",
    ])
    result.stdout.fnmatch_lines([
        "*suites/qa.yaml:16: waivers of suite 'qa': expired waivers fail the gates",
        "    case it: expired on 2000-01-01 (TICKET-1)",
    ])
    result.stdout.fnmatch_lines(["SKIPPED *no regression in exact: needs a baseline "
                                 "(--evalkit-baseline REF)*"])
    result.stdout.fnmatch_lines(["PASSED suites/qa.yaml::qa::gate[[]1[]]"])


def test_a_regression_against_the_baseline_fails_listing_the_flipped_cases(project, monkeypatch):
    gates = "gates:\n  - {regression: {metric: passed, max_flips: 0}}\n"
    project.write("suites/flip.yaml", _echo_suite("flip", 8, gates))
    first = project.run("--evalkit-label", "v1", model="openai/v1")
    first.assert_outcomes(passed=8, skipped=1)
    with Store(project.db) as store:
        set_baseline(store, "prod", "v1")
    project.server.config(answers={f"q{i}": "wrong" for i in range(6)})
    monkeypatch.setenv("EVALKIT_BASELINE", "prod")
    second = project.run("--evalkit-label", "v2", model="openai/v2")
    second.assert_outcomes(passed=2, failed=8)
    out = second.stdout.str()
    baseline = query(project.db, "SELECT run_id FROM runs WHERE label = 'v1'")[0][0]
    second.stdout.fnmatch_lines([
        f"*suites/flip.yaml:1: regression of suite 'flip': run * regressed against baseline "
        f"{baseline}",
        "    passed overall: 100.0% → 25.0% (Δ -75.0 pp, adjusted p=*)",
        f"pass → fail against baseline {baseline} (6): c0, c1, c2, c3, c4, c5",
    ])
    second.stdout.fnmatch_lines([
        "*gate[[]0[]] of suite 'flip' failed*",
        "    passed: at most 0 pass→fail flips: 6 pass→fail, 0 fail→pass",
    ])
    assert "FAILED suites/flip.yaml::flip::regression - regressed: passed overall" in out
    second.stdout.fnmatch_lines([f"  vs baseline {baseline}",
                                 "*metric*n*pass*baseline*delta*verdict",
                                 "*passed*8*25.0%*100.0%*-75.0 pp*regressed"])


def test_an_unknown_baseline_fails_the_regression_item(project):
    project.write("suites/qa.yaml", QA_SUITE)
    result = project.run("--evalkit-baseline", "nope", "-k", "regression")
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(["FAILED suites/qa.yaml::qa::regression - no run or label "
                                 "'nope'*"])


GOLDEN_SUITE = """
suite: gold
prompt: "{{ q }}"
cases:
  - {id: a, q: alpha}
  - {id: b, q: beta}
  - {id: c, q: gamma}
scorers:
  - {type: exact, golden: golden/answers.jsonl}
"""


def test_missing_goldens_fail_with_a_hint_and_update_golden_records_them(project):
    project.write("suites/gold.yaml", GOLDEN_SUITE)
    golden = project.write("suites/golden/answers.jsonl", "\n".join([
        '{"id": "a", "answer": "alpha"}', '{"id": "b", "answer": "BETA", "note": "keep"}']) + "\n")
    first = project.run()
    first.assert_outcomes(passed=1, failed=2)
    first.stdout.fnmatch_lines([
        "*case 'b' of suite 'gold' failed*", "*diff (golden answer → output):",
        "    --- expected (golden answer)", "    +++ output", "*", "    -BETA", "    +beta"])
    first.stdout.fnmatch_lines([
        "*case 'c' of suite 'gold' failed*",
        "golden answer missing: no entry for 'c' in */suites/golden/answers.jsonl (scorer exact)",
        "  hint: run pytest --evalkit-update-golden to record the current output"])

    update = project.run("--evalkit-update-golden")
    update.assert_outcomes(passed=3)
    update.stdout.fnmatch_lines(["golden answers: 1 added, 1 changed, 1 unchanged"])
    assert [json.loads(line) for line in golden.read_text().splitlines()] == [
        {"id": "a", "answer": "alpha"}, {"id": "b", "answer": "beta", "note": "keep"},
        {"id": "c", "answer": "gamma"}]

    again = project.run()
    again.assert_outcomes(passed=3)


def test_update_golden_creates_a_golden_file_a_new_suite_names(project):
    project.write("suites/gold.yaml", GOLDEN_SUITE.replace("answers.jsonl", "new.json"))
    missing = project.run()
    missing.stdout.fnmatch_lines(["*golden file not found*",
                                  "  hint: run pytest --evalkit-update-golden to create it"])
    created = project.run("--evalkit-update-golden")
    created.assert_outcomes(passed=3)
    created.stdout.fnmatch_lines(["golden answers: 3 added, 0 changed, 0 unchanged"])
    assert json.loads((project.path / "suites/golden/new.json").read_text()) == {
        "a": "alpha", "b": "beta", "c": "gamma"}


def test_one_html_report_covers_every_suite_of_the_session(project):
    project.write("suites/qa.yaml", QA_SUITE)
    project.write("suites/echo.yaml", _echo_suite("echo", 2))
    result = project.run("--evalkit-report", "out/report.html")
    result.assert_outcomes(passed=4, failed=1)
    report = project.path / "out" / "report.html"
    result.stdout.fnmatch_lines([f"HTML report: {report}"])
    page = report.read_text(encoding="utf-8")
    assert "Gates: " in page and "2 suites" in page  # no baseline: the gates, not a swap
    assert "qa" in page and "echo" in page
    assert sorted(p.name for p in (project.path / "out").iterdir()) == ["report.html"]


def test_evalkit_var_sets_a_declared_suite_var(project):
    # the server echoes the prompt: the var decides what the model "answers"
    project.write("suites/ab.yaml", """
        suite: ab
        vars: {word: good}
        prompt: "{{ word }}"
        cases:
          - {id: one, target: good}
        scorers:
          - type: exact
        """)
    project.write("suites/other.yaml", _echo_suite("other", 1))  # declares no var: untouched
    project.run().assert_outcomes(passed=2)
    project.run("--evalkit-var", "word=bad", "--evalkit-label", "b").assert_outcomes(
        passed=1, failed=1)
    assert query(project.db, "SELECT label, options->>'$.vars.word' FROM runs "
                             "WHERE suite = 'ab' ORDER BY started_at") == [
        ("pytest", "good"), ("b", "bad")]
    project.run("--evalkit-var", "nokey").stdout.fnmatch_lines(["*expected KEY=VALUE*"])


def test_the_regression_item_follows_the_swap_answer_and_fail_on(project, monkeypatch):
    """No gates at all: only the answer can fail the regression item."""
    project.write("suites/swap.yaml", _echo_suite("swap", 8))
    project.run("--evalkit-label", "v1", model="openai/v1").assert_outcomes(passed=8)
    monkeypatch.setenv("EVALKIT_BASELINE", "v1")
    same = project.run("--evalkit-label", "v2", "-rA", model="openai/v2")
    same.assert_outcomes(passed=9)  # 8 cases: inconclusive, which fails nothing by default
    same.stdout.fnmatch_lines(["*safe to swap: inconclusive*"])
    strict = project.run("--evalkit-label", "v3", "--evalkit-fail-on", "inconclusive",
                         model="openai/v2")
    strict.assert_outcomes(passed=8, failed=1)
    strict.stdout.fnmatch_lines(["FAILED suites/swap.yaml::swap::regression - safe to swap: "
                                 "inconclusive*"])
    project.server.config(answers={f"q{i}": "wrong" for i in range(8)})
    bad = project.run("--evalkit-label", "v4", "--evalkit-no-cache", model="openai/v2")
    bad.assert_outcomes(failed=9)
    bad.stdout.fnmatch_lines(["FAILED suites/swap.yaml::swap::regression - regressed: passed*"])
    told = project.run("--evalkit-label", "v5", "--evalkit-no-cache", "--evalkit-fail-on",
                       "never", "-k", "regression", "-rA", model="openai/v2")
    told.assert_outcomes(passed=1)
    told.stdout.fnmatch_lines(["*safe to swap: no*"])
