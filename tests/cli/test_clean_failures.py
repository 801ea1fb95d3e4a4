"""Bad input is a clear error with its exit code, before any work, never "internal error".

Seeds too large for the store, a suite that would replace the called model, damaged or
foreign database files, negative limits, unwritable outputs, a bad --redact regex, CSV rows
with missing cells, and a hub dataset that `validate` would have downloaded.
"""
from __future__ import annotations

import socket
import threading

import pytest

from tests.cli.helpers import assert_no_traceback, clean_env, evalkit, ok, query

SUITE = "suite: s\nprompt: '{{ q }}'\n%scases:\n  - {id: a, q: abc, target: abc}\n" \
        "  - {id: b, q: abd, target: abd}\nscorers:\n  - type: exact\n"


def suite(folder, extra: str = ""):
    (folder / "s.yaml").write_text(SUITE % extra, encoding="utf-8")
    (folder / "echo_pipe.py").write_text("def answer(prompt):\n    return prompt\n")
    return folder / "s.yaml"


def fails(proc, code: int, start: str) -> str:
    assert proc.returncode == code, proc
    assert_no_traceback(proc.stderr)
    assert "internal error" not in proc.stderr
    first = proc.stderr.strip().splitlines()[0]
    assert first.startswith(start), proc.stderr
    return proc.stderr


@pytest.fixture
def stored(tmp_path):
    """A folder with a suite and a database holding one run of it."""
    suite(tmp_path)
    ok(evalkit("run", "s.yaml", "-m", "python/echo_pipe:answer", "--db", "good.duckdb",
               "--label", "v1", cwd=tmp_path))
    return tmp_path


@pytest.mark.parametrize("extra, where", [
    ("seed: 100000000000000000000000000\n", "s.yaml:3:7: error: Input should be less than"),
    ("options: {seed: -100000000000000000000}\n", "s.yaml:3:17: error: Input should be greater"),
    ("options: {extra: {model: gpt-4o}}\n", "s.yaml:3:18: error: options.extra cannot set 'model'"),
    ("options: {extra: {stream: true}}\n", "s.yaml:3:18: error: options.extra cannot set 'stream'"),
])
def test_suite_values_the_run_would_choke_on_fail_validation(tmp_path, extra, where):
    suite(tmp_path, extra)
    fails(evalkit("validate", "s.yaml", cwd=tmp_path), 2, where)
    fails(evalkit("run", "s.yaml", "-m", "python/echo_pipe:answer", "--db", "r.duckdb",
                  cwd=tmp_path), 2, "error: ")


def test_a_damaged_database_is_a_one_line_error(stored):
    data = (stored / "good.duckdb").read_bytes()
    (stored / "cut.duckdb").write_bytes(data[: len(data) // 2])
    (stored / "empty.duckdb").write_bytes(b"")
    for db in ("cut.duckdb", "empty.duckdb"):
        for args in (["runs"], ["show", "v1"], ["run", "s.yaml", "-m", "python/echo_pipe:answer"]):
            fails(evalkit(*args, "--db", db, cwd=stored), 3, "error: ")


def test_a_duckdb_file_that_is_not_evalkits_is_refused(stored):
    import duckdb

    con = duckdb.connect(str(stored / "other.duckdb"))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    text = fails(evalkit("runs", "--db", "other.duckdb", cwd=stored), 3, "error: ")
    assert "is a DuckDB file but not an evalkit results database" in text


def test_a_negative_limit_is_a_usage_error(stored):
    text = fails(evalkit("runs", "--limit", "-5", "--db", "good.duckdb", cwd=stored), 2, "Usage:")
    assert "-5 is not in the range x>=1" in text


@pytest.mark.parametrize("args", [
    ["report", "v1", "-o", "/proc/evalkit/r.html"],
    ["report", "v1", "--format", "md", "-o", "/proc/r.md"],
    ["report", "v1", "-o", "ok.html", "--junit", "/proc/j.xml"],
    ["export", "v1", "--format", "csv", "-o", "/proc/evalkit/x.csv"],
])
def test_an_unwritable_output_is_a_usage_error(stored, args):
    text = fails(evalkit(*args, "--db", "good.duckdb", cwd=stored), 2, "error: cannot write /proc/")
    assert "fix: choose a path in a writable folder" in text


def test_a_bad_redact_pattern_is_checked_before_the_work(tmp_path):
    # The database does not exist: the regex is reported first, before anything is opened.
    for command in (["report", "v1"], ["compare", "v1", "v2"]):
        fails(evalkit(*command, "--redact", "(", "--db", "missing.duckdb", cwd=tmp_path), 2,
              "error: --redact '(' is not a valid regular expression")


def test_csv_rows_with_missing_cells_are_rejected_at_their_line(tmp_path):
    (tmp_path / "c.csv").write_text("id,q,answer\na,q1,t1\nb,q2\nc,q3,t3\n")
    (tmp_path / "s.yaml").write_text("suite: s\nprompt: '{{ q }}'\ncases:\n  from: c.csv\n"
                                     "  target: answer\nscorers:\n  - type: exact\n")
    text = fails(evalkit("validate", "s.yaml", cwd=tmp_path), 2,
                 "c.csv:3:1: error: row has fewer cells than the header (no 'answer')")
    assert "3 | b,q2" in text


def test_a_nan_cost_from_a_pipeline_is_its_case_error(tmp_path):
    (tmp_path / "nan_pipe.py").write_text(
        "def answer(prompt):\n"
        "    return {'text': prompt, 'cost_usd': float('nan') if prompt == 'abc' else 0.5}\n")
    suite(tmp_path)
    ok(evalkit("run", "s.yaml", "-m", "python/nan_pipe:answer", "--db", "r.duckdb", cwd=tmp_path))
    rows = dict(query(tmp_path / "r.duckdb", "SELECT case_id, error FROM results"))
    assert rows == {"a": "pipeline returned a dict with 'cost_usd' must be a finite number ≥ 0, "
                         "got nan", "b": None}


class Listener:
    """A TCP port that counts connections: where a download would have gone."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def test_validate_never_downloads_a_hub_dataset(tmp_path):
    (tmp_path / "hf.yaml").write_text("suite: h\nprompt: '{{ question }}'\ncases:\n"
                                      "  hf: someorg/somedataset\n  target: answer\n"
                                      "scorers:\n  - type: exact\n")
    listener = Listener()
    try:
        env = clean_env(HF_ENDPOINT=f"http://127.0.0.1:{listener.sock.getsockname()[1]}")
        for key in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
            env.pop(key)
        proc = ok(evalkit("validate", "hf.yaml", cwd=tmp_path, env=env, timeout=60))
    finally:
        listener.close()
    assert listener.connections == 0
    assert proc.stdout.startswith("ok: hf.yaml (cases from hf:someorg/somedataset not fetched")
