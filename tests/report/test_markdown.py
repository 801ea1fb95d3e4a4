"""The Markdown summary from real runs: verdict, sections, size limit, untrusted text."""
from __future__ import annotations

import re

import pytest

from evalkit.report import Redactor, prepare
from evalkit.report.markdown import GITHUB_LIMIT, md_text, render_markdown
from evalkit.store import Store

from .pipeline_runs import make_runs

KEY = "sk-" + "A1b2C3d4" * 5


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    targets = {f"c{i}": "yes" for i in range(6)}
    v1 = {k: "yes" for k in targets}
    v2 = dict(v1, c0="no <script>alert(1)</script> @octocat | [x](javascript:alert(1))",
              c1=f"no, my key is {KEY} mail me at ada@example.com", c5="!error")
    return make_runs(tmp_path_factory.mktemp("md"), {"v1": v1, "v2": v2}, targets,
                     groups={"c0": "x", "c1": "x"})


def render(runs, candidate="v2", baseline="v1", **kwargs) -> str:
    with Store(runs["db"], read_only=True) as store:
        return render_markdown(store, prepare(store, candidate, baseline, **kwargs))


def test_comparison_has_verdict_flips_and_metrics(runs):
    text = render(runs)
    assert text.startswith("## ❌ Safe to swap: no") or "Safe to swap" in text.splitlines()[0]
    for heading in ("### Compared", "### Gates", "### Metrics", "### Flips", "### Cost"):
        assert heading in text
    flips = text.split("### Flips")[1].split("###")[0]
    assert flips.count("pass→fail") == 3  # c0, c1 and the errored c5
    assert "c5" in flips and "backend exploded" in flips
    assert "| passed | overall | 6 | 100.0% | 50.0% |" in text


def test_untrusted_text_is_neutralised(runs):
    text = render(runs, redactor=Redactor(emails=True))
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "@octocat" not in text  # no mention pings from model output
    assert "[x](javascript" not in text
    assert KEY not in text and "ada@example.com" not in text
    assert "my key is \\*\\*\\* mail me at \\[email\\]" in text
    for line in text.splitlines():
        if line.startswith("| ❌"):  # a table row keeps its columns whatever the output
            assert len(re.findall(r"(?<!\\)\|", line)) == 5  # 4 cells


def test_single_run_lists_failing_cases(runs):
    text = render(runs, baseline=None)
    assert "### Failing cases" in text and "### Flips" not in text
    assert "c2" not in text.split("### Failing cases")[1]  # passing cases are not listed


def test_limit_is_kept_and_cut_is_announced(runs):
    with Store(runs["db"], read_only=True) as store:
        inp = prepare(store, "v2", "v1")
        text = render_markdown(store, inp, limit=1500)
        full = render_markdown(store, inp)
    assert len(text) <= 1500 < len(full) <= GITHUB_LIMIT
    assert "left out to fit a PR comment" in text
    assert text.splitlines()[0] == full.splitlines()[0]  # the verdict always comes first


def test_md_text_is_one_cell():
    assert md_text("a|b\nc") == "a\\|b c"
    assert md_text("x" * 400, limit=10) == "x" * 10 + "…"
