"""One secret of every kind, planted, then searched for in every sink.

Kinds: an API key from `-M api_key` (5 characters), header values from `-M headers` (one of
4 characters), a judge's `args.api_key` and `args.headers` (from the suite file), the user
and password in `api_base` (and the Basic auth header made of them), an `?api-key=` in
`api_base`, a credential in the environment, and an API-key shape nobody registered. The
test server echoes the request headers into every answer, so each registered secret comes
back inside model output and judge verdicts.

Sinks: the DuckDB file and its write-ahead log (left behind by a run killed mid-way), every
text column of every table, `evalkit runs`/`show`, `export` (csv, jsonl, parquet), the HTML,
Markdown and JUnit reports, and every stdout and stderr, including a suite error.
"""
from __future__ import annotations

import base64
import json
import secrets
import signal
import time
from pathlib import Path

import pytest

from tests.cli.helpers import (
    clean_env,
    evalkit,
    evalkit_popen,
    ok,
    query,
    read_db,
    write_jsonl,
)
from tests.support.openai_server import serve

ECHOED = ["Authorization", "x-api-key", "api-key", "x-judge-key"]
INPUTS = {"s.yaml", "cases.jsonl", "bad.yaml"}  # what the user wrote: not a sink


def _short(prefix: str, hex_chars: int) -> str:
    return prefix + secrets.token_hex(8)[:hex_chars]


class Planted:
    def __init__(self, port: int):
        self.api_key = _short("k", 4)  # 5 characters
        self.short_header = _short("h", 3)  # 4 characters
        self.long_header = "lh-" + secrets.token_hex(12)
        self.user, self.password = _short("u", 5), _short("p", 4)
        self.query_key = _short("q", 6)
        self.judge_key, self.judge_header = _short("j", 4), _short("g", 3)
        self.env_token = "tok-" + secrets.token_hex(10)
        self.key_shape = "sk-" + secrets.token_hex(12)
        self.basic = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        self.port = port

    def values(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if isinstance(v, str)}

    def headers(self) -> str:
        return json.dumps({"x-api-key": self.short_header, "api-key": self.long_header})


def _suite(folder: Path, planted: Planted) -> None:
    write_jsonl(folder / "cases.jsonl", [
        {"id": "paris", "q": "Paris", "answer": "Paris", "lang": "fr"},
        {"id": "env", "q": f"the token is {planted.env_token}", "answer": "x", "lang": "en"},
        {"id": "shape", "q": f"my key {planted.key_shape} leaked", "answer": "y", "lang": "en"},
    ])
    (folder / "s.yaml").write_text(f"""\
suite: sinks
prompt: "Score: 4. {{{{ q }}}}"
cases:
  from: cases.jsonl
  target: answer
  metadata: [lang]
slices: [lang]
scorers:
  - type: contains
  - type: judge
    rubric: Grade it.
    retries: 0
    judge:
      model: openai/judge
      args:
        api_base: http://127.0.0.1:{planted.port}/v1
        api_key: {planted.judge_key}
        headers: {{x-judge-key: {planted.judge_header}}}
""", encoding="utf-8")


@pytest.fixture(scope="module")
def sinks(tmp_path_factory):
    """Two runs, a killed third one, and every view of them; returns (folder, planted, texts)."""
    folder = tmp_path_factory.mktemp("secret-sinks")
    with serve(echo_headers=ECHOED) as server:
        planted = Planted(server.port)
        _suite(folder, planted)
        env = clean_env(SEARCH_SERVICE_TOKEN=planted.env_token)
        base = ["run", "s.yaml", "--model", "openai/m", "--db", "r.duckdb",
                "-M", f"headers={planted.headers()}"]
        url = f"http://{planted.user}:{planted.password}@127.0.0.1:{server.port}/v1"
        runs = [
            ok(evalkit(*base, "-M", f"api_base={url}", "--label", "a", cwd=folder, env=env)),
            ok(evalkit(*base, "-M", f"api_base={server.base_url}?api-key={planted.query_key}",
                       "-M", f"api_key={planted.api_key}", "--label", "b", cwd=folder, env=env)),
        ]
        seen = server.stats()["headers"]
        texts = [p.stdout + p.stderr for p in runs]
        for args in (["runs"], ["show", "a", "--all"], ["show", "b", "--all"],
                     ["export", "b", "--format", "csv", "-o", "b.csv"],
                     ["export", "b", "--format", "jsonl", "-o", "b.jsonl"],
                     ["export", "a", "--format", "parquet", "-o", "a.parquet"],
                     ["compare", "a", "b", "--report", "ab.html", "--markdown", "ab.md",
                      "--junit", "ab.xml"]):
            proc = evalkit(*args, "--db", "r.duckdb", cwd=folder, env=env)
            assert proc.returncode in (0, 1), proc.stderr
            texts.append(proc.stdout + proc.stderr)
        # a suite error quoting the line with the judge's key, on stderr
        (folder / "bad.yaml").write_text((folder / "s.yaml").read_text().replace(
            "retries: 0", "retries: 0\n    rubric_fil: x"), encoding="utf-8")
        bad = evalkit("validate", "bad.yaml", cwd=folder, env=env)
        assert bad.returncode == 2 and "rubric_fil" in bad.stderr
        texts.append(bad.stdout + bad.stderr)
        # a run killed mid-way leaves its write-ahead log behind
        server.config(latency=0.3)
        killed = evalkit_popen(*base, "-M", f"api_base={url}", "--label", "c", "--no-cache",
                               "--max-concurrency", "1", cwd=folder, env=env)
        wal = folder / "r.duckdb.wal"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (wal.exists() and wal.stat().st_size > 0):
            time.sleep(0.1)
        time.sleep(0.5)
        killed.send_signal(signal.SIGKILL)
        killed.communicate()
        assert wal.exists() and wal.stat().st_size > 0, "no write-ahead log to search"
    return folder, planted, texts, seen


