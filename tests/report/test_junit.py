"""JUnit XML from real runs: parses, counts match, untrusted text stays data."""
from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from evalkit.report import prepare
from evalkit.report.junit import render_junit
from evalkit.store import Store

from .pipeline_runs import make_runs

GATES = """gates:
  - {metric: contains, min: 0.9}
  - {regression: {metric: passed}}
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    targets = {f"c{i}": "yes" for i in range(5)}
    v1 = {k: "yes" for k in targets}
    v2 = dict(v1, c0="no\x00\x1b[31m]]></failure><x/>", c4="!error")
    return make_runs(tmp_path_factory.mktemp("junit"), {"v1": v1, "v2": v2}, targets,
                     gates=GATES)


def test_comparison_counts_and_failures(runs):
    with Store(runs["db"], read_only=True) as store:
        xml = render_junit(store, prepare(store, "v2", "v1"))
    root = ET.fromstring(xml)  # control characters and markup in outputs do not break it
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases)
    failures = [c for c in cases if c.find("failure") is not None]
    errors = [c for c in cases if c.find("error") is not None]
    assert int(suite.get("failures")) == len(failures) and int(suite.get("errors")) == len(errors)
    by_name = {(c.get("classname").rsplit(".", 1)[1], c.get("name")): c for c in cases}
    assert by_name[("cases", "c0")].find("failure").get("type") == "regression"
    assert "</failure>" in by_name[("cases", "c0")].find("failure").text  # kept as text
    assert "backend exploded" in by_name[("cases", "c4")].find("error").get("message")
    assert by_name[("cases", "c1")].find("failure") is None
    assert by_name[("gates", "contains ≥ 90.0%")].find("failure") is not None
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["verdict"] == "no"


def test_single_run_skips_baseline_gates(runs):
    with Store(runs["db"], read_only=True) as store:
        root = ET.fromstring(render_junit(store, prepare(store, "v1")))
    suite = root.find("testsuite")
    skipped = [c.get("name") for c in suite.findall("testcase") if c.find("skipped") is not None]
    assert skipped == ["no regression in passed"] and suite.get("failures") == "0"
