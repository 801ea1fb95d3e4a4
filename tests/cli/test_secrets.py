"""Secrets never persist: API keys reach the server, and nothing else.

Each key is checked against the DuckDB file's bytes (and any .wal beside it) after the
writing process has ended, every text column of every table, the CLI's stdout and stderr,
and the files `evalkit export` writes.
"""
from __future__ import annotations

import secrets
import textwrap

from evalkit.runner import RetryPolicy, RunConfig, run_suite
from evalkit.suite import load_suite
from tests.cli.helpers import (
    api_args,
    api_options,
    assert_no_traceback,
    clean_env,
    evalkit,
    ok,
    query,
    read_db,
)

MODEL = "litellm/openai/some-model"


def new_key(kind: str) -> str:
    return f"sk-{kind}-{secrets.token_hex(16)}"


def assert_nowhere(folder, keys, texts=()):
    """No key in any file under `folder` (bytes), any stored string, or any given text."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in files)
    for path in files:
        data = path.read_bytes()
        for key in keys:
            assert key.encode() not in data, f"{key} found in {path}"
    for text in texts:
        for key in keys:
            assert key not in text, f"{key} found in output:\n{text}"
    for db in folder.glob("*.duckdb"):
        with read_db(db) as con:
            columns = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                                  "WHERE table_schema = 'main'").fetchall()
            assert len(columns) > 40  # runs, results, scores, cache, baselines, migrations
            for table, column in columns:
                for key in keys:
                    hits = con.execute(f'SELECT count(*) FROM "{table}" WHERE '
                                       f'CAST("{column}" AS VARCHAR) LIKE ?', [f"%{key}%"]).fetchone()
                    assert hits == (0,), f"{key} stored in {table}.{column}"


def test_keys_from_env_and_model_args_reach_the_server_only(qa_smoke, srv):
    folder = qa_smoke.parent
    env_key, arg_key = new_key("env"), new_key("arg")
    base = ["run", "qa-smoke.yaml", "--model", MODEL, "--db", "results.duckdb"]

    by_env = ok(evalkit(*base, *api_args(srv, key=None), "--label", "env", cwd=folder,
                        env=clean_env(OPENAI_API_KEY=env_key)))
    assert srv.stats()["auth"] == {f"Bearer {env_key}": 3}
    srv.reset()
    # (the key is not part of the model's identity: without --no-cache the cache would answer)
    by_arg = ok(evalkit(*base, *api_args(srv, key=arg_key), "--label", "arg", "--no-cache",
                        cwd=folder))
    assert srv.stats()["auth"] == {f"Bearer {arg_key}": 3}

    outputs = [by_env.stdout, by_env.stderr, by_arg.stdout, by_arg.stderr]
    for label in ("env", "arg"):
        shown = ok(evalkit("show", label, "--db", "results.duckdb", "--all", cwd=folder))
        assert "Rome" in shown.stdout
        outputs += [shown.stdout, shown.stderr]
    for label, fmt in (("env", "jsonl"), ("arg", "parquet"), ("arg", "csv")):
        exported = ok(evalkit("export", label, "--db", "results.duckdb", "--format", fmt,
                              "-o", f"export-{label}.{fmt}", cwd=folder))
        assert (folder / f"export-{label}.{fmt}").stat().st_size > 0
        outputs += [exported.stdout, exported.stderr]
    listing = ok(evalkit("runs", "--db", "results.duckdb", cwd=folder))
    outputs += [listing.stdout, listing.stderr]

    options = dict(query(folder / "results.duckdb", "SELECT label, options->>'$.backend.api_key' FROM runs"))
    assert options == {"env": None, "arg": "***"}
    assert_nowhere(folder, [env_key, arg_key], outputs)


def test_litellm_path_key_is_not_stored_either(qa_smoke, srv, capfd):
    folder = qa_smoke.parent
    key = new_key("litellm")
    summary = run_suite(load_suite(qa_smoke), RunConfig(
        model=MODEL, model_args=api_options(srv, key=key, via="litellm"),
        db=str(folder / "results.duckdb"), label="lit", cache=False,
        retry=RetryPolicy(max_retries=0)))
    assert summary.errors == 0
    assert srv.stats()["auth"] == {f"Bearer {key}": 3}
    captured = capfd.readouterr()
    assert_nowhere(folder, [key], [captured.out, captured.err])


def test_rejected_key_is_an_error_row_without_the_key(qa_smoke, srv, capfd):
    folder = qa_smoke.parent
    key, required = new_key("wrong"), new_key("right")
    srv.config(require_key=required)
    proc = ok(evalkit("run", "qa-smoke.yaml", "--model", MODEL, *api_args(srv, key=key),
                      "--db", "results.duckdb", "--label", "native", cwd=folder))
    assert "3 errors" in proc.stdout
    # the same through real litellm, whose exceptions carry their own wording
    run_suite(load_suite(qa_smoke), RunConfig(
        model=MODEL, model_args=api_options(srv, key=key, via="litellm"),
        db=str(folder / "results.duckdb"), label="litellm", retry=RetryPolicy(max_retries=0)))
    assert srv.stats()["statuses"] == {"401": 6}

    errors = query(folder / "results.duckdb", "SELECT r.label, x.error, x.attempts FROM results x "
                   "JOIN runs r USING (run_id) ORDER BY r.label")
    assert len(errors) == 6
    for label, error, attempts in errors:
        assert attempts == 1, "a rejected key is not retried"
        assert "Incorrect API key" in error, error
        if label == "native":
            assert error == "HTTP 401: Incorrect API key provided."
        else:
            assert "AuthenticationError" in error, error
    shown = ok(evalkit("show", "native", "--db", "results.duckdb", cwd=folder))
    assert "Incorrect API key" in shown.stdout
    captured = capfd.readouterr()
    assert_nowhere(folder, [key], [proc.stdout, proc.stderr, shown.stdout, captured.out, captured.err])


def test_secret_in_a_pipeline_error_is_masked(tmp_path):
    """A credential from the environment that shows up in an error message is masked."""
    token = f"tok-{secrets.token_hex(16)}"
    (tmp_path / "leaky.py").write_text(textwrap.dedent("""
        import os

        def answer(prompt):
            raise PermissionError("backend refused token " + os.environ["SEARCH_SERVICE_TOKEN"])
    """), encoding="utf-8")
    (tmp_path / "s.yaml").write_text("suite: s\nprompt: '{{ q }}'\ncases:\n  - {id: a, q: hi}\n"
                                     "scorers:\n  - type: exact\n", encoding="utf-8")
    proc = ok(evalkit("run", "s.yaml", "--model", "python/leaky:answer", "--db", "s.duckdb",
                      "--label", "s", cwd=tmp_path, env=clean_env(SEARCH_SERVICE_TOKEN=token)))
    assert_no_traceback(proc.stderr)
    [(error,)] = query(tmp_path / "s.duckdb", "SELECT error FROM results")
    assert error == "PermissionError: backend refused token ***"
    shown = ok(evalkit("show", "s", "--db", "s.duckdb", cwd=tmp_path))
    assert "refused token ***" in shown.stdout
    assert_nowhere(tmp_path, [token], [proc.stdout, proc.stderr, shown.stdout])
