"""`evalkit report` and `evalkit compare --report/--markdown/--junit` as a user types them."""
from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from tests.cli.helpers import evalkit

from .pipeline_runs import make_runs

GATES = "gates:\n  - {regression: {metric: passed, max_flips: 0}}\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    targets = {f"c{i}": "yes" for i in range(4)}
    v1 = {k: "yes" for k in targets}
    return make_runs(tmp_path_factory.mktemp("cli"), {"v1": v1, "v2": dict(v1, c2="nope")},
                     targets, gates=GATES)


def run(runs, *args):
    return evalkit(*args, cwd=runs["folder"], env=runs["env"])


def test_markdown_to_stdout_and_files(runs):
    done = run(runs, "report", "v1", "v2", "--format", "md", "--junit", "out/j.xml")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("## ❌ Safe to swap: no")
    assert "gate failed: passed: at most 0 pass→fail flips" in done.stdout
    assert "JUnit XML: out/j.xml" in done.stderr
    ET.parse(runs["folder"] / "out" / "j.xml")


def test_html_report_default_path(runs):
    done = run(runs, "report", "v1", "v2")
    assert done.returncode == 0, done.stderr
    path = runs["folder"] / "reports" / "report-check-v1-vs-v2.html"
    assert f"HTML report: {path.relative_to(runs['folder'])}" in done.stdout
    page = path.read_text()
    assert "Safe to swap" in page and "c2" in page


def test_single_run_report(runs):
    done = run(runs, "report", "v2", "-o", "single.html")
    assert done.returncode == 0, done.stderr
    page = (runs["folder"] / "single.html").read_text()
    assert "Safe to swap" not in page  # no baseline, no swap: the headline is the gates'
    assert 'Gates: <span class="answer"' in page


def test_compare_writes_reports_and_keeps_its_exit_code(runs):
    done = run(runs, "compare", "v1", "v2", "--report", "c.html", "--markdown", "c.md",
               "--junit", "c.xml")
    assert done.returncode == 1, done.stderr  # the gate failed: compare still says so
    for name in ("c.html", "c.md", "c.xml"):
        assert (runs["folder"] / name).stat().st_size > 200
    assert "c2" in (runs["folder"] / "c.md").read_text()


@pytest.mark.parametrize("args, message", [
    (["report", "v1", "v2", "v2"], "give one run"),
    (["report", "v1", "v2", "--redact", "("], "not a valid regular expression"),
    (["report", "nope", "v2"], "nope"),
])
def test_bad_input_is_a_clear_usage_error(runs, args, message):
    done = run(runs, *args)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
