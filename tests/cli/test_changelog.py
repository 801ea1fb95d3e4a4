"""The model-swap changelog, through the real CLI on real runs: `baseline set` records why, who
(--by, else git's user.name) and the comparison with the run it replaces; `changelog` tells
set / set / rollback / set newest first in Markdown and HTML; `baseline show` tells the same
story; a second rollback says where the baseline has been, not that it "only pointed at" one
run; stored text stays inert in both formats."""
from __future__ import annotations

import json
import re

import pytest

from evalkit.compare import baselines
from evalkit.store import Store
from tests.cli.helpers import evalkit
from tests.report.conftest import report_runs  # noqa: F401 (fixture)
from tests.report.pipeline_runs import make_runs
from tests.report.test_browser import browser, open_page  # noqa: F401 (fixtures)

XSS = "<img src=x onerror=alert(1)>"
N = 30


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """v1 passes every case; v2 breaks 12 (a regression); v3 passes every case but one."""
    keys = [f"c{i:02d}" for i in range(N)]
    targets = {k: "yes" for k in keys}
    v1 = {k: "yes" for k in keys}
    v2 = dict(v1, **{k: "no" for k in keys[:12]})
    v3 = dict(v1, **{keys[0]: f"no {XSS}"})
    runs = make_runs(tmp_path_factory.mktemp("changelog"), {"v1": v1, "v2": v2, "v3": v3},
                     targets)
    folder, env = runs["folder"], dict(runs["env"])
    gitconfig = folder / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Dana From Git\n")
    env.update(GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1")
    steps = [("baseline", "set", "prod", "v1", "-m", "launch", "--by", "alice"),
             ("baseline", "set", "prod", "v2", "-m", f"cheaper model {XSS}", "--by", "bob"),
             ("baseline", "rollback", "prod", "-m", "v2 broke twelve answers", "--by", "carol"),
             ("baseline", "set", "prod", "v3", "-m", "fixed model")]
    said = []
    for step in steps:
        done = evalkit(*step, cwd=folder, env=env)
        assert done.returncode == 0, done.stderr
        said.append(done.stdout)
    return {**runs, "env": env, "said": said}


def _ids(db, *labels):
    with Store(db, read_only=True) as store:
        return [store.query("SELECT run_id FROM runs WHERE label = ?", [label])[0][0]
                for label in labels]


def test_set_records_who_why_and_the_comparison_with_the_run_it_replaces(history):
    v1, v2, v3 = _ids(history["db"], "v1", "v2", "v3")
    assert "safe to swap" not in history["said"][0]  # the first baseline compares with nothing
    assert f"safe to swap vs {v1}: no" in history["said"][1]
    with Store(history["db"], read_only=True) as store:
        events = baselines.history(store, "prod")
    assert [(e.action, e.run_id, e.by) for e in events] == [
        ("set", v1, "alice"), ("set", v2, "bob"), ("rollback", v1, "carol"),
        ("set", v3, "Dana From Git")]
    first, second, back, third = (e.summary for e in events)
    assert first["first"] is True and "answer" not in first
    assert second["previous"]["run_id"] == v1 and second["answer"] == "no"
    assert second["tally"] == {"fixed": 0, "broke": 12, "unchanged": N - 12, "one_side": 0,
                               "waived": 0, "unit": "cases"}
    assert second["broke"] == [f"c{i:02d}" for i in range(12)] and second["fixed"] == []
    assert second["deltas"][0]["where"] == "overall" and second["deltas"][0]["verdict"] == "regressed"
    assert any(c["item"] == "backend option version" for c in second["changed"])
    assert back == {"from": v2, "to": v1}
    # After the rollback, v3 replaces v1 (where the baseline pointed), not v2.
    assert third["previous"]["run_id"] == v1 and third["tally"]["broke"] == 1
    assert third["broke"] == ["c00"]


def test_changelog_markdown_tells_the_history_newest_first(history):
    v1, v2, v3 = _ids(history["db"], "v1", "v2", "v3")
    done = evalkit("changelog", "prod", cwd=history["folder"], env=history["env"])
    assert done.returncode == 0, done.stderr
    text = done.stdout
    heads = re.findall(r"^## #(\d) · .* · (.*)$", text, flags=re.M)
    assert [n for n, _ in heads] == ["4", "3", "2", "1"]
    assert heads[0][1].startswith(f"promoted v3 \\(run {v3}\\), replacing v1 \\(run {v1}\\)")
    assert heads[1][1].startswith(f"rolled back to v1 \\(run {v1}\\) from v2")
    assert heads[2][1].startswith("promoted v2") and "❌ safe to swap: no" in heads[2][1]
    assert heads[3][1].startswith("first baseline: v1")
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    assert "**why**: fixed model" in sections[0] and "**by**: Dana From Git" in sections[0]
    assert "**broke**: c00" in sections[0]
    assert "**by**: carol" in sections[1] and "v2 broke twelve answers" in sections[1]
    assert "**outcome**: fixed 0 / broke 12 / unchanged 18 cases" in sections[2]
    assert "**by**: bob" in sections[2] and "**also changed**: backend option version" in sections[2]
    assert "**compared**: nothing: the first run" in sections[3]
    assert "<img" not in text and "&lt;img src=x onerror=alert\\(1\\)&gt;" in text


def test_changelog_html_is_escaped_and_in_the_same_order(history):
    out = history["folder"] / "changelog.html"
    done = evalkit("changelog", "prod", "--format", "html", "-o", out, cwd=history["folder"],
                   env=history["env"])
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert [int(n) for n in re.findall(r'id="change-(\d)"', page)] == [4, 3, 2, 1]
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "script-src 'none'" in page and "<script" not in page
    assert page.count('data-answer="no"') == 1 and page.count('data-answer="yes"') == 0
    assert 'class="change set current"' in page and 'undone' in page


def test_baseline_show_tells_the_same_story(history):
    done = evalkit("baseline", "show", "prod", cwd=history["folder"], env=history["env"])
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if re.match(r"^\W*[1-4]\W", line)]
    assert [re.search(r"[1-4]", r).group() for r in rows] == ["4", "3", "2", "1"]
    assert "promoted v3" in done.stdout and "Dana From Git" in done.stdout
    assert "carol" in done.stdout and "current" in done.stdout and "undone" in done.stdout


