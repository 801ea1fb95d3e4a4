"""What else changed between two runs besides the model.

Each difference is a row: item, baseline, candidate, and `part`:
  model        the thing being compared (model reference, fingerprint, backend options
               such as api_base or a pipeline's path): expected to differ;
  setup        anything else that changes outcomes: prompt template, generation options,
               suite file, cases (dataset hash), scorers and their parameters, the judge,
               samples, seed, slices, gates, evalkit version, backend. `--strict` fails on these;
  environment  informational: git commit, Python, platform, package versions;
  status       a run that did not complete.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..store.records import RunRecord

MODEL, SETUP, ENVIRONMENT, STATUS = "model", "setup", "environment", "status"
JUDGE_KEYS = ("model", "judge", "judge_model")  # scorer params naming the model that judges


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _model_name(model_ref: str, backend: str) -> str:
    prefix = f"{backend}/"
    return model_ref.removeprefix(prefix)


def dict_changes(before: Any, after: Any, prefix: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(dotted key, before, after) for every leaf that differs between two JSON values."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            yield from dict_changes(before.get(key), after.get(key), f"{prefix}{key}.")
    elif before != after:
        yield prefix.rstrip("."), before, after


def _same_scorer_type(a: Any, b: Any) -> bool:
    """Runs recorded the class name (`ExactScorer`) before they recorded the registry name
    (`exact`): an old run and a new one with the same scorer are not a setup change."""
    if a == b:
        return True
    from ..registry import UnknownPluginError, scorer_class

    for old, new in ((a, b), (b, a)):
        try:
            if isinstance(new, str) and scorer_class(new).__name__ == old:
                return True
        except UnknownPluginError:
            pass
    return False


def _scorer_rows(before: list, after: list) -> Iterator[tuple[str, Any, Any]]:
    old = {s.get("name"): s for s in before or []}
    new = {s.get("name"): s for s in after or []}
    for name in sorted(set(old) | set(new), key=str):
        a, b = old.get(name), new.get(name)
        if a is None or b is None:
            yield f"scorer {name}", "-" if a is None else a.get("type"), \
                "-" if b is None else b.get("type")
            continue
        if not _same_scorer_type(a.get("type"), b.get("type")):
            yield f"scorer {name} type", a.get("type"), b.get("type")
        for key, x, y in dict_changes(a.get("params") or {}, b.get("params") or {}):
            label = "judge" if key in JUDGE_KEYS else "scorer parameter"
            yield f"{label} {name}.{key}", x, y


def manifest_rows(base: RunRecord, cand: RunRecord) -> list[dict]:
    rows: list[dict] = []

    def add(item: str, a: Any, b: Any, part: str) -> None:
        if a != b:
            rows.append({"item": item, "baseline": "-" if a is None else _short(a),
                         "candidate": "-" if b is None else _short(b), "part": part,
                         "strict": part == SETUP})

    add("model", _model_name(base.model_ref, base.backend),
        _model_name(cand.model_ref, cand.backend), MODEL)
    add("model fingerprint", (base.fingerprint or "")[:16],
        (cand.fingerprint or "")[:16], MODEL)
    opts_a, opts_b = base.options or {}, cand.options or {}
    for key, a, b in dict_changes(opts_a.get("backend") or {}, opts_b.get("backend") or {}):
        add(f"backend option {key}", a, b, MODEL)
    add("backend", base.backend, cand.backend, SETUP)
    add("prompt template", (base.prompt_hash or "")[:12], (cand.prompt_hash or "")[:12],
        SETUP)
    given = set(opts_a.get("overrides") or ()) | set(opts_b.get("overrides") or ())
    for key, a, b in dict_changes(opts_a.get("generation") or {}, opts_b.get("generation") or {}):
        add(f"option {key}" + (" (-O)" if key in given else ""), a, b, SETUP)
    for key, a, b in dict_changes(opts_a.get("vars") or {}, opts_b.get("vars") or {}):
        add(f"suite var {key}", a, b, SETUP)
    add("suite file", base.suite_hash[:12], cand.suite_hash[:12], SETUP)
    add("cases (dataset hash)", (base.cases_hash or "")[:12],
        (cand.cases_hash or "")[:12], SETUP)
    for item, a, b in _scorer_rows(base.scorers, cand.scorers):
        add(item, a, b, SETUP)
    for key in ("samples", "seed", "slices", "gates"):
        add(key, getattr(base, key), getattr(cand, key), SETUP)
    prov_a, prov_b = base.provenance or {}, cand.provenance or {}
    add("evalkit version", prov_a.get("evalkit_version"), prov_b.get("evalkit_version"), SETUP)
    git_a, git_b = prov_a.get("git") or {}, prov_b.get("git") or {}
    add("git commit", _commit(git_a), _commit(git_b), ENVIRONMENT)
    for key in ("python", "platform"):
        add(key, prov_a.get(key), prov_b.get(key), ENVIRONMENT)
    for key, a, b in dict_changes(prov_a.get("packages") or {}, prov_b.get("packages") or {}):
        if key != "evalkit":
            add(f"package {key}", a, b, ENVIRONMENT)
    if base.status != "completed" or cand.status != "completed":
        rows.append({"item": "run status", "baseline": base.status,
                     "candidate": cand.status, "part": STATUS, "strict": False})
    return rows


def _commit(git: dict) -> str | None:
    if not git.get("commit"):
        return None
    return git["commit"][:10] + (" (dirty)" if git.get("dirty") else "")
