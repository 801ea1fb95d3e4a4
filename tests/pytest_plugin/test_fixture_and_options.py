"""The `evalkit` fixture, and option precedence: command line > environment > ini."""
from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.pytest_plugin.options import settings

EVAL_TESTS = '''
import pytest

pytest_plugins = ["pytester"]


def test_generate_and_score(evalkit):
    out = evalkit.generate("Paris")
    assert out == "Paris"
    assert evalkit.score("contains", out, target="Paris").passed
    score = evalkit.score("exact", "Rome", target="Roma")
    assert not score.passed and "differs from the target" in score.explanation
    assert evalkit.score("regex", "order 123", pattern=r"\\d+").passed


def test_scorer_parameters_are_checked(evalkit):
    with pytest.raises(ValueError, match="invalid parameters"):
        evalkit.score("exact", "x", target="x", no_such_param=1)
'''


def test_the_fixture_generates_with_the_ini_model_and_scores(project):
    project.write("pytest.ini", f"""
        [pytest]
        evalkit_model = openai/from-ini
        evalkit_model_options =
            api_base={project.server.base_url}
            api_key=sk-test
        """)
    project.write("test_evals.py", EVAL_TESTS)
    result = project.run(model=None)
    result.assert_outcomes(passed=2)
    assert project.server.stats()["by_prompt"] == {"Paris": 1}


def test_without_a_model_generate_skips_and_score_still_works(project):
    project.write("test_evals.py", EVAL_TESTS)
    result = project.run(model=None)
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED *no evalkit model configured: set --evalkit-model, "
                                 "EVALKIT_MODEL or the evalkit_model ini option"])


def test_command_line_beats_environment_beats_ini(pytester, monkeypatch):
    for key in ("EVALKIT_MODEL", "EVALKIT_DB", "EVALKIT_BASELINE", "EVALKIT_REPORT",
                "EVALKIT_LABEL", "EVALKIT_MODEL_OPTIONS", "EVALKIT_UPDATE_GOLDEN"):
        monkeypatch.delenv(key, raising=False)
    pytester.makeini("""
        [pytest]
        evalkit_model = openai/ini
        evalkit_db = data/ini.duckdb
        evalkit_baseline = ini-base
        evalkit_model_options =
            api_base=http://ini
            temperature=0
        """)
    root = Path(pytester.path)
    ini = settings(pytester.parseconfig())
    assert (ini.model, ini.baseline, ini.db, ini.label) == (
        "openai/ini", "ini-base", root / "data" / "ini.duckdb", "pytest")
    assert ini.model_args == {"api_base": "http://ini", "temperature": 0}
    assert ini.report is None and not ini.update_golden

    monkeypatch.setenv("EVALKIT_MODEL", "openai/env")
    monkeypatch.setenv("EVALKIT_DB", "env.duckdb")
    monkeypatch.setenv("EVALKIT_MODEL_OPTIONS", "api_base=http://env")
    monkeypatch.setenv("EVALKIT_UPDATE_GOLDEN", "1")
    env = settings(pytester.parseconfig())
    assert (env.model, env.db, env.update_golden) == ("openai/env", root / "env.duckdb", True)
    assert env.model_args == {"api_base": "http://env", "temperature": 0}

    cli = settings(pytester.parseconfig("--evalkit-model", "openai/cli", "--evalkit-db", "c.duckdb",
                                        "--evalkit-model-option", "api_base=http://cli",
                                        "--evalkit-report", "r.html", "--evalkit-label", "ci"))
    assert (cli.model, cli.db, cli.report, cli.label) == (
        "openai/cli", root / "c.duckdb", root / "r.html", "ci")
    assert cli.model_args == {"api_base": "http://cli", "temperature": 0}


def test_fail_on_and_allow_subset_from_ini_environment_and_command_line(pytester, monkeypatch):
    for key in ("EVALKIT_FAIL_ON", "EVALKIT_ALLOW_SUBSET"):
        monkeypatch.delenv(key, raising=False)
    default = settings(pytester.parseconfig())
    assert (default.fail_on, default.allow_subset) == ("no", False)
    pytester.makeini("[pytest]\nevalkit_fail_on = inconclusive\nevalkit_allow_subset = true\n")
    ini = settings(pytester.parseconfig())
    assert (ini.fail_on, ini.allow_subset) == ("inconclusive", True)
    monkeypatch.setenv("EVALKIT_FAIL_ON", "never")
    assert settings(pytester.parseconfig()).fail_on == "never"
    cli = settings(pytester.parseconfig("--evalkit-fail-on", "no"))
    assert cli.fail_on == "no"
    monkeypatch.setenv("EVALKIT_FAIL_ON", "sometimes")
    with pytest.raises(pytest.UsageError, match="expected one of no, inconclusive, never"):
        settings(pytester.parseconfig())
