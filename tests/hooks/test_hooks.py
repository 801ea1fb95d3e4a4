"""The `evalkit.hooks` entry point: the example plugin of docs/examples/hooks, installed the way
pip installs a distribution (a .dist-info with entry_points.txt on the path), hears a real
`evalkit run` and `evalkit compare`. A hook that raises or cannot load never stops a run."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.cli.helpers import REPO_ROOT, clean_env, evalkit, ok

EXAMPLE = REPO_ROOT / "docs" / "examples" / "hooks" / "evalkit_jsonl_hook.py"
OTEL_EXAMPLE = REPO_ROOT / "docs" / "examples" / "hooks" / "evalkit_otel_hook.py"
PIPELINE = ["suites/examples/pipeline_quickstart.yaml", "-m", "python/keyword_rag:answer",
            "-M", "path=suites/pipelines"]
BROKEN = '''
class Raises:
    def run_started(self, event):
        raise RuntimeError("the tracing backend is down")
'''


def install(site: Path, name: str, entry: str, module: str, source: str) -> None:
    """What pip leaves behind for a plugin: its module and a dist-info naming the entry point."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(source, encoding="utf-8")
    info = site / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[evalkit.hooks]\n{entry}\n", encoding="utf-8")


def env_with(site: Path, **extra: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in [str(site), os.environ.get("PYTHONPATH", "")] if p)
    return clean_env(PYTHONPATH=path, **extra)


@pytest.fixture
def plugin(tmp_path):
    site = tmp_path / "site"
    install(site, "evalkit_jsonl_hook", "jsonl = evalkit_jsonl_hook:JsonLinesHook",
            "evalkit_jsonl_hook", EXAMPLE.read_text(encoding="utf-8"))
    return site


def two_runs_and_a_comparison(db: Path, env: dict[str, str]) -> None:
    """Runs a (9 of 9 pass) and b (7 of 9), then compare a b: inconclusive."""
    ok(evalkit("run", *PIPELINE, "--label", "a", "--db", db, cwd=REPO_ROOT, env=env))
    ok(evalkit("run", *PIPELINE, "-M", "style=terse", "--label", "b", "--db", db,
               cwd=REPO_ROOT, env=env))
    ok(evalkit("compare", "a", "b", "--db", db, cwd=REPO_ROOT, env=env))


def events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_example_plugin_hears_runs_results_and_comparisons(plugin, tmp_path):
    out, db = tmp_path / "events.jsonl", tmp_path / "r.duckdb"
    env = env_with(plugin, EVALKIT_JSONL_HOOK_PATH=str(out))
    two_runs_and_a_comparison(db, env)
    seen = events(out)
    kinds = [e["event"] for e in seen]
    assert kinds == (["run_started"] + ["result_stored"] * 9 + ["run_finished"]) * 2 + \
        ["comparison_made"]
    first, finished = seen[0], seen[10]
    assert first["label"] == "a" and first["cases"] == 9
    assert finished["status"] == "completed" and finished["passed"] == 9
    stored = [e for e in seen[:10] if e["event"] == "result_stored"]
    assert {e["case_id"] for e in stored} == {e["case_id"] for e in seen[12:21]}
    assert all(e["run_id"] == first["run_id"] and "contains" in e["scores"] for e in stored)
    compared = seen[-1]
    assert compared["answer"] == "inconclusive"
    assert compared["baseline_run"] == first["run_id"]
    overall = next(m for m in compared["metrics"] if m["metric"] == "passed")
    assert overall["pass_to_fail"] == 2 and overall["n"] == 9
    # EVALKIT_HOOKS=0 switches them off
    out.unlink()
    ok(evalkit("run", *PIPELINE, "--label", "c", "--db", db, cwd=REPO_ROOT,
               env=env_with(plugin, EVALKIT_JSONL_HOOK_PATH=str(out), EVALKIT_HOOKS="0")))
    assert not out.exists()


def test_a_failing_or_missing_hook_is_a_warning_not_a_failure(tmp_path):
    site = tmp_path / "site"
    install(site, "raises_hook", "raises = raises_hook:Raises", "raises_hook", BROKEN)
    info = next(site.glob("raises_hook-*.dist-info"))
    shutil.copytree(info, site / "gone_hook-0.1.dist-info")
    (site / "gone_hook-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: gone_hook\nVersion: 0.1\n", encoding="utf-8")
    (site / "gone_hook-0.1.dist-info" / "entry_points.txt").write_text(
        "[evalkit.hooks]\ngone = no_such_module:Hook\n", encoding="utf-8")
    done = ok(evalkit("run", *PIPELINE, "--db", tmp_path / "r.duckdb", cwd=REPO_ROOT,
                      env=env_with(site)))
    assert "9 passed" in done.stdout
    assert "the tracing backend is down" in done.stderr  # warnings reach stderr by default
    assert "no_such_module" in done.stderr


def test_the_opentelemetry_example_exports_real_spans(tmp_path):
    """The OpenTelemetry SDK itself (not a stand-in), its console exporter into a file."""
    pytest.importorskip("opentelemetry.sdk")
    site = tmp_path / "site"
    install(site, "evalkit_otel_hook", "otel = evalkit_otel_hook:OtelHook", "evalkit_otel_hook",
            OTEL_EXAMPLE.read_text(encoding="utf-8"))
    spans_file, db = tmp_path / "spans.jsonl", tmp_path / "r.duckdb"
    env = env_with(site, EVALKIT_OTEL_FILE=str(spans_file))
    two_runs_and_a_comparison(db, env)
    spans = events(spans_file)
    assert [s["name"] for s in spans] == ["evalkit run support-quickstart"] * 2 + [
        "evalkit compare support-quickstart"]
    first, second, compared = spans
    assert first["attributes"]["evalkit.label"] == "a" and first["attributes"]["evalkit.passed"] == 9
    assert second["attributes"]["evalkit.passed"] == 7
    assert [e["name"] for e in first["events"]] == ["result"] * 9
    assert compared["attributes"]["evalkit.answer"] == "inconclusive"
    assert compared["attributes"]["evalkit.candidate_run"] == second["attributes"]["evalkit.run_id"]
    assert first["resource"]["attributes"]["service.name"] == "evalkit"
