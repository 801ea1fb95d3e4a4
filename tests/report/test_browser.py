"""The HTML report in a real browser (headless Chromium through Playwright), opened from
file://: sections and verdict visible, filters, search and pagination change the rows,
nothing is requested, nothing is logged as an error, no payload ever runs (a dialog fails
the test). A screenshot goes to reports/test-artifacts/ (or $EVALKIT_TEST_ARTIFACTS).

Without Playwright or /usr/bin/chromium the tests skip, saying why; under CI (env CI set)
they fail instead, since CI installs both.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from evalkit.report import prepare
from evalkit.report.html import write_html
from evalkit.report.inputs import prepare_set
from evalkit.store import Store
from tests.report.helpers import XSS, XSS_IDS

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
REPO_ROOT = Path(__file__).resolve().parents[2]


def _missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install playwright)"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


def artifacts() -> Path:
    folder = Path(os.environ.get("EVALKIT_TEST_ARTIFACTS") or REPO_ROOT / "reports" / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"the browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _write(runs, folder: Path, name: str, *, baseline: str | None = "base", several=False) -> Path:
    with Store(runs.db, read_only=True) as store:
        report = (prepare_set(store, runs.candidate, baseline) if several
                  else prepare(store, runs.candidate, baseline))
        return write_html(store, report, folder / name)


@pytest.fixture(scope="module")
def pages(report_runs, single_run, multi_suite_runs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    return {"comparison": _write(report_runs, folder, "comparison.html"),
            "single": _write(single_run, folder, "single.html", baseline=None),
            "multi": _write(multi_suite_runs, folder, "multi.html", several=True)}


class Watched:
    """A page with everything it says and asks for recorded."""

    def __init__(self, browser, path: Path):
        self.url = path.resolve().as_uri()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.routed: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(viewport={"width": 1300, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url)

    def _route(self, route):
        self.routed.append(route.request.url)
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def rows(self) -> list[str]:
        return self.page.locator("#case-rows tr.case .cid").all_text_contents()

    def statuses(self) -> set[str]:
        return set(self.page.locator("#case-rows tr.case td:nth-child(2)").all_inner_texts())

    def wait_matches(self, n: int) -> None:
        """Until the filtered count is n (the search box waits 150 ms for more typing)."""
        from playwright.sync_api import expect

        expect(self.page.locator("#case-table")).to_have_attribute("data-matches", str(n))

    def shown(self) -> str:
        return self.page.locator("#pager-top .shown").inner_text()

    def check(self) -> None:
        assert not self.dialogs, f"a dialog opened (script ran): {self.dialogs}"
        assert not self.errors, self.errors
        assert self.requests == [self.url], f"requests besides the page: {self.requests}"
        assert self.routed == [self.url], self.routed


@pytest.fixture
def open_page(browser):
    opened: list[Watched] = []

    def open_(path: Path) -> Watched:
        watched = Watched(browser, path)
        opened.append(watched)
        return watched

    yield open_
    try:
        for watched in opened:
            watched.check()
    finally:
        for watched in opened:
            watched.context.close()


def test_verdict_and_every_section_are_visible(open_page, pages):
    view = open_page(pages["comparison"])
    page = view.page
    assert page.locator("#verdict .answer").get_attribute("data-answer") == "no"
    assert page.locator("#verdict h2").inner_text() == "Safe to swap? NO"  # CSS uppercase
    assert page.locator("#verdict .reasons li").count() >= 3
    for section in ("verdict", "compared", "metrics", "slices", "flips", "cases",
                    "operations", "gates"):
        heading = page.locator(f"#{section} h2")
        heading.scroll_into_view_if_needed()
        assert heading.is_visible(), section
    assert page.locator("#slices svg.chart").first.is_visible()
    assert page.locator("#operations svg.chart").is_visible()
    assert len(view.rows()) == 50 and view.shown() == "1–50 of 70"
    page.locator("#case-rows tr.case").first.click()
    page.screenshot(path=str(artifacts() / "report.png"), full_page=True)


def test_filters_and_search_change_the_rows(open_page, pages, report_runs):
    view = open_page(pages["comparison"])
    page = view.page
    page.select_option("#f-status", "pass_to_fail")
    assert set(view.rows()) == report_runs.pass_to_fail  # c013 too: waived, still shown
    assert view.statuses() == {"pass → fail"}
    # the scorer's own transition: the partial answers still pass has_answer
    page.select_option("#f-scorer", label="has_answer")
    has_answer = view.rows()
    assert len(has_answer) == len(report_runs.pass_to_fail - report_runs.partial)
    assert not {"c005", "c015"} & set(has_answer)
    page.select_option("#f-scorer", label="exact")
    assert len(view.rows()) == len(report_runs.pass_to_fail)
    page.select_option("#f-scorer", "")
    page.select_option("#f-status", "fail_to_pass")
    assert set(view.rows()) == report_runs.fail_to_pass
    page.select_option("#f-status", "")
    page.select_option("#f-slice", label="lang = fr")
    assert view.shown().endswith("(filtered from 70)")
    fr = view.page.locator("#case-rows tr.case td:nth-child(3)").all_inner_texts()
    assert fr and set(fr) == {"lang=fr"}
    page.select_option("#f-slice", "")
    page.fill("#f-search", "A WRONG answer about 43")  # case-insensitive, outputs too
    view.wait_matches(1)
    assert view.rows() == ["c043"]
    page.fill("#f-search", "no match for this at all")
    view.wait_matches(0)
    assert page.locator("#case-rows").inner_text() == "No case matches the filters."


def test_pagination(open_page, pages):
    view = open_page(pages["comparison"])
    first = view.rows()
    view.page.locator("#pager-top button.next").click()
    assert view.shown() == "51–70 of 70" and len(view.rows()) == 20
    assert not set(first) & set(view.rows())
    assert view.page.locator("#pager-bottom button.next").is_disabled()
    view.page.locator("#pager-bottom button.first").click()
    assert view.rows() == first


def test_case_detail_shows_the_word_diff_and_explanations(open_page, pages):
    view = open_page(pages["comparison"])
    page = view.page
    page.fill("#f-search", "c033")
    view.wait_matches(1)
    page.locator("#case-rows tr.case").click()
    detail = page.locator("#case-rows tr.detail")
    assert detail.is_visible()
    # "answer 33" → "a wrong answer about 33": only insertions, word by word
    assert detail.locator("ins").all_text_contents() == ["a wrong ", " about"]
    assert detail.locator("del").count() == 0
    text = detail.inner_text()
    assert "output 'a wrong answer about 33' differs from the target 'answer 33'" in text
    assert "has_answer" in text and "latency" in text
    page.locator("#case-rows tr.case").click()  # closes again
    assert page.locator("#case-rows tr.detail").count() == 0


def test_payloads_are_shown_as_text_and_never_run(open_page, pages):
    view = open_page(pages["comparison"])
    page = view.page
    page.fill("#f-search", "alert(")
    view.wait_matches(len(XSS) + len(XSS_IDS))  # six outputs, two ids
    cells = page.locator("#case-rows tr.case td:nth-child(5)").all_text_contents()
    for payload in XSS.values():
        assert payload in cells
    for row in page.locator("#case-rows tr.case").all():
        row.click()
    for cell in page.locator("#case-rows .snip, #case-rows .out").all():  # onmouseover?
        cell.hover()
    assert XSS_IDS[1] in view.rows()  # `"><img src=x onerror=alert(3)>` is a case id, shown as typed
    flips = page.locator("#flips details")
    for index in range(flips.count()):
        flips.nth(index).locator("summary").click()
    assert page.locator("img, iframe, object, embed").count() == 0
    assert page.locator("script").count() == 2
    assert page.evaluate("document.querySelectorAll('[onerror],[onload],[onmouseover]').length") == 0


def test_single_run_page(open_page, pages):
    view = open_page(pages["single"])
    page = view.page
    assert page.locator("#verdict .answer").get_attribute("data-answer") in ("no", "yes",
                                                                             "inconclusive")
    assert page.locator("#flips").count() == 0
    assert view.statuses() <= {"failed", "passed", "error"}
    page.select_option("#f-status", "failed")
    assert view.statuses() == {"failed"}
    page.locator("#case-rows tr.case").first.click()
    assert "exact" in page.locator("#case-rows tr.detail").inner_text()


def test_suite_filter_on_a_report_of_two_suites(open_page, pages):
    view = open_page(pages["multi"])
    page = view.page
    assert page.locator("#verdict table.suites tbody tr").count() == 2
    options = page.locator("#f-suite option").all_inner_texts()
    assert options == ["all", "cmp", "report-suite"]
    assert view.shown() == "1–50 of 110"
    page.select_option("#f-suite", label="cmp")
    assert view.shown() == "1–40 of 40 (filtered from 110)"
    assert {row[:2] for row in view.rows()} == {"c0"}
    page.select_option("#f-status", "pass_to_fail")
    assert set(view.rows()) == {"c000", "c001", "c002", "c003"}
