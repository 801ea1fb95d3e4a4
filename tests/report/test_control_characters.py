"""Any Unicode renders: control characters (U+0001–0008, ESC, C1), bidirectional overrides
and the noncharacter U+FFFE in slice values, case ids, outputs and labels give a report
(HTML opened in Chromium, Markdown, JUnit XML that parses) and terminal output (`run`,
`show`, `runs`, `compare`, errors) that show them escaped (`\\x1b`), never raw and never
interpreted as rich markup. Real `evalkit` subprocesses."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.cli.helpers import assert_no_traceback, evalkit, ok, write_jsonl

from .test_browser import Watched, browser  # noqa: F401  (a fixture)

HOSTILE = ["a\x01b", "esc\x1b[31m", "non\ufffechar", "bidi\u202egnp", "c1\x9bz", "plain"]
RAW = ("\x01", "\x1b", "\ufffe", "\u202e", "\x9b")
PIPELINE = '''
def answer(prompt):
    return "out \\x07 \\x1b[2J [bold]loud[/bold] \\ufffe " + prompt
'''


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("control")
    (folder / "pipe.py").write_text(PIPELINE, encoding="utf-8")
    write_jsonl(folder / "cases.jsonl", [
        {"id": f"c{i}\x1b[2J[red]x[/red]", "q": f"q{i}", "answer": f"q{i}" if i % 2 else "no",
         "lang": value} for i, value in enumerate(HOSTILE)])
    (folder / "s.yaml").write_text(
        'suite: ctl\nprompt: "{{ q }}"\ncases:\n  from: cases.jsonl\n  target: answer\n'
        "  metadata: [lang]\nslices: [lang]\nscorers:\n  - type: contains\n", encoding="utf-8")
    texts = []
    for label in ("base\x1b[1m", "cand[red]"):
        texts.append(ok(evalkit("run", "s.yaml", "-m", "python/pipe:answer", "-M", "path=.",
                                "--db", "r.duckdb", "--label", label, "--no-cache", cwd=folder)))
    for args in (["show", "cand[red]", "--all"], ["runs"],
                 ["compare", "base\x1b[1m", "cand[red]", "--details", "--report", "r.html", "--markdown",
                  "r.md", "--junit", "r.xml"]):
        proc = evalkit(*args, "--db", "r.duckdb", cwd=folder)
        assert proc.returncode in (0, 1), proc.stderr
        texts.append(proc)
    return folder, texts


def test_terminal_output_shows_control_characters_escaped(hostile):
    _, procs = hostile
    for proc in procs:
        assert_no_traceback(proc.stderr)
        for char in RAW + ("\x07",):
            assert char not in proc.stdout + proc.stderr, (char, proc.args)
    run, _, show, runs, compare = procs
    assert "[base\\x1b[1m]" in run.stdout  # the run summary's label
    assert "c0\\x1b[2J[red]x[/red]" in show.stdout  # case ids: escaped, markup printed
    assert "out \\x07 \\x1b[2J [bold]loud[/bold] \\ufffe" in show.stdout
    assert "esc\\x1b[31m" in show.stdout and "bidi\\u202egnp" in show.stdout
    assert "cand[red]" in runs.stdout and "base\\x1b[1m" in runs.stdout
    assert "(label base\\x1b[1m)" in compare.stdout and "lang=esc\\x1b[31m" in compare.stdout


def test_every_report_renders_with_control_characters_shown_escaped(hostile, browser):  # noqa: F811
    folder, _ = hostile
    markdown = (folder / "r.md").read_text(encoding="utf-8")
    xml = (folder / "r.xml").read_text(encoding="utf-8")
    page = (folder / "r.html").read_text(encoding="utf-8")
    ET.fromstring(xml)  # parses
    for text in (markdown, xml, page):
        for char in RAW:
            assert char not in text, repr(char)
    assert "esc\\x1b[31m" in page and "non\\ufffechar" in page
    watched = Watched(browser, folder / "r.html")
    try:
        body = watched.page.locator("body").inner_text()
        assert "Safe to swap" in body
        assert "a\\x01b" in body and "bidi\\u202egnp" in body  # the slice chart and table
        data = json.loads(watched.page.locator("#cases-data").text_content())
        assert any(r["i"].startswith("c0\\x1b[2J") for r in data["rows"])
        watched.check()
    finally:
        watched.context.close()


def test_errors_on_the_terminal_are_escaped(tmp_path):
    write_jsonl(tmp_path / "cases.jsonl", [{"id": "dup\x1b[2J", "q": "a"},
                                           {"id": "dup\x1b[2J", "q": "b"}])
    (tmp_path / "s.yaml").write_text('suite: s\nprompt: "{{ q }}"\ncases:\n  from: cases.jsonl\n',
                                     encoding="utf-8")
    for args in (["validate", "s.yaml"], ["run", "s.yaml", "-m", "replay/none.jsonl"]):
        proc = evalkit(*args, cwd=tmp_path)
        assert proc.returncode == 2
        assert "\x1b" not in proc.stderr
        assert "duplicate case id 'dup\\x1b[2J'" in proc.stderr
    assert Path(tmp_path / "s.yaml").exists()
