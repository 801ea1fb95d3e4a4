"""The plugin's options: command line > environment variable > ini option > default.

Paths given on the command line or in the environment are relative to the directory pytest
was started in; ini paths to the ini file's directory; defaults to the rootdir.
"""
from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DEFAULT_SUITES = ["suites/**/*.yaml", "suites/**/*.yml"]
DEFAULT_DB = "reports/evalkit.duckdb"
DEFAULT_LABEL = "pytest"
NO_MODEL = ("no evalkit model configured: set --evalkit-model, EVALKIT_MODEL "
            "or the evalkit_model ini option")

# option dest -> (environment variable, ini name)
TWINS = {
    "evalkit_model": ("EVALKIT_MODEL", "evalkit_model"),
    "evalkit_baseline": ("EVALKIT_BASELINE", "evalkit_baseline"),
    "evalkit_db": ("EVALKIT_DB", "evalkit_db"),
    "evalkit_report": ("EVALKIT_REPORT", "evalkit_report"),
    "evalkit_label": ("EVALKIT_LABEL", "evalkit_label"),
    "evalkit_executor": ("EVALKIT_EXECUTOR", "evalkit_executor"),
    "evalkit_ray_address": ("EVALKIT_RAY_ADDRESS", "evalkit_ray_address"),
    "evalkit_shard": ("EVALKIT_SHARD", "evalkit_shard"),
    "evalkit_fail_on": ("EVALKIT_FAIL_ON", "evalkit_fail_on"),
    "evalkit_allow_subset": ("EVALKIT_ALLOW_SUBSET", "evalkit_allow_subset"),
    "evalkit_sequential": ("EVALKIT_SEQUENTIAL", "evalkit_sequential"),
    "evalkit_max_cost": ("EVALKIT_MAX_COST", "evalkit_max_cost"),
    "evalkit_max_tokens": ("EVALKIT_MAX_TOKENS", "evalkit_max_tokens"),
    "evalkit_max_calls": ("EVALKIT_MAX_CALLS", "evalkit_max_calls"),
}
CAPS = {"evalkit_max_cost": float, "evalkit_max_tokens": int, "evalkit_max_calls": int}
FAIL_ON = ("no", "inconclusive", "never")
EXECUTORS = ("local", "ray")
TRUE = ("1", "true", "yes", "on")


def _flag(group, name: str, *, help: str, default: bool | None = None) -> None:
    """--evalkit-NAME as an on/off flag; default None lets the env and ini decide."""
    group.addoption(f"--evalkit-{name}", dest="evalkit_" + name.replace("-", "_"),
                    action="store_true", default=default, help=help)


def addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("evalkit", "evalkit suites as tests (docs/pytest-plugin.md)")
    group.addoption("--evalkit-model", dest="evalkit_model", default=None, metavar="BACKEND/MODEL",
                    help="model the suites run against (env EVALKIT_MODEL, ini evalkit_model)")
    group.addoption("--evalkit-model-option", dest="evalkit_model_options", action="append",
                    default=[], metavar="KEY=VALUE",
                    help="a model option such as api_base=URL; repeatable (env "
                         "EVALKIT_MODEL_OPTIONS, ini evalkit_model_options)")
    group.addoption("--evalkit-var", dest="evalkit_vars", action="append", default=[],
                    metavar="KEY=VALUE",
                    help="set a template var a suite declares under 'vars:', e.g. prompt=v2; "
                         "repeatable (env EVALKIT_VARS, ini evalkit_vars)")
    group.addoption("--evalkit-baseline", dest="evalkit_baseline", default=None, metavar="REF",
                    help="compare each suite's run with this baseline name, label or run id "
                         "and add a regression item per suite (env EVALKIT_BASELINE)")
    group.addoption("--evalkit-fail-on", dest="evalkit_fail_on", default=None, choices=FAIL_ON,
                    help="the regression item fails when the swap answer is 'no' (default), "
                         "also when it is 'inconclusive', or never (env EVALKIT_FAIL_ON, ini "
                         "evalkit_fail_on)")
    _flag(group, "allow-subset", help="compare only the cases both runs have, e.g. with -k "
          "(env EVALKIT_ALLOW_SUBSET=1, ini evalkit_allow_subset)")
    _flag(group, "sequential", help="with a baseline: run each suite's cases in a seeded random "
          "order, in batches, and stop once an anytime-valid test on the primary metric decides "
          "(env EVALKIT_SEQUENTIAL=1, ini evalkit_sequential)")
    for flag, what in (("cost", "USD"), ("tokens", "N"), ("calls", "N")):
        group.addoption(f"--evalkit-max-{flag}", dest=f"evalkit_max_{flag}", default=None,
                        metavar=what, help=f"stop dispatching a suite's cases before a batch "
                        f"would pass this many {flag} per run (env EVALKIT_MAX_{flag.upper()}, "
                        f"ini evalkit_max_{flag}; default: the suite's budget.max_{flag})")
    group.addoption("--evalkit-db", dest="evalkit_db", default=None, metavar="PATH",
                    help=f"results database (env EVALKIT_DB; default {DEFAULT_DB})")
    group.addoption("--evalkit-report", dest="evalkit_report", default=None, metavar="PATH",
                    help="write an HTML report of the session's runs (env EVALKIT_REPORT)")
    group.addoption("--evalkit-label", dest="evalkit_label", default=None, metavar="LABEL",
                    help=f"label of the stored runs (env EVALKIT_LABEL; default {DEFAULT_LABEL})")
    group.addoption("--evalkit-shard", dest="evalkit_shard", default=None, metavar="I/N",
                    help="run shard I of N of every suite: a deterministic 1/N of the cases, by "
                         "case id; fold the shards' databases with `evalkit merge` (env "
                         "EVALKIT_SHARD, ini evalkit_shard)")
    _flag(group, "update-golden", default=False, help="write golden answers from the current "
          "outputs (env EVALKIT_UPDATE_GOLDEN=1)")
    _flag(group, "no-cache", default=False, help="call the model even when a response is cached")
    group.addoption("--evalkit-executor", dest="evalkit_executor", default=None,
                    choices=EXECUTORS, help="where model calls run: local, or ray (replicas on "
                    "a Ray cluster; env EVALKIT_EXECUTOR, ini evalkit_executor)")
    group.addoption("--evalkit-ray-address", dest="evalkit_ray_address", default=None,
                    metavar="auto|ray://HOST:PORT", help="Ray cluster for the ray executor "
                    "(env EVALKIT_RAY_ADDRESS; default: start a local one)")
    _flag(group, "allow-outside-files", default=False,
          help="let suites read files outside their folder and project (env "
          "EVALKIT_ALLOW_OUTSIDE_FILES=1): only for suites you trust")
    parser.addini("evalkit_suites", "globs (relative to the rootdir) of suite files collected "
                  "as tests", type="linelist", default=list(DEFAULT_SUITES))
    parser.addini("evalkit_model", "model the suites run against (BACKEND/MODEL)", default="")
    parser.addini("evalkit_model_options", "model options, one KEY=VALUE a line",
                  type="linelist", default=[])
    parser.addini("evalkit_vars", "suite template vars, one KEY=VALUE a line", type="linelist",
                  default=[])
    parser.addini("evalkit_baseline", "baseline name, label or run id to compare with", default="")
    parser.addini("evalkit_db", f"results database (default {DEFAULT_DB})", default="")
    parser.addini("evalkit_fail_on", "no | inconclusive | never: which swap answers fail the "
                  "regression item (default no)", default="")
    parser.addini("evalkit_allow_subset", "compare only the cases both runs have (true/false)",
                  default="")
    parser.addini("evalkit_report", "HTML report written at the end of the session", default="")
    parser.addini("evalkit_label", f"label of the stored runs (default {DEFAULT_LABEL})",
                  default="")
    parser.addini("evalkit_executor", "where model calls run: local (default) or ray",
                  default="")
    parser.addini("evalkit_ray_address", "Ray cluster for the ray executor", default="")
    parser.addini("evalkit_shard", "run shard I/N of every suite", default="")
    parser.addini("evalkit_sequential", "stop each suite once the comparison with the "
                  "baseline is decided (true/false)", default="")
    for flag in ("cost", "tokens", "calls"):
        parser.addini(f"evalkit_max_{flag}", f"largest {flag} per run", default="")


@dataclass(frozen=True)
class Settings:
    model: str | None
    model_args: dict[str, Any] = field(default_factory=dict)
    baseline: str | None = None
    db: Path = Path(DEFAULT_DB)
    report: Path | None = None
    label: str = DEFAULT_LABEL
    update_golden: bool = False
    cache: bool = True
    suites: tuple[str, ...] = tuple(DEFAULT_SUITES)
    vars: dict[str, str] = field(default_factory=dict)  # overrides of the suites' declared vars
    executor: str = "local"
    ray_address: str | None = None
    shard: Any = None  # a ShardSpec (evalkit.suite.shard): this session runs one shard
    fail_on: str = "no"  # which swap answers fail the regression item
    allow_subset: bool = False
    sequential: bool = False  # stop each suite once the comparison is decided
    caps: tuple = (None, None, None)  # max cost, tokens, calls per run (None: the suite's)


def _ini_dir(config: pytest.Config) -> Path:
    return Path(config.inipath).parent if config.inipath else Path(config.rootpath)


