"""`evalkit compare` is compact by default (issue 18, item 7): per suite the pairing, what
else changed, the primary and regressed rows, the worst cases and failed gates; --details
prints every slice row, operations and the noise floor."""
from __future__ import annotations

from tests.cli.ergonomics import cli, project, run, write_suite

SLICED = "slices: [lang, tier]\n"
SCORERS = "  - type: exact\n  - type: contains\n  - type: token_f1\n"


def _cases(shift: int) -> list[dict]:
    return [{"id": f"c{i}", "question": f"q{i}", "answer": f"q{i}" if i % 7 else "other",
             "metadata": {"lang": ["en", "de", "fr", "es"][i % 4], "tier": ["a", "b"][i % 2]}}
            for i in range(shift, shift + 24)]


def _suite(folder, name):
    return write_suite(folder, name, _cases(0), extra=SLICED, scorers=SCORERS)


def test_three_suites_fit_a_screen_and_details_shows_every_slice(tmp_path):
    project(tmp_path)
    suites = [_suite(tmp_path, name) for name in ("alpha", "beta", "gamma")]
    run(tmp_path, *suites, "--label", "v1")
    run(tmp_path, *suites, "--label", "v2", "--no-cache", "-O", "temperature=0.3")
    compact = cli(tmp_path, "compare", "v1", "v2", "--fail-on", "never")
    details = cli(tmp_path, "compare", "v1", "v2", "--fail-on", "never", "--details")
    assert compact.returncode == details.returncode == 0, compact.stderr + details.stderr
    for name in ("alpha", "beta", "gamma"):
        assert f"compare {name}:" in compact.stdout
    assert compact.stdout.count("what else changed: option temperature (-O)") == 3
    assert "passed ★" in compact.stdout and "--details" in compact.stdout
    assert "lang=en" not in compact.stdout and "noise floor" not in compact.stdout
    assert "lang=en" in details.stdout and "tier=a" in details.stdout
    assert "operations" in details.stdout
    lines = len(compact.stdout.splitlines()), len(details.stdout.splitlines())
    assert lines[0] <= 50 and 2 * lines[0] < lines[1], lines
    assert "Safe to swap" in compact.stdout
