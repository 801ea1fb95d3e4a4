"""Run references (issue 18, item 4): a unique suffix of a run id names the run; a label or
id that matches nothing gets a "did you mean"."""
from __future__ import annotations

from tests.cli.ergonomics import cases, cli, project, run, run_ids, write_suite
from tests.cli.helpers import assert_no_traceback, ok


def test_a_unique_suffix_names_a_run_and_near_misses_get_suggestions(tmp_path):
    project(tmp_path)
    suite = write_suite(tmp_path, "s", cases(3))
    run(tmp_path, suite, "--label", "candidate")
    run(tmp_path, suite, "--label", "baseline-v1", "--no-cache")
    first, second = run_ids(tmp_path)
    shown = ok(cli(tmp_path, "show", first[-6:]))
    assert first in shown.stdout and second not in shown.stdout

    typo = cli(tmp_path, "show", "cnadidate")
    assert typo.returncode == 2 and "did you mean 'candidate'?" in typo.stderr, typo.stderr
    assert_no_traceback(typo.stderr)

    mistyped = first[:-1] + ("0" if first[-1] != "0" else "1")  # its last character wrong
    near = cli(tmp_path, "show", mistyped[-6:])
    assert near.returncode == 2 and f"'{first}'" in near.stderr, near.stderr

    nothing = cli(tmp_path, "show", "zzzzzzzz")
    assert nothing.returncode == 2 and "did you mean" not in nothing.stderr
    assert "see `evalkit runs`" in nothing.stderr

    compared = cli(tmp_path, "compare", first[-6:], second[-6:], "--fail-on", "never")
    assert compared.returncode == 0, compared.stderr
