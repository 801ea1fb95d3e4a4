"""The review page in real headless Chromium (Playwright, Debian's chromium, from file://):
reviewers fill in ratings and flip decisions, export the JSON, `evalkit review import`
stores it, `compare` pairs the human scores, the report shows the agreement table and the
adjudicated flips. XSS payloads in outputs, case ids, comments and reviewer names stay inert:
a dialog, a console error or any request besides the page fails the test."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.compare import compare
from evalkit.store import Store
from tests.cli.helpers import evalkit, ok
from tests.report.helpers import XSS
from tests.report.review_helpers import XSS_CASE, ReviewRuns, build_review_runs
from tests.report.test_browser import (  # noqa: F401 (browser, open_page: fixtures)
    Watched,
    artifacts,
    browser,
    open_page,
)

NAME_XSS = 'alice <img src=x onerror=alert(5)>'
COMMENT_XSS = '</textarea><script>alert(6)</script> too curt'


@pytest.fixture(scope="module")
def review_runs(tmp_path_factory) -> ReviewRuns:
    return build_review_runs(tmp_path_factory.mktemp("review-runs"))


def export(runs: ReviewRuns, name: str, *args) -> Path:
    page = runs.folder / name
    ok(evalkit("review", "export", runs.cand, *args, "--db", runs.db, "-o", page,
               cwd=runs.folder))
    return page


def tone_of(text: str) -> int:
    """A rating like the judge's: 5 for a polite answer, 2 for a curt one."""
    return 5 if "please" in text else 2


def fill(view: Watched, reviewer: str, *, tone, safe=None, skip_baseline=(), decisions=None,
         comment=None) -> None:
    """Rate every output of every card: tone(case, text) and safe(text); None skips."""
    page = view.page
    page.fill("#reviewer", reviewer)
    cards = page.locator("article.item")
    for i in range(cards.count()):
        card = cards.nth(i)
        case = card.locator("h3").evaluate("h => h.firstChild.textContent")
        outputs = card.locator(".output")
        for j in range(outputs.count()):
            box = outputs.nth(j)
            role = box.locator("h4").inner_text()
            if "baseline" in role and case in skip_baseline:
                continue
            text = box.locator("pre.text").inner_text() if box.locator("pre.text").count() else ""
            score = tone(case, role, text)
            if score is not None:
                box.locator(f"input[data-rubric=tone][value='{score}']").check()
            if safe is not None:
                box.locator(f"input[data-rubric=safe][value='{1 if safe(text) else 0}']").check()
            if comment and j == 0:
                box.locator("textarea.comment").fill(comment)
        if decisions and case in decisions and card.locator("select.decision").count():
            decision, reason = decisions[case]
            card.locator("select.decision").select_option(decision)
            card.locator("input.reason").fill(reason)


def download(view: Watched, folder: Path, name: str) -> Path:
    with view.page.expect_download() as info:
        view.page.click("#download")
    path = folder / name
    info.value.save_as(path)
    return path


def safe_text(text: str) -> bool:
    return "<script" not in text and "<svg" not in text


