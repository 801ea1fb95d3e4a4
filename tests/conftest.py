"""Shared fixtures: the real OpenAI-compatible test server and suite-writing helpers."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.openai_server import serve


@pytest.fixture(scope="session")
def openai_server():
    """A real HTTP server on 127.0.0.1 speaking the OpenAI API (see tests/support)."""
    with serve() as server:
        yield server


@pytest.fixture
def server(openai_server):
    """The session server, reset to defaults (no latency, no faults, echo answers)."""
    openai_server.config(latency=0.0, answers={}, fail_rate=0.0, timeout_rate=0.0,
                         retry_after=None, require_key=None, model_id=None, replies={},
                         echo_headers=[], redirect=None, refuse_response_format=False)
    openai_server.reset()
    return openai_server


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def qa_smoke(tmp_path) -> Path:
    """The issue's fixed-point suite, exactly as written, with a JSONL file beside it."""
    write_jsonl(tmp_path / "cases.jsonl", [
        {"id": "fr", "question": "Paris", "answer": "Paris"},
        {"id": "it", "question": "Rome", "answer": "Roma"},
        {"id": "de", "question": "Berlin", "answer": "Berlin"},
    ])
    suite = tmp_path / "qa-smoke.yaml"
    suite.write_text('suite: qa-smoke\nprompt: "{{ question }}"\ncases:\n  from: cases.jsonl\n'
                     "  target: answer\nscorers:\n  - type: exact\n", encoding="utf-8")
    return suite
