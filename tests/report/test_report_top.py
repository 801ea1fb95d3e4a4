"""The top of the report, in plain words (issue 16): the answer as a sentence, fixed / broke /
unchanged, each primary metric in words with its statistics in a tooltip and a details row,
the worst slice, the top three regressed cases, cost and latency; then the evidence, with
provenance collapsed, a prompt change as a text diff, and no section without data. Real runs
through the CLI (the prompt changes between them); the page is also opened in headless
Chromium. Model output in the new parts stays text."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from evalkit.compare.rows import MetricRow
from evalkit.report import prepare
from evalkit.report.headline import plain_change
from evalkit.report.html import render_html, write_html
from evalkit.store import Store
from tests.cli.helpers import clean_env, evalkit
from tests.report.pipeline_runs import PIPELINE
from tests.report.test_browser import artifacts, browser, open_page  # noqa: F401 (fixtures)

XSS = ('<img src=x onerror=alert(1)>', '</td><script>alert(2)</script>',
       '"><b onmouseover=alert(3)>hover</b>')
SUITE = """suite: top-check
prompt: "{prompt}"
cases:
{cases}
slices: [lang]
scorers:
  - type: contains
"""


def _suite(folder: Path, prompt: str, keys: list[str]) -> None:
    cases = "\n".join(f"  - {{id: {k}, key: {k}, target: 'yes', metadata: {{lang: "
                      f"{'de' if i % 3 == 0 else 'en'}}}}}" for i, k in enumerate(keys))
    (folder / "suite.yaml").write_text(SUITE.format(prompt=prompt, cases=cases))


@pytest.fixture(scope="module")
def top_runs(tmp_path_factory):
    """v1 passes all 30 cases; v2 (a new prompt) breaks five German cases (three with XSS
    payloads as output) and fixes nothing."""
    folder = tmp_path_factory.mktemp("top")
    keys = [f"k{i:02d}" for i in range(30)]
    broken = [k for i, k in enumerate(keys) if i % 3 == 0][:5]
    v1 = {k: "yes" for k in keys}
    v2 = dict(v1, **{k: (XSS[i] if i < 3 else "no idea") for i, k in enumerate(broken)})
    (folder / "pipe_out.py").write_text(PIPELINE)
    (folder / "outputs.json").write_text(json.dumps({"v1": v1, "v2": v2}))
    env = clean_env(EVALKIT_DB=str(folder / "r.duckdb"))
    for version, prompt in (("v1", "Q {{ key }}"), ("v2", "Question: {{ key }}. Answer briefly.")):
        _suite(folder, prompt, keys)
        done = evalkit("run", "suite.yaml", "-m", "python/pipe_out:answer", "-M",
                       f"path={folder}", "-M", f"version={version}", "--label", version,
                       cwd=folder, env=env)
        assert done.returncode in (0, 1), done.stderr
    with Store(folder / "r.duckdb", read_only=True) as store:
        inp = prepare(store, "v2", "v1")
        page = write_html(store, inp, folder / "top.html")
        html = page.read_text()
    return {"folder": folder, "db": folder / "r.duckdb", "html": html, "page": page,
            "broken": broken, "inp": inp}


def _top(html: str) -> str:
    return html[html.index('<section id="verdict"'):html.index('<section id="compared"')]


def test_the_issue_example_in_words():
    row = MetricRow(metric="passed", stat="pass_rate", slice_key=None, slice_value=None, n=9,
                    samples=1, baseline=0.9, candidate=0.7, delta=-0.2, ci_low=-0.45,
                    ci_high=-0.01, interval="tango score", pass_to_fail=2, fail_to_pass=0,
                    test="mcnemar mid-p", p=0.03, p_adj=0.09, family="primary", level=0.033,
                    same_as=None, margin=0.0, verdict="no detectable change", mde=0.4)
    found = plain_change(row, alpha=0.05, margin=0.05)
    assert found.text == ("pass rate: a drop of 20 pp, likely real but not yet proven with "
                          "9 cases — run more cases")
    assert "adjusted p = 0.09" in found.detail and "[-45.0, -1.0] pp" in found.detail
    assert found.tone == "bad"
    same = plain_change(replace(row, delta=0.0, ci_low=-0.01, ci_high=0.01, p=1.0,
                         p_adj=1.0, mde=0.03, n=2000), alpha=0.05, margin=0.05)
    assert same.text == ("pass rate: no change over 2000 cases; a drop of more than 5.0 pp is "
                         "ruled out") and same.tone == "good"
    wide = plain_change(replace(row, delta=0.0, ci_low=-0.3, ci_high=0.3, p=1.0,
                         p_adj=1.0), alpha=0.05, margin=0.05)
    assert wide.text == ("pass rate: no change over 9 cases, but a drop (up to 30 pp) is not "
                         "ruled out — run more cases") and wide.tone == "warn"
    small = plain_change(replace(row, delta=-0.03, ci_low=-0.2, ci_high=0.1, p=0.7,
                          p_adj=1.0), alpha=0.05, margin=0.05)
    assert small.text == ("pass rate: a drop of 3.0 pp over 9 cases, which could be chance, "
                          "but a larger drop (up to 20 pp) is not ruled out — run more cases")
    real = plain_change(replace(row, verdict="regressed"), alpha=0.05, margin=0.05)
    assert real.text.startswith("pass rate: a drop of 20 pp over 9 cases, a real regression")


def test_the_answer_sentence_for_one_suite_and_several():
    from evalkit.report.headline import answer_sentence

    gate = ("gate failed: exact ≥ 90.0% — 80.0% (n=20)",)
    assert answer_sentence("no", "swap", (), gate).text.startswith("No: a gate failed.")
    several = ("cmp: gate failed: exact ≥ 90.0% — 80.0% (n=20)",)
    assert answer_sentence("no", "swap", (), several).text.startswith("No: a gate failed.")
    mixed = gate + ("regressed: passed overall -40.0 pp [-57.7, -24.1]",)
    assert answer_sentence("no", "swap", (), mixed).text.startswith("No: it is worse")
    subset = ("cmp: every case counts: 2 case(s) run by the baseline only (a, b) — run both",)
    found = answer_sentence("inconclusive", "swap", (), subset)
    assert found.text == ("Not yet: the evidence does not settle it (the two runs did not run "
                          "the same cases).") and found.detail == subset[0]
    assert answer_sentence("yes", "gates", (), ()).text == "Every gate passed."


def test_the_top_answers_first(top_runs):
    top, inp = _top(top_runs["html"]), top_runs["inp"]
    counts = inp.diff.counts()
    assert counts["pass_to_fail"] == 5 and counts["still_passing"] == 25
    assert re.search(r"fixed 0</strong> / <strong[^>]*>broke 5</strong> / unchanged 25 cases", top)
    assert inp.verdict.answer == "no"
    assert '<p class="plain tone-bad">No: it is worse than the baseline.' in top
    # the worst slice is German: 10 cases, 5 broken
    assert "lang=de: 100% → 50%" in top
    # the top three regressed cases, in the Diff's order (pass→fail, by score change)
    first3 = [r["case_id"] for r in inp.diff.worst.to_dict("records")][:3]
    assert re.findall(r'<a class="mono" href="#flips">(k\d\d)</a>', top) == first3
    # statistics: in tooltips and a closed details row, not in the sentences
    assert 'title="Δ -16.7 pp; 95% Tango score interval' in top
    assert re.search(r'<details class="why-stats">\s*<summary>Why, in statistics', top)
    plain = re.sub(r"<details.*?</details>|title=\"[^\"]*\"", "", top, flags=re.S)
    assert "p =" not in plain and "Tango" not in plain and "adjusted" not in plain
    assert "latency" in top  # the pipeline reports no cost: that line is left out
    assert "cost per result" not in top


def test_the_evidence_follows_compact(top_runs):
    html = top_runs["html"]
    compared = html[html.index('<section id="compared"'):html.index('<section id="metrics"')]
    # provenance collapsed by default
    assert re.search(r'<details class="provenance-box">\s*<summary>Provenance', compared)
    assert "<details class=\"provenance-box\" open" not in compared
    # the prompt change as a text diff of a rendered prompt, not hashes
    assert "Prompt change" in compared and "30 rendered prompts differ" in compared
    assert "Case <code>k00</code>" in compared and 'id="prompt-diff-1"' in compared
    assert '<a href="#prompt-diff-1">changed: see the text diff below</a>' in compared
    assert "[user]\n<del>Q</del> <del>k00</del>" in compared
    assert "[user]\n<ins>Question:</ins> <ins>k00. Answer briefly.</ins>" in compared
    # sections without data are left out, with their links
    for section in ("distributions", "trend"):
        assert f'id="{section}"' not in html and f'href="#{section}"' not in html
    assert 'id="gates"' not in html  # the suite has no gates and no waivers


def test_model_output_at_the_top_stays_text(top_runs):
    top = _top(top_runs["html"])
    for payload in XSS:
        assert payload not in top_runs["html"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in top
    assert "<img" not in top and "<b " not in top and "<script" not in top


def test_the_top_in_a_real_browser(open_page, top_runs):  # noqa: F811
    view = open_page(top_runs["page"])
    page = view.page
    box = page.locator("#verdict").bounding_box()
    assert box["y"] < 200  # the answer opens the page
    assert page.locator("#verdict .plain").is_visible()
    assert page.locator("#verdict .plain").inner_text().startswith("No: it is worse")
    tally = page.locator("#verdict .tally").inner_text()
    assert "fixed 0 / broke 5 / unchanged 25 cases" in tally
    # the payloads show as text where a person reads them
    cells = page.locator("#verdict .top-cases td.now").all_inner_texts()
    assert set(cells) & set(XSS)
    # statistics are behind a click; so is provenance
    assert not page.locator("#verdict .why-stats .reasons").is_visible()
    page.locator("#verdict .why-stats > summary").click()
    assert page.locator("#verdict .why-stats .reasons li").first.is_visible()
    assert not page.locator("table.provenance").is_visible()
    page.locator(".provenance-box > summary").click()
    assert page.locator("table.provenance").is_visible()
    fact = page.locator("#verdict .fact.tone-bad").first
    assert "Tango score interval" in fact.get_attribute("title")
    page.locator(".provenance-box > summary").click()
    page.locator("#verdict .why-stats > summary").click()
    shot = artifacts() / "report-top.png"
    page.set_viewport_size({"width": 1200, "height": 760})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shot))


def test_a_single_run_top_has_no_swap_words(top_runs):
    with Store(top_runs["db"], read_only=True) as store:
        html = render_html(store, prepare(store, "v2"))
    top = _top(html)
    assert "broke" not in top and "Safe to swap" not in top
    assert "lang=de: 50% pass over 10 cases" in top
    assert "There is no gate a single run can check." in top



def test_the_markdown_summary_opens_the_same_way(top_runs):
    from evalkit.report.markdown import render_markdown

    with Store(top_runs["db"], read_only=True) as store:
        text = render_markdown(store, prepare(store, "v2", "v1"))
    head = text[:text.index("### Compared")]
    lines = head.splitlines()
    assert lines[2].startswith("**No: it is worse than the baseline.")
    assert "- **outcome**: fixed 0 / broke 5 / unchanged 25 cases" in lines
    assert any(line.startswith("- **worst slice**: lang=de: 100% → 50%") for line in lines)
    assert head.index("<details><summary>Why, in statistics</summary>") > head.index("outcome")
    assert "- regressed: passed overall" in head and head.rstrip().endswith("</details>")
    top = next(line for line in lines if line.startswith("- **top regressed**"))
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in top and "<img" not in text
