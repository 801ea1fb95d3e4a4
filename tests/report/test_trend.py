"""Trends over a suite's runs: Wilson intervals checked against statsmodels; `evalkit trend`
through the real CLI on four real runs (order, values, intervals, slice gaps, --label-glob,
--baseline, --metric, --chart); the report's trend section appears with three runs or more
and is left out with fewer."""
from __future__ import annotations

import re

import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from evalkit.report.trend import newcombe, points, wilson
from evalkit.store import Store
from tests.cli.helpers import evalkit
from tests.report.pipeline_runs import make_runs
from tests.report.test_browser import browser, open_page  # noqa: F401 (fixtures)

N = 20


@pytest.mark.parametrize(("successes", "n"), [(0, 1), (1, 1), (0, 20), (7, 20), (20, 20),
                                              (13, 37), (999, 1000), (512, 1000)])
def test_wilson_matches_statsmodels(successes, n):
    low, high = wilson(successes, n)
    ref_low, ref_high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    assert low == pytest.approx(ref_low, abs=1e-12) and high == pytest.approx(ref_high, abs=1e-12)


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), [(9, 10, 3, 10), (10, 10, 6, 10),
                                                    (0, 5, 5, 5), (45, 50, 12, 40)])
def test_newcombe_matches_statsmodels(x1, n1, x2, n2):
    low, high = newcombe(x1, n1, x2, n2)
    ref = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
    assert low == pytest.approx(ref[0], abs=1e-12) and high == pytest.approx(ref[1], abs=1e-12)


@pytest.fixture(scope="module")
def four(tmp_path_factory):
    """v1..v4 of one suite: 20 cases in groups a (first 10) and b; v2 breaks 4 of b, v3
    breaks 2 of b, v4 breaks 6 (3 in each group). Baseline prod: v1, then v3."""
    keys = [f"q{i:02d}" for i in range(N)]
    groups = {k: "a" if i < 10 else "b" for i, k in enumerate(keys)}
    good = {k: "yes" for k in keys}
    outputs = {"v1": good, "v2": dict(good, **{k: "no" for k in keys[10:14]}),
               "v3": dict(good, **{k: "no" for k in keys[10:12]}),
               "v4": dict(good, **{k: "no" for k in keys[:3] + keys[10:13]})}
    runs = make_runs(tmp_path_factory.mktemp("trend"), outputs, {k: "yes" for k in keys},
                     groups, gates="compare: {primary: [contains]}\n")
    env = dict(runs["env"], COLUMNS="220")
    for label in ("v1", "v3"):
        assert evalkit("baseline", "set", "prod", label, "--by", "t", cwd=runs["folder"],
                       env=env).returncode == 0
    return {**runs, "env": env}


def _rows(stdout: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("│")[1:-1]] for line in stdout.splitlines()
            if line.startswith("│")]


def test_trend_table_over_every_run(four):
    done = evalkit("trend", "report-check", cwd=four["folder"], env=four["env"])
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout)
    assert [r[0] for r in rows] == ["v1", "v2", "v3", "v4"]
    header = next(line for line in done.stdout.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in header.split("┃")[1:-1]][3] == "contains"  # compare.primary
    for row, passed in zip(rows, (20, 16, 18, 14)):
        low, high = proportion_confint(passed, N, method="wilson")
        assert row[3] == f"{passed / N:.1%} [{low:.1%}, {min(high, 1):.1%}] n={N}"
    # slice gaps of `passed` (a vs b): 0, 40, 20, 0 pp
    assert [r[4].split(" pp")[0] for r in rows] == ["0.0", "40.0", "20.0", "0.0"]
    assert "(b lowest)" in rows[1][4]
    low, high = confint_proportions_2indep(10, 10, 6, 10, method="newcomb", compare="diff")
    assert rows[1][4] == f"40.0 pp [{low * 100:.1f}, {high * 100:.1f}] (b lowest)"


