"""The HTML report on real runs: sections, numbers, escaping, redaction, the embedded case
data, charts, size and atomic writes. The browser tests (test_browser.py) run the page."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from evalkit.report import Redactor, clipping, prepare
from evalkit.report import cases as case_data
from evalkit.report.charts import label, sanitize_svg, slice_parity
from evalkit.report.html import render_html, script_hash, static_text, write_html
from evalkit.report.word_diff import side_by_side
from evalkit.store import Store
from tests.report.helpers import EMAIL, SECRET, XSS, XSS_IDS, XSS_SLICE, store_toxicity_runs

SECTIONS = ("verdict", "compared", "metrics", "slices", "flips", "cases", "operations",
            "gates")  # distributions only when a run has real values (test_score_distributions)
# Elements the report may contain; anything else (img, iframe, object, a second kind of
# script...) would be markup that came from data.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "h4", "p",
    "nav", "a", "main", "section", "span", "ul", "li", "ol", "table", "thead", "tbody", "tr",
    "th", "td", "code", "strong", "div", "label", "input", "select", "option", "figure",
    "figcaption", "details", "summary", "del", "ins", "script", "footer",
    # inline SVG charts (after sanitize_svg)
    "svg", "g", "defs", "path", "clippath", "use", "text", "tspan", "rect", "line",
    "polyline", "polygon", "circle", "ellipse",
}


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of each script element."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._script = attributes
            self.scripts.append((attributes, ""))

    def handle_data(self, data):
        if self._script is not None:
            attributes, text = self.scripts[-1]
            self.scripts[-1] = (attributes, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def _assert_inert(html: str) -> Page:
    """No markup that came from data: known tags only, no event handlers, no URLs."""
    page = Page(html)
    for tag, attributes in page.tags:
        assert tag in ALLOWED_TAGS, f"unexpected element <{tag}> {attributes}"
        for name, value in attributes.items():
            assert not name.startswith("on"), f"event handler on <{tag}>: {name}={value}"
            assert name not in ("src", "srcset", "action", "formaction", "background"), (tag, name)
            if name in ("href", "xlink:href"):
                assert value.startswith("#"), f"<{tag} {name}={value!r}>"
            assert "javascript:" not in (value or "").lower() or tag == "meta", (tag, name, value)
    assert [a.get("type") for a, _ in page.scripts] == ["application/json", None]
    assert not any(tag == "link" for tag, _ in page.tags)
    return page


def _render(runs, baseline="base", **kwargs) -> str:
    with Store(runs.db, read_only=True) as store:
        return render_html(store, prepare(store, runs.candidate, baseline, **kwargs))


@pytest.fixture(scope="module")
def comparison(report_runs) -> str:
    return _render(report_runs)


@pytest.fixture(scope="module")
def single(single_run) -> str:
    return _render(single_run, None)


def _cases(html: str) -> dict:
    """The page's case data, decoded as static/report.js decodes it."""
    page = Page(html)
    data = json.loads(next(text for attrs, text in page.scripts
                           if attrs.get("id") == "cases-data"))
    meta, texts = data["meta"], data["texts"]
    for row in data["rows"]:
        row["s"] = meta["codes"][row["s"]]
        row.setdefault("n", 0)
        row.setdefault("u", 0)
        if "v" in row:
            row["v"] = [None if x is None else meta["sliceValues"][k][x]
                        for k, x in enumerate(row["v"])]
        if "=" in row:
            row["o"] = row["o"] * 2
        for c in row.get("c", []):
            c[1] = meta["codes"][c[1]]
            c[4] = [None if t is None else texts[t] for t in c[4]]
    return data


