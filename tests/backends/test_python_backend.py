"""The python backend: the user's own pipeline, imported from a folder given with `-M path=`.

One `evalkit run` with five `--model python/...` flags makes five runs; the tests read
what each stored.
"""
from __future__ import annotations

import json
import textwrap

import pytest

from tests.cli.helpers import assert_no_traceback, evalkit, ok, query

PIPELINES = '''
import asyncio
import json
import threading
from pathlib import Path

SEEN = Path(__file__).with_name("seen")


def sync_answer(prompt, options, sample):
    SEEN.mkdir(exist_ok=True)
    (SEEN / f"{prompt}-{sample}.json").write_text(json.dumps(
        {"options": options, "thread": threading.current_thread().name}))
    return prompt


async def async_answer(prompt, vars):
    await asyncio.sleep(0.01)
    return vars["q"]


def rag(vars, case):
    return {"text": vars["q"], "context": [{"id": f"doc-{case.id}", "text": vars["q"] + " is a capital"}],
            "citations": [f"doc-{case.id}"], "tokens_in": 7, "tokens_out": 1, "cost_usd": 0.001,
            "model_id": "my-rag-v2", "finish_reason": "stop"}


def flaky(prompt):
    if prompt == "Rome":
        raise ValueError("no answer for " + prompt)
    return prompt


def shout(text):
    return text.upper()


def bad_tokens(prompt):
    if prompt == "Rome":
        return {"text": prompt, "tokens_in": "lots"}
    if prompt == "Paris":
        return {"text": prompt, "tokens_out": 2**64}
    return {"text": prompt, "tokens_in": 3, "cost_usd": 0}
'''

SUITE = """\
suite: py
prompt: "{{ q }}"
options: {temperature: 0.2}
samples: 2
cases:
  - {id: fr, q: Paris, target: Paris}
  - {id: it, q: Rome, target: Roma}
  - {id: de, q: Berlin, target: Berlin}
scorers:
  - type: exact
"""
MODELS = ["sync_answer", "async_answer", "rag", "flaky", "shout", "bad_tokens"]


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory):
    folder = tmp_path_factory.mktemp("python-backend")
    (folder / "lib").mkdir()
    (folder / "lib" / "evalkit_test_pipes.py").write_text(PIPELINES, encoding="utf-8")
    (folder / "py.yaml").write_text(SUITE, encoding="utf-8")
    args = ["run", "py.yaml"]
    for name in MODELS:
        args += ["--model", f"python/evalkit_test_pipes:{name}"]
    proc = evalkit(*args, "-M", "path=lib", "-M", "flavour=spicy", "-M", "level=3",
                   "--db", "py.duckdb", cwd=folder)
    return folder, proc


def results(folder, name):
    return query(folder / "py.duckdb",
                 "SELECT x.case_id, x.sample, x.output, x.error, x.passed, x.context, x.citations, "
                 "x.tokens_in, x.tokens_out, x.cost_usd, x.model_id FROM results x JOIN runs r "
                 "USING (run_id) WHERE r.model_ref = ? ORDER BY x.case_id, x.sample",
                 [f"python/evalkit_test_pipes:{name}"])


def test_one_run_per_model(pipelines):
    folder, proc = pipelines
    ok(proc)
    assert_no_traceback(proc.stderr)
    runs = query(folder / "py.duckdb", "SELECT model_ref, backend, status, n_cases, samples FROM runs")
    assert sorted(runs) == sorted((f"python/evalkit_test_pipes:{m}", "python", "completed", 3, 2)
                                  for m in MODELS)
    assert proc.stdout.count("run ") >= len(MODELS)


def test_sync_callable_gets_options_and_model_args(pipelines):
    folder, proc = pipelines
    ok(proc)
    rows = results(folder, "sync_answer")
    assert [(c, s, o, e) for c, s, o, e, *_ in rows] == [
        (c, s, o, None) for c, o in (("de", "Berlin"), ("fr", "Paris"), ("it", "Rome")) for s in (0, 1)]
    for prompt in ("Paris", "Rome", "Berlin"):
        for sample in (0, 1):
            seen = json.loads((folder / "lib" / "seen" / f"{prompt}-{sample}.json").read_text())
            # suite options and the -M extras both reach `options` (path is evalkit's own)
            assert seen["options"] == {"temperature": 0.2, "flavour": "spicy", "level": 3}
            assert seen["thread"] != "MainThread", "a sync callable runs in a worker thread"


