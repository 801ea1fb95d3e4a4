"""Fixtures for the report tests (HTML here; Markdown, JUnit and the CLI use them too).

Both are session-scoped and built once with the real runner: open their databases
read-only (`Store(runs.db, read_only=True)`) and write reports under tmp_path.

- `report_runs`: two runs of one suite, labels `base` and `cand` (flips both ways, a
  scorer-only flip, XSS payloads in outputs, case ids and a slice value, an API key and an
  e-mail address in one output, gates with an active and an expired waiver).
- `single_run`: one run (label `solo`) of the same suite, with the candidate's outputs.
- `multi_suite_runs`: labels `base` and `cand` each span two suites (`report-suite` as in
  `report_runs`, and `cmp` with 40 cases, 4 broken by cand): a ReportSet of two.
"""
from __future__ import annotations

import pytest

from tests.report.helpers import Runs, build_multi_suite_runs, build_runs


@pytest.fixture(scope="session")
def report_runs(tmp_path_factory) -> Runs:
    return build_runs(tmp_path_factory.mktemp("report-runs"))


@pytest.fixture(scope="session")
def single_run(tmp_path_factory) -> Runs:
    return build_runs(tmp_path_factory.mktemp("report-single"), single=True)


@pytest.fixture(scope="session")
def multi_suite_runs(tmp_path_factory) -> Runs:
    return build_multi_suite_runs(tmp_path_factory.mktemp("report-multi"))
