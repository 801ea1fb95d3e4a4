"""`evalkit run --sequential` and the budget caps end to end: real `evalkit` subprocesses
against the real OpenAI-compatible server on 127.0.0.1 (which counts the requests it gets),
results in a real DuckDB file."""
from __future__ import annotations

import re

from tests.cli.helpers import (
    api_args,
    assert_no_traceback,
    echo_cases,
    evalkit,
    ok,
    query,
    write_suite,
)

N = 300
BASE = ["-m", "openai/base-model"]  # another model: no cache entry is shared with the candidate
CAND = ["-m", "openai/gpt-4o-mini"]  # in litellm's price map: calls have a cost


def _suite(tmp_path, extra: str = ""):
    return write_suite(tmp_path, "seq", echo_cases(N), extra=extra)


def _baseline(tmp_path, server, suite) -> None:
    ok(evalkit("run", suite.name, *BASE, *api_args(server), "--label", "base", "--db",
               "r.duckdb", cwd=tmp_path))
    server.reset()


def _candidate(tmp_path, server, suite, *args: str):
    return evalkit("run", suite.name, *CAND, *api_args(server), "--label", "cand", "--db",
                   "r.duckdb", *args, cwd=tmp_path)


def _run_row(tmp_path, label: str):
    return query(tmp_path / "r.duckdb", "SELECT run_id, status, (SELECT count(*) FROM results "
                 "x WHERE x.run_id = r.run_id) FROM runs r WHERE label = ? ORDER BY started_at",
                 [label])


def _stopped_after(stdout: str) -> tuple[int, str]:
    found = re.findall(r"stopped after (\d+) of 300 cases: ([a-z-]+)", stdout)
    assert found, stdout
    return int(found[0][0]), found[0][1]


def test_a_regression_stops_early_with_fewer_requests_and_resumes_to_the_end(tmp_path, srv):
    suite = _suite(tmp_path)
    _baseline(tmp_path, srv, suite)
    srv.config(answers={f"q{i}": "wrong" for i in range(0, N, 3)})  # a third now fails
    done = _candidate(tmp_path, srv, suite, "--baseline", "base", "--sequential")
    assert_no_traceback(done.stderr)
    assert done.returncode == 1, done.stdout + done.stderr  # the answer is "no"
    cases, decision = _stopped_after(done.stdout)
    assert decision == "regressed" and cases < N // 2
    assert cases % 50 == 0  # whole batches of the default size
    requests = srv.stats()["total"]
    assert requests == cases  # one call per case run, none beyond the stop
    assert "Safe to swap: no" in done.stdout
    (run_id, status, stored), = _run_row(tmp_path, "cand")
    assert (status, stored) == ("partial", cases)
    # the cases that ran are a random sample of the suite, not its head
    ran = {c for (c,) in query(tmp_path / "r.duckdb", "SELECT case_id FROM results WHERE "
                                                     "run_id = ?", [run_id])}
    assert ran != {f"c{i:04d}" for i in range(cases)}
    # compare over the cases that ran says the same, with the caveat (not "inconclusive")
    compared = evalkit("compare", "base", "cand", "--db", "r.duckdb", "--markdown", "pr.md",
                       cwd=tmp_path)
    assert compared.returncode == 1 and "Safe to swap: no" in compared.stdout, compared.stdout
    assert f"stopped after {cases} of 300 cases: regressed" in compared.stdout
    assert f"{cases} paired, {N - cases} baseline only" in compared.stdout
    assert f"stopped after {cases} of 300 cases: regressed" in (tmp_path / "pr.md").read_text()
    shown = ok(evalkit("show", "cand", "--db", "r.duckdb", cwd=tmp_path)).stdout
    assert "(partial)" in shown and f"stopped after {cases} of 300 cases" in shown
    # the same command resumes the partial run: already decided, no call is made
    srv.reset()
    again = _candidate(tmp_path, srv, suite, "--baseline", "base", "--sequential")
    assert again.returncode == 1 and srv.stats()["total"] == 0, again.stdout
    assert _run_row(tmp_path, "cand") == [(run_id, "partial", cases)]
    # without --sequential it continues the same run to the end: only the missing cases
    srv.reset()
    rest = _candidate(tmp_path, srv, suite)
    assert rest.returncode == 0, rest.stdout + rest.stderr
    stats = srv.stats()
    assert stats["total"] == N - cases
    assert not {p for p, count in stats["by_prompt"].items() if count > 1}
    assert _run_row(tmp_path, "cand") == [(run_id, "completed", N)]
    assert query(tmp_path / "r.duckdb", "SELECT stop FROM runs WHERE run_id = ?",
                 [run_id]) == [(None,)]


def test_an_equivalent_candidate_stops_early_as_non_inferior(tmp_path, srv):
    suite = _suite(tmp_path)
    _baseline(tmp_path, srv, suite)
    done = ok(_candidate(tmp_path, srv, suite, "--baseline", "base", "--sequential",
                         "--batch-size", "30"))
    cases, decision = _stopped_after(done.stdout)
    assert decision == "non-inferior" and cases < N and cases % 30 == 0
    assert srv.stats()["total"] == cases
    assert "Safe to swap: yes" in done.stdout
    assert "anytime-valid 95% interval" in done.stdout


def test_sequential_needs_a_baseline(tmp_path, srv):
    suite = _suite(tmp_path)
    done = _candidate(tmp_path, srv, suite, "--sequential")
    assert done.returncode == 2 and "--sequential" in done.stderr and "--baseline" in done.stderr
    assert_no_traceback(done.stderr)
    assert srv.stats()["total"] == 0