def test_trend_filters_and_metrics(four):
    folder, env = four["folder"], four["env"]
    done = evalkit("trend", "report-check", "--label-glob", "v[12]", cwd=folder, env=env)
    assert [r[0] for r in _rows(done.stdout)] == ["v1", "v2"]
    done = evalkit("trend", "report-check", "--baseline", "prod", cwd=folder, env=env)
    assert [r[0] for r in _rows(done.stdout)] == ["v1", "v3"]
    done = evalkit("trend", "report-check", "--metric", "passed", "--metric", "contains",
                   cwd=folder, env=env)
    assert done.returncode == 0 and "contains" in done.stdout
    assert _rows(done.stdout)[1][3].startswith("80.0%") and _rows(done.stdout)[1][4].startswith("80.0%")
    done = evalkit("trend", "report-check", "--metric", "nope", cwd=folder, env=env)
    assert done.returncode == 2 and "has no such metric" in done.stderr
    assert "passed, contains" in done.stderr
    done = evalkit("trend", "no-such-suite", cwd=folder, env=env)
    assert done.returncode == 2 and "no runs of suite 'no-such-suite'" in done.stderr


def test_trend_chart_files(four):
    folder, env = four["folder"], four["env"]
    done = evalkit("trend", "report-check", "--chart", "t.png", cwd=folder, env=env)
    assert done.returncode == 0, done.stderr
    assert (folder / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    done = evalkit("trend", "report-check", "--chart", "t.svg", cwd=folder, env=env)
    assert "<svg" in (folder / "t.svg").read_text()
    done = evalkit("trend", "report-check", "--chart", "t.txt", cwd=folder, env=env)
    assert done.returncode == 2 and "must end in .png or .svg" in done.stderr


def test_report_trend_section(four):
    folder, env = four["folder"], four["env"]
    assert evalkit("report", "v3", "v4", "-o", "late.html", cwd=folder, env=env).returncode == 0
    assert evalkit("report", "v1", "v2", "-o", "early.html", cwd=folder, env=env).returncode == 0
    late = (folder / "late.html").read_text()
    section = late[late.index('<section id="trend"'):]
    section = section[:section.index("</section>")]
    assert 'href="#trend"' in late and "<svg" in section
    names = re.findall(r'<td class="mono">(v\d)', section)
    assert names == ["v1", "v2", "v3", "v4"]  # runs up to the candidate, oldest first
    assert '<span class="badge">baseline</span>' in section
    assert '<span class="badge">candidate</span>' in section
    early = (folder / "early.html").read_text()
    assert 'id="trend"' not in early  # two runs up to v2: no trend yet
    with Store(four["db"], read_only=True) as store:
        found = points(store, "report-check")
    assert [p.rates["passed"].value for p in found] == [1.0, 0.8, 0.9, 0.7]


def test_a_gap_chosen_among_several_values_gets_a_wider_interval():
    from evalkit.compare.run_metrics import MetricValue
    from evalkit.report.trend import _gap

    def values(rates):
        return [MetricValue("passed", "pass_rate", "lang", name, 20, rate, 1)
                for name, rate in rates.items()]

    two = _gap(values({"de": 0.5, "en": 0.9}), "lang")
    three = _gap(values({"de": 0.5, "en": 0.9, "fr": 0.7}), "lang")
    assert (two.best, two.worst) == (three.best, three.worst) == ("en", "de")
    assert two.gap == pytest.approx(0.4) and three.gap == pytest.approx(0.4)
    assert (two.low, two.high) == pytest.approx(newcombe(18, 20, 10, 20))  # one pair: plain
    assert three.low < two.low and three.high > two.high  # three pairs: Bonferroni-widened
    assert (three.low, three.high) == pytest.approx(newcombe(18, 20, 10, 20, z=2.3939797998185104))


def test_report_trend_section_in_a_real_browser(four, open_page):  # noqa: F811
    folder, env = four["folder"], four["env"]
    assert evalkit("report", "v2", "v4", "-o", "browser.html", cwd=folder,
                   env=env).returncode == 0
    page = open_page(folder / "browser.html").page
    page.locator('nav a[href="#trend"]').click()
    assert page.locator("#trend svg.chart").is_visible()
    assert page.locator("#trend table.trend tbody tr").count() == 4
