"""A small project for the everyday-ergonomics tests (issue 18): an echoing Python pipeline
and suites over it, run through the real `evalkit` command."""
from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import clean_env, evalkit, ok, query, write_suite

PIPELINE = '''
def answer(prompt, options):
    """Echo the prompt; `options` is how -O values reach a pipeline."""
    if prompt.startswith("boom"):
        raise RuntimeError("the retriever is down")
    return prompt
'''
MODEL = ("-m", "python/pipe:answer", "-M", "path=.")


def project(folder: Path) -> Path:
    (folder / "pipe.py").write_text(PIPELINE, encoding="utf-8")
    return folder


def cases(n: int, wrong: int = 0) -> list[dict]:
    """n echo cases; the last `wrong` of them expect another answer (they fail)."""
    return [{"id": f"c{i}", "question": f"q{i}", "answer": f"q{i}" if i < n - wrong else "nope"}
            for i in range(n)]


def run(folder: Path, suite: Path, *args, expect: int = 0):
    proc = evalkit("run", suite, *MODEL, "--db", folder / "e.duckdb", "--no-progress", *args,
                   cwd=folder, env=clean_env())
    if expect == 0:
        ok(proc)
    else:
        assert proc.returncode == expect, f"{proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def cli(folder: Path, *args):
    db = () if args[0] == "validate" else ("--db", folder / "e.duckdb")
    return evalkit(*args, *db, cwd=folder, env=clean_env())


def run_ids(folder: Path) -> list[str]:
    return [r for (r,) in query(folder / "e.duckdb", "SELECT run_id FROM runs ORDER BY started_at")]


__all__ = ["MODEL", "cases", "cli", "project", "run", "run_ids", "write_suite"]
