"""The same mistake in many cases is reported once (issue 18, item 6): with how many cases,
the suite line, and a did-you-mean from the case's fields. Through `evalkit run`: exit 2
before any model call."""
from __future__ import annotations

from tests.cli.ergonomics import cli, project
from tests.cli.helpers import assert_no_traceback, write_jsonl


def _csv(folder, rows: int) -> None:
    lines = ["id,question,answer"] + [f"q{i},what is {i},a{i}" for i in range(rows)]
    (folder / "support.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _run(folder, suite_text: str):
    (folder / "s.yaml").write_text(suite_text, encoding="utf-8")
    proc = cli(folder, "run", "s.yaml", "-m", "python/pipe:answer", "-M", "path=.")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert_no_traceback(proc.stderr)
    assert not (folder / "e.duckdb").exists()  # nothing ran
    return [line for line in proc.stderr.splitlines() if ": error: " in line], proc.stderr


def test_a_wrong_csv_column_is_one_error_at_the_suite_line(tmp_path):
    project(tmp_path)
    _csv(tmp_path, 40)
    errors, text = _run(tmp_path, 'suite: s\nprompt: "{{ question }}"\ncases:\n'
                                  '  from: support.csv\n  target: answr\n')
    assert len(errors) == 1, text
    assert errors[0].startswith("error: s.yaml:5:11: error: none of the 40 records of "
                                "support.csv has a field 'answr' (lines 2, 3, 4, 5, 6, …)"), text
    assert "  target: answr" in text and "hint: did you mean 'answer'?" in text


def test_a_template_typo_in_twenty_cases_is_one_error_naming_them(tmp_path):
    project(tmp_path)
    _csv(tmp_path, 20)
    errors, text = _run(tmp_path, 'suite: s\nprompt: "Q: {{ questoin }}"\ncases:\n'
                                  '  from: support.csv\n  target: answer\n')
    assert len(errors) == 1, text
    assert "s.yaml:2:1: error: 'questoin' is undefined in 20 cases: 'q0', 'q1', 'q2', 'q3', " \
           "'q4', …" in errors[0], text
    assert "hint: did you mean 'question'?" in text


def test_a_field_some_records_lack_counts_them_at_the_metadata_line(tmp_path):
    project(tmp_path)
    write_jsonl(tmp_path / "c.jsonl", [{"id": f"c{i}", "question": "q", "answer": "a",
                                        **({"lang": "en"} if i % 2 else {"language": "de"})}
                                       for i in range(5)])
    errors, text = _run(tmp_path, 'suite: s\nprompt: "{{ question }}"\ncases:\n'
                                  '  from: c.jsonl\n  target: answer\n  metadata: [lang]\n')
    assert len(errors) == 1, text
    assert "s.yaml:6:14: error: 3 records of c.jsonl have no field 'lang' (lines 1, 3, 5)" \
        in errors[0], text
    assert "hint: did you mean 'language'?" in text