def test_comparison_has_every_section_and_the_verdict(comparison, report_runs):
    for section in SECTIONS:
        assert re.search(rf'<section id="{section}"[^>]*>\s*<h2', comparison), section
    assert 'Safe to swap? <span class="answer" data-answer="no">no</span>' in comparison
    assert "verdict-no" in comparison
    assert "gate failed: no regression in passed" in comparison
    assert "regressed" in comparison and "same test as passed" in comparison
    # what else changed: the backend options that differ, both runs' provenance
    assert "backend option variant" in comparison and "backend option cost" in comparison
    for role in ("baseline", "candidate"):
        assert f"<th>{role}</th>" in comparison
    assert "evalkit version" in comparison and "fingerprint" in comparison
    # gates and waivers (one active, one expired)
    assert "waiver for case c023" in comparison and "expired" in comparison
    assert "flaky upstream, TICKET-7" in comparison and "active" in comparison
    # operations: cost doubled
    assert "+100.0%" in comparison
    # a section with no data is left out, and so is its link
    assert 'id="distributions"' not in comparison and 'href="#distributions"' not in comparison


def test_flips_are_ranked_regressions_first(comparison, report_runs):
    flips = comparison[comparison.index('id="flips"'):comparison.index('id="cases"')]
    regressions = flips[:flips.index("Improvements (fail → pass)")]
    assert "c003" in regressions and "c007" not in regressions
    assert re.search(r"Regressions \(pass → fail\): 19", flips)  # c013 is waived
    assert "c013" not in flips
    # by score delta: both scorers lost (−2) before only exact lost (−1, the partial ones)
    assert regressions.index("c053") < regressions.index("c005")
    assert "<ins>" in flips and "<del>" in flips


def test_metric_table_matches_the_diff(comparison, report_runs):
    with Store(report_runs.db, read_only=True) as store:
        diff = prepare(store, "cand", "base").diff
    overall = diff.row()
    table = comparison[comparison.index('metric-table'):]
    row = table[:table.index("</tr>", table.index("<td>passed"))]
    assert f"{overall.baseline * 100:.1f}%" in row
    assert f"{overall.candidate * 100:.1f}%" in row
    assert f"{overall.delta * 100:+.1f} pp" in row
    assert f"{overall.pass_to_fail} / {overall.fail_to_pass}" in row


def test_case_data_is_complete_ordered_and_clipped(comparison, report_runs):
    data = _cases(comparison)
    rows, meta = data["rows"], data["meta"]
    assert meta["mode"] == "compare" and meta["scorers"] == ["exact", "has_answer"]
    assert {r["i"] for r in rows} == set(report_runs.case_ids)
    assert [r["i"] for r in rows if r["s"] == "pass_to_fail"][:1] != []
    statuses = [r["s"] for r in rows]
    assert statuses.index("fail_to_pass") > max(i for i, s in enumerate(statuses)
                                                 if s == "pass_to_fail")
    assert {r["i"] for r in rows if r["s"] == "fail_to_pass"} == report_runs.fail_to_pass
    assert {r["i"] for r in rows if r["s"] == "pass_to_fail"} == report_runs.pass_to_fail
    partial = next(r for r in rows if r["i"] == "c005")
    by_scorer = {meta["scorers"][c[0]]: c for c in partial["c"]}
    assert by_scorer["exact"][1] == "pass_to_fail"
    assert by_scorer["has_answer"][1] == "still_passing"
    assert by_scorer["exact"][4][1].startswith("output 'answer 5, and some more words'")
    assert next(r for r in rows if r["i"] == "c013")["w"] is True
    long = next(r for r in rows if r["i"] == "long")
    assert len(long["o"][0]) < clipping.MAX_TEXT + 100
    assert long["o"][0].endswith("more characters not shown]")
    # the payloads travel as data, exactly
    outputs = {r["i"]: r["o"][1] for r in rows}
    for name, payload in XSS.items():
        assert outputs[f"xss-{name}"] == payload
    assert set(XSS_IDS) <= set(outputs)
    assert XSS_SLICE in meta["sliceValues"][0]


def test_xss_payloads_stay_text(comparison, single):
    for html in (comparison, single):
        _assert_inert(html)
        for payload in [*XSS.values(), *XSS_IDS, XSS_SLICE]:
            assert payload not in html  # never raw, not even in the JSON
        assert "<script>alert" not in html and "<img" not in html and "<b " not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in comparison  # the flips show it escaped