def test_async_callable_is_awaited(pipelines):
    folder, proc = pipelines
    ok(proc)
    rows = results(folder, "async_answer")
    assert len(rows) == 6 and all(r[3] is None for r in rows)
    assert [r[2] for r in rows] == ["Berlin", "Berlin", "Paris", "Paris", "Rome", "Rome"]
    assert [r[4] for r in rows] == [True, True, True, True, False, False]


def test_dict_result_with_context_and_citations(pipelines):
    folder, proc = pipelines
    ok(proc)
    rows = results(folder, "rag")
    assert len(rows) == 6
    for case_id, _, output, error, _, context, citations, t_in, t_out, cost, model_id in rows:
        assert error is None and output in ("Paris", "Rome", "Berlin")
        assert json.loads(context) == [{"id": f"doc-{case_id}", "text": f"{output} is a capital"}]
        assert json.loads(citations) == [f"doc-{case_id}"]
        assert (t_in, t_out, cost, model_id) == (7, 1, 0.001, "my-rag-v2")


def test_raising_callable_is_an_error_row_and_the_run_goes_on(pipelines):
    folder, proc = pipelines
    ok(proc)
    rows = results(folder, "flaky")
    by_case = {(c, s): (o, e, p) for c, s, o, e, p, *_ in rows}
    assert by_case[("it", 0)] == (None, "ValueError: no answer for Rome", False)
    assert by_case[("it", 1)] == (None, "ValueError: no answer for Rome", False)
    assert by_case[("fr", 0)] == ("Paris", None, True) and by_case[("de", 1)] == ("Berlin", None, True)
    assert query(folder / "py.duckdb", "SELECT status FROM runs WHERE model_ref LIKE '%flaky'") == [
        ("completed",)]


def test_single_parameter_callable_gets_the_prompt(pipelines):
    folder, proc = pipelines
    ok(proc)
    assert {r[2] for r in results(folder, "shout")} == {"PARIS", "ROME", "BERLIN"}


def test_a_wrongly_typed_field_is_that_case_error_only(pipelines):
    """A bad value must not reach the store's bulk insert, where it would sink the batch."""
    folder, proc = pipelines
    ok(proc)
    rows = {(r[0], r[1]): (r[2], r[3], r[7]) for r in results(folder, "bad_tokens")}
    assert len(rows) == 6
    for sample in (0, 1):
        assert rows[("it", sample)] == (
            None, "pipeline returned a dict with 'tokens_in' must be an integer, got 'lots'", None)
        assert rows[("fr", sample)] == (
            None, f"pipeline returned a dict with 'tokens_out' must be an integer, got {2**64}", None)
        assert rows[("de", sample)] == ("Berlin", None, 3)


@pytest.mark.parametrize("model, message", [
    ("python/no_such_module_here:fn", "cannot import 'no_such_module_here'"),
    ("python/evalkit_test_pipes:missing", "has no attribute 'missing'"),
    ("python/evalkit_test_pipes", "must look like package.module:function"),
    ("python/broken_pipes:fn", "cannot import 'broken_pipes'"),
])
def test_bad_import_path_is_a_one_line_error(pipelines, model, message):
    folder, _ = pipelines
    (folder / "lib" / "broken_pipes.py").write_text("def fn(:\n", encoding="utf-8")
    proc = evalkit("run", "py.yaml", "--model", model, "-M", "path=lib", "--db", "bad.duckdb",
                   cwd=folder)
    assert proc.returncode in (2, 3), proc
    assert_no_traceback(proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], proc.stderr
    assert proc.stdout == ""


def test_cwd_is_on_the_import_path(tmp_path):
    (tmp_path / "here_pipe.py").write_text(textwrap.dedent("""
        def answer(prompt):
            return prompt[::-1]
    """), encoding="utf-8")
    (tmp_path / "s.yaml").write_text("suite: s\nprompt: '{{ q }}'\ncases:\n  - {id: a, q: abc, target: cba}\n"
                                     "scorers:\n  - type: exact\n", encoding="utf-8")
    proc = ok(evalkit("run", "s.yaml", "--model", "python/here_pipe:answer", "--db", "s.duckdb",
                      cwd=tmp_path))
    assert "1 passed" in proc.stdout
    assert query(tmp_path / "s.duckdb", "SELECT output, passed FROM results") == [("cba", True)]