def test_max_calls_stops_dispatch_at_the_cap_and_a_larger_cap_continues(tmp_path, srv):
    suite = _suite(tmp_path)
    done = ok(_candidate(tmp_path, srv, suite, "--max-calls", "70", "--batch-size", "25"))
    assert srv.stats()["total"] == 70  # 25 + 25 + the 20 the cap still holds
    assert "stopped after 70 of 300 cases: budget (--max-calls 70 reached)" in done.stdout
    (run_id, status, stored), = _run_row(tmp_path, "cand")
    assert (status, stored) == ("partial", 70)
    srv.reset()
    ok(_candidate(tmp_path, srv, suite, "--max-calls", "70"))  # the cap is per run: spent
    assert srv.stats()["total"] == 0
    ok(_candidate(tmp_path, srv, suite, "--max-calls", "100"))
    assert srv.stats()["total"] == 30
    assert _run_row(tmp_path, "cand") == [(run_id, "partial", 100)]


def test_max_tokens_and_max_cost_stop_before_passing_the_cap(tmp_path, srv):
    suite = _suite(tmp_path)
    # each call: a one-word prompt and a one-word answer = 2 tokens
    done = ok(_candidate(tmp_path, srv, suite, "--max-tokens", "101"))
    assert "budget (--max-tokens 101 reached" in done.stdout
    (tokens, calls), = query(tmp_path / "r.duckdb", "SELECT sum(tokens_in + tokens_out), "
                                                    "count(*) FROM results")
    assert tokens <= 101 and calls == srv.stats()["total"] == 50
    (cost,), = query(tmp_path / "r.duckdb", "SELECT avg(cost_usd) FROM results")
    assert cost > 0
    cap = cost * 120.5  # room for 120 calls at this price
    done = ok(evalkit("run", suite.name, *CAND, *api_args(srv), "--label", "priced", "--db",
                      "r.duckdb", "--no-cache", "--max-cost", repr(cap), cwd=tmp_path))
    assert "budget (--max-cost" in done.stdout
    (spent, calls), = query(tmp_path / "r.duckdb", "SELECT sum(cost_usd), count(*) FROM "
                                                   "results r JOIN runs USING (run_id) WHERE "
                                                   "label = 'priced'")
    assert spent <= cap and calls == 120


def test_a_budget_in_the_suite_file_caps_the_run_and_the_answer_is_on_what_ran(tmp_path, srv):
    suite = _suite(tmp_path, extra="budget: {max_calls: 40, batch: 20}\n")
    ok(evalkit("run", suite.name, *BASE, *api_args(srv), "--label", "base", "--db", "r.duckdb",
               "--max-calls", "1000", cwd=tmp_path))  # the flag wins over the suite's cap
    assert _run_row(tmp_path, "base")[0][1:] == ("completed", N)
    srv.reset()
    done = _candidate(tmp_path, srv, suite, "--baseline", "base")
    assert done.returncode == 0, done.stdout + done.stderr
    assert srv.stats()["total"] == 40
    assert "stopped after 40 of 300 cases: budget (--max-calls 40 reached)" in done.stdout
    # undecided on 40 cases: inconclusive, not "no" for the 260 cases that were not run
    assert "Safe to swap: inconclusive" in done.stdout
    assert "every number here covers the 40 cases that ran" in done.stdout
    bad = write_suite(tmp_path, "seq", echo_cases(3), extra="budget: {max_calls: -1}\n",
                      file_name="bad")
    refused = evalkit("validate", bad.name, cwd=tmp_path)
    assert refused.returncode == 2 and "bad.yaml:" in refused.stderr + refused.stdout
    assert "max_calls" in refused.stderr + refused.stdout
    assert_no_traceback(refused.stderr)


def test_a_sequential_run_cut_by_a_cap_resumes_to_the_same_decision_as_one_uninterrupted(
        tmp_path, srv):
    suite = _suite(tmp_path)
    _baseline(tmp_path, srv, suite)
    srv.config(answers={f"q{i}": "wrong" for i in range(0, N, 8)})  # a 12.5 pp drop
    first = ok(_candidate(tmp_path, srv, suite, "--baseline", "base", "--sequential",
                          "--batch-size", "25", "--max-calls", "25", "--fail-on", "never"))
    assert "stopped after 25 of 300 cases: budget (--max-calls 25 reached)" in first.stdout
    resumed = _candidate(tmp_path, srv, suite, "--baseline", "base", "--sequential",
                         "--batch-size", "25", "--fail-on", "never")
    cases, decision = _stopped_after(resumed.stdout)
    assert srv.stats()["total"] == cases  # each case called once over both invocations
    srv.reset()
    whole = evalkit("run", suite.name, "-m", "openai/other-model", *api_args(srv), "--label",
                    "whole", "--db", "r.duckdb", "--baseline", "base", "--sequential",
                    "--batch-size", "25", "--fail-on", "never", cwd=tmp_path)
    # the same seeded order and the same test: the same stop, case for case
    assert _stopped_after(whole.stdout) == (cases, decision)
    assert srv.stats()["total"] == cases
    same = query(tmp_path / "r.duckdb", "SELECT count(*) FROM results a JOIN results b USING "
                 "(case_id) JOIN runs ra ON ra.run_id = a.run_id JOIN runs rb ON rb.run_id = "
                 "b.run_id WHERE ra.label = 'cand' AND rb.label = 'whole'")
    assert same == [(cases,)]
