"""Helpers shared by the runner, store, backends and cli tests.

Everything here drives real parts: the `evalkit` console script as a subprocess, the
real OpenAI-compatible test server, DuckDB files on disk. Nothing is mocked.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# What the `server` fixture of tests/conftest.py does not reset, and tests here change.
SERVER_DEFAULTS = {"fail_statuses": [429, 500], "hang_s": 30.0, "seed": 0}


@pytest.fixture
def srv(server):
    """The session's test server with every knob these tests turn back at its default."""
    server.config(**SERVER_DEFAULTS)
    yield server
    server.config(latency=0.0, fail_rate=0.0, timeout_rate=0.0, retry_after=None,
                  require_key=None, model_id=None, **SERVER_DEFAULTS)


def evalkit_command() -> list[str]:
    """The installed console script (what a user types), next to this interpreter."""
    script = Path(sys.executable).parent / "evalkit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "evalkit"]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a child evalkit: no credentials, no proxies, no network fetches."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPENAI_", "EVALKIT_")) and "PROXY" not in k.upper()}
    env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
               LITELLM_LOCAL_MODEL_COST_MAP="True", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1",
               PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def evalkit(*args: Any, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*evalkit_command(), *map(str, args)], cwd=cwd,
                          env=env if env is not None else clean_env(), capture_output=True, check=False,
                          text=True, timeout=timeout)


def evalkit_popen(*args: Any, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([*evalkit_command(), *map(str, args)], cwd=cwd,
                            env=env if env is not None else clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    """Assert exit 0, showing what the child said otherwise."""
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def api_args(server, key: str | None = "sk-test") -> list[str]:
    args = ["-M", f"api_base={server.base_url}"]
    if key is not None:
        args += ["-M", f"api_key={key}"]
    return args


def api_options(server, key: str | None = "sk-test", **more: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"api_base": server.base_url}
    if key is not None:
        options["api_key"] = key
    options.update(more)
    return options


def write_jsonl(path: Path, records: Iterable[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def echo_cases(n: int, prefix: str = "q") -> list[dict]:
    """Cases whose target is their own question: the echoing server passes them all."""
    return [{"id": f"c{i:04d}", "question": f"{prefix}{i}", "answer": f"{prefix}{i}"}
            for i in range(n)]


def write_suite(folder: Path, name: str, cases: list[dict], *, prompt: str = '"{{ question }}"',
                extra: str = "", scorers: str = "  - type: exact\n",
                file_name: str | None = None) -> Path:
    """A suite reading its cases from a JSONL file beside it (target field: answer)."""
    cases_file = f"{file_name or name}.cases.jsonl"
    write_jsonl(folder / cases_file, cases)
    suite = folder / f"{file_name or name}.yaml"
    suite.write_text(f"suite: {name}\nprompt: {prompt}\n{extra}cases:\n  from: {cases_file}\n"
                     f"  target: answer\nscorers:\n{scorers}", encoding="utf-8")
    return suite


@contextlib.contextmanager
def read_db(path: Path) -> Iterator[Any]:
    """A read-only DuckDB connection (the way a second process reads a finished run)."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with read_db(path) as con:
        return con.execute(sql, params or []).fetchall()


def assert_no_traceback(text: str) -> None:
    assert "Traceback" not in text, text
    assert 'File "' not in text, text


def pipeline_suite(folder: Path, pipeline: str, n: int) -> Path:
    """A suite `s.yaml` of n echo cases (exact match) over pipe.py (`-m python/pipe:answer
    -M path=.`), written into folder."""
    (folder / "pipe.py").write_text(pipeline, encoding="utf-8")
    write_jsonl(folder / "cases.jsonl", [{"id": f"c{i}", "q": f"q{i}", "answer": f"q{i}"}
                                         for i in range(n)])
    suite = folder / "s.yaml"
    suite.write_text('suite: s\nprompt: "{{ q }}"\ncases:\n  from: cases.jsonl\n'
                     "  target: answer\nscorers:\n  - type: exact\n", encoding="utf-8")
    return suite
