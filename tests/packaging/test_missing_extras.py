"""The base install leaves litellm, datasets, rouge-score and pyarrow out: a route that needs
one says which extra to install, in one line, before any case runs. The modules are made
unimportable in a child process (a meta-path blocker), which is what a base install is."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cli.helpers import REPO_ROOT, clean_env, write_jsonl

BLOCK = '''
import sys
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"No module named {{name!r}} (blocked by the test)")
        return None
sys.meta_path.insert(0, Blocker())
import importlib.util
_find_spec = importlib.util.find_spec
def find_spec(name, package=None):
    if name.split(".")[0] in {blocked!r}:
        return None
    return _find_spec(name, package)
importlib.util.find_spec = find_spec
from evalkit.cli.main import main
main({args!r})
'''


def _evalkit_without(blocked: set[str], *args: str, cwd) -> subprocess.CompletedProcess:
    code = BLOCK.format(blocked=sorted(blocked), args=list(args))
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=clean_env(),
                          capture_output=True, text=True, timeout=120)


def _suite(folder, scorer: str = "exact", cases: str = "cases.jsonl"):
    write_jsonl(folder / "cases.jsonl", [{"id": "a", "q": "x", "answer": "x"}])
    (folder / "s.yaml").write_text(f'suite: s\nprompt: "{{{{ q }}}}"\ncases:\n  from: {cases}\n'
                                   f"  target: answer\nscorers:\n  - type: {scorer}\n",
                                   encoding="utf-8")


@pytest.mark.parametrize("blocked, model, scorer, cases, extra", [
    ({"litellm"}, "litellm/anthropic/claude-x", "exact", "cases.jsonl", "litellm"),
    ({"rouge_score"}, "python/pipe:answer", "rouge", "cases.jsonl", "rouge"),
    ({"pyarrow"}, "python/pipe:answer", "exact", "cases.parquet", "parquet"),
])
def test_the_error_names_the_extra(tmp_path, blocked, model, scorer, cases, extra):
    _suite(tmp_path, scorer, cases)
    (tmp_path / "pipe.py").write_text("def answer(vars, options):\n    return vars['q']\n",
                                      encoding="utf-8")
    if cases.endswith(".parquet"):
        import duckdb

        duckdb.connect().execute(f"COPY (SELECT 'a' AS id, 'x' AS q, 'x' AS answer) TO "
                                 f"'{tmp_path / cases}' (FORMAT parquet)")
    done = _evalkit_without(blocked, "run", "s.yaml", "-m", model, "-M", "path=.", "--db",
                            str(tmp_path / "r.duckdb"), cwd=tmp_path)
    assert done.returncode in (2, 3), done.stderr
    assert f"fix: pip install 'evalkit[{extra}]'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_hugging_face_cases_name_the_datasets_extra(tmp_path):
    (tmp_path / "s.yaml").write_text('suite: s\nprompt: "{{ q }}"\ncases:\n  hf: json\n'
                                     "  data_files: cases.jsonl\n  target: answer\n"
                                     "scorers:\n  - type: exact\n", encoding="utf-8")
    write_jsonl(tmp_path / "cases.jsonl", [{"id": "a", "q": "x", "answer": "x"}])
    done = _evalkit_without({"datasets"}, "run", "s.yaml", "-m", "python/pipe:answer",
                            "--db", str(tmp_path / "r.duckdb"), cwd=tmp_path)
    assert "fix: pip install 'evalkit[datasets]'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_the_base_routes_need_none_of_them(tmp_path):
    db = str(tmp_path / "r.duckdb")
    blocked = {"litellm", "datasets", "rouge_score", "pyarrow"}
    for args in (["run", "suites/examples/pipeline_quickstart.yaml", "-m",
                  "python/keyword_rag:answer", "-M", "path=suites/pipelines", "--label", "a"],
                 ["run", "suites/examples/pipeline_quickstart.yaml", "-m",
                  "python/keyword_rag:answer", "-M", "path=suites/pipelines", "-M", "style=terse",
                  "--label", "b"],
                 ["compare", "a", "b"], ["report", "a", "-o", str(tmp_path / "r.html")],
                 ["export", "a", "-o", str(tmp_path / "a.parquet")]):
        done = _evalkit_without(blocked, *args, "--db", db, cwd=REPO_ROOT)
        assert done.returncode == 0, (args, done.stderr)
