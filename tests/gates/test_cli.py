"""The `evalkit` command as a user runs it: compare, baseline, run --baseline; exit codes
0 / 1 / 2, one-line errors, untrusted model text escaped."""
from __future__ import annotations

from tests.cli.helpers import assert_no_traceback, evalkit, ok, query
from tests.compare.helpers import case_ids, run, write_suite

IDS = case_ids(20)
GATES = "gates:\n  - {regression: exact}\n  - {metric: exact, min: 0.5}\n"
MODEL = ["-m", "python/cmp_pipeline:answer", "-M", "path=."]


def test_compare_exit_codes_and_report(tmp_path):
    suite, db = write_suite(tmp_path, 20, extra=GATES), tmp_path / "r.duckdb"
    run(suite, db, "base", wrong=IDS[:1])
    run(suite, db, "good", wrong=IDS[1:2])
    run(suite, db, "bad", wrong=IDS[1:12])
    fine = ok(evalkit("compare", "base", "good", "--db", db, cwd=tmp_path))
    assert "no detectable change (MDE" in fine.stdout and "all gates passed" in fine.stdout
    assert "what else changed: nothing besides the model" in fine.stdout
    failed = evalkit("compare", "base", "bad", "--db", db, "--cases", "3", cwd=tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    out = failed.stdout
    assert "regressed" in out and "FAIL  no regression in exact" in out
    assert "worst regressed cases (up to 3)" in out and "wrong answer to c001" in out
    assert "c004" not in out  # only the 3 worst are listed
    assert "2 gate(s) failed" in out and "FAIL  exact ≥ 50.0%: 45.0% (n=20)" in out
    for args, message in ((("nope", "bad"), "error: no run or label 'nope'"),
                          (("base", "bad", "--suite", "missing.yaml"), "missing.yaml")):
        proc = evalkit("compare", *args, "--db", db, cwd=tmp_path)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert message in proc.stderr
        assert_no_traceback(proc.stderr)


def test_compare_refuses_runs_of_different_suites_and_strict_fails(tmp_path):
    db = tmp_path / "r.duckdb"
    run(write_suite(tmp_path, 6), db, "a")
    run(write_suite(tmp_path, 6, file_name="reworded", prompt='"Q: {{ question }}"'), db, "b")
    run(write_suite(tmp_path, 6, name="other"), db, "c")
    proc = evalkit("compare", "a", "c", "--db", db, cwd=tmp_path)
    assert proc.returncode == 2 and "only runs of the same suite compare" in proc.stderr
    assert_no_traceback(proc.stderr)
    lax = ok(evalkit("compare", "a", "b", "--db", db, cwd=tmp_path))
    assert "prompt template *" in lax.stdout
    strict = evalkit("compare", "a", "b", "--db", db, "--strict", cwd=tmp_path)
    assert strict.returncode == 1 and "FAIL  --strict" in strict.stdout


def test_untrusted_model_text_is_escaped(tmp_path):
    suite, db = write_suite(tmp_path, 4), tmp_path / "r.duckdb"
    run(suite, db, "base")
    run(suite, db, "evil", evil=IDS[:1])
    proc = ok(evalkit("compare", "base", "evil", "--db", db, cwd=tmp_path))
    assert "\x1b" not in proc.stdout  # the escape sequence is neutralised...
    assert "\\x1b[31mRED" in proc.stdout  # shown escaped
    assert "[bold red]markup[/]" in proc.stdout  # ...and markup printed, not interpreted
    assert "[link=http://x]click[/link]" in proc.stdout


def test_run_with_a_baseline_and_absolute_gates(tmp_path):
    suite, db = write_suite(tmp_path, 20, extra=GATES), tmp_path / "r.duckdb"
    first = run(suite, db, "v1")
    ok(evalkit("baseline", "set", "prod", "v1", "--db", db, cwd=tmp_path))
    good = ok(evalkit("run", suite.name, *MODEL, "-M", "wrong=c005", "--db", db, "--baseline",
                      "prod", cwd=tmp_path))
    assert f"baseline {first}" in good.stdout and "all gates passed" in good.stdout
    bad = evalkit("run", suite.name, *MODEL, "-M", "wrong=" + ",".join(IDS[:12]), "--db", db,
                  "--baseline", "prod", cwd=tmp_path)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "FAIL  no regression in exact" in bad.stdout and "FAIL  exact ≥ 50.0%" in bad.stdout
    runs_before = query(db, "SELECT count(*) FROM runs")
    missing = evalkit("run", suite.name, *MODEL, "--db", db, "--baseline", "nope", cwd=tmp_path)
    assert missing.returncode == 2 and "no run or label 'nope'" in missing.stderr
    assert query(db, "SELECT count(*) FROM runs") == runs_before  # refused before running
    alone = evalkit("run", suite.name, *MODEL, "-M", "wrong=" + ",".join(IDS[:11]), "--db", db,
                    cwd=tmp_path)
    assert alone.returncode == 1, alone.stdout + alone.stderr
    assert "FAIL  exact ≥ 50.0%: 45.0% (n=20)" in alone.stdout
    assert "skip  no regression in exact: needs a baseline" in alone.stdout


def test_baseline_commands(tmp_path):
    suite, db = write_suite(tmp_path, 4), tmp_path / "r.duckdb"
    one, two = run(suite, db, "v1"), run(suite, db, "v2")
    ok(evalkit("baseline", "set", "prod", one, "--db", db, "--note", "launch", cwd=tmp_path))
    ok(evalkit("baseline", "set", "prod", "v2", "--db", db, cwd=tmp_path))
    shown = ok(evalkit("baseline", "show", "prod", "--db", db, cwd=tmp_path)).stdout
    assert f"baseline prod → run {two} (label v2)" in shown
    assert "launch" in shown and shown.index(two, 40) < shown.index(one)  # newest first
    back = ok(evalkit("baseline", "rollback", "prod", "--db", db, cwd=tmp_path)).stdout
    assert f"baseline prod → run {one} (was {two})" in back
    again = evalkit("baseline", "rollback", "prod", "--db", db, cwd=tmp_path)
    assert again.returncode == 2 and "no earlier run to roll back to" in again.stderr
    assert_no_traceback(again.stderr)
    listed = ok(evalkit("baseline", "list", "--db", db, cwd=tmp_path)).stdout
    assert "prod" in listed and one in listed
