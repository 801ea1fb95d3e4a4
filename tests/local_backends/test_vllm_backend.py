"""The vllm backend without vLLM (it needs a CUDA GPU): the mapping from evalkit calls to
vLLM prompts and SamplingParams, and the error a missing extra gives."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from evalkit import load_suite
from evalkit.backends.base import BackendEnv, ModelRef, create_backend
from evalkit.backends.local import UnsupportedOption
from evalkit.backends.vllm import VLLMOptions, VLLMRequest, to_vllm_request
from evalkit.errors import MissingExtraError
from evalkit.runner.feed import call_chunks
from evalkit.types import Call, Case, Message, Request
from tests.cli.helpers import assert_no_traceback, clean_env, evalkit, write_suite

# Keyword arguments vllm.SamplingParams accepts (vLLM ≥ 0.6) that the mapping may produce.
SAMPLING_PARAMS_FIELDS = {"temperature", "top_p", "top_k", "max_tokens", "stop", "seed",
                          "presence_penalty", "frequency_penalty", "repetition_penalty", "min_p"}
HAS_VLLM = importlib.util.find_spec("vllm") is not None


def calls_of(tmp_path: Path, prompt: str, options: str, samples: int = 1) -> list[Call]:
    """Calls built from a real suite file, as the runner builds them."""
    cases = [{"id": "fr", "question": "Capital of France?", "answer": "Paris"}]
    suite = load_suite(write_suite(tmp_path, "v", cases, prompt=prompt,
                                   extra=f"options: {options}\nsamples: {samples}\n"))
    return [call for chunk in call_chunks(suite, set()) for call in chunk]


def test_chat_calls_map_to_chat_requests_with_their_sampling_params(tmp_path):
    (call,) = calls_of(tmp_path, "{system: 'Be brief.', user: '{{ question }}'}",
                       "{temperature: 0.7, max_tokens: 32, top_p: 0.9, stop: '###', "
                       "extra: {repetition_penalty: 1.1}}")
    request = to_vllm_request(call, VLLMOptions())
    assert request == VLLMRequest(
        kind="chat", prompt=None,
        messages=[{"role": "system", "content": "Be brief."},
                  {"role": "user", "content": "Capital of France?"}],
        sampling={"temperature": 0.7, "max_tokens": 32, "top_p": 0.9, "stop": ["###"],
                  "repetition_penalty": 1.1, "seed": 0})
    assert set(request.sampling) <= SAMPLING_PARAMS_FIELDS


def test_completion_prompts_defaults_and_seeds(tmp_path):
    calls = calls_of(tmp_path, "{completion: 'Q: {{ question }} A:'}", "{}", samples=3)
    requests = [to_vllm_request(c, VLLMOptions(seed=10, default_length=64)) for c in calls]
    assert {r.kind for r in requests} == {"generate"}
    assert requests[0].prompt == "Q: Capital of France? A:"
    # Unset temperature is greedy (vLLM's own default would sample at 1.0, and stop after 16
    # tokens); each sample gets its own seed.
    assert [r.sampling for r in requests] == [
        {"temperature": 0.0, "max_tokens": 64, "seed": 10 + s} for s in range(3)]
    seeded = calls_of(tmp_path, "'{{ question }}'", "{seed: 7, temperature: 1}", samples=2)
    assert [to_vllm_request(c, VLLMOptions(seed=10)).sampling["seed"] for c in seeded] == [7, 8]


def test_raw_mode_sends_chat_prompts_as_text():
    call = Call(Case("c", {}), 0, Request(messages=(Message("system", "S"), Message("user", "U"))),
                {"max_tokens": 5})
    request = to_vllm_request(call, VLLMOptions(raw=True))
    assert (request.kind, request.prompt, request.messages) == ("generate", "S\n\nU", None)


def test_options_vllm_cannot_honour_fail_the_case():
    call = Call(Case("c", {}), 0, Request(prompt="p"), {"response_format": {"type": "json_object"}})
    with pytest.raises(UnsupportedOption, match="'response_format'"):
        to_vllm_request(call, VLLMOptions())


def test_the_mapping_never_imports_vllm():
    to_vllm_request(Call(Case("c", {}), 0, Request(prompt="p"), {}), VLLMOptions())
    assert "vllm" not in sys.modules


@pytest.mark.skipif(HAS_VLLM, reason="vllm is installed here")
def test_missing_vllm_names_the_install_command(tmp_path):
    with pytest.raises(MissingExtraError, match=r"pip install 'evalkit\[vllm\]'"):
        create_backend(ModelRef("vllm", "Qwen/Qwen2.5-0.5B-Instruct"), {}, BackendEnv(tmp_path))
    suite = write_suite(tmp_path, "v", [{"id": "a", "question": "q", "answer": "a"}])
    proc = evalkit("run", suite, "-m", "vllm/Qwen/Qwen2.5-0.5B-Instruct", "--db",
                   tmp_path / "v.duckdb", cwd=tmp_path, env=clean_env())
    assert proc.returncode == 3, proc.stderr
    assert "pip install 'evalkit[vllm]'" in proc.stderr
    assert_no_traceback(proc.stderr)


def test_a_judges_verdict_schema_becomes_guided_decoding(tmp_path, monkeypatch):
    """The judge asks vLLM for its verdict's shape: the schema rides in the call's options
    and becomes guided-decoding params (StructuredOutputsParams since vLLM 0.10.2, else
    GuidedDecodingParams). vLLM needs a GPU: its params classes are stand-ins here."""
    import types

    from evalkit.backends.vllm import GUIDED_JSON, VLLMBackend, guided_params
    from evalkit.scorers.judge_grade import grade_schema

    schema = grade_schema((1, 5))
    shape = VLLMBackend.structured_output(None, schema)
    assert shape == {GUIDED_JSON: schema}
    call = Call(Case("c", {}), 0, Request(messages=(Message("user", "grade"),)),
                {"temperature": 0, **shape})
    request = to_vllm_request(call, VLLMOptions())
    assert request.sampling[GUIDED_JSON] == schema

    class Params:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    new = types.ModuleType("vllm.sampling_params")
    new.StructuredOutputsParams = Params
    monkeypatch.setitem(sys.modules, "vllm", types.ModuleType("vllm"))
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", new)
    sys.modules["vllm"].sampling_params = new
    made = guided_params(schema)
    assert list(made) == ["structured_outputs"] and made["structured_outputs"].kwargs == {
        "json": schema}
    old = types.ModuleType("vllm.sampling_params")
    old.GuidedDecodingParams = Params
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", old)
    sys.modules["vllm"].sampling_params = old
    assert list(guided_params(schema)) == ["guided_decoding"]
