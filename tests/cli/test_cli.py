"""CLI robustness: usage errors are one clear line and exit 2, --help is fast and light,
several models and suites make one run per (suite, model)."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.cli.helpers import (
    api_args,
    assert_no_traceback,
    clean_env,
    evalkit,
    evalkit_command,
    ok,
    query,
    write_suite,
)

MODEL = "litellm/openai/some-model"
HEAVY = ("litellm", "duckdb", "pandas", "datasets", "numpy", "pyarrow", "torch", "transformers",
         "aiohttp", "jinja2")


@pytest.mark.parametrize("args, message", [
    (["--model", "litelm/openai/some-model"], "unknown backend 'litelm'; did you mean 'litellm'"),
    (["--model", "replya/outputs.jsonl"], "did you mean 'replay'?"),
    (["--model", "gpt-4o-mini"], "must look like BACKEND/MODEL"),
    (["--model", "openai/m", "-M", "api_base"], "model arg 'api_base' must look like key=value"),
    (["--model", "openai/m", "-M", "=1"], "must look like key=value"),
    (["--model", "openai/m", "-M", "api_bsae=http://x"],
     "unknown model arg 'api_bsae' for backend 'openai'; did you mean 'api_base'"),
    (["--model", "openai/m", "--model", "openai/n", "--resume", "abc"],
     "--resume continues one run"),
])
def test_usage_errors_exit_2_with_one_clear_message(qa_smoke, args, message):
    proc = evalkit("run", "qa-smoke.yaml", *args, "--db", "u.duckdb", cwd=qa_smoke.parent)
    assert proc.returncode == 2, proc
    assert message in proc.stderr, proc.stderr
    assert proc.stderr.startswith("error: ")
    assert_no_traceback(proc.stderr)


def test_missing_suite_file_exit_2(tmp_path):
    proc = evalkit("run", "nowhere.yaml", "--model", MODEL, "--db", "u.duckdb", cwd=tmp_path)
    assert proc.returncode == 2 and "nowhere.yaml" in proc.stderr, proc
    assert_no_traceback(proc.stderr)


def test_unknown_command_and_missing_option_exit_2(tmp_path):
    proc = evalkit("runn", cwd=tmp_path)
    assert proc.returncode == 2 and "No such command 'runn'" in proc.stderr
    proc = evalkit("run", "s.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and "Missing option '--model'" in proc.stderr


def test_help_is_fast():
    started = time.perf_counter()
    proc = subprocess.run([*evalkit_command(), "--help"], capture_output=True, check=False, text=True,
                          env=clean_env(), timeout=30)
    wall = time.perf_counter() - started
    assert proc.returncode == 0
    for command in ("run", "runs", "show", "export", "validate", "list"):
        assert f"  {command} " in proc.stdout
    assert wall < 1.5, f"evalkit --help took {wall:.2f} s"


def imported_modules(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run python with -X importtime; the top-level names of every module it imported."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, check=False,
                          text=True, env=clean_env(), timeout=30)
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                names.add(name.split(".")[0])
    assert "evalkit" in names or "-c" in args, proc.stderr[-2000:]
    return proc, names


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["show", "--help"]])
def test_help_imports_no_heavy_module(argv):
    proc, names = imported_modules("-m", "evalkit", *argv)
    assert proc.returncode == 0 and "Usage: evalkit" in proc.stdout
    assert {"click", "evalkit"} <= names
    assert not names & set(HEAVY), sorted(names & set(HEAVY))


def test_import_evalkit_is_light():
    code = ("import sys, evalkit\n"
            f"print(sorted(m for m in {HEAVY!r} + ('click', 'pydantic', 'rich') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False, text=True,
                          env=clean_env(), timeout=30)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_several_models_and_suites_make_one_run_each(srv, tmp_path):
    cases = [{"id": "a", "question": "alpha", "answer": "alpha"},
             {"id": "b", "question": "beta", "answer": "gamma"}]
    first = write_suite(tmp_path, "first", cases)
    second = write_suite(tmp_path, "second", cases[:1], prompt='"again {{ question }}"')
    proc = ok(evalkit("run", first.name, second.name, "--model", "litellm/openai/model-a",
                      "--model", "openai/model-b", *api_args(srv), "--db", "many.duckdb",
                      "--label", "sweep", cwd=tmp_path))
    runs = query(tmp_path / "many.duckdb",
                 "SELECT suite, model_ref, label, status, run_id FROM runs ORDER BY suite, model_ref")
    assert [r[:4] for r in runs] == [
        ("first", "litellm/openai/model-a", "sweep", "completed"),
        ("first", "openai/model-b", "sweep", "completed"),
        ("second", "litellm/openai/model-a", "sweep", "completed"),
        ("second", "openai/model-b", "sweep", "completed"),
    ]
    for *_, run_id in runs:
        assert run_id in proc.stdout
    counts = dict(query(tmp_path / "many.duckdb", "SELECT run_id, count(*) FROM results GROUP BY run_id"))
    assert sorted(counts.values()) == [1, 1, 2, 2]
    # every (suite, model) pair really went to the server, with that model's name
    models = dict(query(tmp_path / "many.duckdb", "SELECT x.run_id, any_value(x.model_id) FROM results x "
                        "GROUP BY x.run_id"))
    assert {models[r[4]] for r in runs} == {"model-a", "model-b"}
    assert srv.stats()["by_prompt"] == {"alpha": 2, "beta": 2, "again alpha": 2}


def test_one_bad_suite_stops_the_command_before_any_call(srv, tmp_path):
    good = write_suite(tmp_path, "good", [{"id": "a", "question": "x", "answer": "x"}])
    bad = tmp_path / "bad.yaml"
    bad.write_text("suite: bad\nprompt: '{{ q }}'\ncases: [{id: a, q: x}]\nscorers:\n  - type: exactt\n")
    proc = evalkit("run", good.name, bad.name, "--model", MODEL, *api_args(srv), "--db", "b.duckdb",
                   cwd=tmp_path)
    assert proc.returncode == 2, proc
    assert "unknown scorer type 'exactt'" in proc.stderr and "did you mean 'exact'" in proc.stderr
    assert "bad.yaml:5" in proc.stderr
    assert_no_traceback(proc.stderr)
    assert srv.stats()["total"] == 0


def test_list_backends_names_the_builtins(tmp_path):
    proc = ok(evalkit("list", "backends", cwd=tmp_path))
    for name in ("litellm", "openai", "python", "replay"):
        assert name in proc.stdout


def test_show_and_runs_without_a_database(tmp_path):
    for args in (["runs"], ["show", "v1"], ["export", "v1"]):
        proc = evalkit(*args, "--db", "absent.duckdb", cwd=tmp_path)
        assert proc.returncode == 3, proc
        assert "no results database at absent.duckdb" in proc.stderr
        assert_no_traceback(proc.stderr)
    assert not (tmp_path / "absent.duckdb").exists()


def test_model_args_are_typed(srv, tmp_path):
    """-M values that parse as JSON are typed (numbers, booleans, objects), others are strings."""
    suite = write_suite(tmp_path, "typed", [{"id": "a", "question": "x", "answer": "x"}])
    ok(evalkit("run", suite.name, "--model", "python/typed_pipe:answer", "-M", "n=3", "-M", "f=0.5",
               "-M", "b=true", "-M", 'o={"k": [1]}', "-M", "s=plain text", "--db", "t.duckdb",
               cwd=_pipe(tmp_path)))
    (output,), = query(tmp_path / "t.duckdb", "SELECT output FROM results")
    assert json.loads(output) == {"n": 3, "f": 0.5, "b": True, "o": {"k": [1]}, "s": "plain text"}


def _pipe(folder):
    (folder / "typed_pipe.py").write_text(
        "import json\n\ndef answer(prompt, options):\n    return json.dumps(options)\n")
    return folder


def test_model_text_is_escaped_in_the_terminal(tmp_path):
    """Model output is untrusted: no terminal escape codes, no rich markup reach the screen."""
    (tmp_path / "hostile.py").write_text(
        "def answer(prompt):\n"
        "    return '\\x1b[2J\\x1b[31mred[/] [bold]loud[/bold] [link=http://x]y[/link]'\n")
    (tmp_path / "h.yaml").write_text("suite: h\nprompt: '{{ q }}'\ncases:\n  - {id: a, q: hi, target: no}\n"
                                     "scorers:\n  - type: exact\n")
    ok(evalkit("run", "h.yaml", "--model", "python/hostile:answer", "--db", "h.duckdb",
               "--label", "h", cwd=tmp_path))
    shown = ok(evalkit("show", "h", "--db", "h.duckdb", cwd=tmp_path)).stdout
    assert "\x1b" not in shown
    assert "[bold]loud[/bold]" in shown and "[link=http://x]y[/link]" in shown
    assert "\\x1b[2J\\x1b[31mred[/]" in shown  # shown escaped
