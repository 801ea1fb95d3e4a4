"""`evalkit plan` and slice discovery as a user gets them: real `evalkit run`, `plan`,
`compare` and `report` subprocesses on a real DuckDB file (the Python pipeline of
tests/compare/helpers answers right except for chosen case ids)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.cli.helpers import evalkit, ok
from tests.compare.helpers import PIPELINE

MODEL = ["-m", "python/cmp_pipeline:answer", "-M", "path=."]
N = 300


EVIL = "t3 [bold red]x[/] \x1b[2J<b>"  # metadata is untrusted: markup, escapes, HTML


def _suite(folder: Path, evil: bool = False) -> Path:
    """N cases; `lang` is a declared slice, `topic` (5 values) is not (`evil`: topic t3 is
    named EVIL)."""
    (folder / "cmp_pipeline.py").write_text(PIPELINE, encoding="utf-8")
    with (folder / "cases.jsonl").open("w", encoding="utf-8") as handle:
        for i in range(N):
            handle.write(json.dumps({"id": f"c{i:03d}", "question": f"q {i}",
                                     "answer": f"answer {i}", "lang": ["en", "fr"][i % 2],
                                     "topic": EVIL if evil and i % 5 == 3
                                     else f"t{i % 5}"}) + "\n")
    suite = folder / "plan.yaml"
    suite.write_text("suite: plan\nprompt: \"{{ question }}\"\ncases:\n  from: cases.jsonl\n"
                     "  target: answer\n  metadata: [lang, topic]\nslices: [lang]\n"
                     "scorers:\n  - type: exact\n", encoding="utf-8")
    return suite


def _run(folder: Path, label: str, *args: str) -> None:
    ok(evalkit("run", "plan.yaml", *MODEL, "--label", label, "--db", "r.duckdb", *args,
               cwd=folder))


def _ids(condition) -> str:
    return ",".join(f"c{i:03d}" for i in range(N) if condition(i))


def test_plan_from_two_stored_runs_prints_the_mde_and_the_cases_needed(tmp_path):
    _suite(tmp_path)
    _run(tmp_path, "v1", "-M", "wrong=" + _ids(lambda i: i % 10 == 0))
    _run(tmp_path, "v2", "-M", "wrong=" + _ids(lambda i: i % 10 == 1))  # 60 cases differ
    done = ok(evalkit("plan", "plan.yaml", "--db", "r.duckdb", "--mde", "0.05", cwd=tmp_path))
    out = done.stdout
    assert "noise: recent runs" in out and "conservative" in out
    found = re.search(r"MDE now: ([\d.]+) pp on 300 cases \(passed, power 80%", out)
    assert found, out
    needed = re.search(r"; ([\d,]+) cases for a 5\.0 pp MDE", out)
    assert needed and int(needed.group(1).replace(",", "")) > 0, out
    assert "lang=en" in out and "lang=fr" in out  # per declared slice
    # more power, more cases
    more = ok(evalkit("plan", "plan.yaml", "--db", "r.duckdb", "--mde", "0.05", "--power", "0.95",
                      cwd=tmp_path)).stdout
    more_needed = re.search(r"; ([\d,]+) cases for a 5\.0 pp MDE", more)
    assert int(more_needed.group(1).replace(",", "")) > int(needed.group(1).replace(",", ""))
    by_name = ok(evalkit("plan", "plan", "--db", "r.duckdb", "--mde", "0.05", cwd=tmp_path))
    assert found.group(0) in by_name.stdout  # the suite's name: the same plan


def test_plan_with_a_stated_noise_needs_no_database(tmp_path):
    _suite(tmp_path)
    done = ok(evalkit("plan", "plan.yaml", "--assume-flips", "0.1", "--db", "none.duckdb",
                      cwd=tmp_path))
    assert "noise: assumed — 10.0% of the cases flip" in done.stdout
    assert re.search(r"or, keeping 300 cases: \d+ samples per case for a 2\.0 pp MDE|"
                     r"or, keeping 300 cases: no number of samples", done.stdout), done.stdout
    assert not (tmp_path / "none.duckdb").exists()


def test_plan_without_noise_is_a_one_line_error(tmp_path):
    _suite(tmp_path)
    missing = evalkit("plan", "plan.yaml", "--db", "none.duckdb", cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "no such database" in missing.stderr and "--assume-flips" in missing.stderr
    _run(tmp_path, "v1")
    once = evalkit("plan", "plan.yaml", "--db", "r.duckdb", cwd=tmp_path)
    assert once.returncode == 2 and "no stored noise" in once.stderr, once.stderr
    bad = evalkit("plan", "plan.yaml", "--db", "r.duckdb", "--assume-flips", "0.1",
                  "--power", "2", cwd=tmp_path)
    assert bad.returncode == 2 and "--power 2" in bad.stderr
    unknown = evalkit("plan", "nosuch", "--db", "r.duckdb", cwd=tmp_path)
    assert unknown.returncode == 2 and "no suite file or stored run named 'nosuch'" in unknown.stderr


def test_compare_and_the_report_show_the_undeclared_slice_that_broke(tmp_path):
    _suite(tmp_path)
    _run(tmp_path, "v1")
    # the candidate fails half of topic t3 (an undeclared field) and nothing else
    _run(tmp_path, "v2", "-M", "wrong=" + _ids(lambda i: i % 5 == 3 and i % 4 < 2))
    done = evalkit("compare", "v1", "v2", "--db", "r.duckdb", "--report", "r.html",
                   "--markdown", "r.md", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr  # a regression: "no"
    out = " ".join(done.stdout.split())
    assert "slices where the candidate got worse" in out
    assert "candidate is 50.0 pp worse on topic = t3 (n = 60;" in out, out
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Slices where the candidate got worse" in html
    assert "candidate is 50.0 pp worse on topic = t3 (n = 60;" in html
    assert "MDE now:" in html  # the power plan in the verdict section
    verdict = html[html.index('id="verdict"'):html.index('id="compared"')]
    assert "topic = t3" in verdict and "MDE now:" in verdict
    markdown = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "50.0 pp worse on topic = t3" in markdown and "MDE now:" in markdown


def test_a_slice_named_by_hostile_metadata_is_shown_escaped(tmp_path):
    _suite(tmp_path, evil=True)
    _run(tmp_path, "v1")
    _run(tmp_path, "v2", "-M", "wrong=" + _ids(lambda i: i % 5 == 3 and i % 4 < 2))
    done = evalkit("compare", "v1", "v2", "--db", "r.duckdb", "--report", "r.html",
                   cwd=tmp_path)
    assert "\x1b" not in done.stdout  # no raw escape reaches the terminal
    out = " ".join(done.stdout.split())
    assert "50.0 pp worse on topic = t3 [bold red]x[/] \\x1b[2J<b>" in out, out
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "t3 [bold red]x[/] \\x1b[2J&lt;b&gt;" in html and "<b>" not in html


def test_compare_of_the_same_answers_reports_no_slice(tmp_path):
    _suite(tmp_path)
    _run(tmp_path, "v1")
    _run(tmp_path, "v2", "-M", "cost=0.002")  # another configuration, the same answers
    done = ok(evalkit("compare", "v1", "v2", "--db", "r.duckdb", cwd=tmp_path))
    assert "none where the candidate is significantly worse" in " ".join(done.stdout.split())