def test_content_security_policy_allows_only_the_page_script(comparison):
    page = _assert_inert(comparison)
    csp = next(a["content"] for tag, a in page.tags
               if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "img-src data:" in csp
    script = page.scripts[-1][1]
    assert script == static_text("report.js")
    assert f"script-src '{script_hash(script)}'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    # the CSP comes before anything that could load or run
    head = comparison[:comparison.index("</head>")]
    assert head.index("Content-Security-Policy") < head.index("<style>")
    # nothing refers outside the page (SVG namespaces are names, not requests)
    text = re.sub(r'xmlns(:xlink)?="http://www\.w3\.org/[^"]*"', "", comparison)
    assert not re.search(r"(https?:|ftp:)//", text.replace("file://", ""))
    assert "@import" not in text and "url(" not in text.replace("url(#", "")


def test_redaction_of_keys_and_emails(report_runs):
    plain = _render(report_runs)
    assert SECRET not in plain and SECRET[:20] not in plain  # key shapes: always
    assert EMAIL in plain  # e-mail addresses: opt-in
    redacted = _render(report_runs, redactor=Redactor(emails=True))
    assert SECRET not in redacted and EMAIL not in redacted
    assert "the key is ***, mail [email] for more" in redacted
    extra = _render(report_runs, redactor=Redactor(patterns=(r"answer \d+", r"about \d+")))
    assert "answer 5" not in extra  # outputs, targets, explanations, case data
    assert "about 3" not in extra and "a wrong answer ***" in extra


def test_single_run_report(single, single_run):
    for section in ("verdict", "compared", "metrics", "slices", "cases", "operations", "gates"):
        assert re.search(rf'<section id="{section}"[^>]*>\s*<h2', single), section
    assert 'id="distributions"' not in single
    assert 'id="flips"' not in single
    assert "A single run: answered by the gates alone." in single
    assert "Safe to swap?" not in single and 'Gates: <span class="answer"' in single
    assert "needs a baseline" in single  # regression gates are skipped on one run
    data = _cases(single)
    assert data["meta"]["mode"] == "run" and data["meta"]["runs"] == ["run"]
    statuses = {r["i"]: r["s"] for r in data["rows"]}
    assert statuses["c003"] == "failed" and statuses["c000"] == "passed"
    assert data["rows"][0]["s"] == "failed"  # failures first
    c005 = next(r for r in data["rows"] if r["i"] == "c005")
    assert [c[1] for c in c005["c"]] == ["failed", "passed"]
    assert "pass rate (%) by lang" in single  # the parity chart


def test_score_distributions(tmp_path):
    db = tmp_path / "tox.duckdb"
    store_toxicity_runs(db, {"calm": [0.01, 0.02, 0.05, 0.1, 0.2, 0.03],
                             "rude": [0.1, 0.6, 0.9, 0.95, 0.4, 0.7]})
    with Store(db, read_only=True) as store:
        html = render_html(store, prepare(store, "rude", "calm"))
        single = render_html(store, prepare(store, "calm"))
    section = html[html.index('id="distributions"'):html.index('id="operations"')]
    assert "<svg" in section and "% of results" in section
    assert "baseline (n=6)" in section and "candidate (n=6)" in section
    assert "4 of 6" in section  # the rude run fails 4 of its 6 results
    assert "(higher is more toxic)" in section  # the scorer class's own reading hint
    assert "No real-valued scores" not in html
    assert "run (n=6)" in single[single.index('id="distributions"'):]


def test_any_real_valued_scorer_gets_a_distribution(tmp_path):
    """Nothing is special about toxicity: a scorer under another name with values beyond
    pass/fail is charted the same way (and one with only 1.0/0.0 is not)."""
    db = tmp_path / "rouge.duckdb"
    store_toxicity_runs(db, {"a": [0.3, 0.5, 0.7, 0.9], "b": [0.2, 0.4, 0.6, 0.8]},
                        scorer="rouge_l", kind="rouge")
    store_toxicity_runs(tmp_path / "binary.duckdb", {"a": [0.0, 1.0], "b": [1.0, 1.0]},
                        scorer="exactish", kind="exact", binary=True)
    with Store(db, read_only=True) as store:
        html = render_html(store, prepare(store, "b", "a"))
    section = html[html.index('id="distributions"'):html.index('id="operations"')]
    assert "<code>rouge_l</code>" in section and "baseline (n=4)" in section
    assert "higher is more toxic" not in section  # the hint belongs to the toxicity class
    with Store(tmp_path / "binary.duckdb", read_only=True) as store:
        binary = render_html(store, prepare(store, "b", "a"))
    assert 'id="distributions"' not in binary


def test_chart_labels_are_escaped_and_svg_is_sanitized():
    chart = slice_parity("lang", ["</text><script>alert(1)</script>", "$\\frac{1}{2}$ &"],
                         [0.5, 0.9], [0.4, 1.0], [3, 4])
    assert "<script" not in chart and "&lt;/text&gt;&lt;script&gt;" in chart
    assert "$\\frac{1}{2}$ &amp;" in chart  # shown as typed, not as mathtext
    assert label("x" * 100).endswith("…") and len(label("x" * 100)) == 32
    evil = ('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">'
            '<script>alert(2)</script><foreignObject><div>x</div></foreignObject>'
            '<style>@import url(http://x/y.css);</style>'
            '<a href="javascript:alert(3)"><text>t</text></a>'
            '<use xlink:href="http://x/y.svg#a"/><use xlink:href="#ok"/>'
            '<rect style="fill: url(http://x/p)" width="1"/><path d="M0 0" clip-path="url(#c)"/>'
            '<image href="http://x/i.png"/></svg>')
    clean = str(sanitize_svg(evil))
    for bad in ("onload", "script", "foreignObject", "@import", "javascript", "http://x",
                "<a", "<image"):
        assert bad not in clean, bad
    assert 'href="#ok"' in clean and 'clip-path="url(#c)"' in clean


def test_script_json_cannot_close_its_element():
    text = case_data.script_json({"x": "</script><!-- \u2028\u2029 & >"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"x": "</script><!-- \u2028\u2029 & >"}


def test_word_diff_marks_words_from_escaped_tokens():
    left, right = side_by_side("the <b>old</b> answer", "the <i>new</i> answer, longer")
    assert left == "the <del>&lt;b&gt;old&lt;/b&gt;</del> <del>answer</del>"
    assert right == "the <ins>&lt;i&gt;new&lt;/i&gt;</ins> <ins>answer, longer</ins>"
    assert "<b>" not in left and "<i>" not in right
    same_left, same_right = side_by_side("same text", "same text")
    assert same_left == same_right == "same text"


def test_write_html_is_atomic_and_deterministic(report_runs, tmp_path):
    target = tmp_path / "deep" / "er" / "report.html"
    with Store(report_runs.db, read_only=True) as store:
        inp = prepare(store, "cand", "base")
        written = write_html(store, inp, target)
        again = render_html(store, inp)
    assert written == target and target.read_text(encoding="utf-8") == again
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]
    assert again.count("<svg") >= 2


def test_write_html_leaves_the_old_file_when_rendering_fails(report_runs, tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    def broken(text):
        raise RuntimeError("redactor failed")

    with Store(report_runs.db, read_only=True) as store:
        inp = prepare(store, "cand", "base", redactor=broken)
        with pytest.raises(RuntimeError, match="redactor failed"):
            write_html(store, inp, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in Path(tmp_path).iterdir()] == ["report.html"]


def test_a_report_of_several_suites(multi_suite_runs):
    from evalkit.report.inputs import prepare_set

    with Store(multi_suite_runs.db, read_only=True) as store:
        report = prepare_set(store, "cand", "base")
        html = render_html(store, report)
        runs_only = render_html(store, prepare_set(store, "cand"))
    assert [i.run.suite for i in report.items] == ["cmp", "report-suite"]
    _assert_inert(html)
    assert 'data-answer="no"' in html  # report-suite says no, so the whole answer is no
    assert 'id="suite-1"' in html and 'id="suite-2"' in html
    for section in SECTIONS:  # one section of each kind, each suite inside it
        assert html.count(f'<section id="{section}"') == 1
    data = _cases(html)
    assert data["meta"]["suites"] == ["cmp", "report-suite"]
    assert data["meta"]["scorers"] == ["exact", "has_answer"]
    by_suite = {u: {r["i"] for r in data["rows"] if r["u"] == u} for u in (0, 1)}
    assert len(by_suite[0]) == 40 and by_suite[1] == set(multi_suite_runs.case_ids)
    cmp_flips = {r["i"] for r in data["rows"] if r["u"] == 0 and r["s"] == "pass_to_fail"}
    assert cmp_flips == {"c000", "c001", "c002", "c003"}
    assert _cases(runs_only)["meta"]["mode"] == "run"
    assert "Single runs: answered by the gates alone." in runs_only


def test_every_api_key_shape_is_masked_and_has_its_marker():
    from evalkit.report.redaction import API_KEY_PATTERNS

    keys = ["sk-" + "a1" * 10, "sk-proj-" + "B2" * 10, "sk-ant-" + "c3" * 10, "AKIA" + "Z9" * 8,
            "ghp_" + "x" * 36, "gho_" + "y" * 30, "hf_" + "Q" * 34, "xoxb-" + "1" * 12,
            "AIza" + "k" * 35, "Bearer " + "t" * 20, "BEARER " + "t" * 20]
    from tests.test_redact_shapes import SECRETS  # JWT, PEM, Stripe, Azure, GCP shapes

    keys += [v for k, v in SECRETS.items() if "pem" not in k and k != "openssh"]
    keys += ["-----BEGIN PRIVATE KEY-----"]
    for key in ("?sig=" + "s" * 30, '"private_key_id": "' + "ab" * 20 + '"'):  # the value only
        assert re.search(r"\w{20}", Redactor()(key)) is None, key
    patterns_seen = keys + ["?sig=" + "s" * 30, '"private_key_id": "' + "ab" * 20 + '"']
    for pattern in API_KEY_PATTERNS:  # a new pattern needs an example here (and a marker)
        assert any(re.search(pattern, key) for key in patterns_seen), pattern
    redactor = Redactor()
    for key in keys:
        assert redactor(f"before {key} after") == "before *** after", key
    assert redactor("nothing secret, e-mail a@b.co") == "nothing secret, e-mail a@b.co"
    assert Redactor(emails=True)("mail a@b.co now") == "mail [email] now"
    assert Redactor(patterns=(r"\d{4}",))("pin 1234") == "pin ***"


def test_case_data_fits_the_page_budget(report_runs):
    with Store(report_runs.db, read_only=True) as store:
        inp = prepare(store, "cand", "base")
        full = case_data.build(store, inp)
        tight = case_data.build(store, inp, budget=20_000)
    assert full.meta["textLimit"] == clipping.MAX_TEXT
    assert tight.meta["textLimit"] == clipping.MIN_TEXT
    assert len(case_data.script_json(tight.payload())) < 20_000 * 1.15
    long = next(r for r in tight.rows if r["i"] == "long")
    assert long["o"][0].startswith("word0 word1") and len(long["o"][0]) < clipping.MIN_TEXT + 60
    assert long["o"][0].endswith("more characters not shown]")
    secret = next(r for r in tight.rows if r["i"] == "secret")  # short: kept whole
    assert secret["o"][1] == next(r for r in full.rows if r["i"] == "secret")["o"][1]
    assert clipping.fitted_limit([10, 20, 1000, 1000], 1030, ceiling=4000, floor=1) == 500
    assert clipping.fitted_limit([10, 20], 5, ceiling=4000, floor=7) == 7
    assert clipping.fitted_limit([10, 20], 100) == clipping.MAX_TEXT


def test_flips_keep_their_text_when_the_rest_is_shortened():
    records = [{"s": "pass_to_fail", "o": ["a" * 1000, "b" * 1000]},
               {"s": "still_passing", "o": ["c" * 1000], "t": "d" * 1000}]
    assert clipping.fit_texts(records, {"pass_to_fail"}, 2500) == 250
    assert records[0]["o"] == ["a" * 1000, "b" * 1000]
    assert records[1]["o"][0] == "c" * 250 + "… [750 more characters not shown]"
    assert records[1]["t"].startswith("d" * 250 + "…")