def _value(config: pytest.Config, dest: str) -> tuple[str | None, Path]:
    """The option's value and the directory a relative path in it is relative to."""
    env, ini = TWINS[dest]
    given = config.getoption(dest, None)
    if given:
        return given, config.invocation_params.dir
    if os.environ.get(env):
        return os.environ[env], config.invocation_params.dir
    value = config.getini(ini)
    if value:
        return str(value).strip(), _ini_dir(config)
    return None, Path(config.rootpath)


def _path(config: pytest.Config, dest: str, default: str | None) -> Path | None:
    value, base = _value(config, dest)
    value = value or default
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def model_args(config: pytest.Config) -> dict[str, Any]:
    """ini < environment < command line, key by key."""
    from ..backends.base import parse_model_args
    from ..redact import register_environment

    pairs = [p.strip() for p in config.getini("evalkit_model_options") if p.strip()]
    pairs += shlex.split(os.environ.get("EVALKIT_MODEL_OPTIONS", ""))
    pairs += list(config.getoption("evalkit_model_options", None) or [])
    register_environment()  # keys are masked in every failure this plugin prints
    return parse_model_args(pairs)  # registers the keys, headers and URL credentials given


def suite_vars(config: pytest.Config) -> dict[str, str]:
    """ini < environment < command line, key by key, like model options."""
    pairs = [p.strip() for p in config.getini("evalkit_vars") if p.strip()]
    pairs += shlex.split(os.environ.get("EVALKIT_VARS", ""))
    pairs += list(config.getoption("evalkit_vars", None) or [])
    if not pairs:  # the suite loader (pydantic, yaml) loads only when a suite is collected
        return {}
    from ..errors import UsageError
    from ..suite.loader import parse_vars

    try:
        return parse_vars(pairs, flag="--evalkit-var")
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None


def executor(config: pytest.Config) -> str:
    value = (_value(config, "evalkit_executor")[0] or "local").strip().lower()
    if value not in EXECUTORS:
        raise pytest.UsageError(f"evalkit executor '{value}' (EVALKIT_EXECUTOR or the "
                                f"evalkit_executor ini option): choose {' or '.join(EXECUTORS)}")
    return value


def shard(config: pytest.Config):
    """The --evalkit-shard I/N spec, or None."""
    value = _value(config, "evalkit_shard")[0]
    if not value:
        return None
    from ..errors import UsageError
    from ..suite.shard import ShardSpec

    try:
        return ShardSpec.parse(value, flag="--evalkit-shard")
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None


def fail_on(config: pytest.Config) -> str:
    value = (_value(config, "evalkit_fail_on")[0] or "no").strip().lower()
    if value not in FAIL_ON:
        raise pytest.UsageError(f"evalkit fail-on '{value}': expected one of {', '.join(FAIL_ON)}")
    return value


def allow_subset(config: pytest.Config) -> bool:
    value = _value(config, "evalkit_allow_subset")[0]
    return value is True or str(value or "").strip().lower() in TRUE


def sequential(config: pytest.Config) -> bool:
    value = _value(config, "evalkit_sequential")[0]
    return value is True or str(value or "").strip().lower() in TRUE


def caps(config: pytest.Config) -> tuple:
    """(max cost, max tokens, max calls); a value that is no number is a usage error."""
    found = []
    for dest, kind in CAPS.items():
        value = _value(config, dest)[0]
        try:
            number = None if value in (None, "") else kind(value)
        except ValueError:
            number = -1
        if number is not None and number < 0:
            raise pytest.UsageError(f"--{dest.replace('_', '-')} {value!r}: expected a number "
                                    f"≥ 0 (or set it in the suite's budget:)")
        found.append(number)
    return tuple(found)


def settings(config: pytest.Config) -> Settings:
    update = bool(config.getoption("evalkit_update_golden", False)) or \
        os.environ.get("EVALKIT_UPDATE_GOLDEN", "").strip().lower() in TRUE
    return Settings(
        model=_value(config, "evalkit_model")[0],
        model_args=model_args(config),
        baseline=_value(config, "evalkit_baseline")[0],
        db=_path(config, "evalkit_db", DEFAULT_DB).resolve(),
        report=(lambda p: p.resolve() if p else None)(_path(config, "evalkit_report", None)),
        label=_value(config, "evalkit_label")[0] or DEFAULT_LABEL,
        update_golden=update,
        cache=not config.getoption("evalkit_no_cache", False),
        suites=tuple(config.getini("evalkit_suites") or DEFAULT_SUITES),
        vars=suite_vars(config),
        executor=executor(config),
        ray_address=_value(config, "evalkit_ray_address")[0],
        shard=shard(config),
        fail_on=fail_on(config),
        allow_subset=allow_subset(config),
        sequential=sequential(config),
        caps=caps(config),
    )