def test_each_secret_reached_the_server_and_came_back_in_answers(sinks):
    folder, planted, texts, seen = sinks
    assert f"x-api-key: {planted.short_header}" in seen and f"api-key: {planted.long_header}" in seen
    assert f"x-judge-key: {planted.judge_header}" in seen
    # masked where they came back: the echoed headers of run b, e.g. {"x-api-key": "***"}
    outputs = dict(query(folder / "r.duckdb", "SELECT r.label || '/' || x.case_id, x.output "
                         "FROM results x JOIN runs r USING (run_id) WHERE r.label IN ('a', 'b')"))
    assert '"x-api-key": "***"' in outputs["b/paris"] and '"Authorization": "Bearer ***"' in outputs["b/paris"]
    assert '"Authorization": "Basic ***"' in outputs["a/paris"]
    assert "the token is ***" in outputs["a/env"] and "my key *** leaked" in outputs["a/shape"]
    assert "Score: 4. Paris" in outputs["a/paris"]  # ordinary text survives short secrets


def test_no_secret_in_any_file_the_runs_and_views_wrote(sinks):
    folder, planted, _, _ = sinks
    files = [p for p in folder.rglob("*") if p.is_file() and p.name not in INPUTS]
    assert {p.name for p in files} >= {"r.duckdb", "r.duckdb.wal", "b.csv", "b.jsonl",
                                       "a.parquet", "ab.html", "ab.md", "ab.xml"}
    for path in files:
        data = path.read_bytes()
        for kind, value in planted.values().items():
            assert value.encode() not in data, f"{kind} {value!r} found in {path.name}"


def test_no_secret_in_any_stored_text(sinks):
    folder, planted, _, _ = sinks
    copy = folder / "copy.duckdb"  # the killed run's WAL replays into a copy, read-only
    copy.write_bytes((folder / "r.duckdb").read_bytes())
    (folder / "copy.duckdb.wal").write_bytes((folder / "r.duckdb.wal").read_bytes())
    with read_db(folder / "copy.duckdb") as con:
        columns = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                              "WHERE table_schema = 'main'").fetchall()
        labels = {label for (label,) in con.execute("SELECT label FROM runs").fetchall()}
        assert labels == {"a", "b", "c"}
        for table, column in columns:
            for kind, value in planted.values().items():
                hits = con.execute(f'SELECT count(*) FROM "{table}" WHERE '
                                   f'CAST("{column}" AS VARCHAR) LIKE ?', [f"%{value}%"]).fetchone()
                assert hits == (0,), f"{kind} stored in {table}.{column}"
    options = dict(query(folder / "r.duckdb", "SELECT label, options->>'$.backend.api_base' "
                         "FROM runs WHERE label IN ('a', 'b')"))
    assert options["a"] == f"http://***@127.0.0.1:{planted.port}/v1"
    assert options["b"] == f"http://127.0.0.1:{planted.port}/v1?api-key=***"


def test_no_secret_in_any_terminal_output(sinks):
    _, planted, texts, _ = sinks
    joined = "\n".join(texts)
    assert "what else changed" in joined and "api_base" in joined  # the options were shown
    for kind, value in planted.values().items():
        assert value not in joined, f"{kind} {value!r} printed"
