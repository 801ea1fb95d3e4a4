"""Files a scorer's parameters name (schemas, rubrics, golden answers), checked at load time.

Paths are relative to the suite file and must stay inside the suite's folder or project
(`evalkit.file_scope`: regular files of bounded size only). A missing, refused or
unreadable file, or one that is not valid JSON, raises ValueError inside the parameter's
validator, so the suite loader reports it at the parameter's file:line before any model is
called.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationInfo

from ..file_scope import FileScope, read_capped


def suite_dir(info: ValidationInfo | None) -> Path:
    context = (info.context if info is not None else None) or {}
    return Path(context.get("suite_dir") or ".")


def resolve(value: str, info: ValidationInfo | None, what: str) -> Path:
    """The file `value` names (relative to the suite); ValueError if it is not one the
    suite may read."""
    return resolve_in(suite_dir(info), value, what)


def resolve_in(base: Path, value: str, what: str) -> Path:
    return FileScope.of(base).check(Path(base) / value, what)


def stamp(path: Path) -> tuple[str, int, int]:
    """A cache key that changes whenever the file does."""
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


def read_text(path: Path, what: str) -> str:
    try:
        return read_capped(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {what} {path}: {exc}") from None


@lru_cache(maxsize=256)
def _json_cached(key: tuple[str, int, int], what: str) -> Any:
    path = Path(key[0])
    text = read_text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} {path}:{exc.lineno}:{exc.colno}: invalid JSON: "
                         f"{exc.msg}") from None


def read_json(path: Path, what: str) -> Any:
    """A JSON file's value (cached while the file is unchanged); ValueError names file:line."""
    return _json_cached(stamp(path), what)


@lru_cache(maxsize=256)
def _jsonl_cached(key: tuple[str, int, int], what: str) -> tuple[tuple[int, Any], ...]:
    path = Path(key[0])
    records = []
    for number, line in enumerate(read_text(path, what).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{what} {path}:{number}:{exc.colno}: invalid JSON: "
                             f"{exc.msg}") from None
    return tuple(records)


def read_jsonl(path: Path, what: str) -> tuple[tuple[int, Any], ...]:
    """(line number, value) for each non-blank line of a JSONL file."""
    return _jsonl_cached(stamp(path), what)
