"""`evalkit baseline set` on a run that failed its own gates (issue 18, item 8): refused with
the failing gates named (exit 1), set with --force and a warning; a passing run sets quietly."""
from __future__ import annotations

from tests.cli.ergonomics import cases, cli, project, run, run_ids, write_suite
from tests.cli.helpers import assert_no_traceback, ok, query

GATE = "gates:\n  - {metric: exact, min: 0.9}\n"


def test_a_run_with_failed_gates_needs_force_to_become_the_baseline(tmp_path):
    project(tmp_path)
    failing = write_suite(tmp_path, "s", cases(4, wrong=2), extra=GATE)
    run(tmp_path, failing, "--label", "bad", expect=1)  # its gate fails: exit 1
    refused = cli(tmp_path, "baseline", "set", "prod", "bad")
    assert refused.returncode == 1, refused.stderr
    assert "failed 1 of its gate(s)" in refused.stderr and "exact" in refused.stderr
    assert "--force" in refused.stderr
    assert_no_traceback(refused.stderr)
    assert query(tmp_path / "e.duckdb", "SELECT count(*) FROM baselines") == [(0,)]

    forced = ok(cli(tmp_path, "baseline", "set", "prod", "bad", "--force"))
    assert "warning:" in forced.stderr and "baseline prod" in forced.stdout
    (bad,) = run_ids(tmp_path)
    assert query(tmp_path / "e.duckdb", "SELECT run_id FROM baselines") == [(bad,)]


def test_a_run_that_passes_its_gates_is_set_without_a_word(tmp_path):
    project(tmp_path)
    passing = write_suite(tmp_path, "s", cases(4), extra=GATE)
    run(tmp_path, passing, "--label", "good")
    proc = ok(cli(tmp_path, "baseline", "set", "prod", "good"))
    assert proc.stderr == "" and "baseline prod" in proc.stdout