def test_rate_export_import_compare_and_report(review_runs, open_page, tmp_path):  # noqa: F811
    from sklearn.metrics import cohen_kappa_score

    runs = review_runs
    page_path = export(runs, "review.html", runs.base)
    view = open_page(page_path)
    page = view.page
    assert page.locator("article.item").count() == 14
    assert page.locator("select.decision").count() == len(runs.pass_to_fail)
    # the payloads are shown as text, never parsed as markup
    xss_card = page.locator("article.item", has_text="alert(7)")
    assert xss_card.locator("h3").evaluate("h => h.firstChild.textContent") == XSS_CASE
    assert XSS["script"] in xss_card.locator(".output pre.text").first.inner_text()
    assert page.locator("img, svg, script:not(#review-data)").count() == 1  # the page's own

    # export refuses without a name, and says so on the page (no dialog)
    page.click("#download")
    assert "Enter your name" in page.locator("#export-status").inner_text()

    alice_tone = {}

    def alice(case, role, text):
        alice_tone[(case, role)] = 1 if case == "c02" else tone_of(text)
        return alice_tone[(case, role)]

    fill(view, NAME_XSS, tone=alice, safe=safe_text, skip_baseline={"c03", "c04"},
         comment=COMMENT_XSS,
         decisions={"c01": ("acceptable", "new wording is fine, TICKET-9"),
                    "c05": ("golden_wrong", "the golden is outdated"),
                    "c09": ("regression", "")})
    assert page.locator("#progress").inner_text() == "52 of 56 ratings given"
    alice_file = download(view, tmp_path, "alice.json")
    exported = json.loads(alice_file.read_text())
    assert exported["reviewer"] == NAME_XSS and exported["candidate_run"] == runs.cand
    assert len(exported["ratings"]) == 52 and len(exported["adjudications"]) == 3
    # ratings survive a reload (local storage)
    page.reload()
    assert view.requests[-1] == view.routed[-1] == view.url  # the reload: the page itself
    view.requests.pop(), view.routed.pop()
    assert page.locator("#progress").inner_text() == "52 of 56 ratings given"
    assert page.input_value("#reviewer") == NAME_XSS
    page.screenshot(path=str(artifacts() / "review.png"), full_page=False)

    # a second reviewer, in a fresh browser context, rates tone only and disagrees twice
    second = open_page(page_path)
    bob_tone = {}

    def bob(case, role, text):
        if case >= "c06":
            return None
        bob_tone[(case, role)] = 4 if case in ("c00", "c03") else tone_of(text)
        return bob_tone[(case, role)]

    fill(second, "bob", tone=bob, skip_baseline={"c03", "c04"})
    bob_file = download(second, tmp_path, "bob.json")

    result = ok(evalkit("review", "import", alice_file, bob_file, "--db", runs.db,
                        cwd=runs.folder))
    assert "stored 64 ratings by alice <img src=x onerror=alert(5)>, bob" in result.stdout
    assert "flip c01: acceptable change" in result.stdout
    assert "golden updates pending for c05" in result.stdout

    with Store(runs.db, read_only=True) as store:
        diff = compare(store, runs.base, runs.cand)
        n_human = store.query("SELECT count(*) FROM scores WHERE scorer = 'human:tone'")[0][0]
    assert n_human == 28 - 2  # every output alice rated (2 baseline outputs left out)
    # paired on the cases both runs had rated: 14 - the 2 without a baseline rating - c01
    # (waived as an acceptable change)
    tone = diff.row("human:tone", "pass_rate")
    assert tone.n == 14 - 2 - 1
    assert set(diff.adjudications["case_id"]) == {"c01", "c05", "c09"}
    compared = evalkit("compare", runs.base, runs.cand, "--db", runs.db, cwd=runs.folder)
    assert compared.returncode in (0, 1), compared.stderr
    assert "adjudicated flips" in compared.stdout  # the compact view says who decided what
    assert "acceptable change" in compared.stdout and "TICKET-9" in compared.stdout
    detailed = evalkit("compare", runs.base, runs.cand, "--db", runs.db, "--details",
                       cwd=runs.folder)
    assert detailed.returncode in (0, 1), detailed.stderr
    assert "human:tone" in detailed.stdout and "adjudicated flips" in detailed.stdout

    # the report's agreement table, checked against scikit-learn on the same ratings
    report = tmp_path / "report.html"
    ok(evalkit("report", runs.base, runs.cand, "--db", runs.db, "-o", report, cwd=runs.folder))
    shown = open_page(report)
    section = shown.page.locator("#human")
    section.scroll_into_view_if_needed()
    assert section.is_visible()
    row = section.locator("table.agreement tbody > tr", has_text="human:tone").first
    both = sorted(set(alice_tone) & set(bob_tone))
    kappa = cohen_kappa_score([alice_tone[k] for k in both], [bob_tone[k] for k in both],
                              labels=[1, 2, 3, 4, 5], weights="quadratic")
    assert f"κ {kappa:.2f}" in row.inner_text()
    assert f"{len(both)} outputs rated twice or more" in row.inner_text()
    # humans (alice; bob's tone ratings average in) vs the judge's pass/fail
    cells = row.locator("table.confusion td").all_inner_texts()
    with Store(runs.db, read_only=True) as store:
        pairs = store.query("SELECT h.passed, j.passed FROM scores h JOIN scores j USING "
                            "(run_id, case_id, sample) WHERE h.scorer = 'human:tone' AND "
                            "j.scorer = 'tone'")
    expected = [sum(1 for h, j in pairs if h == a and j == b)
                for a in (True, False) for b in (True, False)]
    assert [int(c) for c in cells] == expected and sum(expected) == 26
    assert expected[2] == 1  # c02's baseline: the judge passes it, alice (1) and bob (5) do not
    marks = shown.page.locator("#human table.adjudications")
    assert "waived until" in marks.inner_text() and NAME_XSS in marks.inner_text()
    section.screenshot(path=str(artifacts() / "report-human-review.png"))


def test_blind_page_hides_which_output_is_which(review_runs, open_page, tmp_path):  # noqa: F811
    runs = review_runs
    page_path = export(runs, "blind.html", runs.base, "--blind", "--sample", "6",
                       "--stratify", "flips", "--seed", "3")
    text = page_path.read_text()
    view = open_page(page_path)
    page = view.page
    assert page.locator("article.item").count() == 6
    headers = page.locator(".output h4").all_inner_texts()
    assert set(headers) == {"Output A", "Output B"}  # no "(candidate)" / "(baseline)"
    assert page.locator("select.decision").count() == 0 and page.locator(".status").count() == 0
    data = json.loads(page.locator("#review-data").text_content())
    assert data["candidate"] == {"run_id": runs.cand} and data["baseline"] == {"run_id": runs.base}
    assert {o["role"] for i in data["items"] for o in i["outputs"]} == {None}
    assert {i["status"] for i in data["items"]} == {None} and "python/review_bot" not in text
    # the order of the two outputs is shuffled (seeded), not always the candidate's first
    assert {i["outputs"][0]["run"] for i in data["items"]} == {runs.base, runs.cand}
    fill(view, "carol", tone=lambda case, role, text: tone_of(text))
    page.click("#copy")  # the same JSON, also shown in the box for copying by hand
    copied = json.loads(page.input_value("#export-text"))
    assert copied["reviewer"] == "carol" and len(copied["ratings"]) == 12
    path = download(view, tmp_path, "carol.json")
    assert json.loads(path.read_text())["ratings"] == copied["ratings"]
    ok(evalkit("review", "import", path, "--db", runs.db, cwd=runs.folder))
    # each blind rating reached the run whose output it rated
    with Store(runs.db, read_only=True) as store:
        rows = store.query("SELECT h.run_id, r.output, h.score FROM human_ratings h JOIN results r"
                           " USING (run_id, case_id, sample) WHERE h.reviewer = 'carol'")
    assert len(rows) == 12 and all(score == tone_of(output) for _, output, score in rows)
