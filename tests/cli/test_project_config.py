"""[tool.evalkit] in pyproject.toml gives the CLI's defaults; the environment beats it and the
command line beats both. EVALKIT_MODEL and EVALKIT_LABEL work in `evalkit run` as in the
pytest plugin. A bad table is a usage error that names the file."""
from __future__ import annotations

from tests.cli.helpers import clean_env, evalkit, ok, pipeline_suite, query

PIPELINE = '''
import threading, time

lock, state = threading.Lock(), {"now": 0, "most": 0}

def answer(vars, options):  # writes the most calls it saw in flight at once
    with lock:
        state["now"] += 1
        state["most"] = max(state["most"], state["now"])
    time.sleep(0.3)
    with lock:
        state["now"] -= 1
        open("in_flight.txt", "w").write(str(state["most"]))
    return vars["q"]
'''


def project(tmp_path, table: str):
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.evalkit]\n{table}",
                                             encoding="utf-8")
    evals = tmp_path / "evals"
    evals.mkdir()
    pipeline_suite(evals, PIPELINE, 4)
    return evals


def labels(db) -> set[str]:
    return {label for (label,) in query(db, "SELECT label FROM runs")}


def test_pyproject_then_env_then_command_line(tmp_path):
    evals = project(tmp_path, 'db = "results/evals.duckdb"\nmodel = "python/pipe:answer"\n'
                              "concurrency = 2\n")
    # from a subfolder: the nearest pyproject, its paths relative to its own folder
    ok(evalkit("run", "s.yaml", "-M", "path=.", "--label", "from-config", cwd=evals))
    configured = tmp_path / "results" / "evals.duckdb"
    assert labels(configured) == {"from-config"}
    assert (evals / "in_flight.txt").read_text() == "2"  # concurrency = 2, of 4 cases
    # the environment wins over the table: db, model and label
    env_db = tmp_path / "env.duckdb"
    ok(evalkit("run", "s.yaml", "-M", "path=.", cwd=evals,
               env=clean_env(EVALKIT_DB=str(env_db), EVALKIT_LABEL="from-env",
                             EVALKIT_MODEL="python/pipe:answer")))
    assert labels(env_db) == {"from-env"}
    # the command line wins over both
    cli_db = tmp_path / "cli.duckdb"
    ok(evalkit("run", "s.yaml", "-M", "path=.", "--db", cli_db, "--label", "from-cli",
               cwd=evals, env=clean_env(EVALKIT_DB=str(env_db), EVALKIT_LABEL="from-env")))
    assert labels(cli_db) == {"from-cli"} and labels(env_db) == {"from-env"}
    # read-only commands take the table's db too
    assert "from-config" in ok(evalkit("runs", cwd=evals)).stdout


def test_evalkit_model_alone_is_enough(tmp_path):
    evals = project(tmp_path, "")
    db = tmp_path / "m.duckdb"
    ok(evalkit("run", "s.yaml", "-M", "path=.", "--db", db, cwd=evals,
               env=clean_env(EVALKIT_MODEL="python/pipe:answer", EVALKIT_LABEL="v7")))
    assert query(db, "SELECT model_ref, label FROM runs") == [("python/pipe:answer", "v7")]


def test_a_bad_table_names_the_file(tmp_path):
    evals = project(tmp_path, 'dbb = "x.duckdb"\n')
    done = evalkit("runs", cwd=evals)
    assert done.returncode == 2
    assert "pyproject.toml: unknown key 'dbb' in [tool.evalkit]" in done.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.evalkit]\nconcurrency = 'many'\n",
                                             encoding="utf-8")
    done = evalkit("runs", cwd=evals)
    assert done.returncode == 2 and "concurrency = 'many' has the wrong type" in done.stderr