def test_a_second_rollback_says_where_the_baseline_has_been(history, tmp_path):
    db = tmp_path / "copy.duckdb"
    db.write_bytes(history["db"].read_bytes())
    env = dict(history["env"], EVALKIT_DB=str(db))
    v1, v2 = _ids(db, "v1", "v2")
    done = evalkit("baseline", "rollback", "prod", "--db", db, cwd=history["folder"], env=env)
    assert done.returncode == 0, done.stderr  # v3 → v1
    done = evalkit("baseline", "rollback", "prod", "--db", db, cwd=history["folder"], env=env)
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert "only pointed at" not in message
    assert f"back at its first run {v1}" in message and v2 in message
    assert "evalkit baseline set prod RUN" in message


def test_a_secret_in_the_why_is_masked_where_it_is_stored(history, tmp_path):
    db = tmp_path / "copy.duckdb"
    db.write_bytes(history["db"].read_bytes())
    secret = "zq81-very-private-token-value"
    env = dict(history["env"], EVALKIT_DB=str(db), MY_SERVICE_TOKEN=secret)
    done = evalkit("baseline", "set", "prod", "v2", "-m", f"token {secret} rotated", "--by",
                   f"bot {secret}", cwd=history["folder"], env=env)
    assert done.returncode == 0, done.stderr
    with Store(db, read_only=True) as store:
        stored = store.query("SELECT note, changed_by, summary FROM baselines "
                             "WHERE name = 'prod' ORDER BY seq DESC LIMIT 1")[0]
    assert all(secret not in str(value) for value in stored)
    assert "***" in stored[0] and json.loads(stored[2])["previous"]["label"] == "v3"
    shown = evalkit("changelog", "prod", cwd=history["folder"], env=env).stdout
    assert secret not in shown and "token \\*\\*\\* rotated" in shown


