"""The hf backend on CPU with a tiny random model built offline (see conftest.py).

The outputs are nonsense words; what is checked is everything around the model: chat
templates, token counts, batching with left padding, seeds, stop strings, fingerprints,
and failing closed on what the backend cannot do.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.backends.base import BackendEnv, ModelRef, create_backend
from evalkit.errors import UsageError
from tests.cli.helpers import clean_env, evalkit, ok, query, write_suite
from tests.local_backends.conftest import run

pytest.importorskip("transformers")

QUESTIONS = ["what is the capital of france ?", "capital", "the capital of italy is what ?",
             "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18", "germany",
             "what is the answer to the question of the capital of germany ?"]
CASES = [{"id": f"q{i}", "question": q, "answer": "paris"} for i, q in enumerate(QUESTIONS)]


def tokenizer(folder: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder)


def test_a_chat_suite_runs_batched_with_the_chat_template(tiny_model, tmp_path):
    summary, rows = run(tmp_path, f"hf/{tiny_model}", CASES,
                        extra="options: {temperature: 0, max_tokens: 7}\n", batch_size=4)
    assert summary.errors == 0 and summary.executed == len(CASES)
    tok = tokenizer(tiny_model)
    for case in CASES:
        row = rows[(case["id"], 0)]
        # tokens_in is the templated prompt, counted by the tokenizer itself.
        text = tok.apply_chat_template([{"role": "user", "content": case["question"]}],
                                       add_generation_prompt=True, tokenize=False)
        assert text.startswith("<s>user : ") and text.endswith("assistant :")
        assert row["tokens_in"] == len(tok(text, add_special_tokens=False)["input_ids"])
        assert 1 <= row["tokens_out"] <= 7
        assert row["finish_reason"] in ("stop", "length")
        assert row["output"] and row["model_id"] == str(tiny_model)


def test_batched_generation_equals_one_at_a_time(tiny_model, tmp_path):
    """Left padding, attention masks and per-row seeds: a call's output does not depend on
    the batch it shares (greedy, and sampled)."""
    for extra in ("options: {temperature: 0, max_tokens: 10}\n",
                  "options: {temperature: 1.0, max_tokens: 10}\nsamples: 2\n"):
        _, batched = run(tmp_path / "b", f"hf/{tiny_model}", CASES, extra=extra, batch_size=8)
        _, single = run(tmp_path / "s", f"hf/{tiny_model}", CASES, extra=extra, batch_size=1)
        assert {k: v["output"] for k, v in batched.items()} == \
            {k: v["output"] for k, v in single.items()}
        assert {k: v["tokens_out"] for k, v in batched.items()} == \
            {k: v["tokens_out"] for k, v in single.items()}


def test_sampling_is_seeded_per_call(tiny_model, tmp_path):
    folders = tmp_path
    extra = "options: {temperature: 1.0, max_tokens: 6}\nsamples: 3\n"
    _, first = run(folders / "a", f"hf/{tiny_model}", CASES, extra=extra)
    _, again = run(folders / "b", f"hf/{tiny_model}", CASES, extra=extra)
    _, other = run(folders / "c", f"hf/{tiny_model}", CASES, extra=extra, seed=1)
    texts = {k: v["output"] for k, v in first.items()}
    assert texts == {k: v["output"] for k, v in again.items()}  # reproducible
    assert texts != {k: v["output"] for k, v in other.items()}  # the backend seed matters
    # Samples of one case differ (seed + sample), for most cases at least.
    distinct = [len({texts[(c["id"], s)] for s in range(3)}) for c in CASES]
    assert sum(d > 1 for d in distinct) >= len(CASES) - 1, distinct
    # The suite's seed wins over the backend's.
    _, seeded = run(folders / "s", f"hf/{tiny_model}", CASES,
                    extra="options: {temperature: 1.0, max_tokens: 6, seed: 5}\nsamples: 3\n")
    _, seeded_other = run(folders / "s", f"hf/{tiny_model}", CASES, name="again",
                          extra="options: {temperature: 1.0, max_tokens: 6, seed: 5}\nsamples: 3\n",
                          seed=99)
    assert {k: v["output"] for k, v in seeded.items()} == \
        {k: v["output"] for k, v in seeded_other.items()}


def test_stop_strings_and_max_tokens(tiny_model, tmp_path):
    _, free = run(tmp_path, f"hf/{tiny_model}", CASES[:3], name="free",
                  extra="options: {temperature: 0, max_tokens: 12}\n")
    words = free[("q0", 0)]["output"].split()
    assert len(words) >= 6 and free[("q0", 0)]["finish_reason"] == "length"
    stop = words[4]
    _, stopped = run(tmp_path, f"hf/{tiny_model}", CASES[:3], name="stopped",
                     extra=f"options: {{temperature: 0, max_tokens: 12, stop: ['{stop}']}}\n")
    row = stopped[("q0", 0)]
    assert row["output"].split() == words[:words.index(stop)]
    assert row["finish_reason"] == "stop" and row["tokens_out"] == words.index(stop) + 1


def test_raw_mode_and_a_replacement_chat_template(tiny_model, tmp_path):
    tok = tokenizer(tiny_model)
    _, raw = run(tmp_path, f"hf/{tiny_model}", CASES[:2], name="raw",
                 extra="options: {temperature: 0, max_tokens: 3}\n", raw=True)
    assert raw[("q0", 0)]["tokens_in"] == len(tok(CASES[0]["question"])["input_ids"])
    template = tmp_path / "plain.jinja"
    template.write_text("{% for m in messages %}question : {{ m['content'] }}{% endfor %} answer :")
    _, templated = run(tmp_path, f"hf/{tiny_model}", CASES[:2], name="tpl",
                       extra="options: {temperature: 0, max_tokens: 3}\n",
                       chat_template=str(template))
    expected = f"question : {CASES[0]['question']} answer :"
    assert templated[("q0", 0)]["tokens_in"] == len(tok(expected, add_special_tokens=False)["input_ids"])
    _, completion = run(tmp_path, f"hf/{tiny_model}", CASES[:2], name="completion",
                        prompt="{completion: 'the capital of {{ question }}'}",
                        extra="options: {temperature: 0, max_tokens: 3}\n")
    text = f"the capital of {CASES[0]['question']}"
    assert completion[("q0", 0)]["tokens_in"] == len(tok(text)["input_ids"])


def test_no_chat_template_and_unsupported_options_fail_the_case(tiny_model, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(tiny_model, bare)
    (bare / "chat_template.jinja").unlink()
    summary, rows = run(tmp_path, f"hf/{bare}", CASES[:2], name="bare",
                        extra="options: {max_tokens: 3}\n")
    assert summary.errors == 2
    assert "no chat template" in rows[("q0", 0)]["error"] and "raw=true" in rows[("q0", 0)]["error"]
    summary, rows = run(tmp_path, f"hf/{bare}", CASES[:2], name="bare-raw",
                        extra="options: {max_tokens: 3}\n", raw=True)
    assert summary.errors == 0
    summary, rows = run(tmp_path, f"hf/{tiny_model}", CASES[:2], name="penalty",
                        extra="options: {max_tokens: 3, presence_penalty: 0.5}\n")
    assert summary.errors == 2 and "'presence_penalty'" in rows[("q1", 0)]["error"]


def backend(model: str, cwd: Path, **args):
    return create_backend(ModelRef("hf", model), args, BackendEnv(cwd))


def test_fingerprint_follows_weights_template_and_options(tiny_model, tmp_path):
    from scripts.tiny_model import build_tiny_model

    base = backend(str(tiny_model), tmp_path).fingerprint()
    assert backend(str(tiny_model), tmp_path).fingerprint() == base
    assert backend(str(tiny_model), tmp_path, batch_size=1).fingerprint() == base  # speed only
    assert backend(str(tiny_model), tmp_path, dtype="bfloat16").fingerprint() != base
    assert backend(str(tiny_model), tmp_path, chat_template="{{ 'x' }}").fingerprint() != base
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model, copy)
    assert backend(str(copy), tmp_path).fingerprint() == base  # content, not location
    (copy / "chat_template.jinja").write_text("{{ 'changed' }}")
    assert backend(str(copy), tmp_path).fingerprint() != base
    retrained = build_tiny_model(tmp_path / "retrained", seed=1)
    assert backend(str(retrained), tmp_path).fingerprint() != base
    assert backend("model", tiny_model.parent).fingerprint() == base  # relative to the cwd


def test_fingerprint_needs_no_torch(tiny_model):
    code = ("import sys; from pathlib import Path\n"
            "from evalkit.backends.base import BackendEnv, ModelRef, create_backend\n"
            f"b = create_backend(ModelRef('hf', {str(tiny_model)!r}), {{}}, BackendEnv(Path('.')))\n"
            "print(b.fingerprint()); assert 'torch' not in sys.modules, 'torch imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env=clean_env(EVALKIT_CACHE_DIR="/nonexistent/evalkit-cache"))
    assert proc.returncode == 0, proc.stderr


def test_bad_references_fail_before_running(tiny_model, tmp_path):
    with pytest.raises(UsageError, match="no model folder"):
        backend("./missing-model", tmp_path)
    with pytest.raises(UsageError, match="device or device_map"):
        backend(str(tiny_model), tmp_path, device="cpu", device_map="auto")
    with pytest.raises(UsageError, match="unknown model arg 'batchsize'"):
        backend(str(tiny_model), tmp_path, batchsize=2)
    with pytest.raises(UsageError, match="no file 'nope.gguf'"):
        backend(str(tiny_model), tmp_path, gguf_file="nope.gguf")


def test_a_hub_id_from_the_local_cache_offline(tiny_model, tmp_path):
    """`hf/org/name` resolves through the Hugging Face cache with HF_HUB_OFFLINE=1; the
    fingerprint is the cached commit."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--evalkit-test--tiny"
    shutil.copytree(tiny_model, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    suite = write_suite(tmp_path, "hub", CASES[:2], extra="options: {temperature: 0, max_tokens: 4}\n")
    env = clean_env(HF_HUB_CACHE=str(tmp_path / "hub"), EVALKIT_CACHE_DIR=str(tmp_path / "cache"))
    ok(evalkit("run", suite, "-m", "hf/evalkit-test/tiny", "-M", "batch_size=2", "--db",
               tmp_path / "hub.duckdb", cwd=tmp_path, env=env, timeout=300))
    (status, errors), = query(tmp_path / "hub.duckdb", "SELECT status, (SELECT count(*) FROM "
                              "results WHERE error IS NOT NULL) FROM runs")
    assert status == "completed" and errors == 0