def test_changelog_of_an_unknown_baseline_is_a_one_line_error(history):
    done = evalkit("changelog", "staging", cwd=history["folder"], env=history["env"])
    assert done.returncode == 2
    assert done.stderr.strip() == "error: no baseline 'staging' (baselines: prod)"


def test_a_database_from_before_the_changelog_reads_and_migrates(tmp_path):
    """Baseline rows written before migration 6 (no who, no summary): readable read-only,
    said honestly in the changelog, and migrated by the next writer."""
    import duckdb

    from evalkit.report.changelog import entries, render_markdown
    from evalkit.store.schema import MIGRATIONS

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
                "applied_at TIMESTAMP)")
    for version, name, sql in MIGRATIONS[:5]:
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, current_timestamp)",
                    [version, name])
    for run_id in ("old1", "old2"):
        con.execute("INSERT INTO runs (run_id, suite, suite_hash, model_ref, backend, status, "
                    "started_at) VALUES (?, 's', 'h', 'python/x:y', 'python', 'completed', "
                    "current_timestamp)", [run_id])
    con.execute("INSERT INTO baselines (name, run_id, note, action, seq) VALUES "
                "('prod', 'old1', 'launch', 'set', 1), ('prod', 'old2', NULL, 'set', 2)")
    con.close()
    with Store(db, read_only=True) as store:  # not migrated
        found = entries(store, "prod")
    assert [(e.seq, e.by, e.summary) for e in found] == [(2, None, {}), (1, None, {})]
    text = render_markdown("prod", found)
    assert "promoted run old2, replacing run old1" in text
    assert "no comparison was recorded" in text and "**by**: \\(unknown\\)" in text
    with Store(db) as store:  # a writer applies migration 6 and keeps the rows
        assert [e.note for e in baselines.history(store, "prod")] == ["launch", None]
        assert 6 in {v for (v,) in store.query("SELECT version FROM schema_migrations")}


# (before the browser test: `report_runs` runs in process with asyncio.run, which Playwright's
# sync API, running once the module's browser is open, would refuse)
def test_the_summary_lists_the_waivers_in_force(report_runs):  # noqa: F811
    """On the report fixture's runs (c013 waived until 2099, c023's waiver expired): the
    summary names the waiver that was used, not the expired one, and counts it out."""
    from evalkit.report.changelog import summarize

    with Store(report_runs.db, read_only=True) as store:
        base, cand = (store.query("SELECT run_id FROM runs WHERE label = ?", [label])[0][0]
                      for label in ("base", "cand"))
        summary = summarize(store, base, cand)
    assert summary["waivers"] == [{"case": "c013", "metric": "all metrics",
                                   "reason": "flaky upstream, TICKET-7",
                                   "expires": "2099-12-31", "results": 1}]
    assert summary["tally"]["waived"] == 1 and "c013" not in summary["broke"]
    assert summary["answer"] == "no" and summary["previous"]["label"] == "base"


def test_changelog_page_in_a_real_browser(history, open_page):  # noqa: F811
    """The HTML changelog in headless Chromium: newest first, the stored payload shows as
    text, no script runs, nothing is requested (Watched.check)."""
    out = history["folder"] / "browser.html"
    done = evalkit("changelog", "prod", "--format", "html", "-o", out, cwd=history["folder"],
                   env=history["env"])
    assert done.returncode == 0, done.stderr
    page = open_page(out).page
    headings = page.locator("section.change h2").all_inner_texts()
    assert [h.split(" · ")[0] for h in headings] == ["#4", "#3", "#2", "#1"]
    why = page.locator("#change-2 dd.fact-why").inner_text()
    assert why == f"cheaper model {XSS}"  # the payload, as text
    assert page.locator("img").count() == 0
    assert page.locator("#change-2 .badge[data-answer='no']").is_visible()
